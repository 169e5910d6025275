// Package seq owns the sequence-aware next-item model: item-to-item
// transitions counted over the users' time-ordered histories. Every pair of
// items at most Window positions apart counts, decayed with their distance;
// pairs in the reverse order may count too (co-visitation), at a fraction of
// the weight. The counts are normalised by the source item's total and the
// target item's popularity. A user is scored from the rows of their history
// items, the most recent weighing most.
//
// The model is pure: Fit reads a recommend.Data, Score writes a slice; no
// I/O, no store. Score allocates nothing and is safe for concurrent use.
package seq

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/shopmind/shopmind/recommend"
)

// Model is the transition model. The zero value is not usable; start from
// New and change fields before Fit.
type Model struct {
	// Window is how many following positions form a transition: with 3,
	// item p links to p+1, p+2 and p+3.
	Window int
	// Decay weighs a pair d positions apart by Decay^(d-1), in (0, 1].
	Decay float64
	// Backward weighs the reverse direction (p+d → p) relative to the
	// forward one, in [0, 1]: 0 is a pure transition model, 1 symmetric
	// co-visitation.
	Backward float64
	// Alpha normalises each source item's row by its total weight raised
	// to Alpha: 0 keeps raw counts, 1 gives transition probabilities.
	Alpha float64
	// Beta divides each target item's weight by its training count raised
	// to Beta, damping popular targets (0 leaves them alone).
	Beta float64
	// Recency weighs the history item k positions before the last by
	// Recency^k, in (0, 1].
	Recency float64
	// MaxHist is how many of the most recent history items are used
	// (0: all).
	MaxHist int
	// Prior adds Prior × count/maxCount to every item, so that items no
	// history item links to are ordered by popularity.
	Prior float64
	// Fresh weighs a training pair by Fresh^t, t the number of events
	// after its later item in the user's sequence, in (0, 1]: below 1,
	// recent behaviour counts more (1: all alike).
	Fresh float64
	// Workers is the number of goroutines of Fit (0: min(2, GOMAXPROCS)).
	Workers int

	n      int
	maxW   float32
	rowPtr []int64
	cols   []int32
	vals   []float32
	prior  []float32
}

// New returns a model with the hyper-parameters the validation search of
// recommend/eval picks on the Amazon Beauty purchase sequences.
func New() *Model {
	return &Model{Window: 12, Decay: 0.85, Backward: 0.1, Alpha: 0.3, Beta: 0.15, Recency: 0.6, MaxHist: 20, Prior: 1e-3, Fresh: 1}
}

// Name implements recommend.Recommender.
func (m *Model) Name() string { return "seq" }

func (m *Model) check() error {
	switch {
	case m.Window < 1:
		return fmt.Errorf("seq: window must be at least 1, got %d", m.Window)
	case !(m.Decay > 0 && m.Decay <= 1):
		return fmt.Errorf("seq: decay must be in (0, 1], got %v", m.Decay)
	case !(m.Backward >= 0 && m.Backward <= 1):
		return fmt.Errorf("seq: backward must be in [0, 1], got %v", m.Backward)
	case !(m.Fresh > 0 && m.Fresh <= 1):
		return fmt.Errorf("seq: fresh must be in (0, 1], got %v", m.Fresh)
	case !(m.Recency > 0 && m.Recency <= 1):
		return fmt.Errorf("seq: recency must be in (0, 1], got %v", m.Recency)
	case m.MaxHist < 0 || math.IsNaN(m.Alpha) || math.IsNaN(m.Beta) || !(m.Prior >= 0):
		return fmt.Errorf("seq: max history, alpha, beta and prior must be non-negative numbers")
	}
	return nil
}

