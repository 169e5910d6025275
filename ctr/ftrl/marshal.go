package ftrl

import (
	"errors"
	"fmt"
	"math"

	"github.com/shopmind/shopmind/internal/binfmt"
)

// The payload of an FTRL artefact (kind tag "ftrl", frame in binfmt):
//
//	Alpha f64, Beta f64, L1 f64, L2 f64, Epochs int, Seed u64, Ordered bool,
//	Space int
//	epochs kept by the last Fit int
//	bias z f32, bias √n f32
//	active feature indices []i32 (strictly increasing, below Space),
//	their z []f32, their √n []f32
//
// The artefact keeps the learner's state, z and √n, of every coordinate
// that has learned anything, rather than only the non-zero weights: a
// serving node loading it must be able to go on learning online with
// Update, and the weights alone lose each coordinate's learning rate (√n)
// and the evidence L1 holds back (|z| ≤ L1 gives weight 0, yet z counts
// towards the weight it will have). It costs 12 bytes per active
// coordinate where weights would cost 8 per non-zero one; coordinates never
// touched cost nothing, so the artefact grows with the features seen, not
// with the space.
var ftrlFrame = binfmt.Frame{Pkg: "ftrl", Tag: "ftrl", Kind: "logistic FTRL model"}

// settingsError checks a configuration as withDefaults leaves it.
func (c Config) settingsError() error {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case !(c.Alpha > 0) || !(c.Beta > 0) || !finite(c.Alpha) || !finite(c.Beta):
		return errors.New("Alpha and Beta must be positive")
	case !(c.L1 >= 0) || !(c.L2 >= 0) || !finite(c.L1) || !finite(c.L2):
		return errors.New("L1 and L2 must not be negative")
	case c.Epochs <= 0:
		return errors.New("Epochs must be positive")
	case c.Space == 0 || c.Space > MaxSpace:
		return fmt.Errorf("Space must be in [1, %d]", uint32(MaxSpace))
	}
	return nil
}

// MarshalBinary implements encoding.BinaryMarshaler: it encodes the
// configuration and the state of every active coordinate under the read
// lock, so it may run while the model serves. It fails for a model that
// has not learned yet.
func (m *Model) MarshalBinary() ([]byte, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.cells == nil {
		return nil, errors.New("ftrl: marshalling an untrained model")
	}
	if err := m.cfg.settingsError(); err != nil {
		return nil, errors.New("ftrl: " + err.Error())
	}
	idx, z, sq := m.active()
	bias := m.cells[m.cfg.Space]
	e := ftrlFrame.NewWriter(4*8 + 8 + 8 + 1 + 8 + 8 + 4 + 4 +
		binfmt.SliceBytes(len(idx), 4) + 2*binfmt.SliceBytes(len(z), 4))
	e.F64(m.cfg.Alpha)
	e.F64(m.cfg.Beta)
	e.F64(m.cfg.L1)
	e.F64(m.cfg.L2)
	e.Int(m.cfg.Epochs)
	e.U64(m.cfg.Seed)
	e.Bool(m.cfg.Ordered)
	e.Int(int(m.cfg.Space))
	e.Int(m.epochs)
	e.F32(bias.z)
	e.F32(bias.s)
	e.I32s(idx)
	e.F32s(z)
	e.F32s(sq)
	return e.Finish(), nil
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler: it replaces m's
// configuration and state with those encoded by MarshalBinary; m then
// predicts exactly as the encoded model did and goes on learning from
// where it stopped. Any model value, the zero one included, may receive it;
// it takes the write lock, so concurrent Predicts see the old model or the
// new one. Unknown format versions, other models' artefacts and truncated
// or corrupt data are refused with an error, leaving m unchanged.
func (m *Model) UnmarshalBinary(data []byte) error {
	d, err := ftrlFrame.Open(data)
	if err != nil {
		return err
	}
	var cfg Config
	cfg.Alpha = d.F64()
	cfg.Beta = d.F64()
	cfg.L1 = d.F64()
	cfg.L2 = d.F64()
	cfg.Epochs = d.Int()
	cfg.Seed = d.U64()
	cfg.Ordered = d.Bool()
	space := d.Int()
	epochs := d.Int()
	bias := cell{d.F32(), d.F32()}
	idx := d.I32s()
	z := d.F32s()
	sq := d.F32s()
	if err := d.Finish(); err != nil {
		return err
	}
	if space > 0 && space <= MaxSpace {
		cfg.Space = uint32(space)
	}
	finite := func(v float32) bool { return !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) }
	switch {
	case cfg.settingsError() != nil:
		d.Fail("settings: %v", cfg.settingsError())
	case epochs < 0 || epochs > cfg.Epochs:
		d.Fail("%d epochs kept of %d", epochs, cfg.Epochs)
	case !finite(bias.z) || !finite(bias.s) || bias.s < 0:
		d.Fail("bias state z %v, √n %v", bias.z, bias.s)
	case len(z) != len(idx) || len(sq) != len(idx):
		d.Fail("%d indices with %d z and %d √n", len(idx), len(z), len(sq))
	}
	for k := 0; d.Err() == nil && k < len(idx); k++ {
		switch {
		case idx[k] < 0 || uint32(idx[k]) >= cfg.Space || (k > 0 && idx[k] <= idx[k-1]):
			d.Fail("feature index %d at position %d (indices must increase within the space of %d)", idx[k], k, cfg.Space)
		case !finite(z[k]) || !finite(sq[k]) || sq[k] < 0:
			d.Fail("feature %d has state z %v, √n %v", idx[k], z[k], sq[k])
		}
	}
	if d.Err() != nil {
		return d.Err()
	}
	cells := make([]cell, int(cfg.Space)+1)
	for k, i := range idx {
		cells[i] = cell{z[k], sq[k]}
	}
	cells[cfg.Space] = bias
	m.mu.Lock()
	m.cfg, m.cells, m.epochs, m.ws = cfg, cells, epochs, nil
	m.mu.Unlock()
	return nil
}
