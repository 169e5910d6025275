package als

import (
	"errors"
	"math"
	"runtime"

	"github.com/shopmind/shopmind/internal/binfmt"
)

// The payload of an ALS artefact (kind tag "als ", frame in binfmt):
//
//	Factors int, Iterations int, Alpha f32, Lambda f32, CGSteps int, Seed u64
//	items int
//	item factors []f32 (items × Factors), user factors []f32 (users ×
//	Factors), YᵀY + λI []f64 (Factors²), popularity []f32 (items)
//
// The Gram matrix is stored rather than recomputed so that fold-in is exact
// to the bit on any machine (a compiler may fuse its multiply-adds). The user
// factors are not needed to score; they are kept for UserVectors.
// Config.Workers is a property of the machine, not of the model: it is not
// stored and is GOMAXPROCS after UnmarshalBinary.
var alsFrame = binfmt.Frame{Pkg: "als", Tag: "als ", Kind: "ALS model"}

// settingsError checks the configuration as withDefaults leaves it.
func (c Config) settingsError() error {
	switch {
	case c.Factors <= 0 || c.Factors > math.MaxInt32 || c.Iterations <= 0 || c.CGSteps <= 0:
		return errors.New("factors, iterations and CG steps must be positive")
	case !(c.Alpha > 0) || !(c.Lambda > 0):
		return errors.New("alpha and lambda must be positive")
	}
	return nil
}

// MarshalBinary implements encoding.BinaryMarshaler: it encodes the
// configuration, the item and user factors and what fold-in needs. It fails
// for a model that was not fitted.
func (m *Model) MarshalBinary() ([]byte, error) {
	k := m.cfg.Factors
	if m.item == nil || k <= 0 || len(m.item) != m.numItems*k || len(m.gram) != k*k {
		return nil, errors.New("als: marshalling an unfitted model")
	}
	if err := m.cfg.settingsError(); err != nil {
		return nil, errors.New("als: " + err.Error())
	}
	size := 4*8 + 2*4 + 8 + binfmt.SliceBytes(len(m.item), 4) + binfmt.SliceBytes(len(m.user), 4) +
		binfmt.SliceBytes(len(m.gram), 8) + binfmt.SliceBytes(len(m.pop), 4)
	e := alsFrame.NewWriter(size)
	e.Int(m.cfg.Factors)
	e.Int(m.cfg.Iterations)
	e.F32(m.cfg.Alpha)
	e.F32(m.cfg.Lambda)
	e.Int(m.cfg.CGSteps)
	e.U64(m.cfg.Seed)
	e.Int(m.numItems)
	e.F32s(m.item)
	e.F32s(m.user)
	e.F64s(m.gram)
	e.F32s(m.pop)
	return e.Finish(), nil
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler: it replaces m with
// the model encoded by MarshalBinary, which then folds in and scores exactly
// as the encoded one did. Any model value, the zero one included, may
// receive it; it must not run concurrently with other uses of m. Unknown
// format versions, other models' artefacts and truncated or corrupt data are
// refused with an error, leaving m unchanged.
func (m *Model) UnmarshalBinary(data []byte) error {
	d, err := alsFrame.Open(data)
	if err != nil {
		return err
	}
	var cfg Config
	cfg.Factors = d.Int()
	cfg.Iterations = d.Int()
	cfg.Alpha = d.F32()
	cfg.Lambda = d.F32()
	cfg.CGSteps = d.Int()
	cfg.Seed = d.U64()
	n := d.Int()
	item := d.F32s()
	user := d.F32s()
	gram := d.F64s()
	pop := d.F32s()
	if err := d.Finish(); err != nil {
		return err
	}
	k := cfg.Factors
	switch {
	case cfg.settingsError() != nil:
		d.Fail("settings: %v", cfg.settingsError())
	case n < 1 || n > math.MaxInt32:
		d.Fail("%d items", n)
	// The lengths are bounded by the input, so k·n and k² cannot overflow
	// where they are compared: k ≤ MaxInt32 and k² ≤ 2⁶².
	case len(item)/k != n || len(item)%k != 0:
		d.Fail("%d item factors for %d items of %d factors", len(item), n, k)
	case len(user)%k != 0:
		d.Fail("%d user factors, not a multiple of %d factors", len(user), k)
	case uint64(len(gram)) != uint64(k)*uint64(k):
		d.Fail("a Gram matrix of %d entries for %d factors", len(gram), k)
	case len(pop) != n:
		d.Fail("%d popularity scores for %d items", len(pop), n)
	}
	if d.Err() != nil {
		return d.Err()
	}
	cfg.Workers = runtime.GOMAXPROCS(0)
	// A new value, not field by field: the scratch pool must not keep
	// buffers sized for other factors.
	*m = Model{cfg: cfg, numItems: n, user: user, item: item, gram: gram, pop: pop}
	return nil
}
