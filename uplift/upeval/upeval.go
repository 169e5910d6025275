// Package upeval evaluates uplift models on a randomised experiment: repeated
// stratified train/test splits, every model fitted on the training part and
// scored once on the test part by Qini coefficient, AUUC and uplift@30%,
// beside random and response-model targeting; text, JSON and HTML reports.
package upeval

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/shopmind/shopmind/uplift"
	"github.com/shopmind/shopmind/uplift/hillstrom"
)

// Baseline row names.
const (
	Random   = "random"
	Response = "response"
)

// Spec names a model and builds it for one split seed.
type Spec struct {
	Name string
	New  func(seed uint64) uplift.Model
}

func lr() uplift.Learner { return uplift.NewLogistic(uplift.LogisticOptions{L2: 1}) }

func gbtClassifier(seed uint64) func() uplift.Learner {
	return func() uplift.Learner {
		return uplift.NewGBT(uplift.GBTOptions{Trees: 100, Depth: 3, Shrinkage: 0.05, Subsample: 0.8, MinLeaf: 20, Seed: seed})
	}
}

func gbtRegressor(seed uint64) func() uplift.Learner {
	return func() uplift.Learner {
		return uplift.NewGBT(uplift.GBTOptions{Trees: 60, Depth: 2, Shrinkage: 0.05, Subsample: 0.8, MinLeaf: 400, Seed: seed + 1})
	}
}

// Models returns the uplift models the evaluation compares, in report order.
// The baselines random and response are always added.
func Models() []Spec {
	return []Spec{
		{"t-learner-lr", func(uint64) uplift.Model { return uplift.NewTLearner(lr) }},
		{"t-learner-gbt", func(s uint64) uplift.Model { return uplift.NewTLearner(gbtClassifier(s)) }},
		{"x-learner-lr", func(uint64) uplift.Model { return uplift.NewXLearner(lr, lr, nil) }},
		{"x-learner-gbt", func(s uint64) uplift.Model { return uplift.NewXLearner(gbtClassifier(s), gbtRegressor(s), nil) }},
		{"class-transformation", func(uint64) uplift.Model { return uplift.NewClassTransform(lr) }},
		{"uplift-tree-kl", func(s uint64) uplift.Model {
			return uplift.NewUpliftTree(uplift.TreeOptions{Criterion: "kl", MaxDepth: 4, MinLeaf: 300, Seed: s})
		}},
		{"uplift-tree-ed", func(s uint64) uplift.Model {
			return uplift.NewUpliftTree(uplift.TreeOptions{Criterion: "ed", MaxDepth: 4, MinLeaf: 300, Seed: s})
		}},
		{"uplift-forest", func(s uint64) uplift.Model {
			return uplift.NewUpliftForest(uplift.ForestOptions{Trees: 60, Tree: uplift.TreeOptions{Criterion: "ed", MaxDepth: 6, MinLeaf: 200}, Seed: s})
		}},
	}
}

// ModelNames lists Models' names.
func ModelNames() []string {
	var n []string
	for _, s := range Models() {
		n = append(n, s.Name)
	}
	return n
}

// Options configures Evaluate.
type Options struct {
	Dataset   string // "hillstrom"
	Path      string // file or directory; "" = the shared datasets directory
	Treatment string // womens | mens
	Outcome   string // visit | conversion | spend
	Seed      uint64
	Seeds     int      // splits (seeds Seed..Seed+Seeds-1); 0 means 1
	Models    []string // names, or ["all"] / nil for every model
	TestFrac  float64  // 0 means 0.3
	Specs     []Spec   // nil means Models()
	Log       func(format string, a ...any)
}

// Datasets lists the supported datasets.
func Datasets() []string { return []string{"hillstrom"} }

// DatasetsDir returns $SHOPMIND_DATASETS if set, else the first of
// ./datasets, ../shared/datasets and ../../shared/datasets that exists, else "".
func DatasetsDir() string {
	if d := os.Getenv("SHOPMIND_DATASETS"); d != "" {
		return d
	}
	for _, d := range []string{"datasets", filepath.Join("..", "shared", "datasets"), filepath.Join("..", "..", "shared", "datasets")} {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
	}
	return ""
}

// Load reads the dataset named by o.
func Load(o Options) (uplift.Dataset, error) {
	if o.Dataset != "hillstrom" {
		return uplift.Dataset{}, fmt.Errorf("upeval: unknown dataset %q; use one of %s", o.Dataset, strings.Join(Datasets(), ", "))
	}
	path := o.Path
	if path == "" {
		dir := DatasetsDir()
		if dir == "" {
			return uplift.Dataset{}, fmt.Errorf("upeval: no datasets directory: set SHOPMIND_DATASETS or pass --path to the Hillstrom CSV")
		}
		path = filepath.Join(dir, "hillstrom")
	}
	return hillstrom.Load(path, o.Treatment, o.Outcome)
}

