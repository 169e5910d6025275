// Package ftrl owns logistic regression trained online with FTRL-Proximal
// (McMahan et al., "Ad click prediction: a view from the trenches", 2013):
// the click model a serving node can keep learning from its own click log
// while it answers.
//
// Every hashed feature index of the schema's space is one coordinate, and
// one more coordinate is the bias. A coordinate keeps two numbers: z, the
// sum of its gradients corrected for the learning-rate schedule, and
// s = √n, the root of the sum of its squared gradients. Its weight is not
// stored but computed from them when needed:
//
//	w = 0                                            if |z| ≤ L1
//	w = −(z − sign(z)·L1) / ((Beta + s)/Alpha + L2)  otherwise
//
// so L1 makes weights exactly zero until their evidence exceeds it (the
// bias is exempt from L1 and L2). After predicting p for an example with
// label y, every active coordinate i of value x_i, with gradient
// g = (p − y)·x_i, is updated
//
//	s' = √(s² + g²),  z += g − (s' − s)/Alpha · w,  s = s'
//
// which gives each coordinate its own learning rate Alpha/(Beta + s).
// Keeping √n rather than n saves a square root per weight; the arrays are
// float32 (one 8-byte cell per coordinate, z and s side by side so that a
// feature costs one cache line), the arithmetic float64.
//
// Concurrency: every method may run concurrently with every other. A
// sync.RWMutex lets any number of Predicts score at once while updates
// wait; an update holds the write lock for one example only (Fit for a
// chunk of 256, well under a millisecond), so a serving node can learn
// online with Update while it answers. Under the write lock there is a
// single writer, so the state needs no atomics and -race stays quiet. (A
// lock per shard of coordinates would let Updates touching different
// shards run in parallel, but an Update touches ~30 coordinates spread
// over the whole space, so it would take most shards' locks, in order,
// for every example — dearer than one lock for what Predict needs, which
// is every read to be cheap. The benchmarks *WhileUpdating and
// *WhilePredicting measure both paths under contention.)
//
// The package is pure: no I/O, no store, no logging.
package ftrl

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/shopmind/shopmind/ctr"
)

// Config holds the hyper-parameters. Zero fields take the value of
// DefaultConfig; a negative L1 or L2 means none.
type Config struct {
	Alpha float64 // learning-rate scale (default 0.2)
	Beta  float64 // learning-rate smoothing (default 1)
	L1    float64 // L1 strength, in units of summed gradients (default 1)
	L2    float64 // L2 strength (default 1)
	// Epochs is the number of passes Fit makes over train (default 1).
	// With a validation set Fit stops early after the first pass that does
	// not lower the validation log loss and keeps the best pass's model.
	Epochs int
	// Seed seeds the shuffling of train before each pass.
	Seed uint64
	// Ordered keeps train's order (say, time order, as an online learner
	// would have seen it) instead of shuffling before each pass.
	Ordered bool
	// Space is the number of hashed feature indices, the schema's Space
	// (default 1<<20, as ctr.Schema's). Features at or beyond it are
	// refused by Fit and ignored by Update and Predict.
	Space uint32
}

// DefaultConfig returns the defaults: Alpha 0.2, Beta 1, L1 1, L2 1, one
// shuffled pass, a space of 1<<20.
func DefaultConfig() Config {
	return Config{Alpha: 0.2, Beta: 1, L1: 1, L2: 1, Epochs: 1, Space: 1 << 20}
}

// MaxSpace is the largest Space: indices must fit an int32 in artefacts.
const MaxSpace = 1 << 31

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Alpha <= 0 {
		c.Alpha = d.Alpha
	}
	if c.Beta <= 0 {
		c.Beta = d.Beta
	}
	if c.L1 < 0 {
		c.L1 = 0
	} else if c.L1 == 0 {
		c.L1 = d.L1
	}
	if c.L2 < 0 {
		c.L2 = 0
	} else if c.L2 == 0 {
		c.L2 = d.L2
	}
	if c.Epochs <= 0 {
		c.Epochs = d.Epochs
	}
	if c.Space == 0 {
		c.Space = d.Space
	}
	c.Space = min(c.Space, MaxSpace)
	return c
}

