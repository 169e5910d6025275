package fm

import (
	"errors"
	"fmt"
	"math"

	"github.com/shopmind/shopmind/internal/binfmt"
)

// The payload of a factorisation-machine artefact (kind tag "fm  ", frame
// in binfmt):
//
//	K int, LearningRate f64, L2 f64, InitStd f64, Epochs int, Patience int,
//	Seed u64, Ordered bool, Space int
//	epochs kept by the last Fit int
//	w₀ f64
//	row indices []i32 (strictly increasing, below Space),
//	their rows []f32 (K+1 each: w_i, v_i1 … v_iK)
//
// Only rows that are not all zero are stored — the features seen in
// training — so the artefact grows with the features seen, not with the
// space. The Adagrad accumulators are not stored: they serve Fit only,
// which starts afresh.
var fmFrame = binfmt.Frame{Pkg: "fm", Tag: "fm  ", Kind: "factorisation machine"}

// settingsError checks a configuration as withDefaults leaves it.
func (c Config) settingsError() error {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case c.K <= 0 || c.K > MaxK:
		return fmt.Errorf("K must be in [1, %d]", MaxK)
	case !(c.LearningRate > 0) || !finite(c.LearningRate) || !(c.InitStd > 0) || !finite(c.InitStd):
		return errors.New("LearningRate and InitStd must be positive")
	case !(c.L2 >= 0) || !finite(c.L2):
		return errors.New("L2 must not be negative")
	case c.Epochs <= 0 || c.Patience <= 0:
		return errors.New("Epochs and Patience must be positive")
	case c.Space == 0 || c.Space > MaxSpace:
		return fmt.Errorf("Space must be in [1, %d]", uint32(MaxSpace))
	}
	return nil
}

// MarshalBinary implements encoding.BinaryMarshaler: it encodes the
// configuration, w₀ and the rows of the features seen. It fails for a model
// that was not fitted.
func (m *Model) MarshalBinary() ([]byte, error) {
	if m.params == nil {
		return nil, errors.New("fm: marshalling an unfitted model")
	}
	if err := m.cfg.settingsError(); err != nil {
		return nil, errors.New("fm: " + err.Error())
	}
	r := m.cfg.K + 1
	var rows []int32
	var vals []float32
	for i := range int(m.cfg.Space) {
		row := m.params[i*r : i*r+r]
		for _, v := range row {
			if v != 0 {
				rows = append(rows, int32(i))
				vals = append(vals, row...)
				break
			}
		}
	}
	e := fmFrame.NewWriter(8 + 3*8 + 2*8 + 8 + 1 + 8 + 8 + 8 +
		binfmt.SliceBytes(len(rows), 4) + binfmt.SliceBytes(len(vals), 4))
	e.Int(m.cfg.K)
	e.F64(m.cfg.LearningRate)
	e.F64(m.cfg.L2)
	e.F64(m.cfg.InitStd)
	e.Int(m.cfg.Epochs)
	e.Int(m.cfg.Patience)
	e.U64(m.cfg.Seed)
	e.Bool(m.cfg.Ordered)
	e.Int(int(m.cfg.Space))
	e.Int(m.epochs)
	e.F64(m.w0)
	e.I32s(rows)
	e.F32s(vals)
	return e.Finish(), nil
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler: it replaces m
// with the model encoded by MarshalBinary, which then predicts exactly as
// the encoded one did. Any model value, the zero one included, may receive
// it; it must not run concurrently with other uses of m. Unknown format
// versions, other models' artefacts and truncated or corrupt data are
// refused with an error, leaving m unchanged.
func (m *Model) UnmarshalBinary(data []byte) error {
	d, err := fmFrame.Open(data)
	if err != nil {
		return err
	}
	var cfg Config
	cfg.K = d.Int()
	cfg.LearningRate = d.F64()
	cfg.L2 = d.F64()
	cfg.InitStd = d.F64()
	cfg.Epochs = d.Int()
	cfg.Patience = d.Int()
	cfg.Seed = d.U64()
	cfg.Ordered = d.Bool()
	space := d.Int()
	epochs := d.Int()
	w0 := d.F64()
	rows := d.I32s()
	vals := d.F32s()
	if err := d.Finish(); err != nil {
		return err
	}
	if space > 0 && space <= MaxSpace {
		cfg.Space = uint32(space)
	}
	switch {
	case cfg.settingsError() != nil:
		d.Fail("settings: %v", cfg.settingsError())
	case epochs < 0 || epochs > cfg.Epochs:
		d.Fail("%d epochs kept of %d", epochs, cfg.Epochs)
	case math.IsNaN(w0) || math.IsInf(w0, 0):
		d.Fail("bias %v", w0)
	case len(vals) != len(rows)*(cfg.K+1):
		d.Fail("%d values for %d rows of %d", len(vals), len(rows), cfg.K+1)
	}
	for n := 0; d.Err() == nil && n < len(rows); n++ {
		if rows[n] < 0 || uint32(rows[n]) >= cfg.Space || (n > 0 && rows[n] <= rows[n-1]) {
			d.Fail("row index %d at position %d (indices must increase within the space of %d)", rows[n], n, cfg.Space)
		}
	}
	for n, v := range vals {
		if d.Err() != nil {
			break
		}
		if math.Float32bits(v)&0x7f800000 == 0x7f800000 {
			d.Fail("row %d has parameter %v", rows[n/(cfg.K+1)], v)
		}
	}
	if d.Err() != nil {
		return d.Err()
	}
	r := cfg.K + 1
	params := make([]float32, int(cfg.Space)*r)
	for n, i := range rows {
		copy(params[int(i)*r:int(i)*r+r], vals[n*r:n*r+r])
	}
	*m = Model{cfg: cfg, w0: w0, params: params, epochs: epochs}
	return nil
}
