// Package deepfm owns the DeepFM click model (Guo, Tang, Ye, Li & He,
// "DeepFM: A Factorization-Machine based Neural Network for CTR
// Prediction", IJCAI 2017) over the sparse, field-aware examples of ctr.
//
// Every row of the hashed space holds a first-order weight and a k-vector
// embedding. An example's field embedding e_f is the value-weighted sum of
// the embeddings of its features in field f (zero when it has none). The
// logit is the sum of
//
//   - the FM component: a bias, the value-weighted first-order weights, and
//     the pairwise interactions Σ_{f<g} ⟨e_f, e_g⟩ between fields;
//   - the deep component: a perceptron (ReLU hidden layers, optional
//     dropout) over the concatenated field embeddings, Fields×k inputs;
//
// and P(click) is its sigmoid. Both components share the embeddings.
// Config.FMOnly drops the perceptron, leaving a field-level factorisation
// machine: the shallow baseline of the same code.
//
// Training minimises the log loss by mini-batch Adam (lazy for the
// embedding rows a batch touches, with L2 on them; optionally Adagrad for
// the rows and L2 per occurrence, as ctr/fm), with early stopping on
// the validation log loss; see package nn, which holds the pieces this
// package shares with ctr/esmm. A fit depends on the seed and the data,
// not on the number of goroutines.
//
// Speed, measured by the benchmarks on a shared two-core machine for 10
// fields hashed into 2²⁰ rows, k = 8 and hidden layers 64 and 32: training
// runs at about 70 000 examples a second on one goroutine and 130 000 on
// two; Predict takes about 4 µs and does not allocate.
//
// The package is pure: no I/O, no logging.
package deepfm

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/shopmind/shopmind/ctr"
	"github.com/shopmind/shopmind/ctr/deepfm/nn"
)

// Config holds the hyper-parameters. Zero fields take the value of
// DefaultConfig.
type Config struct {
	Factors int     // embedding size k (default 8)
	Hidden  []int   // widths of the perceptron's hidden layers (nil: 64, 32; empty: a linear layer)
	FMOnly  bool    // no perceptron: bias, first order and pairwise interactions only
	Dropout float64 // probability of dropping a hidden unit while training (default 0)
	Fields  int     // number of fields; 0 takes 1 + the largest field of the training data
	Space   int     // rows of the table; 0 takes the smallest power of two above the largest training index

	// The optimisation settings: Adam at 0.001, L2 1e-5, batches of 256, at
	// most 10 epochs with a patience of 2 by default.
	nn.TrainConfig
}

// InitStd is the standard deviation of the initial embeddings (the
// first-order weights start at zero).
const InitStd = 0.01

// DefaultConfig returns the defaults: k = 8, hidden layers 64 and 32, no
// dropout, and nn.DefaultTrainConfig.
func DefaultConfig() Config {
	return Config{Factors: 8, Hidden: []int{64, 32}, TrainConfig: nn.DefaultTrainConfig()}
}

func (c Config) withDefaults() Config {
	if c.Factors <= 0 {
		c.Factors = DefaultConfig().Factors
	}
	if c.Hidden == nil {
		c.Hidden = DefaultConfig().Hidden
	}
	c.Hidden = append([]int{}, c.Hidden...)
	c.TrainConfig = c.TrainConfig.WithDefaults()
	return c
}

// settingsError checks a configuration as Fit leaves it.
func (c Config) settingsError() error {
	if err := nn.CheckShape(c.Fields, c.Space, 1+c.Factors, c.Hidden, c.Dropout); err != nil {
		return err
	}
	return c.TrainConfig.Check()
}

// Model is a DeepFM model. Create it with New; it predicts after Fit (an
// unfitted model predicts 0.5).
type Model struct {
	cfg     Config
	net     *network
	history []nn.Epoch
	best    int
}

// New returns an unfitted model with cfg (zero fields take defaults).
func New(cfg Config) *Model { return &Model{cfg: cfg.withDefaults(), best: -1} }

// Name implements ctr.Model: "deepfm", or "deepfm-fmonly" without the
// perceptron.
func (m *Model) Name() string {
	if m.cfg.FMOnly {
		return "deepfm-fmonly"
	}
	return "deepfm"
}

// Config returns the configuration in effect (defaults filled in; Fields
// and Space as fitted once Fit has run).
func (m *Model) Config() Config {
	c := m.cfg
	c.Hidden = append([]int{}, c.Hidden...)
	return c
}

// History returns one entry per training epoch of the last Fit.
func (m *Model) History() []nn.Epoch { return m.history }

// BestEpoch is the index of the epoch whose parameters the model holds
// (−1 before Fit).
func (m *Model) BestEpoch() int { return m.best }

// network is a fitted model's parameters.
type network struct {
	fields, k int
	table     *nn.Table // rows × (1+k): first-order weight, then the embedding
	bias      []float32 // one value
	mlp       *nn.MLP   // nil for FMOnly
	pool      sync.Pool // *worker
}

// newNetwork returns a network for cfg (Fields and Space set): bias at
// bias, embeddings of the rows train uses drawn at random.
func newNetwork(cfg Config, train []ctr.Example, bias float64) (*network, error) {
	n := &network{fields: cfg.Fields, k: cfg.Factors, bias: []float32{float32(bias)}}
	n.table = nn.NewTable(cfg.Space, 1+cfg.Factors)
	if err := n.table.Check(train, n.fields); err != nil {
		return nil, fmt.Errorf("deepfm: %w", err)
	}
	n.table.InitRows(train, n.fields, 1, InitStd, cfg.Seed)
	if !cfg.FMOnly {
		sizes := append(append([]int{n.fields * n.k}, cfg.Hidden...), 1)
		mlp, err := nn.NewMLP(sizes, cfg.Dropout, cfg.Seed)
		if err != nil {
			return nil, fmt.Errorf("deepfm: %w", err)
		}
		n.mlp = mlp
	}
	return n, nil
}

