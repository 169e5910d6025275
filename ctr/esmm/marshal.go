package esmm

import (
	"errors"
	"slices"

	"github.com/shopmind/shopmind/ctr/deepfm/nn"
	"github.com/shopmind/shopmind/internal/binfmt"
)

// The payload of an ESMM artefact (kind tag "esmm", frame in binfmt):
//
//	Factors int, Hidden []int, Dropout f64, Fields int, Space int,
//	training settings (nn.TrainConfig.Write), best epoch int
//	table (nn.SparseTable: Space rows of Factors values, nonzero rows only)
//	CTR tower, CVR tower (nn.MLP.Write each)
//
// Config.Workers is a property of the machine, not of the model: it is not
// stored and is GOMAXPROCS after UnmarshalBinary. The training history is
// not stored either.
var frame = binfmt.Frame{Pkg: "esmm", Tag: "esmm", Kind: "ESMM model"}

// MarshalBinary implements encoding.BinaryMarshaler: it encodes the
// configuration and the parameters (the table's nonzero rows only). It
// fails for a model that was not fitted.
func (m *Model) MarshalBinary() ([]byte, error) {
	n, c := m.net, m.cfg
	if n == nil {
		return nil, errors.New("esmm: marshalling an unfitted model")
	}
	if err := c.settingsError(); err != nil {
		return nil, errors.New("esmm: " + err.Error())
	}
	tab := n.table.Sparse()
	w := frame.NewWriter(5*8 + binfmt.SliceBytes(len(c.Hidden), 8) + nn.TrainConfigBytes + tab.Size() + n.ctr.Size() + n.cvr.Size())
	w.Int(c.Factors)
	w.Ints(c.Hidden)
	w.F64(c.Dropout)
	w.Int(c.Fields)
	w.Int(c.Space)
	c.TrainConfig.Write(w)
	w.Int(m.best)
	tab.Write(w)
	n.ctr.Write(w)
	n.cvr.Write(w)
	return w.Finish(), nil
}

// UnmarshalBinary implements encoding.BinaryUnmarshaler: it replaces m
// with the model encoded by MarshalBinary, which then predicts exactly as
// the encoded one did. Any model value, the zero one included, may receive
// it; it must not run concurrently with other uses of m. Unknown format
// versions, other models' artefacts and truncated or corrupt data are
// refused with an error, leaving m unchanged.
func (m *Model) UnmarshalBinary(data []byte) error {
	r, err := frame.Open(data)
	if err != nil {
		return err
	}
	c := Config{Factors: r.Int(), Hidden: r.Ints(), Dropout: r.F64(), Fields: r.Int(), Space: r.Int()}
	c.TrainConfig = nn.ReadTrainConfig(r)
	best := r.Int()
	if err := c.settingsError(); r.Err() == nil && err != nil {
		r.Fail("settings: %v", err)
	}
	if r.Err() != nil {
		return r.Err()
	}
	if c.Hidden == nil {
		c.Hidden = []int{}
	}
	n := &network{fields: c.Fields, k: c.Factors, table: nn.ReadTable(r)}
	if n.table != nil && (n.table.Rows() != c.Space || n.table.Dim != c.Factors) {
		r.Fail("a table of %d rows of %d values, want %d rows of %d", n.table.Rows(), n.table.Dim, c.Space, c.Factors)
	}
	want := append(append([]int{c.Fields * c.Factors}, c.Hidden...), 1)
	for _, tower := range []**nn.MLP{&n.ctr, &n.cvr} {
		*tower = nn.ReadMLP(r)
		if t := *tower; t != nil && (!slices.Equal(t.Sizes, want) || t.Dropout != c.Dropout) {
			r.Fail("a tower of widths %v and dropout %v, want %v and %v", t.Sizes, t.Dropout, want, c.Dropout)
		}
	}
	if err := r.Finish(); err != nil {
		return err
	}
	*m = Model{cfg: c, net: n, best: best}
	return nil
}
