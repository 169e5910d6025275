package knn

import (
	"errors"
	"math"
	"runtime"

	"github.com/shopmind/shopmind/internal/binfmt"
)

// The payload of an item-kNN artefact (kind tag "knn ", frame in binfmt):
//
//	K int, Shrink f32, RecencyHalfLife f64, Binary bool
//	items int
//	neighbour offsets []int (items+1), neighbours []i32, similarities []f32,
//	popularity []f32 (items)
//
// Config.Workers is a property of the machine, not of the model: it is not
// stored and is GOMAXPROCS after UnmarshalBinary.
var knnFrame = binfmt.Frame{Pkg: "knn", Tag: "knn ", Kind: "item-kNN model"}

// settingsError checks the configuration as withDefaults leaves it.
func (c Config) settingsError() error {
	if c.K <= 0 || !(c.Shrink >= 0) {
		return errors.New("K must be positive and shrink non-negative")
	}
	return nil
}

// MarshalBinary implements encoding.BinaryMarshaler: it encodes the
// configuration and the neighbour table. It fails for a model that was not
// fitted.
func (m *Model) MarshalBinary() ([]byte, error) {
	if m.off == nil || len(m.off) != m.numItems+1 {
		return nil, errors.New("knn: marshalling an unfitted model")
	}
	if err := m.cfg.settingsError(); err != nil {
		return nil, errors.New("knn: " + err.Error())
	}
	size := 8 + 4 + 8 + 1 + 8 + binfmt.SliceBytes(len(m.off), 8) + binfmt.SliceBytes(len(m.nbr), 4) +
		binfmt.SliceBytes(len(m.sim), 4) + binfmt.SliceBytes(len(m.pop), 4)
	e := knnFrame.NewWriter(size)
	e.Int(m.cfg.K)
	e.F32(m.cfg.Shrink)
	e.F64(m.cfg.RecencyHalfLife)
	e.Bool(m.cfg.Binary)
	e.Int(m.numItems)
	e.Ints(m.off)
	e.I32s(m.nbr)
	e.F32s(m.sim)
	e.F32s(m.pop)
	return e.Finish(), nil
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler: it replaces m with
// the model encoded by MarshalBinary, which then scores and lists neighbours
// exactly as the encoded one did. Any model value, the zero one included,
// may receive it; it must not run concurrently with other uses of m.
// Unknown format versions, other models' artefacts and truncated or corrupt
// data are refused with an error, leaving m unchanged.
func (m *Model) UnmarshalBinary(data []byte) error {
	d, err := knnFrame.Open(data)
	if err != nil {
		return err
	}
	var c Model
	c.cfg.K = d.Int()
	c.cfg.Shrink = d.F32()
	c.cfg.RecencyHalfLife = d.F64()
	c.cfg.Binary = d.Bool()
	c.numItems = d.Int()
	c.off = d.Ints()
	c.nbr = d.I32s()
	c.sim = d.F32s()
	c.pop = d.F32s()
	if err := d.Finish(); err != nil {
		return err
	}
	n := c.numItems
	switch {
	case c.cfg.settingsError() != nil:
		d.Fail("settings: %v", c.cfg.settingsError())
	case n < 0 || n > math.MaxInt32:
		d.Fail("%d items", n)
	case !binfmt.ValidRows(c.off, n, len(c.nbr)) || len(c.sim) != len(c.nbr):
		d.Fail("bad neighbour offsets for %d items and %d neighbours", n, len(c.nbr))
	case len(c.pop) != n:
		d.Fail("%d popularity scores for %d items", len(c.pop), n)
	}
	for a := 0; d.Err() == nil && a < n; a++ {
		if c.off[a+1]-c.off[a] > c.cfg.K {
			d.Fail("item %d has more than K = %d neighbours", a, c.cfg.K)
		}
		for _, b := range c.nbr[c.off[a]:c.off[a+1]] {
			if b < 0 || int(b) >= n || int(b) == a {
				d.Fail("item %d has neighbour %d", a, b)
				break
			}
		}
	}
	if d.Err() != nil {
		return d.Err()
	}
	c.cfg.Workers = runtime.GOMAXPROCS(0)
	*m = c
	return nil
}

// Contribution implements recommend.Explainer. It is the similarity of item
// to to item from — cosine with shrinkage, see the package documentation —
// when to is among the K neighbours kept for from, and 0 otherwise (also for
// items out of range and before Fit). An event of item from adds its weight
// (1 with Binary), times 2^(−age/RecencyHalfLife) when decay is on, times
// this to the score of item to. The relation is not symmetric: to may be
// among from's K nearest without from being among to's. It scans from's
// neighbours: at most K steps.
func (m *Model) Contribution(from, to int32) float32 {
	if from < 0 || int(from)+1 >= len(m.off) {
		return 0
	}
	lo, hi := m.off[from], m.off[from+1]
	for q := lo; q < hi; q++ {
		if m.nbr[q] == to {
			return m.sim[q]
		}
	}
	return 0
}
