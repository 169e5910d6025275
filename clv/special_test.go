package clv

import (
	"math"
	"testing"
)

func close(got, want, rel float64) bool {
	return math.Abs(got-want) <= rel*math.Max(1, math.Abs(want))
}

func TestDigamma(t *testing.T) {
	const euler = 0.57721566490153286061
	tests := []struct{ x, want float64 }{
		{1, -euler},
		{0.5, -euler - 2*math.Ln2},
		{2, 1 - euler},
		{0.1, -10.423754940411076795},
		{3.7, 1.1671535393615114409}, // reference values from mpmath at 25 digits
		{10, 2.2517525890667211076},
		{100, 4.6001618527380874002},
		{1e-3, -1000.5755719318102797},
	}
	for _, tc := range tests {
		if got := digamma(tc.x); !close(got, tc.want, 1e-13) {
			t.Errorf("ψ(%v) = %.16g, want %.16g", tc.x, got, tc.want)
		}
	}
	if !math.IsNaN(digamma(0)) || !math.IsNaN(digamma(-1)) {
		t.Error("ψ(x ≤ 0) should be NaN")
	}
}

func TestHyp2F1ClosedForms(t *testing.T) {
	tests := []struct {
		name       string
		a, b, c, z float64
		want       float64
	}{
		{"-ln(1-z)/z", 1, 1, 2, 0.3, -math.Log(1-0.3) / 0.3},
		{"-ln(1-z)/z near 1", 1, 1, 2, 0.999, -math.Log(1-0.999) / 0.999},
		{"(1-z)^-a", 2.5, 1.7, 1.7, 0.6, math.Pow(0.4, -2.5)},
		{"asin", 0.5, 0.5, 1.5, 0.25, math.Asin(0.5) / 0.5},
		{"atanh", 0.5, 1, 1.5, 0.81, math.Atanh(0.9) / 0.9},
		{"z=0", 3, 4, 5, 0, 1},
		{"terminating", -2, 3, 4, 0.5, 1 - 2*3.0/4*0.5 + (-2*-1)*(3*4.0)/(4*5*2)*0.25},
		{"negative c, non-integer", 0.3, 1.5, -0.4, 0.5, hypDirect(0.3, 1.5, -0.4, 0.5)},
	}
	for _, tc := range tests {
		if got := hyp2f1(tc.a, tc.b, tc.c, tc.z); !close(got, tc.want, 1e-12) {
			t.Errorf("%s: 2F1(%v,%v;%v;%v) = %.16g, want %.16g", tc.name, tc.a, tc.b, tc.c, tc.z, got, tc.want)
		}
	}
	for _, z := range []float64{-0.1, 1, 1.5, math.NaN()} {
		if got := hyp2f1(1, 1, 2, z); !math.IsNaN(got) {
			t.Errorf("2F1 at z = %v = %v, want NaN (outside [0, 1))", z, got)
		}
	}
	if got := hyp2f1(1, 1, -2, 0.5); !math.IsNaN(got) {
		t.Errorf("2F1 with c = -2 = %v, want NaN", got)
	}
}

// hypDirect sums the series term by term in the simplest way, for
// comparison.
func hypDirect(a, b, c, z float64) float64 {
	sum, term := 1.0, 1.0
	for n := 0; n < 10000; n++ {
		fn := float64(n)
		term *= (a + fn) * (b + fn) / ((c + fn) * (fn + 1)) * z
		sum += term
	}
	return sum
}

// TestPosSeries checks S = 2F1(A, 1; C; z) and its three derivatives
// against the general series and central differences.
func TestPosSeries(t *testing.T) {
	tests := []struct{ A, C, z float64 }{
		{0.55, 2.2, 0.09}, {1.6, 2.8, 0.5}, {26.5, 28.1, 0.3}, {0.3, 1.35, 0.95}, {2, 3, 0}, {1.2, 2.5, 0.999},
	}
	for _, tc := range tests {
		s, dA, dC, dz, ok := posSeries(tc.A, tc.C, tc.z, true)
		if !ok {
			t.Fatalf("%+v: not converged", tc)
		}
		if want := hyp2f1(tc.A, 1, tc.C, tc.z); !close(s, want, 1e-13) {
			t.Errorf("%+v: S = %.16g, 2F1 = %.16g", tc, s, want)
		}
		if s2, _, _, _, _ := posSeries(tc.A, tc.C, tc.z, false); !close(s2, s, 1e-14) {
			t.Errorf("%+v: S without derivatives %.16g, with %.16g", tc, s2, s)
		}
		fd := func(f func(h float64) float64, h float64) float64 { return (f(h) - f(-h)) / (2 * h) }
		at := func(A, C, z float64) float64 { v, _, _, _, _ := posSeries(A, C, z, false); return v }
		h := 1e-6
		wantA := fd(func(e float64) float64 { return at(tc.A+e, tc.C, tc.z) }, h)
		wantC := fd(func(e float64) float64 { return at(tc.A, tc.C+e, tc.z) }, h)
		wantZ := fd(func(e float64) float64 { return at(tc.A, tc.C, tc.z+e) }, h*math.Min(1, 1-tc.z))
		for _, d := range []struct {
			name      string
			got, want float64
		}{{"∂A", dA, wantA}, {"∂C", dC, wantC}, {"∂z", dz, wantZ}} {
			if !close(d.got, d.want, 1e-6) {
				t.Errorf("%+v: %s = %.10g, central difference %.10g", tc, d.name, d.got, d.want)
			}
		}
	}
}

func TestGammaRatio(t *testing.T) {
	for _, c := range []float64{0.243, 1, 2.426, 17.5} {
		g := newGammaRatio(c, 60)
		var direct gammaRatio // computes through lgamma and digamma
		for _, x := range []int{0, 1, 2, 7, 59, 80} {
			if got, want := g.lnRatio(c, x), lgamma(c+float64(x))-lgamma(c); !close(got, want, 1e-12) {
				t.Errorf("c=%v x=%d: ln ratio %.15g, want %.15g", c, x, got, want)
			}
			if got, want := g.psiDiff(c, x), direct.psiDiff(c, x); !close(got, want, 1e-12) {
				t.Errorf("c=%v x=%d: ψ difference %.15g, want %.15g", c, x, got, want)
			}
		}
	}
}

func TestLogSumExp(t *testing.T) {
	if got := logSumExp(1000, 1000); !close(got, 1000+math.Ln2, 1e-15) {
		t.Errorf("logSumExp(1000, 1000) = %v", got)
	}
	if got := logSumExp(math.Inf(-1), -3); got != -3 {
		t.Errorf("logSumExp(-Inf, -3) = %v", got)
	}
}
