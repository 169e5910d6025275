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

// ECEBins is the number of equal-width bins of the expected calibration
// error and of the reliability diagrams.
const ECEBins = 10

// DefaultSeed is the seed of the splits (and of the synthetic data) when
// none is given.
const DefaultSeed = 1

// ModelSpec is a model the harness can evaluate.
type ModelSpec struct {
	Name    string // what the user types: "fm"
	Summary string
	// New makes an untrained model for the dataset; it may choose a
	// configuration per dataset (d.Name) and must size it to d.Schema.
	New func(d *Data) (ctr.Model, error)
}

// Calibrator maps a model's probabilities to calibrated ones; it is fitted
// on the validation part.
type Calibrator interface {
	Fit(probs []float64, labels []float32) error
	Apply(p float64) float64
}

// CalibratorSpec is a calibration method the harness applies.
type CalibratorSpec struct {
	Name string // "platt", "isotonic"
	New  func() Calibrator
}

// ConversionModel is a model that also predicts conversions (ESMM): the
// probability of a conversion given a click and of a click and a
// conversion. The harness reports their AUC when the dataset has
// conversions.
type ConversionModel interface {
	PredictCVR(x *ctr.Example) float64
	PredictCTCVR(x *ctr.Example) float64
}

// Options say what Evaluate does.
type Options struct {
	Dataset string
	Path    string // the dataset file or directory; "" for Source.DefaultPath
	Split   string // "" for the dataset's default
	Seed    uint64
	Rows    int      // synthetic rows (0: DefaultSyntheticRows); only for synthetic
	Models  []string // model names; "all" stands for every one of Specs
	// Specs are the models to choose from (nil: Models()); Calibrators the
	// calibration methods (nil: Calibrators()).
	Specs       []ModelSpec
	Calibrators []CalibratorSpec
	// Log, if not nil, receives progress lines.
	Log func(format string, args ...any)
}

// Evaluate loads a dataset, splits it, evaluates the models and returns the
// report.
func Evaluate(ctx context.Context, opt Options) (*Report, error) {
	src, err := LookupSource(opt.Dataset)
	if err != nil {
		return nil, err
	}
	split := opt.Split
	if split == "" {
		split = src.Splits[0]
	}
	if !slices.Contains(src.Splits, split) {
		return nil, fmt.Errorf("ctreval: %s has no %q split: use %s", src.Name, split, strings.Join(src.Splits, " or "))
	}
	if opt.Rows != 0 && !src.Generated() {
		return nil, fmt.Errorf("ctreval: --rows applies to the synthetic dataset only")
	}
	if opt.Rows < 0 {
		return nil, fmt.Errorf("ctreval: rows must be positive, got %d", opt.Rows)
	}
	specs := opt.Specs
	if specs == nil {
		specs = Models()
	}
	chosen, err := chooseModels(specs, opt.Models)
	if err != nil {
		return nil, err
	}
	path := opt.Path
	if path == "" && !src.Generated() {
		if path, err = src.DefaultPath(); err != nil {
			return nil, err
		}
	}
	logf := func(format string, args ...any) {
		if opt.Log != nil {
			opt.Log(format, args...)
		}
	}
	start := time.Now()
	d, err := src.Load(ctx, path, LoadOptions{Rows: opt.Rows, Seed: opt.Seed})
	if err != nil {
		return nil, err
	}
	if path != "" {
		logf("loaded %s from %s: %d rows in %s", d.Name, path, len(d.Examples), time.Since(start).Round(time.Millisecond))
	} else {
		logf("generated %s: %d rows in %s", d.Name, len(d.Examples), time.Since(start).Round(time.Millisecond))
	}
	s, err := d.Split(split, opt.Seed)
	if err != nil {
		return nil, err
	}
	cals := opt.Calibrators
	if cals == nil {
		cals = Calibrators()
	}
	return Run(ctx, d, s, chosen, cals, opt.Log)
}

