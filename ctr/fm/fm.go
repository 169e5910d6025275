// Package fm owns the second-order factorisation machine (Rendle,
// "Factorization machines", 2010): logistic regression plus a pairwise
// interaction between every two active features, through K latent factors
// per feature, so that it learns crosses such as user × item without
// naming them in the schema, and generalises to pairs it has never seen
// together. The logit of an example with features x_i is
//
//	ŷ = w₀ + Σ_i w_i x_i + Σ_{i<j} ⟨v_i, v_j⟩ x_i x_j
//	  = w₀ + Σ_i w_i x_i + ½ Σ_f [(Σ_i v_if x_i)² − Σ_i v_if² x_i²]
//
// and the second form costs O(K·nnz). Every hashed feature index of the
// schema's space has a row: its weight w_i and its factors v_i. Rows start
// at zero and get their random factors (normal, InitStd) at the first
// training example that has them, so a feature never seen in training adds
// nothing to a prediction, and artefacts store only the rows seen.
//
// Training minimises log loss plus L2 on the rows of each example's active
// features (½·L2·(w_i² + ‖v_i‖²) per occurrence; the bias is free) by
// stochastic gradient with Adagrad step sizes, LearningRate/√(G₀ + Σg²)
// per parameter, for at most Epochs shuffled passes, stopping when the
// validation log loss has not improved for Patience passes and keeping the
// best pass's model. For the gradient with respect to v_if it uses
//
//	∂ŷ/∂v_if = x_i (Σ_j v_jf x_j − v_if x_i).
//
// Parameters are float32, sums float64. Predict reads only and does not
// allocate: it is safe for concurrent use once Fit has returned. Fit must
// not run concurrently with Predict.
//
// The package is pure: no I/O, no store, no logging.
package fm

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/shopmind/shopmind/ctr"
)

const (
	// MaxK is the largest number of factors.
	MaxK = 128
	// MaxSpace is the largest Space: indices must fit an int32 in artefacts.
	MaxSpace = 1 << 31
	// accumulator0 is G₀, the Adagrad accumulators' start: the first steps
	// are LearningRate·g/√(G₀+g²), not a full LearningRate·sign(g).
	accumulator0 = 0.1
)

// Config holds the hyper-parameters. Zero fields take the value of
// DefaultConfig; a negative L2 means none.
type Config struct {
	K            int     // latent factors per feature (default 8, at most MaxK)
	LearningRate float64 // Adagrad step size (default 0.05)
	L2           float64 // L2 on the active rows, per occurrence (default 1e-3)
	InitStd      float64 // standard deviation of the initial factors (default 0.05)
	// Epochs is the most passes Fit makes over train (default 10).
	Epochs int
	// Patience is the number of passes without a lower validation log loss
	// after which Fit stops (default 2). Without a validation set Fit makes
	// all Epochs passes.
	Patience int
	// Seed seeds the shuffling and the initial factors.
	Seed uint64
	// Ordered keeps train's order (say, time order) instead of shuffling
	// before each pass.
	Ordered bool
	// Space is the number of hashed feature indices, the schema's Space
	// (default 1<<20, as ctr.Schema's). The model holds 2·(K+1) float32
	// per index while it trains and K+1 after. Features at or beyond it are
	// refused by Fit and ignored by Predict.
	Space uint32
}

// DefaultConfig returns the defaults: 8 factors, learning rate 0.05, L2
// 1e-3, initial factors of standard deviation 0.05, at most 10 passes with
// patience 2, a space of 1<<20.
func DefaultConfig() Config {
	return Config{K: 8, LearningRate: 0.05, L2: 1e-3, InitStd: 0.05, Epochs: 10, Patience: 2, Space: 1 << 20}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.K <= 0 {
		c.K = d.K
	}
	c.K = min(c.K, MaxK)
	if c.LearningRate <= 0 {
		c.LearningRate = d.LearningRate
	}
	if c.L2 < 0 {
		c.L2 = 0
	} else if c.L2 == 0 {
		c.L2 = d.L2
	}
	if c.InitStd <= 0 {
		c.InitStd = d.InitStd
	}
	if c.Epochs <= 0 {
		c.Epochs = d.Epochs
	}
	if c.Patience <= 0 {
		c.Patience = d.Patience
	}
	if c.Space == 0 {
		c.Space = d.Space
	}
	c.Space = min(c.Space, MaxSpace)
	return c
}

