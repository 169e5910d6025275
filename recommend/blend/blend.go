// Package blend owns the blender: a recommender whose score is a weighted sum
// of other recommenders' scores, each normalised per user first so that the
// weights mean the same for models whose scores live on different scales
// (transition probabilities, regression weights, counts).
//
// The weights are set in configuration or chosen by the evaluation harness
// (package recommend/eval) by grid search on the validation item.
//
// The blender is pure like its parts: no I/O, no store. Score is safe for
// concurrent use when the parts' Score is; it takes its scratch vector
// (NumItems float32) from a pool, so it allocates only while the pool warms
// up.
package blend

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/shopmind/shopmind/recommend"
)

// Norm is how a part's scores are normalised per user before weighting.
type Norm string

const (
	// None uses the scores as they are.
	None Norm = "none"
	// Max divides by the largest score among the items outside the
	// history (when it is positive), so the best candidate scores 1.
	Max Norm = "max"
	// ZScore subtracts the mean and divides by the standard deviation of
	// the scores over all items.
	ZScore Norm = "z"
)

// Norms lists the normalisations.
func Norms() []Norm { return []Norm{None, Max, ZScore} }

// Part is one model of the blend and its weight.
type Part struct {
	Model  recommend.Recommender
	Weight float64
}

// Model is the blend.
type Model struct {
	Parts []Part
	Norm  Norm
	// FitParts makes Fit fit every part on its data. Leave it false to
	// blend parts that are already fitted (on the same catalogue).
	FitParts bool

	pool sync.Pool // of *scratch
}

// scratch is the per-call working space of Score.
type scratch struct {
	buf   []float32
	saved []float32
}

// New returns a blend of parts, normalised by norm, whose parts are fitted
// by Fit.
func New(norm Norm, parts ...Part) *Model {
	return &Model{Parts: parts, Norm: norm, FitParts: true}
}

// Name is "blend(a,b,...)".
func (m *Model) Name() string {
	names := make([]string, len(m.Parts))
	for i, p := range m.Parts {
		names[i] = p.Model.Name()
	}
	return "blend(" + strings.Join(names, ",") + ")"
}

// Fit checks the configuration and fits the parts when FitParts is set.
func (m *Model) Fit(ctx context.Context, d *recommend.Data) error {
	switch m.Norm {
	case None, Max, ZScore:
	default:
		return fmt.Errorf("blend: unknown normalisation %q: use none, max or z", m.Norm)
	}
	if len(m.Parts) == 0 {
		return fmt.Errorf("blend: no parts")
	}
	for _, p := range m.Parts {
		if math.IsNaN(p.Weight) || math.IsInf(p.Weight, 0) {
			return fmt.Errorf("blend: weight of %s is %v", p.Model.Name(), p.Weight)
		}
		if m.FitParts {
			if err := p.Model.Fit(ctx, d); err != nil {
				return fmt.Errorf("blend: %s: %w", p.Model.Name(), err)
			}
		}
	}
	return nil
}

// Score writes Σ weight × normalised part score. Parts of weight 0 are not
// scored.
func (m *Model) Score(hist []recommend.Event, scores []float32) {
	clear(scores)
	sc, _ := m.pool.Get().(*scratch)
	if sc == nil {
		sc = &scratch{}
	}
	if len(sc.buf) != len(scores) {
		sc.buf = make([]float32, len(scores))
	}
	buf := sc.buf
	for _, p := range m.Parts {
		if p.Weight == 0 {
			continue
		}
		clear(buf)
		p.Model.Score(hist, buf)
		scale, shift := normalise(m.Norm, buf, hist, sc)
		w := float32(p.Weight * scale)
		s := float32(shift)
		for j, v := range buf {
			scores[j] += w * (v - s)
		}
	}
	m.pool.Put(sc)
}

// normalise returns (scale, shift) such that (v − shift)·scale is the
// normalised score.
func normalise(norm Norm, buf []float32, hist []recommend.Event, sc *scratch) (scale, shift float64) {
	switch norm {
	case Max:
		// The largest score outside the history: history items are set
		// aside for the scan and put back in reverse order (an item may
		// appear twice).
		ninf := float32(math.Inf(-1))
		sc.saved = sc.saved[:0]
		for _, e := range hist {
			if int(e.Item) < len(buf) {
				sc.saved = append(sc.saved, buf[e.Item])
				buf[e.Item] = ninf
			}
		}
		top := ninf
		for _, v := range buf {
			top = max(top, v)
		}
		k := len(sc.saved)
		for t := len(hist) - 1; t >= 0; t-- {
			if i := hist[t].Item; int(i) < len(buf) {
				k--
				buf[i] = sc.saved[k]
			}
		}
		if top > 0 && !math.IsInf(float64(top), 1) {
			return 1 / float64(top), 0
		}
		return 1, 0
	case ZScore:
		var sum, sq float64
		for _, v := range buf {
			sum += float64(v)
			sq += float64(v) * float64(v)
		}
		n := float64(len(buf))
		mean := sum / n
		sd := math.Sqrt(max(sq/n-mean*mean, 0))
		if sd > 0 {
			return 1 / sd, mean
		}
		return 1, mean
	}
	return 1, 0
}
