package ctreval

import (
	"context"
	"fmt"
	"strings"

	"github.com/shopmind/shopmind/ctr"
	"github.com/shopmind/shopmind/ctr/deepfm"
	"github.com/shopmind/shopmind/ctr/deepfm/nn"
	"github.com/shopmind/shopmind/ctr/fm"
	"github.com/shopmind/shopmind/ctr/ftrl"
)

// The grids Tune searches. Each starts from the configuration Models uses
// for a dataset without a tuned one (the package defaults, sized to the
// data), so the first trial of a search is the untuned model.

// Tuner is a search of one model's hyper-parameters (a Search of any
// configuration type).
type Tuner interface {
	Name() string
	Tune(ctx context.Context, d *Data, s *Split, log func(string, ...any)) (point string, valid Metrics, trials []Trial, err error)
}

// Name implements Tuner.
func (sr *Search[C]) Name() string { return sr.Model }

// Tune implements Tuner.
func (sr *Search[C]) Tune(ctx context.Context, d *Data, s *Split, log func(string, ...any)) (string, Metrics, []Trial, error) {
	res, err := sr.Run(ctx, d, s, log)
	if err != nil {
		return "", Metrics{}, nil, err
	}
	return res.Point, res.Valid, res.Trials, nil
}

// Searches returns the grids of lr, fm and deepfm.
func Searches() []Tuner {
	return []Tuner{LRSearch(), FMSearch(), DeepFMSearch()}
}

// labelled is an option with its own label (for values whose zero or sign
// means something to the package: "none" for a negative L1).
func labelled[C any](label string, set func(*C)) Option[C] { return Option[C]{Label: label, Set: set} }

// LRSearch is the grid of FTRL-Proximal logistic regression: Alpha, L1, L2
// (Beta stays 1) and the most passes (stopped early on validation).
func LRSearch() *Search[ftrl.Config] {
	return &Search[ftrl.Config]{
		Model: "lr",
		Base:  func(d *Data) ftrl.Config { return lrBase(d) },
		New:   func(c ftrl.Config) ctr.Model { return ftrl.New(c) },
		Dims: []Dim[ftrl.Config]{
			Values("alpha", func(c *ftrl.Config, v float64) { c.Alpha = v }, 0.2, 0.05, 0.1, 0.3, 0.5),
			{Name: "l1", Options: []Option[ftrl.Config]{
				labelled("1", func(c *ftrl.Config) { c.L1 = 1 }),
				labelled("0", func(c *ftrl.Config) { c.L1 = -1 }),
				labelled("0.3", func(c *ftrl.Config) { c.L1 = 0.3 }),
				labelled("3", func(c *ftrl.Config) { c.L1 = 3 }),
			}},
			{Name: "l2", Options: []Option[ftrl.Config]{
				labelled("1", func(c *ftrl.Config) { c.L2 = 1 }),
				labelled("0", func(c *ftrl.Config) { c.L2 = -1 }),
				labelled("0.3", func(c *ftrl.Config) { c.L2 = 0.3 }),
				labelled("3", func(c *ftrl.Config) { c.L2 = 3 }),
				labelled("10", func(c *ftrl.Config) { c.L2 = 10 }),
			}},
			Values("epochs", func(c *ftrl.Config, v int) { c.Epochs = v }, 10, 1, 3, 30),
		},
	}
}

// FMSearch is the grid of the factorisation machine: factors, Adagrad step,
// L2, initial spread and the most passes with their patience.
func FMSearch() *Search[fm.Config] {
	return &Search[fm.Config]{
		Model: "fm",
		Base:  func(d *Data) fm.Config { return fmBase(d) },
		New:   func(c fm.Config) ctr.Model { return fm.New(c) },
		Dims: []Dim[fm.Config]{
			Values("k", func(c *fm.Config, v int) { c.K = v }, 8, 4, 16, 32, 64, 128),
			Values("lr", func(c *fm.Config, v float64) { c.LearningRate = v }, 0.05, 0.02, 0.1, 0.2),
			{Name: "l2", Options: []Option[fm.Config]{
				labelled("0.001", func(c *fm.Config) { c.L2 = 1e-3 }),
				labelled("0", func(c *fm.Config) { c.L2 = -1 }),
				labelled("0.0001", func(c *fm.Config) { c.L2 = 1e-4 }),
				labelled("0.003", func(c *fm.Config) { c.L2 = 3e-3 }),
				labelled("0.01", func(c *fm.Config) { c.L2 = 1e-2 }),
				labelled("0.03", func(c *fm.Config) { c.L2 = 3e-2 }),
				labelled("0.05", func(c *fm.Config) { c.L2 = 5e-2 }),
				labelled("0.1", func(c *fm.Config) { c.L2 = 0.1 }),
				labelled("0.3", func(c *fm.Config) { c.L2 = 0.3 }),
			}},
			Values("init", func(c *fm.Config, v float64) { c.InitStd = v }, 0.05, 0.01, 0.1),
			Values("epochs", func(c *fm.Config, v [2]int) { c.Epochs, c.Patience = v[0], v[1] }, [2]int{10, 2}, [2]int{20, 3}),
		},
	}
}