// Model is a factorisation machine. Create it with New; it predicts 0.5
// until fitted.
type Model struct {
	cfg    Config
	w0     float64
	params []float32 // row i, K+1 long: w_i, then v_i1 … v_iK; nil before Fit
	epochs int       // passes kept by the last Fit

	// training state, nil outside Fit
	acc  []float32 // Adagrad accumulators of params, same layout
	acc0 float64   // and of w0
	seen []uint64  // rows initialised, a bit per index
	grad []float64 // gradient rows of the example being learned
	rng  *rand.Rand
}

// New returns an unfitted model with cfg (zero fields take defaults).
func New(cfg Config) *Model { return &Model{cfg: cfg.withDefaults()} }

// Name implements ctr.Model.
func (m *Model) Name() string { return "fm" }

// Config returns the configuration in effect (defaults filled in).
func (m *Model) Config() Config { return m.cfg }

// Epochs returns the number of passes the model of the last Fit was
// trained for (fewer than were made when the validation set stopped it).
func (m *Model) Epochs() int { return m.epochs }

// logit is ŷ of x by the sum-square form.
func (m *Model) logit(x *ctr.Example) float64 {
	if m.params == nil {
		return 0
	}
	k := m.cfg.K
	r := k + 1
	space := m.cfg.Space
	var buf [MaxK]float64
	sum := buf[:k]
	lin, sq := m.w0, 0.0
	for _, f := range x.Features {
		if f.Index >= space {
			continue
		}
		xv := float64(f.Value)
		row := m.params[int(f.Index)*r : int(f.Index)*r+r]
		lin += float64(row[0]) * xv
		for j, v := range row[1:] {
			vx := float64(v) * xv
			sum[j] += vx
			sq += vx * vx
		}
	}
	var inter float64
	for _, s := range sum {
		inter += s * s
	}
	return lin + 0.5*(inter-sq)
}

// Predict implements ctr.Model: the probability of a click on x. It does
// not allocate.
func (m *Model) Predict(x *ctr.Example) float64 { return ctr.Sigmoid(m.logit(x)) }

// initRows gives the rows of x seen for the first time their random
// factors.
func (m *Model) initRows(x *ctr.Example) {
	r := m.cfg.K + 1
	for _, f := range x.Features {
		i := f.Index
		if i >= m.cfg.Space || m.seen[i/64]&(1<<(i%64)) != 0 {
			continue
		}
		m.seen[i/64] |= 1 << (i % 64)
		row := m.params[int(i)*r+1 : int(i)*r+r]
		for j := range row {
			row[j] = float32(m.rng.NormFloat64() * m.cfg.InitStd)
		}
	}
}

// gradient writes to m.grad, row after row, the gradient of the loss of x
// — log loss plus ½·L2·‖row‖² per active occurrence — with respect to each
// occurrence's row (w_i, then v_i), all at the current parameters, and
// returns the gradient with respect to w₀. A feature outside the space has
// a zero row.
func (m *Model) gradient(x *ctr.Example) float64 {
	k := m.cfg.K
	r := k + 1
	space := m.cfg.Space
	if cap(m.grad) < len(x.Features)*r {
		m.grad = make([]float64, (len(x.Features)+16)*r)
	}
	grad := m.grad[:len(x.Features)*r]
	var buf [MaxK]float64
	sum := buf[:k]
	lin, sq := m.w0, 0.0
	for _, f := range x.Features {
		if f.Index >= space {
			continue
		}
		xv := float64(f.Value)
		row := m.params[int(f.Index)*r : int(f.Index)*r+r]
		lin += float64(row[0]) * xv
		for j, v := range row[1:] {
			vx := float64(v) * xv
			sum[j] += vx
			sq += vx * vx
		}
	}
	var inter float64
	for _, s := range sum {
		inter += s * s
	}
	y := min(max(float64(x.Click), 0), 1)
	g := ctr.Sigmoid(lin+0.5*(inter-sq)) - y
	l2 := m.cfg.L2
	for n, f := range x.Features {
		out := grad[n*r : n*r+r]
		if f.Index >= space {
			clear(out)
			continue
		}
		xv := float64(f.Value)
		gx := g * xv
		row := m.params[int(f.Index)*r : int(f.Index)*r+r]
		out[0] = gx + l2*float64(row[0])
		for j, v := range row[1:] {
			vf := float64(v)
			out[j+1] = gx*(sum[j]-vf*xv) + l2*vf
		}
	}
	return g
}