// cell is one coordinate's state: z and s = √n.
type cell struct{ z, s float32 }

// Model is an FTRL-Proximal logistic regression. Create it with New. It
// predicts 0.5 until it has learned from an example.
type Model struct {
	cfg    Config
	mu     sync.RWMutex
	cells  []cell    // Space coordinates, then the bias; nil until trained
	ws     []float64 // the weights of the example being updated (under mu)
	epochs int       // passes kept by the last Fit
	sink   uint32    // where Fit's prefetching loads go (under mu)
}

// New returns an untrained model with cfg (zero fields take defaults). It
// allocates the state — 8 bytes per coordinate — at the first Fit or Update.
func New(cfg Config) *Model { return &Model{cfg: cfg.withDefaults()} }

// Name implements ctr.Model.
func (m *Model) Name() string { return "ftrl" }

// Config returns the configuration in effect (defaults filled in).
func (m *Model) Config() Config {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.cfg
}

// Epochs returns the number of passes the model of the last Fit was trained
// for (fewer than Config.Epochs when the validation set stopped it early).
func (m *Model) Epochs() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.epochs
}

// weight is the weight of a coordinate from its state.
func (m *Model) weight(c cell) float64 {
	z := float64(c.z)
	l1 := m.cfg.L1
	if z <= l1 && z >= -l1 {
		return 0
	}
	return -(z - math.Copysign(l1, z)) / ((m.cfg.Beta+float64(c.s))/m.cfg.Alpha + m.cfg.L2)
}

// biasWeight is the bias's weight: no L1, no L2.
func (m *Model) biasWeight(c cell) float64 {
	return -float64(c.z) * m.cfg.Alpha / (m.cfg.Beta + float64(c.s))
}

// logit is the linear score of x; the caller holds mu.
func (m *Model) logit(x *ctr.Example) float64 {
	if m.cells == nil {
		return 0
	}
	space := m.cfg.Space
	l := m.biasWeight(m.cells[space])
	for _, f := range x.Features {
		if f.Index < space {
			l += m.weight(m.cells[f.Index]) * float64(f.Value)
		}
	}
	return l
}

// Predict implements ctr.Model: the probability of a click on x. It does
// not allocate and may run concurrently with every other method.
func (m *Model) Predict(x *ctr.Example) float64 {
	m.mu.RLock()
	l := m.logit(x)
	m.mu.RUnlock()
	return ctr.Sigmoid(l)
}

// PredictBatch writes the click probabilities of xs to out (which must be
// at least as long) under one read lock: scoring a page of candidates.
func (m *Model) PredictBatch(xs []ctr.Example, out []float64) {
	out = out[:len(xs)]
	m.mu.RLock()
	for i := range xs {
		out[i] = m.logit(&xs[i])
	}
	m.mu.RUnlock()
	for i, l := range out {
		out[i] = ctr.Sigmoid(l)
	}
}

// Update learns from one example, online: x.Click is its label (clipped to
// [0, 1]); features at or beyond Space are ignored, and so is an example
// with a NaN label or a non-finite feature value. It holds the write lock
// for the example, so it may run concurrently with Predict and other
// Updates. It allocates only when the model is still empty or x has more
// features than any example before it.
func (m *Model) Update(x *ctr.Example) {
	m.mu.Lock()
	m.ensure()
	m.step(x)
	m.mu.Unlock()
}

// ensure allocates the state; the caller holds the write lock.
func (m *Model) ensure() {
	if m.cells == nil {
		m.cells = make([]cell, int(m.cfg.Space)+1)
	}
}