// Fit counts the transitions of d.
func (m *Model) Fit(ctx context.Context, d *recommend.Data) error {
	if err := m.check(); err != nil {
		return err
	}
	n := d.NumItems()
	m.n = n

	// Confidence of each event: its weight relative to the largest one.
	var maxW float32
	for _, s := range d.Seqs {
		for _, e := range s {
			maxW = max(maxW, e.Weight)
		}
	}
	m.maxW = maxW
	conf := func(e recommend.Event) float64 {
		if maxW <= 0 {
			return 1
		}
		return float64(max(e.Weight, 0) / maxW)
	}

	// Where each item occurs: (user, position), grouped by item.
	counts := make([]int64, n+1)
	for _, s := range d.Seqs {
		for _, e := range s {
			counts[e.Item+1]++
		}
	}
	for i := range n {
		counts[i+1] += counts[i]
	}
	occ := make([][2]int32, counts[n])
	fill := make([]int64, n)
	copy(fill, counts[:n])
	for u, s := range d.Seqs {
		for p, e := range s {
			occ[fill[e.Item]] = [2]int32{int32(u), int32(p)}
			fill[e.Item]++
		}
	}
	maxCount := int64(1)
	for i := range n {
		maxCount = max(maxCount, counts[i+1]-counts[i])
	}
	targetNorm := make([]float64, n)
	m.prior = make([]float32, n)
	for j := range n {
		c := float64(max(counts[j+1]-counts[j], 1))
		targetNorm[j] = math.Pow(c, -m.Beta)
		m.prior[j] = float32(m.Prior * float64(counts[j+1]-counts[j]) / float64(maxCount))
	}
	decay := make([]float64, m.Window+1)
	for dist := 1; dist <= m.Window; dist++ {
		decay[dist] = math.Pow(m.Decay, float64(dist-1))
	}

	fresh := func(t int) float64 {
		if m.Fresh == 1 {
			return 1
		}
		return math.Pow(m.Fresh, float64(t))
	}

	// One row per source item, built by the workers in blocks of items.
	type row struct {
		cols []int32
		vals []float32
	}
	rows := make([]row, n)
	workers := m.Workers
	if workers <= 0 {
		workers = min(2, runtime.GOMAXPROCS(0))
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			acc := make([]float64, n)
			var touched []int32
			add := func(j int32, w float64) {
				if acc[j] == 0 {
					touched = append(touched, j)
				}
				acc[j] += w
			}
			for {
				lo := int(next.Add(256)) - 256
				if lo >= n {
					return
				}
				if err := ctx.Err(); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				for i := lo; i < min(lo+256, n); i++ {
					touched = touched[:0]
					for _, o := range occ[counts[i]:counts[i+1]] {
						s := d.Seqs[o[0]]
						p := int(o[1])
						cp := conf(s[p])
						for dist := 1; dist <= m.Window; dist++ {
							if q := p + dist; q < len(s) {
								add(s[q].Item, decay[dist]*cp*conf(s[q])*fresh(len(s)-1-q))
							}
							if q := p - dist; m.Backward > 0 && q >= 0 {
								add(s[q].Item, m.Backward*decay[dist]*cp*conf(s[q])*fresh(len(s)-1-p))
							}
						}
					}
					var total float64
					for _, j := range touched {
						if int(j) != i {
							total += acc[j]
						}
					}
					r := row{cols: make([]int32, 0, len(touched)), vals: make([]float32, 0, len(touched))}
					scale := 1.0
					if total > 0 {
						scale = math.Pow(total, -m.Alpha)
					}
					for _, j := range touched {
						if int(j) != i && acc[j] > 0 {
							r.cols = append(r.cols, j)
							r.vals = append(r.vals, float32(acc[j]*scale*targetNorm[j]))
						}
						acc[j] = 0
					}
					rows[i] = r
				}
			}
		}()
	}
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return err
	}
	m.rowPtr = make([]int64, n+1)
	for i, r := range rows {
		m.rowPtr[i+1] = m.rowPtr[i] + int64(len(r.cols))
	}
	m.cols = make([]int32, m.rowPtr[n])
	m.vals = make([]float32, m.rowPtr[n])
	for i, r := range rows {
		copy(m.cols[m.rowPtr[i]:], r.cols)
		copy(m.vals[m.rowPtr[i]:], r.vals)
	}
	return nil
}

// NumLinks is the number of stored item-to-item weights.
func (m *Model) NumLinks() int { return len(m.cols) }

// Score writes the popularity prior plus, for every history event k
// positions before the last, Recency^k times its weight relative to the
// largest training weight times its item's row. Items the model never saw
// are ignored.
func (m *Model) Score(hist []recommend.Event, scores []float32) {
	copy(scores, m.prior)
	w := float32(1)
	rec := float32(m.Recency)
	for k := len(hist) - 1; k >= 0; k-- {
		if m.MaxHist > 0 && len(hist)-1-k >= m.MaxHist {
			break
		}
		i := hist[k].Item
		x := w
		if m.maxW > 0 {
			x *= min(max(hist[k].Weight, 0)/m.maxW, 1)
		}
		if int(i) < m.n && x != 0 {
			lo, hi := m.rowPtr[i], m.rowPtr[i+1]
			cols, vals := m.cols[lo:hi], m.vals[lo:hi]
			for t, j := range cols {
				scores[j] += x * vals[t]
			}
		}
		w *= rec
	}
}