// step learns from one example: the gradient at the current parameters,
// then an Adagrad step on every active row and on w₀.
func (m *Model) step(x *ctr.Example) {
	m.initRows(x)
	g0 := m.gradient(x)
	if math.IsNaN(g0) {
		return // a NaN label or value: nothing to learn
	}
	r := m.cfg.K + 1
	lr := m.cfg.LearningRate
	for n, f := range x.Features {
		if f.Index >= m.cfg.Space {
			continue
		}
		row := m.params[int(f.Index)*r : int(f.Index)*r+r]
		acc := m.acc[int(f.Index)*r : int(f.Index)*r+r]
		for j, g := range m.grad[n*r : n*r+r] {
			a := float64(acc[j]) + g*g
			acc[j] = float32(a)
			row[j] -= float32(lr * g / math.Sqrt(a))
		}
	}
	m.acc0 += g0 * g0
	m.w0 -= lr * g0 / math.Sqrt(m.acc0)
}

// reset allocates the training state of an empty model.
func (m *Model) reset() {
	n := int(m.cfg.Space) * (m.cfg.K + 1)
	m.params = make([]float32, n)
	m.acc = make([]float32, n)
	for i := range m.acc {
		m.acc[i] = accumulator0
	}
	m.seen = make([]uint64, (int(m.cfg.Space)+63)/64)
	m.w0, m.acc0, m.epochs = 0, accumulator0, 0
	m.rng = rand.New(rand.NewPCG(m.cfg.Seed, 0x6a09e667f3bcc909))
}

// checkExamples reports the first example Fit cannot learn from: a feature
// outside the space or of a non-finite value, or a label outside [0, 1].
func (m *Model) checkExamples(what string, xs []ctr.Example) error {
	for i := range xs {
		x := &xs[i]
		if !(x.Click >= 0 && x.Click <= 1) {
			return fmt.Errorf("fm: %s example %d has click label %v outside [0, 1]", what, i, x.Click)
		}
		for _, f := range x.Features {
			if f.Index >= m.cfg.Space {
				return fmt.Errorf("fm: %s example %d has feature index %d outside the space of %d (Config.Space must be the schema's)", what, i, f.Index, m.cfg.Space)
			}
			if math.Float32bits(f.Value)&0x7f800000 == 0x7f800000 { // NaN or ±Inf
				return fmt.Errorf("fm: %s example %d has feature value %v", what, i, f.Value)
			}
		}
	}
	return nil
}

// Fit implements ctr.Model. It starts from an empty model and makes at most
// Config.Epochs passes over train, shuffled before each pass unless
// Config.Ordered. When valid is not empty it measures the validation log
// loss after each pass, stops once Patience passes in a row have not
// lowered it and restores the model of the best pass (see Epochs). It
// checks ctx every few thousand examples and returns ctx.Err() when
// cancelled, leaving an unfitted model. Examples with a feature outside the
// space, a non-finite value or a label outside [0, 1] are refused before
// training.
func (m *Model) Fit(ctx context.Context, train, valid []ctr.Example) error {
	if len(train) == 0 {
		return errors.New("fm: no training examples")
	}
	if err := m.checkExamples("training", train); err != nil {
		return err
	}
	if err := m.checkExamples("validation", valid); err != nil {
		return err
	}
	m.reset()
	defer func() { m.acc, m.seen, m.grad, m.rng = nil, nil, nil, nil }()

	order := make([]int32, len(train))
	for i := range order {
		order[i] = int32(i)
	}
	shuffle := rand.New(rand.NewPCG(m.cfg.Seed, 0x3c6ef372fe94f82b))
	probs := make([]float64, len(valid))
	labels := make([]float32, len(valid))
	for i := range valid {
		labels[i] = valid[i].Click
	}
	best, bad, passes := math.Inf(1), 0, 0
	var snap []float32
	var snapW0 float64
	for e := range m.cfg.Epochs {
		if !m.cfg.Ordered {
			shuffle.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		}
		for n, i := range order {
			if n%4096 == 0 && ctx.Err() != nil {
				m.params, m.epochs = nil, 0
				return ctx.Err()
			}
			m.step(&train[i])
		}
		passes = e + 1
		if len(valid) == 0 {
			m.epochs = passes
			continue
		}
		for i := range valid {
			probs[i] = m.Predict(&valid[i])
		}
		if ll := ctr.LogLoss(probs, labels); ll < best {
			best, bad, m.epochs = ll, 0, passes
			if passes < m.cfg.Epochs {
				snap = append(snap[:0], m.params...)
				snapW0 = m.w0
			}
		} else if bad++; bad >= m.cfg.Patience {
			break
		}
	}
	if m.epochs < passes && snap != nil {
		// The best pass was not the last: back to it. (A best last pass
		// of all Epochs needs no snapshot.)
		copy(m.params, snap)
		m.w0 = snapW0
	}
	return nil
}
