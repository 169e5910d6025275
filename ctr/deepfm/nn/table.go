// Package nn owns the building blocks the neural click models (ctr/deepfm
// and ctr/esmm) share: the embedding table over the hashed feature space
// and its sparse gradient, the multi-layer perceptron with its
// back-propagation, and the mini-batch trainer — Adam (lazy for the table
// rows a batch touches, dense for the rest; the rows may take Adagrad
// instead), L2 on the touched rows (per batch or per occurrence),
// several epochs with early stopping on a validation loss — together with
// the binary encoding of tables and perceptrons.
//
// Parameters are stored as float32; every forward and backward pass
// computes in float64, so a loss can be differentiated numerically to many
// digits (the models' gradient checks rely on it).
//
// Training runs each mini-batch in Shards fixed slices whose gradients are
// summed in slice order, so a fit depends on the seed and the data only,
// not on the number of goroutines.
//
// The package is pure: no I/O, no logging.
package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/shopmind/shopmind/ctr"
)

// Table is an embedding table over a hashed feature space: row i holds the
// Dim parameters of the features with Index i.
type Table struct {
	Dim  int
	Vals []float32 // Rows()×Dim, row-major
}

// NewTable returns a table of rows zero rows of dim values.
func NewTable(rows, dim int) *Table {
	return &Table{Dim: dim, Vals: make([]float32, rows*dim)}
}

// Rows is the number of rows.
func (t *Table) Rows() int { return len(t.Vals) / t.Dim }

// Row returns row i, a view into Vals.
func (t *Table) Row(i uint32) []float32 {
	return t.Vals[int(i)*t.Dim : (int(i)+1)*t.Dim : (int(i)+1)*t.Dim]
}

// uses reports whether a feature reaches the table: its field in [0,
// fields) and its index a row.
func (t *Table) uses(f *ctr.Feature, fields int) bool {
	return f.Field >= 0 && int(f.Field) < fields && int(f.Index) < t.Rows()
}

// Check reports the first feature of xs outside fields or outside the
// table.
func (t *Table) Check(xs []ctr.Example, fields int) error {
	for i := range xs {
		for _, f := range xs[i].Features {
			if !t.uses(&f, fields) {
				return fmt.Errorf("example %d: feature of field %d, index %d, outside %d fields and %d rows", i, f.Field, f.Index, fields, t.Rows())
			}
		}
	}
	return nil
}

// InitRows draws, for every row a feature of xs uses, columns [from, Dim)
// from a normal distribution of standard deviation std; the other columns
// and the rows no feature uses stay as they are (zero for a new table, so
// a feature first seen when serving adds nothing). Each row's values come
// from its own generator seeded by seed and the row index, so they do not
// depend on the order of xs.
func (t *Table) InitRows(xs []ctr.Example, fields, from int, std float64, seed uint64) {
	done := make([]uint64, (t.Rows()+63)/64)
	for i := range xs {
		for _, f := range xs[i].Features {
			if !t.uses(&f, fields) || done[f.Index/64]&(1<<(f.Index%64)) != 0 {
				continue
			}
			done[f.Index/64] |= 1 << (f.Index % 64)
			rng := rand.New(rand.NewPCG(seed, uint64(f.Index)))
			row := t.Row(f.Index)
			for c := from; c < t.Dim; c++ {
				row[c] = float32(rng.NormFloat64() * std)
			}
		}
	}
}

// Lookup sets out, fields×Dim values, to the field embeddings of x: out's
// row f is the value-weighted sum of the rows of x's features in field f
// (zero for a field x lacks). Features outside the fields or the table are
// skipped.
func (t *Table) Lookup(x *ctr.Example, fields int, out []float64) {
	clear(out[:fields*t.Dim])
	for i := range x.Features {
		f := &x.Features[i]
		if !t.uses(f, fields) {
			continue
		}
		v := float64(f.Value)
		dst := out[int(f.Field)*t.Dim : (int(f.Field)+1)*t.Dim]
		for c, w := range t.Row(f.Index) {
			dst[c] += v * float64(w)
		}
	}
}

// Grad accumulates the gradient of a loss with respect to a Table (sparse:
// only the rows touched) and to dense parameters (one float64 slice per
// parameter slice).
type Grad struct {
	Dense [][]float64

	dim  int
	slot []int32  // row → its position in rows, or −1
	rows []uint32 // the rows touched, in first-touch order
	vals []float64
}

