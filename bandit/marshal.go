package bandit

import (
	"math"

	"github.com/shopmind/shopmind/internal/binfmt"
)

// The payload of a LinUCB artefact (kind tag "lucb", frame in binfmt):
//
//	Dim int, Alpha f64, Lambda f64, arms int
//	per arm: pulls int, A⁻¹ []f64 (Dim² values, row-major), b []f64 (Dim)
//
// θ is not stored: it is A⁻¹b, recomputed on load. The state is what a
// node needs to go on learning: A⁻¹ carries every context seen.
var linFrame = binfmt.Frame{Pkg: "bandit", Tag: "lucb", Kind: "LinUCB model"}

// MarshalBinary implements encoding.BinaryMarshaler.
func (m *LinUCB) MarshalBinary() ([]byte, error) {
	d := m.dim
	w := linFrame.NewWriter(8 + 8 + 8 + 8 + len(m.arms)*(8+binfmt.SliceBytes(d*d, 8)+binfmt.SliceBytes(d, 8)))
	w.Int(d)
	w.F64(m.alpha)
	w.F64(m.lambda)
	w.Int(len(m.arms))
	for i := range m.arms {
		a := &m.arms[i]
		w.Int(int(a.pulls))
		w.F64s(a.ainv)
		w.F64s(a.b)
	}
	return w.Finish(), nil
}

// UnmarshalLinUCB decodes an artefact written by MarshalBinary, checking
// its settings, its shapes and that every number is finite.
func UnmarshalLinUCB(data []byte) (*LinUCB, error) {
	r, err := linFrame.Open(data)
	if err != nil {
		return nil, err
	}
	d := r.Int()
	alpha, lambda := r.F64(), r.F64()
	k := r.Int()
	if r.Err() == nil {
		if err := checkLinUCB(k, d, alpha, lambda); err != nil {
			r.Fail("%v", err)
		} else if k > r.Len()/(8+8*d*d) {
			r.Fail("%d arms of dimension %d do not fit in %d bytes", k, d, r.Len())
		}
	}
	if r.Err() != nil {
		return nil, r.Err()
	}
	m := &LinUCB{dim: d, alpha: alpha, lambda: lambda, arms: make([]linArm, k), buf: make([]float64, d)}
	for i := range m.arms {
		a := &m.arms[i]
		pulls := r.Int()
		a.ainv, a.b = r.F64s(), r.F64s()
		if r.Err() != nil {
			break
		}
		switch {
		case pulls < 0:
			r.Fail("arm %d has %d pulls", i, pulls)
		case len(a.ainv) != d*d || len(a.b) != d:
			r.Fail("arm %d: A⁻¹ has %d values and b %d, want %d and %d", i, len(a.ainv), len(a.b), d*d, d)
		case !allFinite(a.ainv) || !allFinite(a.b):
			r.Fail("arm %d has a value that is not finite", i)
		}
		if r.Err() != nil {
			break
		}
		a.pulls = int64(pulls)
		a.theta = make([]float64, d)
		a.refreshTheta(d)
	}
	if err := r.Finish(); err != nil {
		return nil, err
	}
	return m, nil
}

func allFinite(v []float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}
