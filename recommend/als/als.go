// Package als owns the weighted alternating-least-squares model for implicit
// feedback (Hu, Koren & Volinsky, "Collaborative Filtering for Implicit
// Feedback Datasets", ICDM 2008).
//
// Every user-item pair with a positive summed event weight w is an observed
// preference with confidence c = 1 + α·w; every other pair is a zero
// preference with confidence 1. Training alternates between user and item
// factors; each row's regularised weighted least-squares problem is solved
// approximately by a few conjugate-gradient steps warm-started from the
// previous solution (the approach of Takács, Pilászy & Tikk 2011), using the
// precomputed Gram matrix YᵀY of the other side so that a row costs
// O(k² + n·k) per step instead of O(n·k² + k³). Rows are solved in parallel;
// each row depends only on the other side's factors and its own previous
// value, so results do not depend on scheduling.
//
// Scoring folds a history in: the user vector is solved exactly (Cholesky)
// from the history against the trained item factors, so users unseen in
// training need no refit. Item factors are exposed for nearest-neighbour
// indexes and similar-item queries.
//
// The package is pure: no I/O, no store, no logging.
package als

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/shopmind/shopmind/recommend"
)

// Config holds the hyper-parameters. Zero fields take the value of
// DefaultConfig.
type Config struct {
	Factors    int     // latent dimension k (default 64)
	Iterations int     // alternating sweeps (default 15)
	Alpha      float32 // confidence slope: c = 1 + Alpha·w (default 10)
	Lambda     float32 // L2 regularisation λ (default 10)
	CGSteps    int     // conjugate-gradient steps per row and sweep (default 3)
	Seed       uint64  // seeds the initial factors (0 is a valid seed; default 0)
	Workers    int     // goroutines; 0 means runtime.GOMAXPROCS(0)
}

// DefaultConfig returns the defaults: 64 factors, 15 iterations, α = 10,
// λ = 10, 3 CG steps (α and λ chosen on the validation items of Amazon
// Beauty, where every event is a purchase of weight 5).
func DefaultConfig() Config {
	return Config{Factors: 64, Iterations: 15, Alpha: 10, Lambda: 10, CGSteps: 3}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Factors <= 0 {
		c.Factors = d.Factors
	}
	if c.Iterations <= 0 {
		c.Iterations = d.Iterations
	}
	if c.Alpha <= 0 {
		c.Alpha = d.Alpha
	}
	if c.Lambda <= 0 {
		c.Lambda = d.Lambda
	}
	if c.CGSteps <= 0 {
		c.CGSteps = d.CGSteps
	}
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	return c
}

// Model is a weighted ALS model. Create it with New; it is ready to score
// after Fit.
type Model struct {
	cfg Config

	numItems int
	user     []float32 // trained user factors, numUsers × k
	item     []float32 // item factors, numItems × k
	gram     []float64 // YᵀY + λI of the final item factors, k × k
	pop      []float32 // fallback scores for empty histories
	pool     sync.Pool // *foldScratch
}

// New returns an unfitted model with cfg (zero fields take defaults).
func New(cfg Config) *Model { return &Model{cfg: cfg.withDefaults()} }

// Name implements recommend.Recommender.
func (m *Model) Name() string { return "als" }

// Config returns the configuration in effect (defaults filled in).
func (m *Model) Config() Config { return m.cfg }

// Dim is the number of factors.
func (m *Model) Dim() int { return m.cfg.Factors }

// ItemFactors returns the item factors as one row-major slice of
// NumItems × Dim values. The slice is the model's own: do not modify it.
func (m *Model) ItemFactors() []float32 { return m.item }

// ItemVectors returns one slice per item, each a view into ItemFactors.
func (m *Model) ItemVectors() [][]float32 { return rows(m.item, m.cfg.Factors) }

// UserVectors returns the trained user factors, one view per user of the
// training data, in Data.Users order.
func (m *Model) UserVectors() [][]float32 { return rows(m.user, m.cfg.Factors) }

func rows(flat []float32, k int) [][]float32 {
	out := make([][]float32, len(flat)/k)
	for i := range out {
		out[i] = flat[i*k : (i+1)*k : (i+1)*k]
	}
	return out
}

