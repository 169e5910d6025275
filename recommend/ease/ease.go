// Package ease owns EASE, the embarrassingly shallow autoencoder of Steck
// (WWW 2019): an item-item weight matrix B with a zero diagonal that best
// reconstructs the user-item matrix X from itself under an L2 penalty,
//
//	B = I − P·diag(1/diag(P)),  P = (XᵀX + λI)⁻¹,
//
// over weighted implicit feedback: X[u][i] is the user's events with item i,
// each weighted by its interest weight relative to the largest weight in the
// data, summed and capped at 1 (for purchase-only data X is binary).
//
// Two solvers give B:
//
//   - Neighbours == 0: the exact closed form above, a dense float64 Cholesky
//     factorisation and inversion of the n×n Gram matrix (dense.go), with B
//     stored in float32. It costs n³ floating-point operations and 8n² bytes
//     during the solve (12n² with B): 2.7 GB + 1.35 GB for 18,357 items. The
//     pure-Go kernel runs at 6–7 GFLOPS per core: on 2 cores 12,101 items
//     (Amazon Beauty) took 182 s and 1.8 GB, 18,357 items (Sports) 465 s
//     (912 CPU s) and 4.15 GB at peak. The pruned variant below is the one
//     for catalogues of that size.
//   - Neighbours == k > 0: the pruned variant. Column j of B is the same
//     ridge regression as in the closed form (item j on the other items, the
//     diagonal held at zero), restricted to the k items that co-occur with j
//     most often: (G[N,N] + λI) b = G[N,j]. Items that never co-occur with j
//     are left out, which changes little (their Gram entries with j are zero)
//     and makes the cost linear in the catalogue: at most n·k³/3 operations.
//
// Scoring sums the rows of B of the user's history items; Recency < 1 weighs
// the history item k positions before the last by Recency^k (1 is EASE as
// published).
//
// The model is pure: Fit reads a recommend.Data, Score writes a slice; no
// I/O, no store. Score allocates nothing and is safe for concurrent use.
package ease

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/shopmind/shopmind/recommend"
)

// Model is EASE. Set the fields before Fit.
type Model struct {
	Lambda     float64 // L2 penalty added to the diagonal of the Gram matrix, > 0
	Neighbours int     // 0: exact dense solve; k > 0: pruned to the k strongest co-occurring items per column
	Recency    float64 // history weight decay per position from the end, in (0, 1]
	MaxHist    int     // only the most recent MaxHist history items score (0: all)
	Workers    int     // goroutines of Fit (0: min(2, GOMAXPROCS))
	// MaxDenseItems refuses the exact solve above this many items
	// (0: 40,000, which needs about 19 GB).
	MaxDenseItems int

	n      int
	dense  []float32 // n×n, row i: weights from history item i to every item
	rowPtr []int64   // pruned B by source row
	cols   []int32
	vals   []float32
	maxW   float32
}

// New returns EASE with penalty lambda, solved exactly for neighbours 0 and
// pruned to neighbours regressors per item otherwise; Recency is 1.
func New(lambda float64, neighbours int) *Model {
	return &Model{Lambda: lambda, Neighbours: neighbours, Recency: 1}
}

// Name implements recommend.Recommender.
func (m *Model) Name() string { return "ease" }

func (m *Model) workers() int {
	if m.Workers > 0 {
		return m.Workers
	}
	return min(2, runtime.GOMAXPROCS(0))
}

