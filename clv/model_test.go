package clv

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

// gradCustomers covers the corners of the likelihoods: no repeats, many
// repeats, a last purchase at T, very young and very old customers.
var gradCustomers = []Customer{
	{ID: "none", X: 0, Tx: 0, T: 38.86},
	{ID: "young", X: 0, Tx: 0, T: 0.5},
	{ID: "one", X: 1, Tx: 1.71, T: 38.86},
	{ID: "two", X: 2, Tx: 30.43, T: 38.86},
	{ID: "at-end", X: 4, Tx: 27, T: 27},
	{ID: "heavy", X: 26, Tx: 30.86, T: 31},
	{ID: "very-heavy", X: 120, Tx: 70, T: 104},
	{ID: "old", X: 3, Tx: 5, T: 300},
}

// checkGradient compares an analytic gradient with central differences of
// the log-likelihood (relative step 1e-6).
func checkGradient(t *testing.T, label string, theta []float64, ll func([]float64) float64, grad []float64) {
	t.Helper()
	for i := range theta {
		h := 1e-6 * theta[i]
		up := append([]float64(nil), theta...)
		dn := append([]float64(nil), theta...)
		up[i] += h
		dn[i] -= h
		want := (ll(up) - ll(dn)) / (2 * h)
		if !close(grad[i], want, 2e-6) {
			t.Errorf("%s: ∂/∂θ%d = %.10g, central difference %.10g", label, i, grad[i], want)
		}
	}
}

func TestBGNBDGradient(t *testing.T) {
	for _, p := range []BGNBD{{0.243, 4.414, 0.793, 2.426}, {2.5, 0.3, 3, 0.7}, {0.05, 50, 1, 10}, {1, 1, 1.00005, 1}} {
		for _, c := range gradCustomers {
			cs := []Customer{c}
			ll, g := p.Gradient(cs)
			if !finite(ll) {
				t.Fatalf("%+v %s: log-likelihood %v", p, c.ID, ll)
			}
			checkGradient(t, fmt.Sprintf("%+v %s", p, c.ID), p.Params(), func(q []float64) float64 {
				return BGNBD{q[0], q[1], q[2], q[3]}.TotalLogLikelihood(cs)
			}, g)
		}
	}
}

func TestParetoNBDGradient(t *testing.T) {
	params := []ParetoNBD{
		{0.553, 10.578, 0.606, 11.669}, // α < β, the CDNOW optimum
		{1.5, 20, 1.2, 5},              // α > β
		{0.8, 7, 0.9, 7},               // α = β: z = 0 in both branches
		{0.8, 7, 0.9, 7 * (1 + 1e-9)},  // just across the branch
		{0.3, 100, 0.5, 0.5},           // z near 1 for young customers
		{2, 0.2, 0.1, 40},
	}
	for _, p := range params {
		for _, c := range gradCustomers {
			cs := []Customer{c}
			ll, g := p.Gradient(cs)
			if !finite(ll) {
				t.Fatalf("%+v %s: log-likelihood %v", p, c.ID, ll)
			}
			checkGradient(t, fmt.Sprintf("%+v %s", p, c.ID), p.Params(), func(q []float64) float64 {
				return ParetoNBD{q[0], q[1], q[2], q[3]}.TotalLogLikelihood(cs)
			}, g)
		}
	}
}

func TestGammaGammaGradient(t *testing.T) {
	cs := []Customer{{X: 1, Zbar: 11.77}, {X: 2, Zbar: 22.35}, {X: 7, Zbar: 150}, {X: 40, Zbar: 3.5}}
	for _, p := range []GammaGamma{{6.25, 3.74, 15.44}, {0.5, 1.2, 0.3}, {40, 20, 900}} {
		for _, c := range cs {
			ll, g := p.Gradient([]Customer{c})
			checkGradient(t, fmt.Sprintf("%+v x=%d", p, c.X), p.Params(), func(q []float64) float64 {
				return GammaGamma{q[0], q[1], q[2]}.LogLikelihood(c)
			}, g)
			if !close(ll, p.LogLikelihood(c), 1e-14) {
				t.Errorf("Gradient's log-likelihood %v ≠ LogLikelihood %v", ll, p.LogLikelihood(c))
			}
		}
	}
}

// TestTotalIsSumOfCustomers checks the grouped, tabulated, parallel total
// against the plain per-customer likelihood.
func TestTotalIsSumOfCustomers(t *testing.T) {
	var cs []Customer
	for i := 0; i < 3000; i++ { // several chunks, repeated summaries
		c := gradCustomers[i%len(gradCustomers)]
		c.T += float64(i%5) / 7
		cs = append(cs, c)
	}
	models := []interface {
		LogLikelihood(Customer) float64
		TotalLogLikelihood([]Customer) float64
	}{BGNBD{0.243, 4.414, 0.793, 2.426}, ParetoNBD{0.553, 10.578, 0.606, 11.669}}
	for _, m := range models {
		sum := 0.0
		for _, c := range cs {
			sum += m.LogLikelihood(c)
		}
		if got := m.TotalLogLikelihood(cs); !close(got, sum, 1e-12) {
			t.Errorf("%T: total %.12f, sum over customers %.12f", m, got, sum)
		}
	}
}

