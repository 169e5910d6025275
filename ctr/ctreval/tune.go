package ctreval

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/shopmind/shopmind/ctr"
)

// Tuning. A Search is a grid of hyper-parameters of one model: dimensions,
// each a list of options that set one field of the model's configuration.
// Run explores it by coordinate descent on the validation part of a split:
// from the start point it tries every option of the first dimension with
// the others held, keeps the best, moves to the next dimension, and sweeps
// the dimensions again until a sweep changes nothing (or Rounds sweeps).
// Every candidate is fitted on Split.Train with Split.Valid for early
// stopping and scored on Split.Valid: the test part is never read. The
// search is deterministic for a split and the models' seeds.
//
// A point is compared by validation AUC (a difference under AUCTie counts
// as a tie, broken by the lower validation log loss); the noise of an AUC
// on a few thousand rows is around 0.005, so small wins are not
// meaningful and the comparison errs towards the earlier, simpler option.

// AUCTie is the difference of validation AUC below which Search treats two
// candidates as equal and prefers the lower log loss.
const AUCTie = 0.0005

// Option is one value of a search dimension: its label and how it sets the
// configuration.
type Option[C any] struct {
	Label string
	Set   func(*C)
}

// Dim is a dimension of a search: a name and its options.
type Dim[C any] struct {
	Name    string
	Options []Option[C]
	Start   int // the option the search starts from
}

// Values makes a dimension of the values vals, the first the start,
// labelled by fmt.Sprint.
func Values[C, V any](name string, set func(*C, V), vals ...V) Dim[C] {
	d := Dim[C]{Name: name}
	for _, v := range vals {
		d.Options = append(d.Options, Option[C]{Label: fmt.Sprint(v), Set: func(c *C) { set(c, v) }})
	}
	return d
}

// Search is a hyper-parameter grid of one model.
type Search[C any] struct {
	Model  string
	Base   func(d *Data) C // the configuration the options modify
	Dims   []Dim[C]
	New    func(c C) ctr.Model
	Rounds int // at most this many sweeps (0: 3)
}

// Trial is one evaluated candidate.
type Trial struct {
	Model   string
	Point   string  // "k=16 hidden=64,32 …", in dimension order
	Valid   Metrics // on the validation part
	Seconds float64 // wall-clock seconds of the fit
}

// TuneResult is the outcome of a search: the chosen configuration, its
// point and every trial in the order run.
type TuneResult[C any] struct {
	Best   C
	Point  string
	Valid  Metrics
	Trials []Trial
}

// better reports whether a beats b: a higher validation AUC by at least
// AUCTie, or a tie and a lower log loss.
func better(a, b Metrics) bool {
	if math.IsNaN(b.AUC) {
		return !math.IsNaN(a.AUC)
	}
	if d := a.AUC - b.AUC; math.Abs(d) >= AUCTie {
		return d > 0
	}
	return a.LogLoss < b.LogLoss
}

// config is the configuration of point p.
func (sr *Search[C]) config(d *Data, p []int) C {
	c := sr.Base(d)
	for k, dim := range sr.Dims {
		dim.Options[p[k]].Set(&c)
	}
	return c
}

func (sr *Search[C]) label(p []int) string {
	parts := make([]string, len(p))
	for k, dim := range sr.Dims {
		parts[k] = dim.Name + "=" + dim.Options[p[k]].Label
	}
	return strings.Join(parts, " ")
}

// Run searches the grid on s's validation part (see Search). log, if not
// nil, receives a line per trial.
func (sr *Search[C]) Run(ctx context.Context, d *Data, s *Split, log func(string, ...any)) (*TuneResult[C], error) {
	if len(s.Valid) == 0 {
		return nil, fmt.Errorf("ctreval: tuning %s needs a validation part", sr.Model)
	}
	rounds := sr.Rounds
	if rounds <= 0 {
		rounds = 3
	}
	labels := labelsOf(s.Valid, false)
	seen := map[string]Metrics{}
	res := &TuneResult[C]{}
	eval := func(p []int) (Metrics, error) {
		key := sr.label(p)
		if m, ok := seen[key]; ok {
			return m, nil
		}
		m := sr.New(sr.config(d, p))
		t0 := time.Now()
		if err := m.Fit(ctx, s.Train, s.Valid); err != nil {
			return Metrics{}, fmt.Errorf("%s %s: %w", sr.Model, key, err)
		}
		tr := Trial{Model: sr.Model, Point: key, Valid: metricsOf(predictAll(m, s.Valid), labels), Seconds: time.Since(t0).Seconds()}
		seen[key] = tr.Valid
		res.Trials = append(res.Trials, tr)
		if log != nil {
			log("%s %s: valid AUC %.4f log loss %.4f (%.1fs)", sr.Model, key, tr.Valid.AUC, tr.Valid.LogLoss, tr.Seconds)
		}
		return tr.Valid, nil
	}
	cur := make([]int, len(sr.Dims))
	for k, dim := range sr.Dims {
		cur[k] = dim.Start
	}
	best, err := eval(cur)
	if err != nil {
		return nil, err
	}
	for range rounds {
		moved := false
		for k, dim := range sr.Dims {
			for o := range dim.Options {
				if o == cur[k] {
					continue
				}
				p := slices.Clone(cur)
				p[k] = o
				m, err := eval(p)
				if err != nil {
					return nil, err
				}
				if better(m, best) {
					cur, best, moved = p, m, true
				}
			}
		}
		if !moved {
			break
		}
	}
	res.Best, res.Point, res.Valid = sr.config(d, cur), sr.label(cur), best
	return res, nil
}