// step is one FTRL-Proximal update; the caller holds the write lock.
func (m *Model) step(x *ctr.Example) {
	space := m.cfg.Space
	if cap(m.ws) < len(x.Features) {
		m.ws = make([]float64, len(x.Features)+16)
	}
	ws := m.ws[:len(x.Features)]
	bias := &m.cells[space]
	wb := m.biasWeight(*bias)
	l := wb
	for k, f := range x.Features {
		if f.Index < space {
			w := m.weight(m.cells[f.Index])
			ws[k] = w
			l += w * float64(f.Value)
		}
	}
	if math.IsNaN(l) || math.IsInf(l, 0) || x.Click != x.Click {
		return // a NaN label or a non-finite value: nothing to learn
	}
	g := ctr.Sigmoid(l) - min(max(float64(x.Click), 0), 1)
	ia := 1 / m.cfg.Alpha
	for k, f := range x.Features {
		if f.Index >= space {
			continue
		}
		c := &m.cells[f.Index]
		gi := g * float64(f.Value)
		s := float64(c.s)
		s2 := math.Sqrt(s*s + gi*gi)
		c.z += float32(gi - (s2-s)*ia*ws[k])
		c.s = float32(s2)
	}
	s := float64(bias.s)
	s2 := math.Sqrt(s*s + g*g)
	bias.z += float32(g - (s2-s)*ia*wb)
	bias.s = float32(s2)
}

// touchFeatures loads one feature per cache line of x's features, and
// touchCells the cells of x's features, so that the memory they live in is
// on its way to the cache when step needs it: Fit calls them on the examples
// it will learn from a few steps later, and on the headers of the examples
// further ahead. Go has no prefetch instruction; plain loads whose results
// go nowhere that matters do the same, and being independent of each other
// they overlap their cache misses. On shuffled passes, where every example
// is a cache miss, it raises training throughput by about 40%.
func touchFeatures(x *ctr.Example) uint32 {
	var s uint32
	for k := 0; k < len(x.Features); k += 5 {
		s += x.Features[k].Index
	}
	return s
}

func (m *Model) touchCells(x *ctr.Example) uint32 {
	var s uint32
	space := m.cfg.Space
	for _, f := range x.Features {
		if f.Index < space {
			s += math.Float32bits(m.cells[f.Index].s)
		}
	}
	return s
}

// checkExamples reports the first example Fit cannot learn from: a feature
// outside the space or of a non-finite value, or a label outside [0, 1].
func checkExamples(space uint32, what string, xs []ctr.Example) error {
	for i := range xs {
		x := &xs[i]
		if !(x.Click >= 0 && x.Click <= 1) {
			return fmt.Errorf("ftrl: %s example %d has click label %v outside [0, 1]", what, i, x.Click)
		}
		for _, f := range x.Features {
			if f.Index >= space {
				return fmt.Errorf("ftrl: %s example %d has feature index %d outside the space of %d (Config.Space must be the schema's)", what, i, f.Index, space)
			}
			if math.Float32bits(f.Value)&0x7f800000 == 0x7f800000 { // NaN or ±Inf
				return fmt.Errorf("ftrl: %s example %d has feature value %v", what, i, f.Value)
			}
		}
	}
	return nil
}

// chunk is the number of examples Fit learns from per write lock: long
// enough to make the lock free, short enough (well under a millisecond)
// not to stall concurrent Predicts.
const chunk = 256