// chooseModels resolves names ("all" for every spec) against specs.
func chooseModels(specs []ModelSpec, names []string) ([]ModelSpec, error) {
	var names2 []string
	for _, s := range specs {
		names2 = append(names2, s.Name)
	}
	var out []ModelSpec
	add := func(s ModelSpec) {
		if !slices.ContainsFunc(out, func(o ModelSpec) bool { return o.Name == s.Name }) {
			out = append(out, s)
		}
	}
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "all" {
			for _, s := range specs {
				add(s)
			}
			continue
		}
		i := slices.IndexFunc(specs, func(s ModelSpec) bool { return s.Name == n })
		if i < 0 {
			return nil, fmt.Errorf("ctreval: unknown model %q: use %s or all", n, strings.Join(names2, ", "))
		}
		add(specs[i])
	}
	if len(out) == 0 {
		if len(specs) == 0 {
			return nil, fmt.Errorf("ctreval: no models are registered")
		}
		return nil, fmt.Errorf("ctreval: no model: use %s or all", strings.Join(names2, ", "))
	}
	return out, nil
}

// Run evaluates the models on a split of d: each is fitted on s.Train with
// s.Valid, its validation predictions fit every calibrator, and it scores
// s.Test once.
func Run(ctx context.Context, d *Data, s *Split, specs []ModelSpec, cals []CalibratorSpec, log func(string, ...any)) (*Report, error) {
	logf := func(format string, args ...any) {
		if log != nil {
			log(format, args...)
		}
	}
	rep := &Report{Dataset: d.Name, Split: s.Method, Seed: s.Seed, Shape: d.Shape(), Notes: slices.Clone(d.Notes),
		Train: len(s.Train), Valid: len(s.Valid), Test: len(s.Test),
		TrainRate: positiveRate(s.Train), ValidRate: positiveRate(s.Valid), TestRate: positiveRate(s.Test),
		Conversions: d.Conversions}
	rep.Protocol = protocolText(s.Method)
	for _, c := range cals {
		rep.Calibrations = append(rep.Calibrations, c.Name)
	}
	testLabels := labelsOf(s.Test, false)
	validLabels := labelsOf(s.Valid, false)
	if d.TrueCTR != nil {
		probs := make([]float64, len(s.TestIdx))
		ctcvr := make([]float64, len(s.TestIdx))
		for k, i := range s.TestIdx {
			probs[k] = d.TrueCTR[i]
			ctcvr[k] = d.TrueCTR[i] * d.TrueCVR[i]
		}
		rep.Oracle = &Result{Model: "oracle", Test: metricsOf(probs, testLabels), Bins: ctr.Reliability(probs, testLabels, ECEBins)}
		ctcvrM := metricsOf(ctcvr, labelsOf(s.Test, true))
		rep.Oracle.CTCVR = &ctcvrM
		var cvr []float64
		var cvrLabels []float32
		for k, i := range s.TestIdx {
			if s.Test[k].Click > 0.5 {
				cvr = append(cvr, d.TrueCVR[i])
				cvrLabels = append(cvrLabels, s.Test[k].Conversion)
			}
		}
		cvrM := metricsOf(cvr, cvrLabels)
		rep.Oracle.CVR = &cvrM
		logf("oracle (true probabilities): test AUC %.4f, log loss %.4f", rep.Oracle.Test.AUC, rep.Oracle.Test.LogLoss)
	}
	for _, spec := range specs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		m, err := spec.New(d)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", spec.Name, err)
		}
		logf("%s: fitting on %d rows (%d for validation)", spec.Name, len(s.Train), len(s.Valid))
		cpu0, t0 := cpuSeconds(), time.Now()
		if err := m.Fit(ctx, s.Train, s.Valid); err != nil {
			return nil, fmt.Errorf("%s: fit: %w", spec.Name, err)
		}
		res := Result{Model: spec.Name, TrainSeconds: time.Since(t0).Seconds(), TrainCPU: cpuSeconds() - cpu0}
		t1 := time.Now()
		test := predictAll(m, s.Test)
		res.PredictSeconds = time.Since(t1).Seconds()
		valid := predictAll(m, s.Valid)
		res.Test = metricsOf(test, testLabels)
		res.Valid = metricsOf(valid, validLabels)
		res.Bins = ctr.Reliability(test, testLabels, ECEBins)
		for _, c := range cals {
			cal := Calibrated{Method: c.Name}
			calib := c.New()
			if err := calib.Fit(valid, validLabels); err != nil {
				cal.Err = err.Error()
				res.Calibrated = append(res.Calibrated, cal)
				logf("%s: %s calibration failed: %v", spec.Name, c.Name, err)
				continue
			}
			probs := make([]float64, len(test))
			for i, p := range test {
				probs[i] = calib.Apply(p)
			}
			cal.Test = metricsOf(probs, testLabels)
			cal.Bins = ctr.Reliability(probs, testLabels, ECEBins)
			res.Calibrated = append(res.Calibrated, cal)
		}
		if cm, ok := m.(ConversionModel); ok && d.Conversions {
			ctcvr := make([]float64, len(s.Test))
			var cvr []float64
			var cvrLabels []float32
			for i := range s.Test {
				x := &s.Test[i]
				ctcvr[i] = cm.PredictCTCVR(x)
				if x.Click > 0.5 {
					cvr = append(cvr, cm.PredictCVR(x))
					cvrLabels = append(cvrLabels, x.Conversion)
				}
			}
			ctcvrM, cvrM := metricsOf(ctcvr, labelsOf(s.Test, true)), metricsOf(cvr, cvrLabels)
			res.CTCVR, res.CVR = &ctcvrM, &cvrM
		}
		logf("%s: test AUC %.4f, log loss %.4f, ECE %.4f; fit %.1fs (%.1f s CPU)", spec.Name, res.Test.AUC, res.Test.LogLoss, res.Test.ECE, res.TrainSeconds, res.TrainCPU)
		rep.Results = append(rep.Results, res)
	}
	return rep, nil
}

