// Package bpr owns Bayesian personalised ranking with matrix factorisation
// (BPR-MF; Rendle, Freudenthaler, Gantner & Schmidt-Thieme, UAI 2009) for
// implicit feedback.
//
// A user prefers every item they interacted with (positive summed event
// weight) to every item they did not. Training is stochastic gradient ascent
// on ln σ(x̂_ui − x̂_uj) − regularisation, with x̂_ui = p_u·q_i + b_i, over
// triples (u, i, j) drawn by picking an observed pair (u, i) uniformly and a
// negative item j uniformly among the items u did not interact with. An epoch
// draws as many triples as there are observed pairs.
//
// Training runs on one goroutine. Hogwild-style lock-free parallel SGD would
// race on shared item factors (flagged by the race detector) and make results
// depend on scheduling; one goroutine is deterministic for a seed and fast
// enough (about a second per 10⁷ updates at 64 factors).
//
// Scoring folds the history in, since a history, not a user id, is what
// Score receives: the user vector is the mean of the history items' factors,
// optionally refined by a few SGD steps on the user vector alone (item
// factors fixed; Config.FoldInSteps) with negatives drawn from a generator
// seeded by the history, so a score is a pure function of the history.
//
// The package is pure: no I/O, no store, no logging.
package bpr

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/shopmind/shopmind/recommend"
)

// Config holds the hyper-parameters. Zero fields take the value of
// DefaultConfig.
type Config struct {
	Factors   int     // latent dimension k (default 64)
	Epochs    int     // passes of as many triples as observed pairs (default 50)
	LearnRate float32 // SGD step size (default 0.1)
	Reg       float32 // L2 regularisation of factors and biases (default 0.002)
	Seed      uint64  // seeds initialisation and sampling (default 0)
	// FoldInSteps is the number of SGD steps per distinct history item that
	// refine a folded-in user vector (default 0: the user vector is the mean
	// of the history items' factors, which did as well on Amazon Beauty and
	// on planted data as 10 or 30 steps).
	FoldInSteps int
}

// DefaultConfig returns the defaults: 64 factors, 50 epochs, learning rate
// 0.1, regularisation 0.002, mean fold-in.
func DefaultConfig() Config {
	return Config{Factors: 64, Epochs: 50, LearnRate: 0.1, Reg: 0.002}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Factors <= 0 {
		c.Factors = d.Factors
	}
	if c.Epochs <= 0 {
		c.Epochs = d.Epochs
	}
	if c.LearnRate <= 0 {
		c.LearnRate = d.LearnRate
	}
	if c.Reg <= 0 {
		c.Reg = d.Reg
	}
	c.FoldInSteps = max(c.FoldInSteps, 0)
	return c
}

// Model is a BPR-MF model. Create it with New; it is ready to score after
// Fit.
type Model struct {
	cfg      Config
	numItems int
	user     []float32 // numUsers × k
	item     []float32 // numItems × k
	bias     []float32 // numItems
	pool     sync.Pool // *scratch
}

// New returns an unfitted model with cfg (zero fields take defaults).
func New(cfg Config) *Model { return &Model{cfg: cfg.withDefaults()} }

// Name implements recommend.Recommender.
func (m *Model) Name() string { return "bpr" }

// Config returns the configuration in effect (defaults filled in).
func (m *Model) Config() Config { return m.cfg }

// Dim is the number of factors.
func (m *Model) Dim() int { return m.cfg.Factors }

// ItemFactors returns the item factors, row-major NumItems × Dim; the slice
// is the model's own: do not modify it.
func (m *Model) ItemFactors() []float32 { return m.item }

// ItemBiases returns the item biases b_i (the model's own slice).
func (m *Model) ItemBiases() []float32 { return m.bias }

// ItemVectors returns one view per item into ItemFactors.
func (m *Model) ItemVectors() [][]float32 { return rows(m.item, m.cfg.Factors) }

// UserVectors returns the trained user factors in Data.Users order.
func (m *Model) UserVectors() [][]float32 { return rows(m.user, m.cfg.Factors) }

func rows(flat []float32, k int) [][]float32 {
	out := make([][]float32, len(flat)/k)
	for i := range out {
		out[i] = flat[i*k : (i+1)*k : (i+1)*k]
	}
	return out
}

