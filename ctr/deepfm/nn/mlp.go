package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// MLP is a fully connected network: ReLU after every layer but the last,
// which is linear, and inverted dropout on the hidden units while
// training (a unit is dropped with probability Dropout and the kept ones
// are scaled by 1/(1−Dropout), so inference needs no rescaling).
type MLP struct {
	Sizes   []int       // layer widths: input, hidden…, output
	W, B    [][]float32 // W[l] is Sizes[l+1]×Sizes[l], row-major; B[l] has Sizes[l+1] values
	Dropout float64
}

// NewMLP returns a network of the given widths (at least input and
// output), its weights drawn from a normal distribution of variance
// 2/fan-in (He) for the ReLU layers and 1/fan-in for the output layer,
// biases zero.
func NewMLP(sizes []int, dropout float64, seed uint64) (*MLP, error) {
	if len(sizes) < 2 || min(sizes[0], sizes[len(sizes)-1]) < 1 {
		return nil, fmt.Errorf("nn: perceptron widths %v: need an input and an output of at least one unit", sizes)
	}
	for _, s := range sizes {
		if s < 1 {
			return nil, fmt.Errorf("nn: perceptron widths %v: a layer has no units", sizes)
		}
	}
	if !(dropout >= 0 && dropout < 1) {
		return nil, fmt.Errorf("nn: dropout %v outside [0, 1)", dropout)
	}
	m := &MLP{Sizes: append([]int(nil), sizes...), Dropout: dropout}
	rng := rand.New(rand.NewPCG(seed, 0x3c1b_9f3e))
	for l := range len(sizes) - 1 {
		in, out := sizes[l], sizes[l+1]
		gain := 2.0
		if l == len(sizes)-2 {
			gain = 1
		}
		std := math.Sqrt(gain / float64(in))
		w := make([]float32, in*out)
		for i := range w {
			w[i] = float32(rng.NormFloat64() * std)
		}
		m.W = append(m.W, w)
		m.B = append(m.B, make([]float32, out))
	}
	return m, nil
}

// Params returns the parameter slices in the order W[0], B[0], W[1], B[1]…,
// the order of the gradients Backward takes.
func (m *MLP) Params() [][]float32 {
	p := make([][]float32, 0, 2*len(m.W))
	for l := range m.W {
		p = append(p, m.W[l], m.B[l])
	}
	return p
}

// NumParams is the number of parameter values.
func (m *MLP) NumParams() int {
	n := 0
	for l := range m.W {
		n += len(m.W[l]) + len(m.B[l])
	}
	return n
}

// MLPScratch holds one pass's activations; one per goroutine.
type MLPScratch struct {
	act     [][]float64 // act[0] is the input; act[l] the output of layer l−1
	scale   [][]float64 // dropout scale of act[l]'s units (0 or 1/(1−p))
	delta   [][]float64 // ∂loss/∂act[l] during Backward
	dropped bool        // whether the last Forward applied dropout
}

// NewScratch returns a scratch for m.
func (m *MLP) NewScratch() *MLPScratch {
	s := &MLPScratch{act: make([][]float64, len(m.Sizes)), scale: make([][]float64, len(m.Sizes)), delta: make([][]float64, len(m.Sizes))}
	for l := 1; l < len(m.Sizes); l++ {
		s.act[l] = make([]float64, m.Sizes[l])
		s.delta[l] = make([]float64, m.Sizes[l])
		if m.Dropout > 0 && l < len(m.Sizes)-1 {
			s.scale[l] = make([]float64, m.Sizes[l])
		}
	}
	return s
}

// Forward runs the network on in (Sizes[0] values, which must stay
// unchanged until Backward) and returns the output, a view into s. With
// train, hidden units are dropped with the masks drawn from noise; the
// same noise gives the same masks.
func (m *MLP) Forward(s *MLPScratch, in []float64, train bool, noise uint64) []float64 {
	s.act[0] = in[:m.Sizes[0]]
	s.dropped = train && m.Dropout > 0
	last := len(m.W) - 1
	keep := 1 / (1 - m.Dropout)
	for l, w := range m.W {
		x, y, b := s.act[l], s.act[l+1], m.B[l]
		n := len(x)
		for o := range y {
			row := w[o*n : (o+1)*n : (o+1)*n]
			z := float64(b[o])
			for i, v := range x {
				z += float64(row[i]) * v
			}
			y[o] = z
		}
		if l == last {
			break
		}
		for o, z := range y {
			if z < 0 {
				y[o] = 0
			}
		}
		if s.dropped {
			sc := s.scale[l+1]
			for o := range y {
				noise += golden
				if float64(Mix(noise)>>11)*0x1p-53 < m.Dropout {
					sc[o], y[o] = 0, 0
				} else {
					sc[o] = keep
					y[o] *= keep
				}
			}
		}
	}
	return s.act[len(s.act)-1]
}

// Backward adds to grads (laid out as Params) the gradient of the loss
// given dOut, its gradient with respect to the output of the last Forward
// on s. When dIn is not nil it is set to the gradient with respect to the
// input.
func (m *MLP) Backward(s *MLPScratch, dOut []float64, grads [][]float64, dIn []float64) {
	d := dOut
	for l := len(m.W) - 1; l >= 0; l-- {
		x, w := s.act[l], m.W[l]
		n := len(x)
		gw, gb := grads[2*l], grads[2*l+1]
		for o, g := range d {
			if g == 0 {
				continue
			}
			gb[o] += g
			row := gw[o*n : (o+1)*n : (o+1)*n]
			for i, v := range x {
				row[i] += g * v
			}
		}
		prev := s.delta[l]
		if l == 0 {
			if dIn == nil {
				return
			}
			prev = dIn[:n]
		}
		clear(prev)
		for o, g := range d {
			if g == 0 {
				continue
			}
			row := w[o*n : (o+1)*n : (o+1)*n]
			for i, v := range row {
				prev[i] += g * float64(v)
			}
		}
		if l > 0 {
			// Through the ReLU and the dropout of layer l−1: a unit that is
			// zero was either inactive or dropped and passes nothing back.
			for i, a := range x {
				switch {
				case a <= 0:
					prev[i] = 0
				case s.dropped:
					prev[i] *= s.scale[l][i]
				}
			}
		}
		d = prev
	}
}

// golden is the SplitMix64 increment.
const golden = 0x9e3779b97f4a7c15

// Mix is the SplitMix64 finaliser, a bijection of uint64 that scatters
// nearby inputs: the models derive per-example noise seeds with it.
func Mix(x uint64) uint64 {
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