// Fit implements ctr.Model. It starts from an empty model and makes
// Config.Epochs passes over train, shuffled before each pass with
// Config.Seed unless Config.Ordered. When valid is not empty it measures
// the validation log loss after each pass, stops after the first pass that
// does not lower it and restores the model of the best pass (see Epochs).
// It checks ctx every few thousand examples and returns ctx.Err() when
// cancelled, leaving the model of the examples seen so far. Examples with
// a feature outside the space, a non-finite value or a label outside
// [0, 1] are refused before training.
func (m *Model) Fit(ctx context.Context, train, valid []ctr.Example) error {
	if len(train) == 0 {
		return errors.New("ftrl: no training examples")
	}
	m.mu.RLock()
	cfg := m.cfg
	m.mu.RUnlock()
	if err := checkExamples(cfg.Space, "training", train); err != nil {
		return err
	}
	if err := checkExamples(cfg.Space, "validation", valid); err != nil {
		return err
	}
	m.mu.Lock()
	m.cells = nil
	m.epochs = 0
	m.ensure()
	m.mu.Unlock()

	order := make([]int32, len(train))
	for i := range order {
		order[i] = int32(i)
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x9e3779b97f4a7c15))
	probs := make([]float64, len(valid))
	labels := make([]float32, len(valid))
	for i := range valid {
		labels[i] = valid[i].Click
	}
	best := math.Inf(1)
	var snap []cell
	for e := range cfg.Epochs {
		if !cfg.Ordered {
			rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		}
		for lo := 0; lo < len(order); lo += chunk {
			if lo%(16*chunk) == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			hi := min(lo+chunk, len(order))
			m.mu.Lock()
			for k := lo; k < hi; k++ {
				// Prefetch, in stages: the example header, its features,
				// the cells they name (see touchFeatures).
				if k+16 < len(order) {
					m.sink += uint32(len(train[order[k+16]].Features))
				}
				if k+8 < len(order) {
					m.sink += touchFeatures(&train[order[k+8]])
				}
				if k+2 < len(order) {
					m.sink += m.touchCells(&train[order[k+2]])
				}
				m.step(&train[order[k]])
			}
			m.mu.Unlock()
		}
		if len(valid) == 0 {
			m.mu.Lock()
			m.epochs = e + 1
			m.mu.Unlock()
			continue
		}
		m.PredictBatch(valid, probs)
		ll := ctr.LogLoss(probs, labels)
		m.mu.Lock()
		if ll >= best {
			copy(m.cells, snap) // this pass did not help: back to the best
			m.mu.Unlock()
			break
		}
		best = ll
		m.epochs = e + 1
		if e+1 < cfg.Epochs {
			snap = append(snap[:0], m.cells...)
		}
		m.mu.Unlock()
	}
	return nil
}

// Weight returns the weight of feature index i (0 for an index outside
// the space or before training): the model's logit is the bias plus the
// sum of weight × value over the active features.
func (m *Model) Weight(i uint32) float64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.cells == nil || i >= m.cfg.Space {
		return 0
	}
	return m.weight(m.cells[i])
}

// Bias returns the bias weight.
func (m *Model) Bias() float64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.cells == nil {
		return 0
	}
	return m.biasWeight(m.cells[m.cfg.Space])
}

// Stats counts coordinates.
type Stats struct {
	Active  int // feature indices the model has learned anything about
	NonZero int // of those, the ones whose weight is not zero (L1 keeps the rest out)
}

// Stats scans the feature coordinates (not the bias): a measure of the
// sparsity L1 buys.
func (m *Model) Stats() Stats {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var st Stats
	if m.cells == nil {
		return st
	}
	for _, c := range m.cells[:m.cfg.Space] {
		if c != (cell{}) {
			st.Active++
			if m.weight(c) != 0 {
				st.NonZero++
			}
		}
	}
	return st
}

// active returns the indices and states of the feature coordinates that
// are not zero (the bias excluded); the caller holds mu.
func (m *Model) active() (idx []int32, z, sq []float32) {
	for i, c := range m.cells[:m.cfg.Space] {
		if c != (cell{}) {
			idx = append(idx, int32(i))
			z = append(z, c.z)
			sq = append(sq, c.s)
		}
	}
	return idx, z, sq
}

// Forget resets the coordinates of the given features to their untrained
// state, so that the model no longer carries what it learned from them
// (erasing one user's feature weights after their deletion). Coordinates
// shared with other features through hashing are reset too; that loses a
// little of what those learned and nothing else. It returns how many
// coordinates held state.
func (m *Model) Forget(fs []ctr.Feature) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cells == nil {
		return 0
	}
	n := 0
	for _, f := range fs {
		if int(f.Index) < len(m.cells)-1 {
			if m.cells[f.Index] != (cell{}) {
				n++
			}
			m.cells[f.Index] = cell{}
		}
	}
	return n
}

// WeightOf is the current weight of one coordinate (0 before training).
func (m *Model) WeightOf(index uint32) float64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.cells == nil || int(index) >= len(m.cells)-1 {
		return 0
	}
	return m.weight(m.cells[index])
}
