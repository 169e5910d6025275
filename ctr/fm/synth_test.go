package fm

import (
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/shopmind/shopmind/ctr"
)

// synth is a synthetic click source with a known click function: a weight
// per value of every field and, when rank > 0, a pairwise interaction
// between fields 0 and 1 (think user and item) through rank latent
// factors,
//
//	P(click) = σ(bias + Σ_f w_f[value_f] + ⟨a[value_0], b[value_1]⟩),
//
// the factors drawn N(0, inter²/√rank) so that the interaction has
// variance inter². Values are drawn with a skew: a few common, many rare. The
// oracle — the true probability — is the best any model can do.
type synth struct {
	schema *ctr.Schema
	bias   float64
	w      [][]float64 // field, value → weight
	index  [][]uint32  // field, value → hashed feature index
	a, b   [][]float64 // values of fields 0 and 1 → factors
}

func newSynth(seed uint64, cards []int, scale, bias float64, rank int, inter float64, space uint32) *synth {
	rng := rand.New(rand.NewPCG(seed, 1))
	s := &synth{schema: &ctr.Schema{Space: space}, bias: bias}
	for f := range cards {
		s.schema.Fields = append(s.schema.Fields, "f"+strconv.Itoa(f))
	}
	for f, card := range cards {
		w := make([]float64, card)
		idx := make([]uint32, card)
		for v := range card {
			w[v] = rng.NormFloat64() * scale
			idx[v] = s.schema.Hash(f, strconv.Itoa(v))
		}
		s.w = append(s.w, w)
		s.index = append(s.index, idx)
	}
	factors := func(n int) [][]float64 {
		out := make([][]float64, n)
		for v := range out {
			out[v] = make([]float64, rank)
			for j := range rank {
				out[v][j] = rng.NormFloat64() * inter / math.Sqrt(math.Sqrt(float64(rank)))
			}
		}
		return out
	}
	if rank > 0 {
		s.a, s.b = factors(cards[0]), factors(cards[1])
	}
	return s
}

// draw returns n examples with sampled clicks and their true click
// probabilities.
func (s *synth) draw(seed uint64, n int) ([]ctr.Example, []float64) {
	rng := rand.New(rand.NewPCG(seed, 2))
	xs := make([]ctr.Example, n)
	ps := make([]float64, n)
	nf := len(s.w)
	feats := make([]ctr.Feature, n*nf)
	vals := make([]int, nf)
	for i := range xs {
		l := s.bias
		fs := feats[i*nf : (i+1)*nf : (i+1)*nf]
		for f, w := range s.w {
			v := int(float64(len(w)) * rng.Float64() * rng.Float64())
			vals[f] = v
			l += w[v]
			fs[f] = ctr.Feature{Field: int32(f), Index: s.index[f][v], Value: 1}
		}
		if s.a != nil {
			for j, x := range s.a[vals[0]] {
				l += x * s.b[vals[1]][j]
			}
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