// Fit computes B from d.
func (m *Model) Fit(ctx context.Context, d *recommend.Data) error {
	switch {
	case !(m.Lambda > 0) || math.IsInf(m.Lambda, 0):
		return fmt.Errorf("ease: lambda must be positive, got %v", m.Lambda)
	case m.Neighbours < 0:
		return fmt.Errorf("ease: neighbours must be 0 (exact) or positive, got %d", m.Neighbours)
	case !(m.Recency > 0 && m.Recency <= 1):
		return fmt.Errorf("ease: recency must be in (0, 1], got %v", m.Recency)
	case m.MaxHist < 0:
		return fmt.Errorf("ease: max history must not be negative")
	}
	m.n = d.NumItems()
	m.dense, m.rowPtr, m.cols, m.vals = nil, nil, nil, nil
	x, maxW := userRows(d)
	m.maxW = maxW
	if m.Neighbours == 0 {
		limit := m.MaxDenseItems
		if limit == 0 {
			limit = 40000
		}
		if m.n > limit {
			return fmt.Errorf("ease: the exact solve of %d items needs %.1f GB and about n³ = %.2g operations; set neighbours > 0 for the pruned variant or raise the limit of %d items",
				m.n, 12*float64(m.n)*float64(m.n)/1e9, math.Pow(float64(m.n), 3), limit)
		}
		b, err := solveDense(ctx, x, m.n, m.Lambda, m.workers())
		if err != nil {
			return err
		}
		m.dense = b
		return nil
	}
	return m.fitPruned(ctx, x)
}

// sparseRows is a user-item matrix by user: for user u, items
// cols[ptr[u]:ptr[u+1]] (ascending) with values vals.
type sparseRows struct {
	ptr  []int64
	cols []int32
	vals []float32
}

// userRows builds X: per user and item, the events' weights relative to the
// largest event weight in d, summed and capped at 1.
func userRows(d *recommend.Data) (sparseRows, float32) {
	var maxW float32
	for _, s := range d.Seqs {
		for _, e := range s {
			maxW = max(maxW, e.Weight)
		}
	}
	x := sparseRows{ptr: make([]int64, len(d.Seqs)+1)}
	type iv struct {
		i int32
		v float32
	}
	var buf []iv
	for u, s := range d.Seqs {
		buf = buf[:0]
		for _, e := range s {
			v := float32(1)
			if maxW > 0 {
				v = max(e.Weight, 0) / maxW
			}
			buf = append(buf, iv{e.Item, v})
		}
		slices.SortStableFunc(buf, func(a, b iv) int { return cmp.Compare(a.i, b.i) })
		for k := 0; k < len(buf); {
			i, v := buf[k].i, float32(0)
			for ; k < len(buf) && buf[k].i == i; k++ {
				v += buf[k].v
			}
			if v > 0 {
				x.cols = append(x.cols, i)
				x.vals = append(x.vals, min(v, 1))
			}
		}
		x.ptr[u+1] = int64(len(x.cols))
	}
	return x, maxW
}

// byItem returns, for every item, the users holding it and their values.
func (x sparseRows) byItem(n int) sparseRows {
	t := sparseRows{ptr: make([]int64, n+1), cols: make([]int32, len(x.cols)), vals: make([]float32, len(x.vals))}
	for _, i := range x.cols {
		t.ptr[i+1]++
	}
	for i := range n {
		t.ptr[i+1] += t.ptr[i]
	}
	fill := slices.Clone(t.ptr[:n])
	for u := range len(x.ptr) - 1 {
		for k := x.ptr[u]; k < x.ptr[u+1]; k++ {
			i := x.cols[k]
			t.cols[fill[i]] = int32(u)
			t.vals[fill[i]] = x.vals[k]
			fill[i]++
		}
	}
	return t
}