// hiddenLabel names a list of hidden widths: "64,32"; "none" for no
// hidden layer.
func hiddenLabel(h []int) string {
	if len(h) == 0 {
		return "none"
	}
	s := make([]string, len(h))
	for i, w := range h {
		s[i] = fmt.Sprint(w)
	}
	return strings.Join(s, ",")
}

// DeepFMSearch is the grid of DeepFM: embedding size, hidden layers,
// dropout, L2 on the embedding rows, the embedding rows' optimiser and
// its rate, Adam's step, batch size and the most epochs with their
// patience.
func DeepFMSearch() *Search[deepfm.Config] {
	hidden := Dim[deepfm.Config]{Name: "hidden"}
	for _, h := range [][]int{{64, 32}, {32}, {128, 64}, {256, 128}, {200, 200, 200}} {
		hidden.Options = append(hidden.Options, labelled(hiddenLabel(h), func(c *deepfm.Config) { c.Hidden = h }))
	}
	return &Search[deepfm.Config]{
		Model: "deepfm",
		Base:  func(d *Data) deepfm.Config { return deepFMBase(d) },
		New:   func(c deepfm.Config) ctr.Model { return deepfm.New(c) },
		Dims: []Dim[deepfm.Config]{
			Values("k", func(c *deepfm.Config, v int) { c.Factors = v }, 8, 16, 32, 64),
			hidden,
			Values("dropout", func(c *deepfm.Config, v float64) { c.Dropout = v }, 0, 0.2, 0.5),
			{Name: "l2", Options: []Option[deepfm.Config]{
				labelled("1e-05", func(c *deepfm.Config) { c.L2 = 1e-5 }),
				labelled("0", func(c *deepfm.Config) { c.L2 = -1 }),
				labelled("0.0001", func(c *deepfm.Config) { c.L2 = 1e-4 }),
				labelled("0.001", func(c *deepfm.Config) { c.L2 = 1e-3 }),
				labelled("0.003", func(c *deepfm.Config) { c.L2 = 3e-3 }),
				labelled("0.01", func(c *deepfm.Config) { c.L2 = 1e-2 }),
			}},
			// How the embedding rows train (nn.TrainConfig): lazy Adam with
			// L2 per batch (the default), or as ctr/fm trains its factors,
			// Adagrad with L2 per occurrence; and the table's Adagrad rate
			// (ignored under Adam).
			{Name: "emb", Options: []Option[deepfm.Config]{
				labelled("adam", func(c *deepfm.Config) {}),
				labelled("adagrad-occ", func(c *deepfm.Config) { c.EmbeddingOptimizer, c.L2PerOccurrence = nn.EmbeddingAdagrad, true }),
				labelled("adam-occ", func(c *deepfm.Config) { c.L2PerOccurrence = true }),
				labelled("adagrad", func(c *deepfm.Config) { c.EmbeddingOptimizer = nn.EmbeddingAdagrad }),
			}},
			Values("elr", func(c *deepfm.Config, v float64) {
				if c.EmbeddingOptimizer == nn.EmbeddingAdagrad {
					c.EmbeddingLearningRate = v
				}
			}, 0.05, 0.02, 0.1, 0.2, 0.3),
			Values("lr", func(c *deepfm.Config, v float64) { c.LearningRate = v }, 1e-3, 3e-4, 3e-3),
			Values("batch", func(c *deepfm.Config, v int) { c.BatchSize = v }, 256, 64, 128, 512, 1024),
			Values("epochs", func(c *deepfm.Config, v [2]int) { c.Epochs, c.Patience = v[0], v[1] }, [2]int{10, 2}, [2]int{20, 3}),
		},
	}
}

// Tune runs the searches named (nil: every one of Searches) on a split of
// d and returns, per model, the chosen point, its validation metrics and
// every trial.
func Tune(ctx context.Context, d *Data, s *Split, models []string, log func(string, ...any)) ([]TuneSummary, error) {
	var out []TuneSummary
	for _, t := range Searches() {
		if models != nil && !containsName(models, t.Name()) {
			continue
		}
		point, valid, trials, err := t.Tune(ctx, d, s, log)
		if err != nil {
			return out, err
		}
		out = append(out, TuneSummary{Model: t.Name(), Point: point, Valid: valid, Trials: trials})
	}
	return out, nil
}

// TuneSummary is the outcome of one model's search.
type TuneSummary struct {
	Model  string
	Point  string
	Valid  Metrics
	Trials []Trial
}

func containsName(names []string, n string) bool {
	for _, m := range names {
		if m == n || m == "all" {
			return true
		}
	}
	return false
}
