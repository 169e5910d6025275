package eval

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopmind/shopmind/recommend"
)

// Param is one hyper-parameter and the values the search tries; the first
// is the default.
type Param struct {
	Name   string
	Values []float64
	// ScoreOnly marks a parameter that only changes how a fitted model
	// scores (Algo.Adjust applies it without fitting again).
	ScoreOnly bool
}

// Point is one assignment of values to parameters.
type Point map[string]float64

// String renders p in the order of space: "window=8 decay=0.85".
func (p Point) String(space []Param) string {
	var b strings.Builder
	for i, s := range space {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s.Name)
		b.WriteByte('=')
		b.WriteString(strconv.FormatFloat(p[s.Name], 'g', -1, 64))
	}
	return b.String()
}

// Algo is an algorithm the harness can tune and evaluate.
type Algo struct {
	Name    string
	Summary string
	// Needs names the algorithms tuned before this one: a blend's parts,
	// or one whose chosen hyper-parameters this one starts from.
	Needs []string
	// UsesNeeds says that the models of Needs are part of this one (a
	// blend): its training time includes theirs.
	UsesNeeds bool
	// Space returns the hyper-parameters to search.
	Space func(env *Env) []Param
	// New returns an unfitted model for p. A blend takes its parts,
	// fitted, from env.Fitted.
	New func(ctx context.Context, env *Env, p Point) (recommend.Recommender, error)
	// Adjust, if set, returns the fitted model with the ScoreOnly
	// parameters of p, sharing what was fitted.
	Adjust func(fitted recommend.Recommender, p Point) recommend.Recommender
	// Skip, if set, says why the algorithm is left out of --algo all on
	// this data ("" to run it).
	Skip func(env *Env) string
	// SkipNamed leaves the algorithm out, with a note, even when it is
	// named: Skip says the data lacks what it needs, not that it is slow.
	SkipNamed bool
}

// Env is what an algorithm sees of the run.
type Env struct {
	Dataset  string
	NumItems int
	// Quick asks for a one-point search at the defaults (tests, smoke
	// runs).
	Quick bool
	r     *Runner
	data  *recommend.Data // what models are fitted on now: training, or training + validation
}

// Fitted returns the tuned model of algorithm name fitted on the data of the
// current phase (tuning it first if needed).
func (e *Env) Fitted(ctx context.Context, name string) (recommend.Recommender, error) {
	t, err := e.r.Tune(ctx, name)
	if err != nil {
		return nil, err
	}
	if e.data == e.r.Split.Train {
		return t.Model, nil
	}
	return e.r.refitted(ctx, t)
}

// Trial is one evaluated point of a search.
type Trial struct {
	Params       string
	Valid        Metrics
	TrainSeconds float64
	TrainCPU     float64 // CPU seconds of the fit (all threads)
}

// Tuned is the outcome of a search: the chosen point and its model fitted on
// the training data.
type Tuned struct {
	Algo         *Algo
	Space        []Param
	Point        Point
	Model        recommend.Recommender
	Valid        Metrics
	TrainSeconds float64 // fitting the chosen point once; for a blend, its parts too
	TrainCPU     float64 // the same in CPU seconds (0 where unknown)
	SearchTime   time.Duration
	Trials       []Trial
}

// Result is one algorithm's row of a report.
type Result struct {
	Algo         string
	Params       string
	Valid        Metrics
	Test         Metrics
	TrainSeconds float64 // wall-clock seconds of fitting the chosen configuration (a blend: its parts too)
	TrainCPU     float64 // CPU seconds of the same, all threads (0 where unknown)
	SearchTime   time.Duration
	Trials       int
	Refit        bool
}

// Runner tunes and evaluates algorithms on one split.
type Runner struct {
	Dataset string
	Split   *Split
	Eval    *Evaluator
	Algos   []Algo
	// Refit fits the chosen configuration again on training + validation
	// items before the test.
	Refit bool
	// Quick searches one point per algorithm (see Env.Quick).
	Quick bool
	// Rounds of the coordinate search (0: 2).
	Rounds int
	// K is the cut-off of the metric the search optimises: NDCG@K, then
	// HR@K (one of Ks; 0: 10).
	K int
	// Log, if not nil, receives progress lines.
	Log func(format string, args ...any)

	tuned   map[string]*Tuned
	refits  map[string]recommend.Recommender
	tuning  map[string]bool
	trainV  *recommend.Data
	validCs []Case
	testCs  []Case
}

