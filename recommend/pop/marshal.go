package pop

import (
	"errors"
	"fmt"

	"github.com/shopmind/shopmind/internal/binfmt"
)

// The payloads of the popularity artefacts (frame in binfmt). Pop,
// kind tag "pop ":
//
//	Weighted bool, counts []f32
//
// Trending, kind tag "trnd":
//
//	HalfLife f64, Now i64, PerUser bool, Weighted bool, decayed counts []f32
var (
	popFrame      = binfmt.Frame{Pkg: "pop", Tag: "pop ", Kind: "popularity model"}
	trendingFrame = binfmt.Frame{Pkg: "pop", Tag: "trnd", Kind: "trending model"}
)

// MarshalBinary implements encoding.BinaryMarshaler: it encodes the setting
// and the fitted counts. It fails for a model that was not fitted.
func (p *Pop) MarshalBinary() ([]byte, error) {
	if p.counts == nil {
		return nil, errors.New("pop: marshalling an unfitted model")
	}
	e := popFrame.NewWriter(1 + binfmt.SliceBytes(len(p.counts), 4))
	e.Bool(p.Weighted)
	e.F32s(p.counts)
	return e.Finish(), nil
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler: it replaces p with
// the model encoded by MarshalBinary, which then scores exactly as the
// encoded one did. Any value, the zero one included, may receive it; it must
// not run concurrently with other uses of p. Unknown format versions, other
// artefacts and truncated or corrupt data are refused with an error, leaving
// p unchanged.
func (p *Pop) UnmarshalBinary(data []byte) error {
	d, err := popFrame.Open(data)
	if err != nil {
		return err
	}
	weighted := d.Bool()
	counts := d.F32s()
	if err := d.Finish(); err != nil {
		return err
	}
	*p = Pop{Weighted: weighted, counts: counts}
	return nil
}

// MarshalBinary implements encoding.BinaryMarshaler: it encodes the settings
// and the fitted decayed counts. It fails for a model that was not fitted.
func (t *Trending) MarshalBinary() ([]byte, error) {
	if t.counts == nil {
		return nil, errors.New("pop: marshalling an unfitted trending model")
	}
	if !(t.HalfLife > 0) {
		return nil, fmt.Errorf("pop: trending half-life must be positive, got %v", t.HalfLife)
	}
	e := trendingFrame.NewWriter(8 + 8 + 1 + 1 + binfmt.SliceBytes(len(t.counts), 4))
	e.F64(t.HalfLife)
	e.U64(uint64(t.Now))
	e.Bool(t.PerUser)
	e.Bool(t.Weighted)
	e.F32s(t.counts)
	return e.Finish(), nil
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler: it replaces t with
// the model encoded by MarshalBinary, which then scores exactly as the
// encoded one did. Any value, the zero one included, may receive it; it must
// not run concurrently with other uses of t. Unknown format versions, other
// artefacts and truncated or corrupt data are refused with an error, leaving
// t unchanged.
func (t *Trending) UnmarshalBinary(data []byte) error {
	d, err := trendingFrame.Open(data)
	if err != nil {
		return err
	}
	var c Trending
	c.HalfLife = d.F64()
	c.Now = int64(d.U64())
	c.PerUser = d.Bool()
	c.Weighted = d.Bool()
	c.counts = d.F32s()
	if err := d.Finish(); err != nil {
		return err
	}
	if !(c.HalfLife > 0) {
		return fmt.Errorf("pop: corrupt artefact: half-life %v", c.HalfLife)
	}
	*t = c
	return nil
}
