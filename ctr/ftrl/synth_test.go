package ftrl

import (
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/shopmind/shopmind/ctr"
)

// synth is a synthetic click source with a known logistic click function:
// every field has a weight per value, values are drawn with a skew (a few
// common, many rare), and
//
//	P(click) = σ(bias + Σ_fields w_f[value_f])
//
// so the oracle — the true probability — is the best any model can do.
type synth struct {
	schema *ctr.Schema
	bias   float64
	w      [][]float64 // field, value → weight
	index  [][]uint32  // field, value → hashed feature index
	skew   float64     // value = ⌊card·u^skew⌋: 1 uniform, larger more skewed
}

// newSynth makes a source over fields of the given cardinalities, weights
// drawn N(0, scale²) (fields listed in noise get weight 0: they carry no
// signal), hashed into space.
func newSynth(seed uint64, cards []int, scale, bias float64, space uint32, noise ...int) *synth {
	rng := rand.New(rand.NewPCG(seed, 1))
	s := &synth{schema: &ctr.Schema{Space: space}, bias: bias, skew: 2}
	for f := range cards {
		s.schema.Fields = append(s.schema.Fields, "f"+strconv.Itoa(f))
	}
	for f, card := range cards {
		w := make([]float64, card)
		idx := make([]uint32, card)
		silent := false
		for _, n := range noise {
			silent = silent || n == f
		}
		for v := range card {
			if !silent {
				w[v] = rng.NormFloat64() * scale
			}
			idx[v] = s.schema.Hash(f, strconv.Itoa(v))
		}
		s.w = append(s.w, w)
		s.index = append(s.index, idx)
	}
	return s
}

// draw returns n examples with sampled clicks and their true click
// probabilities.
func (s *synth) draw(seed uint64, n int) ([]ctr.Example, []float64) {
	rng := rand.New(rand.NewPCG(seed, 2))
	xs := make([]ctr.Example, n)
	ps := make([]float64, n)
	feats := make([]ctr.Feature, n*len(s.w))
	for i := range xs {
		l := s.bias
		fs := feats[i*len(s.w) : (i+1)*len(s.w) : (i+1)*len(s.w)]
		for f, w := range s.w {
			v := int(float64(len(w)) * math.Pow(rng.Float64(), s.skew))
			l += w[v]
			fs[f] = ctr.Feature{Field: int32(f), Index: s.index[f][v], Value: 1}
		}
		ps[i] = ctr.Sigmoid(l)
		xs[i] = ctr.Example{Features: fs, Time: int64(i)}
		if rng.Float64() < ps[i] {
			xs[i].Click = 1
		}
	}
	return xs, ps
}

func labels(xs []ctr.Example) []float32 {
	out := make([]float32, len(xs))
	for i := range xs {
		out[i] = xs[i].Click
	}
	return out
}

func predictAll(m ctr.Model, xs []ctr.Example) []float64 {
	out := make([]float64, len(xs))
	for i := range xs {
		out[i] = m.Predict(&xs[i])
	}
	return out
}