// TestParetoNBDIntegral checks the hypergeometric likelihood against the
// definition, L = Γ(r+x)αʳβˢ/Γ(r) · [(α+T)^−(r+x)(β+T)^−s +
// s∫_{tₓ}^T (α+u)^−(r+x)(β+u)^−(s+1) du], the integral by adaptive Simpson.
func TestParetoNBDIntegral(t *testing.T) {
	for _, p := range []ParetoNBD{{0.553, 10.578, 0.606, 11.669}, {1.5, 20, 1.2, 5}, {0.3, 100, 0.5, 0.5}, {0.8, 7, 0.9, 7}} {
		for _, c := range gradCustomers {
			rx := p.R + float64(c.X)
			f := func(u float64) float64 {
				return math.Exp(-rx*math.Log(p.Alpha+u) - (p.S+1)*math.Log(p.Beta+u))
			}
			integral := quad(f, c.Tx, c.T)
			lg := lgamma(rx) - lgamma(p.R) + p.R*math.Log(p.Alpha) + p.S*math.Log(p.Beta)
			want := lg + math.Log(math.Exp(-rx*math.Log(p.Alpha+c.T)-p.S*math.Log(p.Beta+c.T))+p.S*integral)
			if got := p.LogLikelihood(c); !close(got, want, 1e-9) {
				t.Errorf("%+v %s: log-likelihood %.12f, by quadrature %.12f", p, c.ID, got, want)
			}
		}
	}
}

// quad integrates f over [a, b] by tanh-sinh (double exponential)
// quadrature, halving the step until two levels agree to 1e-13. It copes
// with integrable endpoint singularities; points that round onto an
// endpoint are skipped (their weights are below 1e-300).
func quad(f func(float64) float64, a, b float64) float64 {
	if b <= a {
		return 0
	}
	c, r := (a+b)/2, (b-a)/2
	sum := func(h float64, odd bool) float64 {
		s := 0.0
		for k := 0; ; k++ {
			if odd && k%2 == 0 {
				continue
			}
			t := float64(k) * h
			if t > 4.5 {
				return s
			}
			u := math.Pi / 2 * math.Sinh(t)
			w := math.Pi / 2 * math.Cosh(t) / (math.Cosh(u) * math.Cosh(u))
			for _, sign := range []float64{1, -1} {
				if k == 0 && sign < 0 {
					continue
				}
				x := c + sign*r*math.Tanh(u)
				if x <= a || x >= b {
					continue
				}
				s += w * f(x)
			}
		}
	}
	h := 0.5
	total := sum(h, false)
	prev := total * h * r
	for level := 0; level < 10; level++ {
		h /= 2
		total += sum(h, true)
		cur := total * h * r
		if math.Abs(cur-prev) <= 1e-13*math.Abs(cur) {
			return cur
		}
		prev = cur
	}
	return prev
}

// TestBGNBDCountDistribution checks that P(X(t) = n) sums to 1 and that
// its mean is the closed-form E[X(t)] — two derivations that share no code.
func TestBGNBDCountDistribution(t *testing.T) {
	for _, m := range []BGNBD{{0.243, 4.414, 0.793, 2.426}, {1.5, 10, 3, 4}, {0.5, 6, 1.2, 3}} {
		for _, tt := range []float64{0.5, 10, 39, 78} {
			sum, mean := 0.0, 0.0
			for n := 0; n < 600; n++ {
				p := m.ProbPurchases(n, tt)
				sum += p
				mean += float64(n) * p
			}
			if !close(sum, 1, 1e-10) {
				t.Errorf("%+v t=%v: Σ P(X=n) = %.14f", m, tt, sum)
			}
			if want := m.ExpectedPurchases(tt); !close(mean, want, 1e-9) {
				t.Errorf("%+v t=%v: Σ n P(X=n) = %.12f, E[X(t)] = %.12f", m, tt, mean, want)
			}
		}
	}
}

// TestBGNBDExpectationIntegral checks E[X(t)] (and its a = 1 limit)
// against E_p[(1 − (α/(α+pt))ʳ)/p] integrated over p ~ Beta(a, b).
func TestBGNBDExpectationIntegral(t *testing.T) {
	for _, m := range []BGNBD{{0.243, 4.414, 0.793, 2.426}, {0.5, 6, 1, 3}, {0.5, 6, 1.00001, 3}, {2, 1, 3.5, 0.8}} {
		for _, tt := range []float64{1, 39, 200} {
			f := func(p float64) float64 {
				return -math.Expm1(m.R*math.Log1p(-p*tt/(m.Alpha+p*tt))) / p * math.Exp((m.A-1)*math.Log(p)+(m.B-1)*math.Log1p(-p))
			}
			want := quad(f, 0, 1) / math.Exp(lbeta(m.A, m.B))
			if got := m.ExpectedPurchases(tt); !close(got, want, 1e-7) {
				t.Errorf("%+v: E[X(%v)] = %.10f, by quadrature %.10f", m, tt, got, want)
			}
		}
	}
}

