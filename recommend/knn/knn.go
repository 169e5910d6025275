// Package knn owns item-based k-nearest-neighbour recommendation over
// weighted implicit feedback.
//
// Each item is the vector of its users' summed event weights (pairs whose
// sum is not positive are dropped). The similarity of two items is cosine
// with shrinkage,
//
//	sim(a, b) = a·b / (‖a‖‖b‖ + shrink),
//
// which damps similarities resting on few co-occurrences. Only the K most
// similar neighbours of every item are kept, in a sparse table. Similarities
// are computed by sparse co-occurrence accumulation — for an item, walk its
// users and their items, summing products into a dense accumulator — in
// parallel over items; every item's row is computed independently, so the
// result does not depend on the number of goroutines.
//
// A history is scored by summing, over its events, the event's weight times
// its item's neighbours' similarities, optionally decayed with the event's
// age in the history (RecencyHalfLife). Neighbors serves similar-item lists.
//
// The package is pure: no I/O, no store, no logging.
package knn

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/shopmind/shopmind/recommend"
)

// Config holds the hyper-parameters. Zero fields take the value of
// DefaultConfig.
type Config struct {
	K int // neighbours kept per item (default 100)
	// Shrink is added to the norm product ‖a‖‖b‖ (default 10). It is in
	// units of weight², so it scales with the event weights: with every
	// event a purchase of weight 5, shrink 10 acts like 0.4 on counts.
	Shrink float32
	// RecencyHalfLife, when positive, halves an event's contribution every
	// RecencyHalfLife later events in the history (0: no decay).
	RecencyHalfLife float64
	// Binary ignores the event weights: every positive pair counts 1.
	Binary  bool
	Workers int // goroutines; 0 means runtime.GOMAXPROCS(0)
}

// DefaultConfig returns the defaults: 100 neighbours, shrink 10, no recency
// decay, weighted feedback.
func DefaultConfig() Config { return Config{K: 100, Shrink: 10} }

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.K <= 0 {
		c.K = d.K
	}
	if c.Shrink < 0 {
		c.Shrink = 0
	} else if c.Shrink == 0 {
		c.Shrink = d.Shrink
	}
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	return c
}

// Model is an item-kNN model. Create it with New; it is ready after Fit.
type Model struct {
	cfg      Config
	numItems int
	off      []int     // neighbours of item i: nbr[off[i]:off[i+1]]
	nbr      []int32   // neighbour items, by descending similarity
	sim      []float32 // their similarities
	pop      []float32 // fallback scores for empty histories
}

// New returns an unfitted model with cfg (zero fields take defaults; a
// negative Shrink means none).
func New(cfg Config) *Model { return &Model{cfg: cfg.withDefaults()} }

// Name implements recommend.Recommender.
func (m *Model) Name() string { return "itemknn" }

// Config returns the configuration in effect (defaults filled in).
func (m *Model) Config() Config { return m.cfg }

// csr is a sparse matrix in compressed rows.
type csr struct {
	off []int
	idx []int32
	val []float32
}

func (c *csr) row(r int) ([]int32, []float32) {
	return c.idx[c.off[r]:c.off[r+1]], c.val[c.off[r]:c.off[r+1]]
}