// Evaluate loads the data and runs EvaluateData.
func Evaluate(ctx context.Context, o Options) (*Report, error) {
	d, err := Load(o)
	if err != nil {
		return nil, err
	}
	return EvaluateData(ctx, d, o)
}

// EvaluateData runs the evaluation on d.
func EvaluateData(ctx context.Context, d uplift.Dataset, o Options) (*Report, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	if o.Seeds <= 0 {
		o.Seeds = 1
	}
	if o.TestFrac <= 0 || o.TestFrac >= 1 {
		o.TestFrac = 0.3
	}
	if o.Log == nil {
		o.Log = func(string, ...any) {}
	}
	specs, err := choose(o.Specs, o.Models)
	if err != nil {
		return nil, err
	}
	respSpec := Spec{Response, func(uint64) uplift.Model { return uplift.NewResponse(lr) }}
	all := append([]Spec{{Random, nil}, respSpec}, specs...)
	rep := &Report{Options: o, Rows: make([]Row, len(all))}
	for k, s := range all {
		rep.Rows[k].Model = s.Name
	}
	for si := 0; si < o.Seeds; si++ {
		seed := o.Seed + uint64(si)
		train, test := splitFor(d, o, seed)
		for k, s := range all {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			var score []float64
			if s.New == nil { // random targeting
				rng := rand.New(rand.NewPCG(seed, 0x7a3c))
				score = make([]float64, len(test.Y))
				for i := range score {
					score[i] = rng.Float64()
				}
			} else {
				m := s.New(seed)
				if err := m.Fit(train); err != nil {
					return nil, fmt.Errorf("upeval: %s on seed %d: %w", s.Name, seed, err)
				}
				score = uplift.Predict(m, test.X)
			}
			r := &rep.Rows[k]
			q := uplift.QiniAUCScore(test.Y, test.Treated, score)
			a := uplift.UpliftAUCScore(test.Y, test.Treated, score)
			u := uplift.UpliftAtK(test.Y, test.Treated, score, 0.3)
			r.qini, r.auuc, r.at30 = append(r.qini, q), append(r.auuc, a), append(r.at30, u)
			if si == 0 {
				r.CurveN, r.CurveQ = uplift.QiniCurve(test.Y, test.Treated, score)
			}
			o.Log("seed %d %-22s qini %.4f auuc %.4f uplift@30 %.4f", seed, s.Name, q, a, u)
		}
		if si == 0 {
			rep.PerfectN, rep.PerfectQ = uplift.PerfectQiniCurve(test.Y, test.Treated)
		}
	}
	resp := rep.Rows[1].qini
	for k := range rep.Rows {
		r := &rep.Rows[k]
		r.Qini, r.QiniStd = meanStd(r.qini)
		r.AUUC, r.AUUCStd = meanStd(r.auuc)
		r.UpliftAt30, r.UpliftAt30Std = meanStd(r.at30)
		for i, q := range r.qini {
			if q > resp[i] {
				r.BeatResponse++
			}
		}
		r.Seeds = len(r.qini)
	}
	return rep, nil
}

// splitFor returns the stratified split of seed (strata: treatment × outcome > 0).
func splitFor(d uplift.Dataset, o Options, seed uint64) (train, test uplift.Dataset) {
	return hillstrom.Split(d, o.TestFrac, seed)
}

func choose(specs []Spec, names []string) ([]Spec, error) {
	if specs == nil {
		specs = Models()
	}
	if len(names) == 0 || (len(names) == 1 && (names[0] == "all" || names[0] == "")) {
		return specs, nil
	}
	var out []Spec
	for _, n := range names {
		n = strings.TrimSpace(n)
		found := false
		for _, s := range specs {
			if s.Name == n {
				out, found = append(out, s), true
			}
		}
		if !found && n != Random && n != Response {
			var all []string
			for _, s := range specs {
				all = append(all, s.Name)
			}
			return nil, fmt.Errorf("upeval: unknown model %q; use all or some of %s", n, strings.Join(all, ", "))
		}
	}
	return out, nil
}

func meanStd(v []float64) (mean, std float64) {
	if len(v) == 0 {
		return math.NaN(), math.NaN()
	}
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	if len(v) < 2 {
		return mean, 0
	}
	for _, x := range v {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(v)-1))
}
