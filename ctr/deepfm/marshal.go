package deepfm

import (
	"errors"
	"slices"

	"github.com/shopmind/shopmind/ctr/deepfm/nn"
	"github.com/shopmind/shopmind/internal/binfmt"
)

// The payload of a DeepFM artefact (kind tag "dpfm", frame in binfmt):
//
//	Factors int, Hidden []int, FMOnly bool, Dropout f64, Fields int,
//	Space int, training settings (nn.TrainConfig.Write), best epoch int
//	bias f32
//	table (nn.SparseTable: Space rows of 1+Factors values, nonzero rows only)
//	perceptron (nn.MLP.Write), absent when FMOnly
//
// Config.Workers is a property of the machine, not of the model: it is not
// stored and is GOMAXPROCS after UnmarshalBinary. Nor are the embedding
// optimiser's settings (EmbeddingOptimizer, EmbeddingLearningRate,
// L2PerOccurrence; see nn.TrainConfig.Write): they are zero after
// UnmarshalBinary, which keeps the encoding of earlier versions. The training history is
// not stored either.
var frame = binfmt.Frame{Pkg: "deepfm", Tag: "dpfm", Kind: "DeepFM model"}

// MarshalBinary implements encoding.BinaryMarshaler: it encodes the
// configuration and the parameters (the table's nonzero rows only). It
// fails for a model that was not fitted.
func (m *Model) MarshalBinary() ([]byte, error) {
	n := m.net
	if n == nil {
		return nil, errors.New("deepfm: marshalling an unfitted model")
	}
	c := m.cfg
	if err := c.settingsError(); err != nil {
		return nil, errors.New("deepfm: " + err.Error())
	}
	tab := n.table.Sparse()
	size := 5*8 + 1 + binfmt.SliceBytes(len(c.Hidden), 8) + nn.TrainConfigBytes + 4 + tab.Size()
	if n.mlp != nil {
		size += n.mlp.Size()
	}
	w := frame.NewWriter(size)
	w.Int(c.Factors)
	w.Ints(c.Hidden)
	w.Bool(c.FMOnly)
	w.F64(c.Dropout)
	w.Int(c.Fields)
	w.Int(c.Space)
	c.TrainConfig.Write(w)
	w.Int(m.best)
	w.F32(n.bias[0])
	tab.Write(w)
	if n.mlp != nil {
		n.mlp.Write(w)
	}
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
	var c Config
	c.Factors = r.Int()
	c.Hidden = r.Ints()
	c.FMOnly = r.Bool()
	c.Dropout = r.F64()
	c.Fields = r.Int()
	c.Space = r.Int()
	c.TrainConfig = nn.ReadTrainConfig(r)
	best := r.Int()
	n := &network{fields: c.Fields, k: c.Factors, bias: []float32{r.F32()}}
	if err := c.settingsError(); r.Err() == nil && err != nil {
		r.Fail("settings: %v", err)
	}
	if r.Err() != nil {
		return r.Err()
	}
	if c.Hidden == nil {
		c.Hidden = []int{}
	}
	n.table = nn.ReadTable(r)
	if n.table != nil && (n.table.Rows() != c.Space || n.table.Dim != 1+c.Factors) {
		r.Fail("a table of %d rows of %d values, want %d rows of 1 + %d factors", n.table.Rows(), n.table.Dim, c.Space, c.Factors)
	}
	if !c.FMOnly {
		n.mlp = nn.ReadMLP(r)
		want := append(append([]int{c.Fields * c.Factors}, c.Hidden...), 1)
		if n.mlp != nil && (!slices.Equal(n.mlp.Sizes, want) || n.mlp.Dropout != c.Dropout) {
			r.Fail("a perceptron of widths %v and dropout %v, want %v and %v", n.mlp.Sizes, n.mlp.Dropout, want, c.Dropout)
		}
	}
	if err := r.Finish(); err != nil {
		return err
	}
	*m = Model{cfg: c, net: n, best: best}
	return nil
}