// csr is a sparse matrix in compressed rows: row r holds idx[off[r]:off[r+1]]
// with values val (here α·w, the confidence minus one).
type csr struct {
	off []int
	idx []int32
	val []float32
}

func (c *csr) row(r int) ([]int32, []float32) {
	return c.idx[c.off[r]:c.off[r+1]], c.val[c.off[r]:c.off[r+1]]
}

// interactions sums event weights per user and item, keeps positive sums and
// returns the user×item matrix of α·w.
func interactions(d *recommend.Data, alpha float32) (csr, error) {
	n := d.NumItems()
	m := csr{off: make([]int, len(d.Seqs)+1)}
	var buf []recommend.Event
	for u, seq := range d.Seqs {
		buf = append(buf[:0], seq...)
		slices.SortFunc(buf, func(a, b recommend.Event) int { return int(a.Item) - int(b.Item) })
		for i := 0; i < len(buf); {
			it := buf[i].Item
			if it < 0 || int(it) >= n {
				return csr{}, fmt.Errorf("als: user %d has item index %d outside [0, %d)", u, it, n)
			}
			var w float32
			for ; i < len(buf) && buf[i].Item == it; i++ {
				w += buf[i].Weight
			}
			if w > 0 && !math.IsInf(float64(w), 0) {
				m.idx = append(m.idx, it)
				m.val = append(m.val, alpha*w)
			}
		}
		m.off[u+1] = len(m.idx)
	}
	return m, nil
}

// transpose turns a rows×cols matrix into cols×rows.
func (c *csr) transpose(cols int) csr {
	off, idx, val := recommend.TransposeCSR(c.off, c.idx, c.val, cols)
	return csr{off: off, idx: idx, val: val}
}

// Fit implements recommend.Recommender. It honours ctx between blocks of
// rows and returns ctx.Err() when cancelled.
func (m *Model) Fit(ctx context.Context, d *recommend.Data) error {
	if d == nil || d.NumItems() == 0 {
		return errors.New("als: no items to fit")
	}
	k := m.cfg.Factors
	ui, err := interactions(d, m.cfg.Alpha)
	if err != nil {
		return err
	}
	nu, ni := len(d.Seqs), d.NumItems()
	iu := ui.transpose(ni)

	rng := rand.New(rand.NewPCG(m.cfg.Seed, 0x5eed_a15))
	user := make([]float32, nu*k)
	item := make([]float32, ni*k)
	for i := range user {
		user[i] = float32(rng.NormFloat64() * 0.01)
	}
	for i := range item {
		item[i] = float32(rng.NormFloat64() * 0.01)
	}
	gram := make([]float32, k*k)
	for range m.cfg.Iterations {
		gramInto(gram, item, k, m.cfg.Lambda, m.cfg.Workers)
		if err := m.sweep(ctx, user, item, gram, &ui); err != nil {
			return err
		}
		gramInto(gram, user, k, m.cfg.Lambda, m.cfg.Workers)
		if err := m.sweep(ctx, item, user, gram, &iu); err != nil {
			return err
		}
	}
	// Items nobody interacted with keep no signal: zero them rather than
	// leave regularised noise.
	for j := range ni {
		if iu.off[j] == iu.off[j+1] {
			clear(item[j*k : (j+1)*k])
		}
	}

	m.numItems = ni
	m.user, m.item = user, item
	m.gram = gram64(item, k, m.cfg.Lambda)
	m.pop = make([]float32, ni)
	maxN := 1
	for j := range ni {
		maxN = max(maxN, iu.off[j+1]-iu.off[j])
	}
	for j := range ni {
		m.pop[j] = float32(iu.off[j+1]-iu.off[j]) / float32(maxN)
	}
	return nil
}

// sweep solves every row of x against the fixed factors y.
func (m *Model) sweep(ctx context.Context, x, y, gram []float32, r *csr) error {
	k := m.cfg.Factors
	rowsN := len(r.off) - 1
	const block = 128
	var next atomic.Int64
	var wg sync.WaitGroup
	for range m.cfg.Workers {
		wg.Go(func() {
			s := newCGScratch(k)
			for {
				if ctx.Err() != nil {
					return
				}
				lo := int(next.Add(block)) - block
				if lo >= rowsN {
					return
				}
				for row := lo; row < min(lo+block, rowsN); row++ {
					idx, conf := r.row(row)
					cgSolve(x[row*k:(row+1)*k], y, k, gram, idx, conf, m.cfg.CGSteps, s)
				}
			}
		})
	}
	wg.Wait()
	return ctx.Err()
}