// NewRunner returns a runner over split with the given algorithms.
func NewRunner(dataset string, split *Split, algos []Algo) *Runner {
	return &Runner{Dataset: dataset, Split: split, Eval: NewEvaluator(split.Train), Algos: algos}
}

func (r *Runner) logf(format string, args ...any) {
	if r.Log != nil {
		r.Log(format, args...)
	}
}

func (r *Runner) algo(name string) (*Algo, error) {
	for i := range r.Algos {
		if r.Algos[i].Name == name {
			return &r.Algos[i], nil
		}
	}
	var names []string
	for _, a := range r.Algos {
		names = append(names, a.Name)
	}
	return nil, fmt.Errorf("eval: unknown algorithm %q: use one of %s", name, strings.Join(names, ", "))
}

func (r *Runner) env(data *recommend.Data) *Env {
	return &Env{Dataset: r.Dataset, NumItems: r.Split.Train.NumItems(), Quick: r.Quick, r: r, data: data}
}

// SkipReason says why name is left out of a run of all algorithms, or "".
func (r *Runner) SkipReason(name string) string {
	a, err := r.algo(name)
	if err != nil || a.Skip == nil {
		return ""
	}
	return a.Skip(r.env(r.Split.Train))
}

// better orders metrics by NDCG@K, then HR@K, then MRR.
func (r *Runner) better(a, b Metrics) bool {
	k := kIndex(r.K)
	if a.NDCG[k] != b.NDCG[k] {
		return a.NDCG[k] > b.NDCG[k]
	}
	if a.HR[k] != b.HR[k] {
		return a.HR[k] > b.HR[k]
	}
	return a.MRR > b.MRR
}

// Tune searches the hyper-parameters of name on the validation item: a
// coordinate search that starts at the defaults and, parameter by
// parameter, moves to the best of its values, for Rounds rounds or until a
// round changes nothing. Points are compared by NDCG@K, then HR@K, then
// MRR (K = Runner.K, 10 by default); on a tie the earlier point stays. The
// result is cached.
func (r *Runner) Tune(ctx context.Context, name string) (*Tuned, error) {
	if t, ok := r.tuned[name]; ok {
		return t, nil
	}
	a, err := r.algo(name)
	if err != nil {
		return nil, err
	}
	if r.tuning[name] {
		return nil, fmt.Errorf("eval: %s needs itself", name)
	}
	if r.tuning == nil {
		r.tuning, r.tuned, r.refits = map[string]bool{}, map[string]*Tuned{}, map[string]recommend.Recommender{}
	}
	r.tuning[name] = true
	defer delete(r.tuning, name)
	var needSecs, needCPU float64
	for _, dep := range a.Needs {
		t, err := r.Tune(ctx, dep)
		if err != nil {
			return nil, err
		}
		if a.UsesNeeds {
			needSecs += t.TrainSeconds
			needCPU += t.TrainCPU
		}
	}
	if r.validCs == nil {
		r.validCs = r.Split.Valid()
	}
	env := r.env(r.Split.Train)
	space := a.Space(env)
	start := time.Now()

	type fitted struct {
		key       string
		model     recommend.Recommender
		secs, cpu float64
	}
	var cache []fitted // the fitted models of the best point and of the latest one
	fitKey := func(p Point) string {
		var b strings.Builder
		for _, s := range space {
			if !s.ScoreOnly || a.Adjust == nil {
				fmt.Fprintf(&b, "%s=%v ", s.Name, p[s.Name])
			}
		}
		return b.String()
	}
	type scored struct {
		point     Point
		model     recommend.Recommender
		m         Metrics
		secs, cpu float64
	}
	seen := map[string]scored{} // evaluated points, without their models
	var best scored
	var trials []Trial
	evaluate := func(p Point) (scored, error) {
		label := p.String(space)
		if s, ok := seen[label]; ok {
			return s, nil
		}
		key := fitKey(p)
		var model recommend.Recommender
		var secs, cpu float64
		for _, f := range cache {
			if f.key == key {
				model, secs, cpu = a.Adjust(f.model, p), f.secs, f.cpu
			}
		}
		if model == nil {
			m, err := a.New(ctx, env, p)
			if err != nil {
				return scored{}, err
			}
			t0, c0 := time.Now(), cpuSeconds()
			if err := m.Fit(ctx, r.Split.Train); err != nil {
				return scored{}, fmt.Errorf("%s %s: %w", name, label, err)
			}
			secs = time.Since(t0).Seconds() + needSecs
			cpu = cpuSeconds() - c0 + needCPU
			model = m
			bestKey := ""
			if best.point != nil {
				bestKey = fitKey(best.point)
			}
			cache = slices.DeleteFunc(cache, func(f fitted) bool { return f.key != bestKey })
			cache = append(cache, fitted{key, m, secs, cpu})
		}
		met, err := r.Eval.Evaluate(ctx, model, r.validCs)
		if err != nil {
			return scored{}, err
		}
		s := scored{point: p, model: model, m: met, secs: secs, cpu: cpu}
		seen[label] = scored{point: p, m: met, secs: secs, cpu: cpu}
		trials = append(trials, Trial{Params: label, Valid: met, TrainSeconds: secs, TrainCPU: cpu})
		r.logf("  %-10s valid  HR@10 %.4f  NDCG@10 %.4f  fit %5.1fs (%5.1f CPU s)  %s", name, met.HR[1], met.NDCG[1], secs, cpu, label)
		return s, nil
	}

	start0 := Point{}
	for _, s := range space {
		start0[s.Name] = s.Values[0]
	}
	best, err = evaluate(start0)
	if err != nil {
		return nil, err
	}
	rounds := r.Rounds
	if rounds <= 0 {
		rounds = 2
	}
	for range rounds {
		moved := false
		for _, s := range space {
			for _, v := range s.Values {
				if v == best.point[s.Name] {
					continue
				}
				p := Point{}
				for k, x := range best.point {
					p[k] = x
				}
				p[s.Name] = v
				c, err := evaluate(p)
				if err != nil {
					return nil, err
				}
				if r.better(c.m, best.m) {
					best, moved = c, true
				}
			}
		}
		if !moved {
			break
		}
	}
	t := &Tuned{Algo: a, Space: space, Point: best.point, Model: best.model, Valid: best.m,
		TrainSeconds: best.secs, TrainCPU: best.cpu, SearchTime: time.Since(start), Trials: trials}
	r.tuned[name] = t
	r.logf("  %-10s chose %s (valid NDCG@10 %.4f, %d trials, %s)", name, best.point.String(space), best.m.NDCG[1], len(trials), t.SearchTime.Round(100*time.Millisecond))
	return t, nil
}