// Fit implements recommend.Recommender. It checks ctx between items and
// returns ctx.Err() when cancelled.
func (m *Model) Fit(ctx context.Context, d *recommend.Data) error {
	if d == nil || d.NumItems() == 0 {
		return errors.New("knn: no items to fit")
	}
	ni := d.NumItems()
	ui, err := m.interactions(d)
	if err != nil {
		return err
	}
	iu := ui.transpose(ni)
	norm := make([]float32, ni)
	m.pop = make([]float32, ni)
	maxN := 1
	for j := range ni {
		_, v := iu.row(j)
		var s float64
		for _, x := range v {
			s += float64(x) * float64(x)
		}
		norm[j] = float32(math.Sqrt(s))
		maxN = max(maxN, len(v))
	}
	for j := range ni {
		m.pop[j] = float32(iu.off[j+1]-iu.off[j]) / float32(maxN)
	}

	lists := make([][]recommend.Scored, ni)
	var next atomic.Int64
	var wg sync.WaitGroup
	const block = 64
	for range m.cfg.Workers {
		wg.Go(func() {
			acc := make([]float32, ni)
			mark := make([]bool, ni)
			var touched []int32
			var cand []recommend.Scored
			for {
				if ctx.Err() != nil {
					return
				}
				lo := int(next.Add(block)) - block
				if lo >= ni {
					return
				}
				for a := lo; a < min(lo+block, ni); a++ {
					touched = touched[:0]
					users, wa := iu.row(a)
					for n, u := range users {
						items, wb := ui.row(int(u))
						for p, b := range items {
							if int(b) == a {
								continue
							}
							if !mark[b] {
								mark[b] = true
								touched = append(touched, b)
							}
							acc[b] += wa[n] * wb[p]
						}
					}
					cand = cand[:0]
					for _, b := range touched {
						s := acc[b] / (norm[a]*norm[b] + m.cfg.Shrink)
						if s > 0 {
							cand = append(cand, recommend.Scored{Item: b, Score: s})
						}
						acc[b], mark[b] = 0, false
					}
					lists[a] = topK(cand, m.cfg.K)
				}
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	m.off = make([]int, ni+1)
	for a, l := range lists {
		m.off[a+1] = m.off[a] + len(l)
	}
	m.nbr = make([]int32, m.off[ni])
	m.sim = make([]float32, m.off[ni])
	for a, l := range lists {
		for n, s := range l {
			m.nbr[m.off[a]+n], m.sim[m.off[a]+n] = s.Item, s.Score
		}
	}
	m.numItems = ni
	return nil
}

// topK returns a new slice with the k best of cand by descending score, ties
// by lower item (cand is reordered).
func topK(cand []recommend.Scored, k int) []recommend.Scored {
	slices.SortFunc(cand, func(x, y recommend.Scored) int {
		if c := cmp.Compare(y.Score, x.Score); c != 0 {
			return c
		}
		return cmp.Compare(x.Item, y.Item)
	})
	return slices.Clone(cand[:min(k, len(cand))])
}

// interactions sums event weights per user and item (or counts 1 with
// Binary), keeping positive sums.
func (m *Model) interactions(d *recommend.Data) (csr, error) {
	n := d.NumItems()
	c := csr{off: make([]int, len(d.Seqs)+1)}
	var buf []recommend.Event
	for u, seq := range d.Seqs {
		buf = append(buf[:0], seq...)
		slices.SortFunc(buf, func(a, b recommend.Event) int { return cmp.Compare(a.Item, b.Item) })
		for i := 0; i < len(buf); {
			it := buf[i].Item
			if it < 0 || int(it) >= n {
				return csr{}, fmt.Errorf("knn: user %d has item index %d outside [0, %d)", u, it, n)
			}
			var w float32
			for ; i < len(buf) && buf[i].Item == it; i++ {
				w += buf[i].Weight
			}
			if w > 0 && !math.IsInf(float64(w), 0) {
				if m.cfg.Binary {
					w = 1
				}
				c.idx = append(c.idx, it)
				c.val = append(c.val, w)
			}
		}
		c.off[u+1] = len(c.idx)
	}
	return c, nil
}

func (c *csr) transpose(cols int) csr {
	off, idx, val := recommend.TransposeCSR(c.off, c.idx, c.val, cols)
	return csr{off: off, idx: idx, val: val}
}

// Neighbors returns up to n of item's most similar items, by descending
// similarity (at most Config.K). It returns nil for an item out of range or
// before Fit.
func (m *Model) Neighbors(item int32, n int) []recommend.Scored {
	if item < 0 || int(item) >= m.numItems || n <= 0 {
		return nil
	}
	lo, hi := m.off[item], m.off[item+1]
	hi = min(hi, lo+n)
	out := make([]recommend.Scored, hi-lo)
	for p := lo; p < hi; p++ {
		out[p-lo] = recommend.Scored{Item: m.nbr[p], Score: m.sim[p]}
	}
	return out
}

// Score implements recommend.Recommender. Every event of hist adds its
// weight — times 2^(−age/RecencyHalfLife) when decay is on, age being the
// number of events after it — times its item's neighbours' similarities to
// their scores. Items of events with non-positive weight subtract (a
// removal from the cart lowers its neighbours). An empty history, or one
// whose items have no neighbours, scores item popularity (users per item,
// scaled to [0, 1]). Score does not allocate.
func (m *Model) Score(hist []recommend.Event, scores []float32) {
	clear(scores)
	if m.off == nil {
		return
	}
	touched := false
	for p, e := range hist {
		if e.Item < 0 || int(e.Item) >= m.numItems {
			continue
		}
		w := e.Weight
		if m.cfg.Binary {
			w = 1
			if e.Weight <= 0 {
				w = 0
			}
		}
		if h := m.cfg.RecencyHalfLife; h > 0 {
			w *= float32(math.Exp2(-float64(len(hist)-1-p) / h))
		}
		if w == 0 {
			continue
		}
		lo, hi := m.off[e.Item], m.off[e.Item+1]
		for q := lo; q < hi; q++ {
			if b := m.nbr[q]; int(b) < len(scores) {
				scores[b] += w * m.sim[q]
				touched = true
			}
		}
	}
	if !touched {
		copy(scores, m.pop)
	}
}
