package ease

import (
	"errors"
	"math"
	"slices"

	"github.com/shopmind/shopmind/internal/binfmt"
)

// The payload of an EASE artefact (kind tag "ease", frame in binfmt):
//
//	Lambda f64, Neighbours int, Recency f64, MaxHist int, MaxDenseItems int
//	items int, largest training weight f32, solver u8 (0 exact, 1 pruned)
//	exact:  B []f32 (items², row-major by source item)
//	pruned: row offsets []i64 (items+1), targets []i32 (ascending in each
//	        row), weights []f32
//
// Workers is a property of the machine, not of the model: it is not stored
// and is 0 (the default) after UnmarshalBinary.
var easeFrame = binfmt.Frame{Pkg: "ease", Tag: "ease", Kind: "EASE model"}

// The solver byte.
const (
	solveExact  = 0
	solvePruned = 1
)

// settingsError checks the settings Fit checks, for both directions of the
// binary form.
func (m *Model) settingsError() error {
	switch {
	case !(m.Lambda > 0) || math.IsInf(m.Lambda, 0):
		return errors.New("lambda must be positive")
	case m.Neighbours < 0:
		return errors.New("neighbours must not be negative")
	case !(m.Recency > 0 && m.Recency <= 1):
		return errors.New("recency must be in (0, 1]")
	case m.MaxHist < 0:
		return errors.New("max history must not be negative")
	}
	return nil
}

// MarshalBinary implements encoding.BinaryMarshaler: it encodes the settings
// and B as the fitted model holds it (dense for the exact solve, by row for
// the pruned one). It fails for a model that was not fitted or whose
// settings are invalid. The artefact of the exact solve takes 4·items² bytes.
func (m *Model) MarshalBinary() ([]byte, error) {
	exact := m.dense != nil
	if exact && len(m.dense) != m.n*m.n || !exact && (m.rowPtr == nil || len(m.rowPtr) != m.n+1) {
		return nil, errors.New("ease: marshalling an unfitted model")
	}
	if err := m.settingsError(); err != nil {
		return nil, errors.New("ease: " + err.Error())
	}
	size := 5*8 + 8 + 4 + 1
	if exact {
		size += binfmt.SliceBytes(len(m.dense), 4)
	} else {
		size += binfmt.SliceBytes(len(m.rowPtr), 8) + binfmt.SliceBytes(len(m.cols), 4) + binfmt.SliceBytes(len(m.vals), 4)
	}
	e := easeFrame.NewWriter(size)
	e.F64(m.Lambda)
	e.Int(m.Neighbours)
	e.F64(m.Recency)
	e.Int(m.MaxHist)
	e.Int(m.MaxDenseItems)
	e.Int(m.n)
	e.F32(m.maxW)
	if exact {
		e.U8(solveExact)
		e.F32s(m.dense)
	} else {
		e.U8(solvePruned)
		e.I64s(m.rowPtr)
		e.I32s(m.cols)
		e.F32s(m.vals)
	}
	return e.Finish(), nil
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler: it replaces m with
// the model encoded by MarshalBinary, which then scores exactly as the
// encoded one did. Any model value, the zero one included, may receive it;
// it must not run concurrently with other uses of m. Unknown format
// versions, other models' artefacts and truncated or corrupt data are
// refused with an error, leaving m unchanged.
func (m *Model) UnmarshalBinary(data []byte) error {
	d, err := easeFrame.Open(data)
	if err != nil {
		return err
	}
	var c Model
	c.Lambda = d.F64()
	c.Neighbours = d.Int()
	c.Recency = d.F64()
	c.MaxHist = d.Int()
	c.MaxDenseItems = d.Int()
	c.n = d.Int()
	c.maxW = d.F32()
	solver := d.U8()
	switch {
	case d.Err() != nil:
	case c.n < 0 || c.n > math.MaxInt32:
		d.Fail("%d items", c.n)
	case solver == solveExact:
		c.dense = d.F32s()
		if d.Err() == nil && len(c.dense) != c.n*c.n {
			d.Fail("%d weights for %d×%[2]d items", len(c.dense), c.n)
		}
	case solver == solvePruned:
		c.rowPtr = d.I64s()
		c.cols = d.I32s()
		c.vals = d.F32s()
		if d.Err() == nil && (!binfmt.ValidRows(c.rowPtr, c.n, len(c.cols)) || len(c.vals) != len(c.cols)) {
			d.Fail("bad row offsets for %d items and %d weights", c.n, len(c.cols))
		}
		for i := 0; d.Err() == nil && i < c.n; i++ {
			row := c.cols[c.rowPtr[i]:c.rowPtr[i+1]]
			for t, j := range row {
				if j < 0 || int(j) >= c.n || (t > 0 && j <= row[t-1]) {
					d.Fail("row %d is not a strictly ascending list of items in [0, %d)", i, c.n)
					break
				}
			}
		}
	default:
		d.Fail("unknown solver %d", solver)
	}
	if err := d.Finish(); err != nil {
		return err
	}
	if err := c.settingsError(); err != nil {
		return errors.New("ease: corrupt artefact: " + err.Error())
	}
	*m = c
	return nil
}

// Contribution implements recommend.Explainer. It is B[from][to], the
// weight from item from to item to: what an event of item from adds to the
// score of item to when it is the most recent event of the history and its
// weight is at least the largest event weight seen in training (or training
// weights were all non-positive). Score adds Recency^k times as much for the
// event k positions before the last, proportionally less for a lighter
// event, and nothing for events beyond MaxHist. It can be negative (EASE
// learns negative weights), is 0 on the diagonal, for pairs the pruned
// solve left out, for items out of range and before Fit. It takes constant
// time for the exact solve and a binary search in from's row otherwise.
func (m *Model) Contribution(from, to int32) float32 {
	if from < 0 || to < 0 || int(to) >= m.n {
		return 0
	}
	if m.dense != nil {
		if k := int(from)*m.n + int(to); k < len(m.dense) {
			return m.dense[k]
		}
		return 0
	}
	if int(from)+1 >= len(m.rowPtr) {
		return 0
	}
	lo, hi := m.rowPtr[from], m.rowPtr[from+1]
	if t, ok := slices.BinarySearch(m.cols[lo:hi], to); ok {
		return m.vals[lo+int64(t)]
	}
	return 0
}
