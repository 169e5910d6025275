package nn

import (
	"slices"

	"github.com/shopmind/shopmind/internal/binfmt"
)

// MaxTableValues bounds Rows×Dim of a decoded table, so that a crafted
// artefact cannot make ReadTable allocate without bound.
const MaxTableValues = 1 << 31

// SparseTable is a table as it is stored: its shape and its nonzero rows
// (a row no training feature used stays zero).
type SparseTable struct {
	Rows, Dim int
	Index     []int32 // the nonzero rows, increasing (uint32 bits)
	Vals      []float32
}

// Sparse returns t's nonzero rows. Index and Vals are new slices.
func (t *Table) Sparse() SparseTable {
	s := SparseTable{Rows: t.Rows(), Dim: t.Dim}
	for r := range s.Rows {
		row := t.Row(uint32(r))
		if slices.ContainsFunc(row, func(v float32) bool { return v != 0 }) {
			s.Index = append(s.Index, int32(uint32(r)))
			s.Vals = append(s.Vals, row...)
		}
	}
	return s
}

// Size is the number of bytes Write writes.
func (s SparseTable) Size() int {
	return 2*8 + binfmt.SliceBytes(len(s.Index), 4) + binfmt.SliceBytes(len(s.Vals), 4)
}

// Write writes the table: Rows int, Dim int, the nonzero rows' indices
// []i32 (as uint32 bits, increasing) and their values []f32 (rows × Dim).
func (s SparseTable) Write(w *binfmt.Writer) {
	w.Int(s.Rows)
	w.Int(s.Dim)
	w.I32s(s.Index)
	w.F32s(s.Vals)
}

// ReadTable reads a table written by SparseTable.Write and returns it
// dense, or records a corruption in r and returns nil.
func ReadTable(r *binfmt.Reader) *Table {
	rows, dim := r.Int(), r.Int()
	index, vals := r.I32s(), r.F32s()
	if r.Err() != nil {
		return nil
	}
	switch {
	case rows < 1 || dim < 1 || rows > MaxTableValues/dim:
		r.Fail("a table of %d rows of %d values", rows, dim)
	case len(vals)%dim != 0 || len(vals)/dim != len(index):
		r.Fail("%d table values for %d rows of %d", len(vals), len(index), dim)
	}
	if r.Err() != nil {
		return nil
	}
	t := NewTable(rows, dim)
	prev := -1
	for j, i := range index {
		row := int(uint32(i))
		if row <= prev || row >= rows {
			r.Fail("table row %d out of order or outside %d rows", row, rows)
			return nil
		}
		prev = row
		copy(t.Row(uint32(row)), vals[j*dim:(j+1)*dim])
	}
	return t
}

// Size is the number of bytes Write writes.
func (m *MLP) Size() int {
	n := binfmt.SliceBytes(len(m.Sizes), 8) + 8
	for l := range m.W {
		n += binfmt.SliceBytes(len(m.W[l]), 4) + binfmt.SliceBytes(len(m.B[l]), 4)
	}
	return n
}

// Write writes the network: Sizes []int, Dropout f64, then W[l] []f32 and
// B[l] []f32 of every layer.
func (m *MLP) Write(w *binfmt.Writer) {
	w.Ints(m.Sizes)
	w.F64(m.Dropout)
	for l := range m.W {
		w.F32s(m.W[l])
		w.F32s(m.B[l])
	}
}

// ReadMLP reads a network written by MLP.Write, or records a corruption in
// r and returns nil.
func ReadMLP(r *binfmt.Reader) *MLP {
	m := &MLP{Sizes: r.Ints(), Dropout: r.F64()}
	if r.Err() != nil {
		return nil
	}
	if len(m.Sizes) < 2 || !(m.Dropout >= 0 && m.Dropout < 1) {
		r.Fail("a perceptron of widths %v and dropout %v", m.Sizes, m.Dropout)
		return nil
	}
	for l := range len(m.Sizes) - 1 {
		in, out := m.Sizes[l], m.Sizes[l+1]
		w, b := r.F32s(), r.F32s()
		if r.Err() != nil {
			return nil
		}
		if in < 1 || out < 1 || out != len(b) || len(w)%in != 0 || len(w)/in != out {
			r.Fail("layer %d: %d weights and %d biases for %d×%d units", l, len(w), len(b), in, out)
			return nil
		}
		m.W, m.B = append(m.W, w), append(m.B, b)
	}
	return m
}