// gramRows returns the Gram matrix G = XᵀX, sparse, by row (each row's
// columns ascending, diagonal included).
func gramRows(ctx context.Context, x sparseRows, n, workers int) (sparseRows, error) {
	xt := x.byItem(n)
	rows := make([]struct {
		cols []int32
		vals []float32
	}, n)
	err := parallel(ctx, n, 64, workers, func() func(i int) {
		acc := make([]float64, n)
		var touched []int32
		return func(i int) {
			touched = touched[:0]
			for k := xt.ptr[i]; k < xt.ptr[i+1]; k++ {
				u, xu := xt.cols[k], float64(xt.vals[k])
				for t := x.ptr[u]; t < x.ptr[u+1]; t++ {
					j := x.cols[t]
					if acc[j] == 0 {
						touched = append(touched, j)
					}
					acc[j] += xu * float64(x.vals[t])
				}
			}
			slices.Sort(touched)
			r := &rows[i]
			r.cols = slices.Clone(touched)
			r.vals = make([]float32, len(touched))
			for k, j := range touched {
				r.vals[k] = float32(acc[j])
				acc[j] = 0
			}
		}
	})
	if err != nil {
		return sparseRows{}, err
	}
	g := sparseRows{ptr: make([]int64, n+1)}
	for i := range rows {
		g.ptr[i+1] = g.ptr[i] + int64(len(rows[i].cols))
	}
	g.cols = make([]int32, g.ptr[n])
	g.vals = make([]float32, g.ptr[n])
	for i, r := range rows {
		copy(g.cols[g.ptr[i]:], r.cols)
		copy(g.vals[g.ptr[i]:], r.vals)
	}
	return g, nil
}

// parallel runs body(i) for i in [0, n) on workers goroutines, in chunks;
// each goroutine gets its own body from newBody (for scratch space). It
// stops early when ctx is done and returns ctx.Err().
func parallel(ctx context.Context, n, chunk, workers int, newBody func() func(i int)) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := newBody()
			for ctx.Err() == nil {
				lo := int(next.Add(int64(chunk))) - chunk
				if lo >= n {
					return
				}
				for i := lo; i < min(lo+chunk, n); i++ {
					body(i)
				}
			}
		}()
	}
	wg.Wait()
	return ctx.Err()
}

// fitPruned solves, for every item j, the ridge regression of column j on
// its Neighbours strongest co-occurring items, and stores B by source row.
func (m *Model) fitPruned(ctx context.Context, x sparseRows) error {
	n := m.n
	g, err := gramRows(ctx, x, n, m.workers())
	if err != nil {
		return err
	}
	k := m.Neighbours
	type column struct {
		from []int32
		w    []float32
	}
	cols := make([]column, n)
	err = parallel(ctx, n, 16, m.workers(), func() func(j int) {
		pos := make([]int32, n) // item → position in the neighbourhood + 1
		var nb []int32
		var nv []float32
		var a, rhs []float64
		return func(j int) {
			// The neighbourhood: the k largest off-diagonal entries of row j.
			nb, nv = nb[:0], nv[:0]
			for t := g.ptr[j]; t < g.ptr[j+1]; t++ {
				if int(g.cols[t]) != j {
					nb = append(nb, g.cols[t])
					nv = append(nv, g.vals[t])
				}
			}
			if len(nb) == 0 {
				return
			}
			if len(nb) > k {
				idx := make([]int, len(nb))
				for t := range idx {
					idx[t] = t
				}
				slices.SortFunc(idx, func(p, q int) int {
					if c := cmp.Compare(nv[q], nv[p]); c != 0 {
						return c
					}
					return cmp.Compare(nb[p], nb[q])
				})
				sel := make([]int32, k)
				for t := range sel {
					sel[t] = nb[idx[t]]
				}
				slices.Sort(sel)
				nb = append(nb[:0], sel...)
			}
			sz := len(nb)
			for t, i := range nb {
				pos[i] = int32(t + 1)
			}
			a = slices.Grow(a[:0], sz*sz)[:sz*sz]
			clear(a)
			rhs = slices.Grow(rhs[:0], sz)[:sz]
			for r, i := range nb {
				for t := g.ptr[i]; t < g.ptr[i+1]; t++ {
					c := g.cols[t]
					if p := pos[c]; p > 0 {
						a[r*sz+int(p-1)] = float64(g.vals[t])
					} else if int(c) == j {
						rhs[r] = float64(g.vals[t])
					}
				}
				a[r*sz+r] += m.Lambda
			}
			for _, i := range nb {
				pos[i] = 0
			}
			if !cholSolve(a, rhs, sz) {
				return // not positive definite: cannot happen with λ > 0 but for rounding
			}
			c := column{from: slices.Clone(nb), w: make([]float32, sz)}
			for t := range rhs {
				c.w[t] = float32(rhs[t])
			}
			cols[j] = c
		}
	})
	if err != nil {
		return err
	}
	// Transpose to rows by source item.
	m.rowPtr = make([]int64, n+1)
	for _, c := range cols {
		for _, i := range c.from {
			m.rowPtr[i+1]++
		}
	}
	for i := range n {
		m.rowPtr[i+1] += m.rowPtr[i]
	}
	m.cols = make([]int32, m.rowPtr[n])
	m.vals = make([]float32, m.rowPtr[n])
	fill := slices.Clone(m.rowPtr[:n])
	for j, c := range cols {
		for t, i := range c.from {
			m.cols[fill[i]] = int32(j)
			m.vals[fill[i]] = c.w[t]
			fill[i]++
		}
	}
	return nil
}