// refitted returns t's chosen point fitted on training + validation items.
func (r *Runner) refitted(ctx context.Context, t *Tuned) (recommend.Recommender, error) {
	if m, ok := r.refits[t.Algo.Name]; ok {
		return m, nil
	}
	if r.trainV == nil {
		r.trainV = r.Split.TrainValid()
	}
	m, err := t.Algo.New(ctx, r.env(r.trainV), t.Point)
	if err != nil {
		return nil, err
	}
	if err := m.Fit(ctx, r.trainV); err != nil {
		return nil, err
	}
	r.refits[t.Algo.Name] = m
	return m, nil
}

// Run tunes name (if not yet done) and scores the test item with the chosen
// configuration: the model fitted on training items, or with Refit, fitted
// again on training + validation items.
func (r *Runner) Run(ctx context.Context, name string) (Result, error) {
	t, err := r.Tune(ctx, name)
	if err != nil {
		return Result{}, err
	}
	model := t.Model
	if r.Refit {
		if model, err = r.refitted(ctx, t); err != nil {
			return Result{}, err
		}
	}
	if r.testCs == nil {
		r.testCs = r.Split.Test()
	}
	m, err := r.Eval.Evaluate(ctx, model, r.testCs)
	if err != nil {
		return Result{}, err
	}
	r.logf("  %-10s test   HR@10 %.4f  NDCG@10 %.4f", name, m.HR[1], m.NDCG[1])
	return Result{Algo: name, Params: t.Point.String(t.Space), Valid: t.Valid, Test: m,
		TrainSeconds: t.TrainSeconds, TrainCPU: t.TrainCPU, SearchTime: t.SearchTime, Trials: len(t.Trials), Refit: r.Refit}, nil
}

// finite replaces NaN and ±Inf by 0 for JSON.
func finite(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}
