package bandit

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"
)

// invert returns the inverse of the n×n row-major matrix a by Gauss–Jordan
// elimination with partial pivoting (a test oracle, independent of the
// Sherman–Morrison updates).
func invert(t *testing.T, a []float64, n int) []float64 {
	t.Helper()
	m := make([]float64, n*2*n)
	for i := range n {
		copy(m[i*2*n:], a[i*n:i*n+n])
		m[i*2*n+n+i] = 1
	}
	w := 2 * n
	for c := range n {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(m[r*w+c]) > math.Abs(m[p*w+c]) {
				p = r
			}
		}
		if m[p*w+c] == 0 {
			t.Fatal("singular matrix")
		}
		for k := range w {
			m[c*w+k], m[p*w+k] = m[p*w+k], m[c*w+k]
		}
		piv := m[c*w+c]
		for k := range w {
			m[c*w+k] /= piv
		}
		for r := range n {
			if r == c || m[r*w+c] == 0 {
				continue
			}
			f := m[r*w+c]
			for k := range w {
				m[r*w+k] -= f * m[c*w+k]
			}
		}
	}
	inv := make([]float64, n*n)
	for i := range n {
		copy(inv[i*n:i*n+n], m[i*w+n:i*w+2*n])
	}
	return inv
}

func TestShermanMorrisonMatchesDirectInverse(t *testing.T) {
	const d, lambda = 8, 0.5
	m, err := NewLinUCB(2, d, 1, lambda)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(11, 11))
	A := make([]float64, d*d)
	for i := range d {
		A[i*d+i] = lambda
	}
	for range 500 {
		x := make([]float64, d)
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		if err := m.Update(1, x, rng.Float64()); err != nil {
			t.Fatal(err)
		}
		for i := range d {
			for j := range d {
				A[i*d+j] += x[i] * x[j]
			}
		}
	}
	want := invert(t, A, d)
	got := m.Inverse(1)
	worst := 0.0
	for i := range want {
		worst = max(worst, math.Abs(got[i]-want[i]))
	}
	t.Logf("largest difference from the direct inverse: %.3g", worst)
	if worst > 1e-9 {
		t.Errorf("Sherman–Morrison inverse differs from the direct inverse by %.3g, want ≤ 1e-9", worst)
	}
	if m.Pulls(0) != 0 || m.Pulls(1) != 500 {
		t.Errorf("pulls %d and %d, want 0 and 500", m.Pulls(0), m.Pulls(1))
	}
}

// planted returns K arms whose expected reward at x is θ_a·x.
func planted(rng *rand.Rand, k, d int) [][]float64 {
	theta := make([][]float64, k)
	for a := range theta {
		theta[a] = make([]float64, d)
		for i := range theta[a] {
			theta[a][i] = rng.NormFloat64() / math.Sqrt(float64(d))
		}
	}
	return theta
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func TestLinUCBRecoversPlantedModel(t *testing.T) {
	const k, d, rounds = 4, 6, 4000
	rng := rand.New(rand.NewPCG(21, 21))
	theta := planted(rng, k, d)
	m, err := NewLinUCB(k, d, 0.5, 1)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float64, d)
	regretEarly, regretLate := 0.0, 0.0
	for n := range rounds {
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		a := m.Choose(x, rng)
		best := math.Inf(-1)
		for _, th := range theta {
			best = max(best, dot(th, x))
		}
		exp := dot(theta[a], x)
		if n < rounds/4 {
			regretEarly += best - exp
		} else if n >= 3*rounds/4 {
			regretLate += best - exp
		}
		if err := m.Update(a, x, exp+0.1*rng.NormFloat64()); err != nil {
			t.Fatal(err)
		}
	}
	for a := range k {
		got := m.Theta(a)
		err := 0.0
		for i := range got {
			err = max(err, math.Abs(got[i]-theta[a][i]))
		}
		t.Logf("arm %d: %d pulls, largest coefficient error %.4f", a, m.Pulls(a), err)
		if err > 0.05 {
			t.Errorf("arm %d: coefficients %v, planted %v", a, got, theta[a])
		}
	}
	t.Logf("regret in the first quarter %.2f, in the last %.2f", regretEarly, regretLate)
	if regretLate > 0.25*regretEarly {
		t.Errorf("regret did not fall: %.2f in the first quarter, %.2f in the last", regretEarly, regretLate)
	}
}

func TestLinUCBMarshalRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 31))
	m, _ := NewLinUCB(3, 5, 0.7, 2)
	x := make([]float64, 5)
	for range 200 {
		for i := range x {
			x[i] = rng.Float64()
		}
		if err := m.Update(m.Choose(x, rng), x, rng.Float64()); err != nil {
			t.Fatal(err)
		}
	}
	data, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	got, err := UnmarshalLinUCB(data)
	if err != nil {
		t.Fatal(err)
	}
	for range 50 {
		for i := range x {
			x[i] = rng.Float64()
		}
		for a := range 3 {
			if s, w := got.Score(a, x), m.Score(a, x); s != w {
				t.Fatalf("score of arm %d %v after the round trip, %v before", a, s, w)
			}
		}
	}
	again, _ := got.MarshalBinary()
	if !bytes.Equal(again, data) {
		t.Error("marshalling the decoded model gives different bytes")
	}
	// Corruption is refused, not loaded.
	bad := bytes.Clone(data)
	bad[20] ^= 1
	if _, err := UnmarshalLinUCB(bad); err == nil {
		t.Error("a corrupted artefact was accepted")
	}
	if _, err := UnmarshalLinUCB(data[:len(data)-9]); err == nil {
		t.Error("a truncated artefact was accepted")
	}
}

func TestLinUCBRefusesBadInput(t *testing.T) {
	if _, err := NewLinUCB(0, 3, 1, 1); err == nil {
		t.Error("no arms accepted")
	}
	if _, err := NewLinUCB(2, 3, 1, 0); err == nil {
		t.Error("lambda 0 accepted")
	}
	m, _ := NewLinUCB(2, 3, 1, 1)
	if err := m.Update(0, []float64{1, 2}, 1); err == nil {
		t.Error("a context of the wrong dimension accepted")
	}
	if err := m.Update(0, []float64{1, math.NaN(), 0}, 1); err == nil {
		t.Error("a NaN feature accepted")
	}
}

func FuzzUnmarshalLinUCB(f *testing.F) {
	m, _ := NewLinUCB(2, 3, 1, 1)
	_ = m.Update(1, []float64{1, 0.5, -1}, 1)
	data, _ := m.MarshalBinary()
	f.Add(data)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := UnmarshalLinUCB(data)
		if err != nil {
			return
		}
		x := make([]float64, m.Dim())
		m.Choose(x, nil)
	})
}