type cgScratch struct{ r, p, ap []float32 }

func newCGScratch(k int) *cgScratch {
	return &cgScratch{make([]float32, k), make([]float32, k), make([]float32, k)}
}

// cgSolve improves x towards the solution of
//
//	(G + Σ_j c_j y_j y_jᵀ) x = Σ_j (1 + c_j) y_j
//
// with G = YᵀY + λI and c_j = α·w_j, by a few conjugate-gradient steps from
// the current x.
func cgSolve(x, y []float32, k int, gram []float32, idx []int32, conf []float32, steps int, s *cgScratch) {
	r, p, ap := s.r, s.p, s.ap
	// r = b − A x
	symv(r, gram, x, k)
	for i := range r {
		r[i] = -r[i]
	}
	for n, j := range idx {
		yj := y[int(j)*k : int(j+1)*k]
		c := conf[n]
		axpy(r, yj, 1+c-c*dot(yj, x))
	}
	copy(p, r)
	rs := dot(r, r)
	for range steps {
		if rs < 1e-20 {
			return
		}
		symv(ap, gram, p, k)
		for n, j := range idx {
			yj := y[int(j)*k : int(j+1)*k]
			axpy(ap, yj, conf[n]*dot(yj, p))
		}
		pap := dot(p, ap)
		if pap <= 0 {
			return
		}
		a := rs / pap
		axpy(x, p, a)
		axpy(r, ap, -a)
		rsNew := dot(r, r)
		beta := rsNew / rs
		for i := range p {
			p[i] = r[i] + beta*p[i]
		}
		rs = rsNew
	}
}

// symv sets dst = G v for a k×k row-major G.
func symv(dst, g, v []float32, k int) {
	for i := range k {
		dst[i] = dot(g[i*k:(i+1)*k], v)
	}
}

// gramInto sets g = FᵀF + λI for the rows of f. Rows are summed in fixed
// chunks whose partial sums are added in chunk order, so the result is the
// same whatever the number of workers.
func gramInto(g, f []float32, k int, lambda float32, workers int) {
	const chunk = 1024
	n := len(f) / k
	chunks := (n + chunk - 1) / chunk
	parts := make([][]float64, chunks)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, chunks) {
		wg.Go(func() {
			row := make([]float64, k)
			for {
				c := int(next.Add(1)) - 1
				if c >= chunks {
					return
				}
				acc := make([]float64, k*k)
				for r := c * chunk; r < min((c+1)*chunk, n); r++ {
					for i, x := range f[r*k : (r+1)*k] {
						row[i] = float64(x)
					}
					for i := range k {
						a := row[i]
						if a == 0 {
							continue
						}
						gi := acc[i*k : i*k+k]
						for j := i; j < k; j++ {
							gi[j] += a * row[j]
						}
					}
				}
				parts[c] = acc
			}
		})
	}
	wg.Wait()
	for i := range k {
		for j := i; j < k; j++ {
			var s float64
			for _, p := range parts {
				s += p[i*k+j]
			}
			if i == j {
				s += float64(lambda)
			}
			g[i*k+j], g[j*k+i] = float32(s), float32(s)
		}
	}
}

