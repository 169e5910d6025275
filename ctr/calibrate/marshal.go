package calibrate

import (
	"errors"
	"math"

	"github.com/shopmind/shopmind/internal/binfmt"
)

// The calibrators' artefacts (frame in binfmt). Platt, kind tag "plat":
// a f64, b f64. Isotonic, kind tag "isot": block centres []f64 (strictly
// increasing in [0, 1] — rounding may tie neighbours), their rates []f64
// (non-decreasing in [0, 1]), at least one block.
var (
	plattFrame    = binfmt.Frame{Pkg: "calibrate", Tag: "plat", Kind: "Platt calibrator"}
	isotonicFrame = binfmt.Frame{Pkg: "calibrate", Tag: "isot", Kind: "monotone (isotonic) calibrator"}
)

// MarshalBinary implements encoding.BinaryMarshaler. It fails before Fit.
func (c *Platt) MarshalBinary() ([]byte, error) {
	if !c.fitted {
		return nil, errors.New("calibrate: marshalling an unfitted Platt calibrator")
	}
	e := plattFrame.NewWriter(16)
	e.F64(c.a)
	e.F64(c.b)
	return e.Finish(), nil
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler: c becomes the
// calibrator encoded by MarshalBinary. Corrupt data and other artefacts are
// refused with an error, leaving c unchanged.
func (c *Platt) UnmarshalBinary(data []byte) error {
	d, err := plattFrame.Open(data)
	if err != nil {
		return err
	}
	a, b := d.F64(), d.F64()
	if err := d.Finish(); err != nil {
		return err
	}
	if math.IsNaN(a) || math.IsInf(a, 0) || math.IsNaN(b) || math.IsInf(b, 0) {
		d.Fail("a = %v, b = %v", a, b)
		return d.Err()
	}
	*c = Platt{a: a, b: b, fitted: true}
	return nil
}

// MarshalBinary implements encoding.BinaryMarshaler. It fails before Fit.
func (c *Isotonic) MarshalBinary() ([]byte, error) {
	if len(c.x) == 0 {
		return nil, errors.New("calibrate: marshalling an unfitted isotonic calibrator")
	}
	e := isotonicFrame.NewWriter(2 * binfmt.SliceBytes(len(c.x), 8))
	e.F64s(c.x)
	e.F64s(c.y)
	return e.Finish(), nil
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler: c becomes the
// calibrator encoded by MarshalBinary. Corrupt data and other artefacts are
// refused with an error, leaving c unchanged.
func (c *Isotonic) UnmarshalBinary(data []byte) error {
	d, err := isotonicFrame.Open(data)
	if err != nil {
		return err
	}
	x, y := d.F64s(), d.F64s()
	if err := d.Finish(); err != nil {
		return err
	}
	if len(x) == 0 || len(y) != len(x) {
		d.Fail("%d block centres and %d rates", len(x), len(y))
	}
	for i := 0; d.Err() == nil && i < len(x); i++ {
		in := func(v float64) bool { return v >= 0 && v <= 1 }
		if !in(x[i]) || !in(y[i]) || (i > 0 && (x[i] < x[i-1] || y[i] < y[i-1])) {
			d.Fail("block %d at %v with rate %v breaks the order", i, x[i], y[i])
		}
	}
	if d.Err() != nil {
		return d.Err()
	}
	c.x, c.y = x, y
	return nil
}
