package nn

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"slices"

	"github.com/shopmind/shopmind/ctr"
	"github.com/shopmind/shopmind/internal/binfmt"
)

// TrainConfig holds the optimisation settings the models share. Zero
// fields take the value of DefaultTrainConfig.
type TrainConfig struct {
	LearningRate float64 // Adam step size (default 0.001)
	Beta1, Beta2 float64 // Adam moment decays (default 0.9 and 0.999)
	L2           float64 // λ of (λ/2)·‖row‖² on every table row a batch touches (default 1e-5; negative for none)
	BatchSize    int     // examples per step (default 256)
	Epochs       int     // at most this many passes over the training data (default 10)
	Patience     int     // stop after this many epochs without a better validation loss (default 2)
	Seed         uint64  // initial values, shuffling and dropout (0 is a valid seed)
	Workers      int     // goroutines; 0 means runtime.GOMAXPROCS(0); at most Shards help

	// How the embedding table rows are optimised; the zero values keep the
	// default, lazy Adam at LearningRate with L2 once per batch. The dense
	// parameters always train by Adam at LearningRate.
	//
	// EmbeddingOptimizer is EmbeddingAdam ("" or "adam") or EmbeddingAdagrad
	// ("adagrad"): per-coordinate Adagrad as ctr/fm trains its factors,
	// step EmbeddingLearningRate·g/√(G₀ + Σg²) with G₀ = AdagradStart, on
	// the gradient of the batch's summed loss (mean gradient × batch size,
	// so the accumulators see per-example magnitudes as in ctr/fm whatever
	// the batch size). The accumulators, like Adam's moments, change only
	// on the rows a batch touches.
	//
	// EmbeddingLearningRate is the table's step size: for Adagrad its rate
	// (0: 0.05, ctr/fm's default), for Adam a rate of its own (0:
	// LearningRate).
	//
	// L2PerOccurrence applies L2 to a row once per occurrence of its
	// feature in the batch, as ctr/fm does per example: the penalty is
	// (λ/2)·‖row‖² per occurrence, averaged over the batch like the loss,
	// so a row's pull towards zero grows with its frequency and keeps its
	// ratio to the row's loss gradient. Without it, every touched row pays
	// (λ/2)·‖row‖² once per batch.
	//
	// These settings serve training only and are not part of Write's
	// encoding (a model decoded from an artefact reports the zero values).
	EmbeddingOptimizer    string
	EmbeddingLearningRate float64
	L2PerOccurrence       bool
}

// The values of TrainConfig.EmbeddingOptimizer ("" means EmbeddingAdam).
const (
	EmbeddingAdam    = "adam"
	EmbeddingAdagrad = "adagrad"
)

// AdagradStart is G₀, the start of the Adagrad accumulators of the table
// (as in ctr/fm): the first step of a row is rate·g/√(G₀+g²), not a full
// rate·sign(g).
const AdagradStart = 0.1

// DefaultAdagradRate is the table's Adagrad step size when
// EmbeddingLearningRate is zero (ctr/fm's default).
const DefaultAdagradRate = 0.05

// DefaultTrainConfig returns the defaults: Adam at 0.001 (β 0.9, 0.999),
// L2 1e-5, batches of 256, at most 10 epochs with a patience of 2.
func DefaultTrainConfig() TrainConfig {
	return TrainConfig{LearningRate: 1e-3, Beta1: 0.9, Beta2: 0.999, L2: 1e-5, BatchSize: 256, Epochs: 10, Patience: 2}
}

// WithDefaults returns c with its zero fields set to the defaults (and a
// negative L2 to 0).
func (c TrainConfig) WithDefaults() TrainConfig {
	d := DefaultTrainConfig()
	if c.LearningRate <= 0 {
		c.LearningRate = d.LearningRate
	}
	if c.Beta1 <= 0 {
		c.Beta1 = d.Beta1
	}
	if c.Beta2 <= 0 {
		c.Beta2 = d.Beta2
	}
	switch {
	case c.L2 == 0:
		c.L2 = d.L2
	case c.L2 < 0:
		c.L2 = 0
	}
	if c.BatchSize <= 0 {
		c.BatchSize = d.BatchSize
	}
	if c.Epochs <= 0 {
		c.Epochs = d.Epochs
	}
	if c.Patience <= 0 {
		c.Patience = d.Patience
	}
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	return c
}