// TestConditionalConsistency: a customer with no history observed for T = 0
// is a new customer, and P(alive) is a probability.
func TestConditionalConsistency(t *testing.T) {
	models := []CountModel{BGNBD{0.243, 4.414, 0.793, 2.426}, ParetoNBD{0.553, 10.578, 0.606, 11.669}, ParetoNBD{1.5, 20, 1, 5}}
	for _, m := range models {
		for _, tt := range []float64{1, 39, 520} {
			got := m.ConditionalExpectedPurchases(Customer{}, tt)
			if want := m.ExpectedPurchases(tt); !close(got, want, 1e-12) {
				t.Errorf("%s: E[Y(%v) | new] = %v, E[X(%v)] = %v", m.Name(), tt, got, tt, want)
			}
		}
		for _, c := range gradCustomers {
			p := m.ProbAlive(c)
			if !(p > 0 && p <= 1) {
				t.Errorf("%s %s: P(alive) = %v", m.Name(), c.ID, p)
			}
			e1, e2 := m.ConditionalExpectedPurchases(c, 10), m.ConditionalExpectedPurchases(c, 20)
			if !(e1 > 0 && e2 > e1) {
				t.Errorf("%s %s: E[Y(10)] = %v, E[Y(20)] = %v; want 0 < first < second", m.Name(), c.ID, e1, e2)
			}
		}
		// Recent heavy buyers are more likely alive than lapsed ones.
		if m.ProbAlive(Customer{X: 5, Tx: 38, T: 39}) <= m.ProbAlive(Customer{X: 5, Tx: 5, T: 39}) {
			t.Errorf("%s: a recent buyer is no more likely alive than a lapsed one", m.Name())
		}
	}
}

func TestFitErrors(t *testing.T) {
	good := []Customer{{X: 1, Tx: 2, T: 5}, {X: 0, T: 5}}
	tests := []struct {
		name string
		err  func() error
		want error
	}{
		{"no customers", func() error { _, _, err := FitBGNBD(nil, nil); return err }, ErrNoData},
		{"bad start", func() error {
			_, _, err := FitBGNBD(good, &FitOptions{Start: []float64{1, -1, 1, 1}})
			return err
		}, ErrParams},
		{"wrong start length", func() error { _, _, err := FitParetoNBD(good, &FitOptions{Start: []float64{1}}); return err }, ErrParams},
		{"no repeat spend", func() error { _, _, err := FitGammaGamma(good, nil); return err }, ErrNoData},
		{"unreachable tolerance", func() error {
			cs := simBGNBD(newRand(), BGNBD{0.5, 6, 1.2, 3}, 2000, 20, 52)
			_, _, err := FitBGNBD(cs, &FitOptions{MaxIter: 5, GradTol: 1e-300})
			return err
		}, ErrNotConverged},
	}
	for _, tc := range tests {
		if err := tc.err(); !errors.Is(err, tc.want) {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.want)
		}
	}
	bad := []Customer{
		{ID: "neg", X: -1, T: 5},
		{ID: "late", X: 1, Tx: 6, T: 5},
		{ID: "tx-without-x", X: 0, Tx: 1, T: 5},
		{ID: "nan", X: 1, Tx: math.NaN(), T: 5},
	}
	for _, c := range bad {
		if _, _, err := FitBGNBD([]Customer{c}, nil); err == nil || !strings.Contains(err.Error(), c.ID) {
			t.Errorf("customer %s: error %v, want one naming the customer", c.ID, err)
		}
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || len(s) >= len(sub) && (s[:len(sub)] == sub || contains(s[1:], sub))
}

// TestParetoNBDQuadrature checks the quadrature used beyond zSeriesMax
// against the hypergeometric series where both apply.
func TestParetoNBDQuadrature(t *testing.T) {
	params := []ParetoNBD{
		{0.553, 10.578, 0.606, 11.669}, // α < β, r < 1: the integrand first rises
		{1.5, 20, 1.2, 5},
		{0.8, 7, 0.9, 7},
		{0.3, 4, 0.5, 70}, // z = 0.94 at tₓ = 0
	}
	for _, p := range params {
		for _, c := range gradCustomers {
			if c.Tx >= c.T {
				continue
			}
			var ds, dq [4]float64
			series := p.logDelta(c.X, c.Tx, c.T, &ds)
			quad := p.quadDelta(c.X, c.Tx, c.T, &dq)
			if !close(quad, series, 1e-12) {
				t.Errorf("%+v %s: ln Δ by quadrature %.15g, by series %.15g", p, c.ID, quad, series)
			}
			for i := range ds {
				if !close(dq[i], ds[i], 1e-10) {
					t.Errorf("%+v %s: ∂ln Δ/∂θ%d by quadrature %.12g, by series %.12g", p, c.ID, i, dq[i], ds[i])
				}
			}
		}
	}
	if n := gaussLegendre8; math.Abs(n[0].w+n[1].w+n[2].w+n[3].w+n[4].w+n[5].w+n[6].w+n[7].w-2) > 1e-14 {
		t.Errorf("Gauss–Legendre weights sum to %v", n)
	}
}