// Fit implements ctr.Model: it trains a new network on train with early
// stopping on the log loss of valid (may be empty: then all Epochs run).
// It honours ctx between batches and returns ctx.Err() when cancelled. On
// an error the model is left unfitted.
func (m *Model) Fit(ctx context.Context, train, valid []ctr.Example) error {
	m.net, m.history, m.best = nil, nil, -1
	cfg := m.cfg
	if err := nn.FillShape(train, &cfg.Fields, &cfg.Space); err != nil {
		return fmt.Errorf("deepfm: %w", err)
	}
	if err := cfg.settingsError(); err != nil {
		return errors.New("deepfm: " + err.Error())
	}
	var clicks float64
	for i := range train {
		clicks += float64(train[i].Click)
	}
	n, err := newNetwork(cfg, train, nn.Logit(clicks/float64(len(train))))
	if err != nil {
		return err
	}
	history, best, err := nn.Train(ctx, n, cfg.TrainConfig, train, valid)
	if err != nil {
		m.history = history
		return fmt.Errorf("deepfm: %w", err)
	}
	m.cfg, m.net, m.history, m.best = cfg, n, history, best
	return nil
}

// Predict implements ctr.Model: P(click | x). It is safe for concurrent
// use and does not allocate.
func (m *Model) Predict(x *ctr.Example) float64 {
	if m.net == nil {
		return 0.5
	}
	w := m.net.get()
	z := w.forward(x, false, 0)
	m.net.pool.Put(w)
	return ctr.Sigmoid(z)
}

func (n *network) Table() *nn.Table { return n.table }

func (n *network) Dense() [][]float32 {
	d := [][]float32{n.bias}
	if n.mlp != nil {
		d = append(d, n.mlp.Params()...)
	}
	return d
}

func (n *network) NewWorker() nn.Worker { return n.newWorker() }

func (n *network) get() *worker {
	if w, ok := n.pool.Get().(*worker); ok {
		return w
	}
	return n.newWorker()
}

// worker holds one goroutine's buffers.
type worker struct {
	n    *network
	emb  []float64 // fields × (1+k), as Table.Lookup leaves it
	sum  []float64 // Σ_f e_f, k values
	in   []float64 // the perceptron's input: the embeddings, fields × k
	dEmb []float64 // ∂loss/∂emb
	dIn  []float64 // ∂loss/∂in
	dOut [1]float64
	mlp  *nn.MLPScratch
}

func (n *network) newWorker() *worker {
	d := 1 + n.k
	w := &worker{n: n, emb: make([]float64, n.fields*d), sum: make([]float64, n.k), dEmb: make([]float64, n.fields*d)}
	if n.mlp != nil {
		w.in = make([]float64, n.fields*n.k)
		w.dIn = make([]float64, n.fields*n.k)
		w.mlp = n.mlp.NewScratch()
	}
	return w
}

// forward returns the logit of x, leaving in w what backward needs.
func (w *worker) forward(x *ctr.Example, train bool, noise uint64) float64 {
	n, k := w.n, w.n.k
	d := 1 + k
	n.table.Lookup(x, n.fields, w.emb)
	z := float64(n.bias[0])
	clear(w.sum)
	var squares float64
	for f := range n.fields {
		e := w.emb[f*d : (f+1)*d]
		z += e[0]
		for j, v := range e[1:] {
			w.sum[j] += v
			squares += v * v
		}
		if w.in != nil {
			copy(w.in[f*k:(f+1)*k], e[1:])
		}
	}
	var ss float64
	for _, v := range w.sum {
		ss += v * v
	}
	z += (ss - squares) / 2
	if n.mlp != nil {
		z += n.mlp.Forward(w.mlp, w.in, train, noise)[0]
	}
	return z
}

// Grad implements nn.Worker: the log loss of x.
func (w *worker) Grad(x *ctr.Example, g *nn.Grad, noise uint64) float64 {
	n, k := w.n, w.n.k
	d := 1 + k
	z := w.forward(x, true, noise)
	y := float64(x.Click)
	dz := ctr.Sigmoid(z) - y
	g.Dense[0][0] += dz
	if n.mlp != nil {
		w.dOut[0] = dz
		n.mlp.Backward(w.mlp, w.dOut[:], g.Dense[1:], w.dIn)
	}
	for f := range n.fields {
		e, de := w.emb[f*d:(f+1)*d], w.dEmb[f*d:(f+1)*d]
		de[0] = dz
		for j := range k {
			de[1+j] = dz * (w.sum[j] - e[1+j])
			if w.dIn != nil {
				de[1+j] += w.dIn[f*k+j]
			}
		}
	}
	g.Scatter(n.table, x, n.fields, w.dEmb)
	return nn.Softplus(z) - y*z
}

// Loss implements nn.Worker: the log loss of x.
func (w *worker) Loss(x *ctr.Example) float64 {
	z := w.forward(x, false, 0)
	return nn.Softplus(z) - float64(x.Click)*z
}

var _ ctr.Model = (*Model)(nil)