// protocolText describes the protocol of a split.
func protocolText(method string) string {
	var s string
	switch method {
	case SplitRandom:
		s = "random 80/20 split of the rows (seeded); validation: a random 10% of the training part"
	case SplitTime:
		s = "80/20 split by time (the latest 20% is the test); validation: the latest 10% of the training part"
	case SplitGiven:
		s = "the dataset's own train/test files; validation: a random 10% of the training file (seeded)"
	}
	return s + "; models fit on the rest of the training part (the validation part for early stopping), score the test once; " +
		"calibrators are fitted on the model's validation predictions"
}

func labelsOf(xs []ctr.Example, conversion bool) []float32 {
	out := make([]float32, len(xs))
	for i := range xs {
		if conversion {
			out[i] = xs[i].Conversion
		} else {
			out[i] = xs[i].Click
		}
	}
	return out
}

func predictAll(m ctr.Model, xs []ctr.Example) []float64 {
	out := make([]float64, len(xs))
	for i := range xs {
		out[i] = m.Predict(&xs[i])
	}
	return out
}

// Metrics are the metrics of one set of predictions. NaN when undefined
// (AUC without both classes, anything without rows).
type Metrics struct {
	AUC, LogLoss, ECE float64
	N                 int
}

func metricsOf(probs []float64, labels []float32) Metrics {
	if len(probs) == 0 {
		return Metrics{AUC: math.NaN(), LogLoss: math.NaN(), ECE: math.NaN()}
	}
	return Metrics{AUC: ctr.AUC(probs, labels), LogLoss: ctr.LogLoss(probs, labels), ECE: ctr.ECE(probs, labels, ECEBins), N: len(probs)}
}