// gram64 is YᵀY + λI in float64, for the exact fold-in solve.
func gram64(f []float32, k int, lambda float32) []float64 {
	g := make([]float64, k*k)
	for r := range len(f) / k {
		v := f[r*k : (r+1)*k]
		for i := range k {
			a := float64(v[i])
			for j := i; j < k; j++ {
				g[i*k+j] += a * float64(v[j])
			}
		}
	}
	for i := range k {
		g[i*k+i] += float64(lambda)
		for j := i + 1; j < k; j++ {
			g[j*k+i] = g[i*k+j]
		}
	}
	return g
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

// axpy sets y += a·x.
func axpy(y, x []float32, a float32) {
	x = x[:len(y)]
	i := 0
	for ; i+4 <= len(y); i += 4 {
		y[i] += a * x[i]
		y[i+1] += a * x[i+1]
		y[i+2] += a * x[i+2]
		y[i+3] += a * x[i+3]
	}
	for ; i < len(y); i++ {
		y[i] += a * x[i]
	}
}

// foldScratch is the per-call working memory of FoldIn, pooled.
type foldScratch struct {
	a    []float64 // k × k system matrix, then its Cholesky factor
	b    []float64
	hist []recommend.Event
}

// FoldIn writes into dst (len Dim) the user vector that best explains hist
// against the trained item factors: the exact solution of the user's ALS
// step, with the history's weights summed per item and non-positive sums
// dropped. It reports false, leaving dst zero, when the history holds no
// usable interaction. It uses pooled scratch memory (about 8·Dim² bytes) and
// does not allocate in the steady state.
func (m *Model) FoldIn(hist []recommend.Event, dst []float32) bool {
	k := m.cfg.Factors
	dst = dst[:k]
	clear(dst)
	if len(hist) == 0 || m.item == nil {
		return false
	}
	s, _ := m.pool.Get().(*foldScratch)
	if s == nil {
		s = &foldScratch{a: make([]float64, k*k), b: make([]float64, k)}
	}
	defer m.pool.Put(s)
	s.hist = append(s.hist[:0], hist...)
	slices.SortFunc(s.hist, func(a, b recommend.Event) int { return int(a.Item) - int(b.Item) })
	copy(s.a, m.gram)
	clear(s.b)
	a, b := s.a, s.b
	used := 0
	for i := 0; i < len(s.hist); {
		it := s.hist[i].Item
		var w float32
		for ; i < len(s.hist) && s.hist[i].Item == it; i++ {
			w += s.hist[i].Weight
		}
		if it < 0 || int(it) >= m.numItems || !(w > 0) {
			continue
		}
		used++
		c := float64(m.cfg.Alpha * w)
		y := m.item[int(it)*k : int(it+1)*k]
		for p := range k {
			yp := float64(y[p])
			b[p] += (1 + c) * yp
			cy := c * yp
			if cy == 0 {
				continue
			}
			row := a[p*k : p*k+k]
			for q := p; q < k; q++ {
				row[q] += cy * float64(y[q])
			}
		}
	}
	if used == 0 {
		return false
	}
	if !cholSolve(a, b, k) {
		return false
	}
	for i := range k {
		dst[i] = float32(b[i])
	}
	return true
}

// cholSolve solves A x = b in place (x returned in b) for a symmetric
// positive-definite A whose upper triangle is filled; A is overwritten.
func cholSolve(a, b []float64, k int) bool {
	// Factor A = Lᵀ L with the upper triangle holding L's transpose (U).
	for i := range k {
		for j := i; j < k; j++ {
			s := a[i*k+j]
			for p := range i {
				s -= a[p*k+i] * a[p*k+j]
			}
			if i == j {
				if s <= 0 {
					return false
				}
				a[i*k+i] = math.Sqrt(s)
			} else {
				a[i*k+j] = s / a[i*k+i]
			}
		}
	}
	// Uᵀ z = b
	for i := range k {
		s := b[i]
		for p := range i {
			s -= a[p*k+i] * b[p]
		}
		b[i] = s / a[i*k+i]
	}
	// U x = z
	for i := k - 1; i >= 0; i-- {
		s := b[i]
		for p := i + 1; p < k; p++ {
			s -= a[i*k+p] * b[p]
		}
		b[i] = s / a[i*k+i]
	}
	return true
}

// Score implements recommend.Recommender: it folds hist in and writes the
// dot product of the user vector with every item's factors. For a history
// with no usable interaction it writes item popularity (users per item,
// scaled to [0, 1]). Beyond FoldIn's pooled scratch it allocates one
// Dim-length vector per call (from the pool as well).
func (m *Model) Score(hist []recommend.Event, scores []float32) {
	k := m.cfg.Factors
	if m.item == nil {
		clear(scores)
		return
	}
	uv := vecPool.Get().(*[]float32)
	defer vecPool.Put(uv)
	if cap(*uv) < k {
		*uv = make([]float32, k)
	}
	u := (*uv)[:k]
	if !m.FoldIn(hist, u) {
		copy(scores, m.pop)
		return
	}
	for j := range min(len(scores), m.numItems) {
		scores[j] = dot(u, m.item[j*k:(j+1)*k])
	}
}

var vecPool = sync.Pool{New: func() any { v := make([]float32, 0, 64); return &v }}