// NewGrad returns a zero gradient for t and the dense parameters.
func NewGrad(t *Table, dense [][]float32) *Grad {
	g := &Grad{dim: t.Dim, slot: make([]int32, t.Rows()), Dense: make([][]float64, len(dense))}
	for i := range g.slot {
		g.slot[i] = -1
	}
	for i, p := range dense {
		g.Dense[i] = make([]float64, len(p))
	}
	return g
}

// Row returns the gradient of row r, zero when first touched. The slice is
// valid until the next call of Row.
func (g *Grad) Row(r uint32) []float64 {
	s := g.slot[r]
	if s < 0 {
		s = int32(len(g.rows))
		g.slot[r] = s
		g.rows = append(g.rows, r)
		n := len(g.vals)
		g.vals = slices.Grow(g.vals, g.dim)[:n+g.dim]
		clear(g.vals[n:])
	}
	return g.vals[int(s)*g.dim : (int(s)+1)*g.dim]
}

// Touched returns the rows touched so far, in first-touch order.
func (g *Grad) Touched() []uint32 { return g.rows }

// Scatter adds the gradient of the rows x uses to g, given dOut, the
// gradient of the loss with respect to the out of t.Lookup(x, fields, out).
func (g *Grad) Scatter(t *Table, x *ctr.Example, fields int, dOut []float64) {
	for i := range x.Features {
		f := &x.Features[i]
		if !t.uses(f, fields) {
			continue
		}
		v := float64(f.Value)
		src := dOut[int(f.Field)*t.Dim : (int(f.Field)+1)*t.Dim]
		dst := g.Row(f.Index)
		for c, d := range src {
			dst[c] += v * d
		}
	}
}

// AddL2 adds the gradient of (λ/2)·‖row‖² for every row touched and
// returns that penalty.
func (g *Grad) AddL2(t *Table, lambda float64) float64 {
	if lambda == 0 {
		return 0
	}
	var pen float64
	for j, r := range g.rows {
		dst := g.vals[j*g.dim : (j+1)*g.dim]
		for c, w := range t.Row(r) {
			pen += float64(w) * float64(w)
			dst[c] += lambda * float64(w)
		}
	}
	return lambda / 2 * pen
}

// AddL2PerOccurrence adds the gradient of (λ/2)·‖row‖² per occurrence of
// a row among the features of the examples xs[i] for i in batch, counting
// only the rows touched so far (those the loss differentiated; features
// whose row g has not touched, such as those outside the table, are
// skipped), and returns that penalty. With λ divided by len(batch) it is
// ctr/fm's per-example L2 averaged over a batch.
func (g *Grad) AddL2PerOccurrence(t *Table, xs []ctr.Example, batch []int, lambda float64) float64 {
	if lambda == 0 {
		return 0
	}
	var pen float64
	for _, i := range batch {
		for _, f := range xs[i].Features {
			if int(f.Index) >= len(g.slot) {
				continue
			}
			s := g.slot[f.Index]
			if s < 0 {
				continue
			}
			dst := g.vals[int(s)*g.dim : (int(s)+1)*g.dim]
			for c, w := range t.Row(f.Index) {
				pen += float64(w) * float64(w)
				dst[c] += lambda * float64(w)
			}
		}
	}
	return lambda / 2 * pen
}

// Scale multiplies the whole gradient by s.
func (g *Grad) Scale(s float64) {
	for i := range g.vals {
		g.vals[i] *= s
	}
	for _, d := range g.Dense {
		for i := range d {
			d[i] *= s
		}
	}
}

// Add adds o, a gradient of the same table and dense shapes, to g.
func (g *Grad) Add(o *Grad) {
	for j, r := range o.rows {
		dst := g.Row(r)
		for c, v := range o.vals[j*o.dim : (j+1)*o.dim] {
			dst[c] += v
		}
	}
	for i, d := range o.Dense {
		gd := g.Dense[i]
		for j, v := range d {
			gd[j] += v
		}
	}
}

// Reset zeroes g.
func (g *Grad) Reset() {
	for _, r := range g.rows {
		g.slot[r] = -1
	}
	g.rows, g.vals = g.rows[:0], g.vals[:0]
	for _, d := range g.Dense {
		clear(d)
	}
}

// Softplus is log(1 + eˣ), stable for large |x|: the binary cross-entropy
// of a logit z against label y is Softplus(z) − y·z.
func Softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

// Logit is log(p/(1−p)) with p clipped to [1e-6, 1−1e-6]: the bias that
// makes a model start at the base rate p.
func Logit(p float64) float64 {
	p = min(max(p, 1e-6), 1-1e-6)
	return math.Log(p / (1 - p))
}
