package seq

import (
	"errors"
	"math"
	"slices"
	"strings"

	"github.com/shopmind/shopmind/internal/binfmt"
)

// The payload of a seq artefact (kind tag "seq ", frame in binfmt):
//
//	Window int, Decay f64, Backward f64, Alpha f64, Beta f64, Recency f64,
//	MaxHist int, Prior f64, Fresh f64
//	items int, largest training weight f32
//	row offsets []i64 (items+1), targets []i32, weights []f32, prior []f32 (items)
//
// Workers is a property of the machine, not of the model: it is not stored
// and is 0 (the default) after UnmarshalBinary.
var seqFrame = binfmt.Frame{Pkg: "seq", Tag: "seq ", Kind: "seq model"}

// MarshalBinary implements encoding.BinaryMarshaler: it encodes the
// hyper-parameters and the fitted transitions. It fails for a model that was
// not fitted or whose settings are invalid.
func (m *Model) MarshalBinary() ([]byte, error) {
	if m.rowPtr == nil || len(m.rowPtr) != m.n+1 {
		return nil, errors.New("seq: marshalling an unfitted model")
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	size := 9*8 + 8 + 4 + binfmt.SliceBytes(len(m.rowPtr), 8) + binfmt.SliceBytes(len(m.cols), 4) +
		binfmt.SliceBytes(len(m.vals), 4) + binfmt.SliceBytes(len(m.prior), 4)
	e := seqFrame.NewWriter(size)
	e.Int(m.Window)
	e.F64(m.Decay)
	e.F64(m.Backward)
	e.F64(m.Alpha)
	e.F64(m.Beta)
	e.F64(m.Recency)
	e.Int(m.MaxHist)
	e.F64(m.Prior)
	e.F64(m.Fresh)
	e.Int(m.n)
	e.F32(m.maxW)
	e.I64s(m.rowPtr)
	e.I32s(m.cols)
	e.F32s(m.vals)
	e.F32s(m.prior)
	return e.Finish(), nil
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler: it replaces m with
// the model encoded by MarshalBinary, which then scores exactly as the
// encoded one did. Any model value, the zero one included, may receive it;
// it must not run concurrently with other uses of m. Unknown format
// versions, other models' artefacts and truncated or corrupt data are
// refused with an error, leaving m unchanged.
func (m *Model) UnmarshalBinary(data []byte) error {
	d, err := seqFrame.Open(data)
	if err != nil {
		return err
	}
	var c Model
	c.Window = d.Int()
	c.Decay = d.F64()
	c.Backward = d.F64()
	c.Alpha = d.F64()
	c.Beta = d.F64()
	c.Recency = d.F64()
	c.MaxHist = d.Int()
	c.Prior = d.F64()
	c.Fresh = d.F64()
	c.n = d.Int()
	c.maxW = d.F32()
	c.rowPtr = d.I64s()
	c.cols = d.I32s()
	c.vals = d.F32s()
	c.prior = d.F32s()
	if err := d.Finish(); err != nil {
		return err
	}
	if err := c.check(); err != nil {
		return errors.New("seq: corrupt artefact: " + strings.TrimPrefix(err.Error(), "seq: "))
	}
	switch {
	case c.n < 0 || c.n > math.MaxInt32:
		d.Fail("%d items", c.n)
	case !binfmt.ValidRows(c.rowPtr, c.n, len(c.cols)) || len(c.vals) != len(c.cols):
		d.Fail("bad row offsets for %d items and %d weights", c.n, len(c.cols))
	case len(c.prior) != c.n:
		d.Fail("%d prior scores for %d items", len(c.prior), c.n)
	case slices.ContainsFunc(c.cols, func(j int32) bool { return j < 0 || int(j) >= c.n }):
		d.Fail("a transition to an item outside [0, %d)", c.n)
	}
	if d.Err() != nil {
		return d.Err()
	}
	*m = c
	return nil
}

// Contribution implements recommend.Explainer. It is the weight of the
// transition from → to: what an event of item from adds to the score of item
// to when it is the most recent event of the history and its weight is at
// least the largest event weight seen in training (or training weights were
// all non-positive). Score adds Recency^k times as much for the event k
// positions before the last, proportionally less for a lighter event, and
// nothing for events beyond MaxHist; the popularity prior comes on top.
// Contribution is 0 when from never led to to within Window positions (or
// to to from, with Backward), for items out of range and before Fit. It
// scans from's row: its cost is linear in from's number of links.
func (m *Model) Contribution(from, to int32) float32 {
	if from < 0 || int(from)+1 >= len(m.rowPtr) || to < 0 {
		return 0
	}
	lo, hi := m.rowPtr[from], m.rowPtr[from+1]
	if t := slices.Index(m.cols[lo:hi], to); t >= 0 {
		return m.vals[lo+int64(t)]
	}
	return 0
}