// positives returns per user the sorted items with a positive summed weight,
// as offsets into one slice.
func positives(d *recommend.Data) (off []int, items []int32, err error) {
	n := d.NumItems()
	off = make([]int, len(d.Seqs)+1)
	var buf []recommend.Event
	for u, seq := range d.Seqs {
		buf = append(buf[:0], seq...)
		slices.SortFunc(buf, func(a, b recommend.Event) int { return int(a.Item) - int(b.Item) })
		for i := 0; i < len(buf); {
			it := buf[i].Item
			if it < 0 || int(it) >= n {
				return nil, nil, fmt.Errorf("bpr: user %d has item index %d outside [0, %d)", u, it, n)
			}
			var w float32
			for ; i < len(buf) && buf[i].Item == it; i++ {
				w += buf[i].Weight
			}
			if w > 0 {
				items = append(items, it)
			}
		}
		off[u+1] = len(items)
	}
	return off, items, nil
}

// Fit implements recommend.Recommender. It checks ctx every 4096 updates and
// returns ctx.Err() when cancelled.
func (m *Model) Fit(ctx context.Context, d *recommend.Data) error {
	if d == nil || d.NumItems() == 0 {
		return errors.New("bpr: no items to fit")
	}
	off, pos, err := positives(d)
	if err != nil {
		return err
	}
	k, ni, nu := m.cfg.Factors, d.NumItems(), len(d.Seqs)
	owner := make([]int32, len(pos)) // user of each observed pair
	for u := range nu {
		for p := off[u]; p < off[u+1]; p++ {
			owner[p] = int32(u)
		}
	}
	var src rand.PCG
	src.Seed(m.cfg.Seed, 0xb9e)
	rng := rand.New(&src)
	user := make([]float32, nu*k)
	item := make([]float32, ni*k)
	bias := make([]float32, ni)
	for i := range user {
		user[i] = float32(rng.NormFloat64() * 0.1)
	}
	for i := range item {
		item[i] = float32(rng.NormFloat64() * 0.1)
	}
	lr, reg := m.cfg.LearnRate, m.cfg.Reg
	total := m.cfg.Epochs * len(pos)
	npos, nitems := uint64(len(pos)), uint64(ni)
	if npos == 0 || ni < 2 {
		total = 0
	}
	for s := range total {
		if s&4095 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		p := bounded(src.Uint64(), npos)
		u := int(owner[p])
		seen := pos[off[u]:off[u+1]]
		if len(seen) >= ni {
			continue
		}
		i := pos[p]
		j := int32(bounded(src.Uint64(), nitems))
		for tries := 0; has(seen, j) && tries < 32; tries++ {
			j = int32(bounded(src.Uint64(), nitems))
		}
		if has(seen, j) {
			continue
		}
		pu := user[u*k : (u+1)*k]
		qi := item[int(i)*k : int(i+1)*k]
		qj := item[int(j)*k : int(j+1)*k]
		g := sigmoid(-(bias[i] - bias[j] + dotDiff(pu, qi, qj)))
		bias[i] += lr * (g - reg*bias[i])
		bias[j] += lr * (-g - reg*bias[j])
		step(pu, qi, qj, lr*g, lr*reg)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	m.numItems, m.user, m.item, m.bias = ni, user, item, bias
	return nil
}

// step applies one BPR update to the user vector pu and the positive and
// negative item vectors qi and qj, with lg = lr·g and lr2 = lr·λ.
func step(pu, qi, qj []float32, lg, lr2 float32) {
	qi, qj = qi[:len(pu)], qj[:len(pu)]
	for f, a := range pu {
		bi, bj := qi[f], qj[f]
		pu[f] = a + lg*(bi-bj) - lr2*a
		qi[f] = bi + lg*a - lr2*bi
		qj[f] = bj - lg*a - lr2*bj
	}
}

// has reports whether the sorted slice s holds x.
func has(s []int32, x int32) bool {
	_, ok := slices.BinarySearch(s, x)
	return ok
}

func sigmoid(x float32) float32 { return float32(1 / (1 + math.Exp(-float64(x)))) }

// dotDiff is a·(b − c).
func dotDiff(a, b, c []float32) float32 {
	b, c = b[:len(a)], c[:len(a)]
	var s0, s1 float32
	i := 0
	for ; i+2 <= len(a); i += 2 {
		s0 += a[i] * (b[i] - c[i])
		s1 += a[i+1] * (b[i+1] - c[i+1])
	}
	for ; i < len(a); i++ {
		s0 += a[i] * (b[i] - c[i])
	}
	return s0 + s1
}

func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

type scratch struct {
	events []recommend.Event
	items  []int32
	user   []float32
}

// FoldIn writes into dst (len Dim) a user vector for hist: the mean of the
// factors of the history's items with positive summed weight, refined, when
// Config.FoldInSteps > 0, by that many SGD steps per such item on the BPR
// objective with item factors fixed. The negatives come from a generator seeded by the
// history's items, so the result is a pure function of hist. It reports
// false, leaving dst zero, when the history holds no usable item. It uses
// pooled scratch and does not allocate in the steady state.
func (m *Model) FoldIn(hist []recommend.Event, dst []float32) bool {
	k := m.cfg.Factors
	dst = dst[:k]
	clear(dst)
	if len(hist) == 0 || m.item == nil {
		return false
	}
	s := m.getScratch()
	defer m.pool.Put(s)
	items := m.historyItems(hist, s)
	if len(items) == 0 {
		return false
	}
	for _, i := range items {
		q := m.item[int(i)*k : int(i+1)*k]
		for f := range k {
			dst[f] += q[f]
		}
	}
	inv := 1 / float32(len(items))
	var h uint64 = 0x9e3779b97f4a7c15
	for f := range k {
		dst[f] *= inv
	}
	for _, i := range items {
		h = (h ^ uint64(i)) * 0x100000001b3
	}
	if m.cfg.FoldInSteps == 0 || len(items) >= m.numItems {
		return true
	}
	var src rand.PCG
	src.Seed(h, m.cfg.Seed)
	lr, reg := m.cfg.LearnRate, m.cfg.Reg
	ni := uint64(m.numItems)
	for range m.cfg.FoldInSteps * len(items) {
		i := items[bounded(src.Uint64(), uint64(len(items)))]
		j := int32(bounded(src.Uint64(), ni))
		for tries := 0; has(items, j) && tries < 32; tries++ {
			j = int32(bounded(src.Uint64(), ni))
		}
		if has(items, j) {
			continue
		}
		qi := m.item[int(i)*k : int(i+1)*k]
		qj := m.item[int(j)*k : int(j+1)*k]
		g := sigmoid(-(m.bias[i] - m.bias[j] + dotDiff(dst, qi, qj)))
		for f := range k {
			dst[f] += lr * (g*(qi[f]-qj[f]) - reg*dst[f])
		}
	}
	return true
}

// bounded maps a uniform 64-bit value onto [0, n) (multiply-shift).
func bounded(x, n uint64) uint64 {
	hi, _ := bits.Mul64(x, n)
	return hi
}

func (m *Model) getScratch() *scratch {
	s, _ := m.pool.Get().(*scratch)
	if s == nil {
		s = &scratch{user: make([]float32, m.cfg.Factors)}
	}
	return s
}

// historyItems returns the sorted distinct items of hist with a positive
// summed weight, in s.items.
func (m *Model) historyItems(hist []recommend.Event, s *scratch) []int32 {
	s.events = append(s.events[:0], hist...)
	slices.SortFunc(s.events, func(a, b recommend.Event) int { return int(a.Item) - int(b.Item) })
	s.items = s.items[:0]
	for i := 0; i < len(s.events); {
		it := s.events[i].Item
		var w float32
		for ; i < len(s.events) && s.events[i].Item == it; i++ {
			w += s.events[i].Weight
		}
		if w > 0 && it >= 0 && int(it) < m.numItems {
			s.items = append(s.items, it)
		}
	}
	return s.items
}

// Score implements recommend.Recommender: it folds hist in and writes
// p·q_j + b_j for every item j. For a history with no usable item it writes
// the item biases (BPR's popularity-like term). It does not allocate in the
// steady state (pooled scratch).
func (m *Model) Score(hist []recommend.Event, scores []float32) {
	if m.item == nil {
		clear(scores)
		return
	}
	k := m.cfg.Factors
	s := m.getScratch()
	defer m.pool.Put(s)
	n := min(len(scores), m.numItems)
	if !m.FoldIn(hist, s.user) {
		copy(scores, m.bias)
		return
	}
	for j := range n {
		scores[j] = dot(s.user, m.item[j*k:(j+1)*k]) + m.bias[j]
	}
}