// cholSolve solves a·x = b in place (x into b) for a symmetric positive
// definite sz×sz row-major matrix a, which it overwrites with its Cholesky
// factor (lower triangle). It reports false if a is not positive definite.
func cholSolve(a, b []float64, sz int) bool {
	for j := range sz {
		rj := a[j*sz : j*sz+j+1]
		d := rj[j] - dot(rj[:j], rj[:j])
		if !(d > 0) {
			return false
		}
		d = math.Sqrt(d)
		rj[j] = d
		for i := j + 1; i < sz; i++ {
			ri := a[i*sz : i*sz+j+1]
			ri[j] = (ri[j] - dot(ri[:j], rj[:j])) / d
		}
	}
	// L y = b, then Lᵀ x = y.
	for i := range sz {
		ri := a[i*sz : i*sz+i+1]
		b[i] = (b[i] - dot(ri[:i], b[:i])) / ri[i]
	}
	for i := sz - 1; i >= 0; i-- {
		s := b[i]
		for t := i + 1; t < sz; t++ {
			s -= a[t*sz+i] * b[t]
		}
		b[i] = s / a[i*sz+i]
	}
	return true
}

// NumWeights is the number of stored weights of B.
func (m *Model) NumWeights() int {
	if m.dense != nil {
		return len(m.dense)
	}
	return len(m.vals)
}

// WithRecency returns a copy of the fitted model that scores with another
// Recency; the weights are shared, not copied.
func (m *Model) WithRecency(r float64) *Model {
	c := *m
	c.Recency = r
	return &c
}

// Score writes, for every item, the sum over the history events of their
// item's row of B, each weighted by its event weight relative to the largest
// one in training (as in X) and, for the event k positions before the last,
// by Recency^k. Items the model never saw are ignored.
func (m *Model) Score(hist []recommend.Event, scores []float32) {
	clear(scores)
	w := float32(1)
	rec := float32(m.Recency)
	for k := len(hist) - 1; k >= 0; k-- {
		if m.MaxHist > 0 && len(hist)-1-k >= m.MaxHist {
			break
		}
		i := int(hist[k].Item)
		x := w
		if m.maxW > 0 {
			x *= min(max(hist[k].Weight, 0)/m.maxW, 1)
		}
		if i < m.n && x != 0 {
			if m.dense != nil {
				row := m.dense[i*m.n : (i+1)*m.n]
				for j, v := range row {
					scores[j] += x * v
				}
			} else {
				lo, hi := m.rowPtr[i], m.rowPtr[i+1]
				cols, vals := m.cols[lo:hi], m.vals[lo:hi]
				for t, j := range cols {
					scores[j] += x * vals[t]
				}
			}
		}
		w *= rec
	}
}