// Check reports settings WithDefaults would not leave (NaN rates, β ≥ 1)
// and an unknown or unusable embedding optimiser.
func (c TrainConfig) Check() error {
	if !(c.LearningRate > 0) || !(c.Beta1 > 0 && c.Beta1 < 1) || !(c.Beta2 > 0 && c.Beta2 < 1) || !(c.L2 >= 0) ||
		math.IsInf(c.LearningRate, 0) || math.IsInf(c.L2, 0) || c.BatchSize < 1 || c.Epochs < 1 || c.Patience < 1 ||
		!(c.EmbeddingLearningRate >= 0) || math.IsInf(c.EmbeddingLearningRate, 0) {
		return fmt.Errorf("unusable training settings %+v", c)
	}
	switch c.EmbeddingOptimizer {
	case "", EmbeddingAdam, EmbeddingAdagrad:
	default:
		return fmt.Errorf("unknown embedding optimiser %q (want %q or %q)", c.EmbeddingOptimizer, EmbeddingAdam, EmbeddingAdagrad)
	}
	return nil
}

// TrainConfigBytes is the number of bytes TrainConfig.Write writes.
const TrainConfigBytes = 8 * 8

// Write writes the settings but Workers, a property of the machine, and
// the embedding optimiser's (EmbeddingOptimizer, EmbeddingLearningRate,
// L2PerOccurrence: how the rows were trained, not how the model predicts;
// leaving them out keeps the encoding of earlier versions): LearningRate,
// Beta1, Beta2, L2 f64, BatchSize, Epochs, Patience int, Seed u64.
func (c TrainConfig) Write(w *binfmt.Writer) {
	w.F64(c.LearningRate)
	w.F64(c.Beta1)
	w.F64(c.Beta2)
	w.F64(c.L2)
	w.Int(c.BatchSize)
	w.Int(c.Epochs)
	w.Int(c.Patience)
	w.U64(c.Seed)
}

// ReadTrainConfig reads settings written by TrainConfig.Write (Workers is
// GOMAXPROCS, the embedding optimiser's settings zero) and records a corruption in r when they fail Check.
func ReadTrainConfig(r *binfmt.Reader) TrainConfig {
	c := TrainConfig{LearningRate: r.F64(), Beta1: r.F64(), Beta2: r.F64(), L2: r.F64(),
		BatchSize: r.Int(), Epochs: r.Int(), Patience: r.Int(), Seed: r.U64(), Workers: runtime.GOMAXPROCS(0)}
	if err := c.Check(); r.Err() == nil && err != nil {
		r.Fail("%v", err)
	}
	return c
}

// MaxFields and MaxDim bound the shape of a network, so that a crafted
// artefact cannot make scratch buffers overflow.
const (
	MaxFields = 1 << 16
	MaxDim    = 1 << 12
)

// Shape returns the number of fields and table rows of the training data
// xs: 1 + the largest field, and the smallest power of two above the
// largest index. It fails on a negative field and on data without
// features.
func Shape(xs []ctr.Example) (fields, rows int, err error) {
	var maxIndex uint32
	maxField := int32(-1)
	for i := range xs {
		for _, f := range xs[i].Features {
			if f.Field < 0 {
				return 0, 0, fmt.Errorf("example %d has a feature of field %d", i, f.Field)
			}
			maxField, maxIndex = max(maxField, f.Field), max(maxIndex, f.Index)
		}
	}
	if maxField < 0 {
		return 0, 0, errors.New("no features in the training data")
	}
	return int(maxField) + 1, 1 << bits.Len32(maxIndex), nil
}

// FillShape sets the number of fields and table rows left zero (or
// negative) to those of the training data xs, as Shape gives them. It
// fails on the errors of Shape.
func FillShape(xs []ctr.Example, fields, rows *int) error {
	if len(xs) == 0 {
		return errors.New("no training examples")
	}
	f, r, err := Shape(xs)
	if err != nil {
		return err
	}
	if *fields <= 0 {
		*fields = f
	}
	if *rows <= 0 {
		*rows = r
	}
	return nil
}

// CheckShape reports a network shape out of bounds: fields, rows of dim
// values, perceptron hidden widths and dropout.
func CheckShape(fields, rows, dim int, hidden []int, dropout float64) error {
	switch {
	case fields < 1 || fields > MaxFields || dim < 1 || dim > MaxDim || rows < 1 || rows > MaxTableValues/dim:
		return fmt.Errorf("%d fields, %d rows of %d values", fields, rows, dim)
	case slices.ContainsFunc(hidden, func(h int) bool { return h < 1 }):
		return fmt.Errorf("hidden widths %v", hidden)
	case !(dropout >= 0 && dropout < 1):
		return fmt.Errorf("dropout %v outside [0, 1)", dropout)
	}
	return nil
}
