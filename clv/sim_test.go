package clv

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Simulators that draw customers from each model's own story, for
// parameter-recovery tests that need no dataset.

// gammaVariate draws from Gamma(shape, rate) by Marsaglia & Tsang's
// squeeze method (shape < 1 through the U^(1/shape) boost).
func gammaVariate(rng *rand.Rand, shape, rate float64) float64 {
	if shape < 1 {
		return gammaVariate(rng, shape+1, rate) * math.Pow(rng.Float64(), 1/shape)
	}
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := rng.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := rng.Float64()
		if math.Log(u) < 0.5*x*x+d-d*v+d*math.Log(v) {
			return d * v / rate
		}
	}
}

func betaVariate(rng *rand.Rand, a, b float64) float64 {
	x := gammaVariate(rng, a, 1)
	return x / (x + gammaVariate(rng, b, 1))
}

// simBGNBD draws n customers observed for T uniform in [minT, maxT] weeks.
func simBGNBD(rng *rand.Rand, m BGNBD, n int, minT, maxT float64) []Customer {
	cs := make([]Customer, n)
	for i := range cs {
		T := minT + (maxT-minT)*rng.Float64()
		lambda := gammaVariate(rng, m.R, m.Alpha)
		p := betaVariate(rng, m.A, m.B)
		c := Customer{T: T}
		for t := 0.0; ; {
			t += rng.ExpFloat64() / lambda
			if t > T {
				break
			}
			c.X++
			c.Tx = t
			if rng.Float64() < p {
				break
			}
		}
		cs[i] = c
	}
	return cs
}

// simParetoNBD draws n customers observed for T uniform in [minT, maxT].
func simParetoNBD(rng *rand.Rand, m ParetoNBD, n int, minT, maxT float64) []Customer {
	cs := make([]Customer, n)
	for i := range cs {
		T := minT + (maxT-minT)*rng.Float64()
		lambda := gammaVariate(rng, m.R, m.Alpha)
		mu := gammaVariate(rng, m.S, m.Beta)
		end := math.Min(T, rng.ExpFloat64()/mu)
		c := Customer{T: T}
		for t := rng.ExpFloat64() / lambda; t <= end; t += rng.ExpFloat64() / lambda {
			c.X++
			c.Tx = t
		}
		cs[i] = c
	}
	return cs
}

// simGammaGamma gives n customers 1–10 repeat purchases with Gamma-Gamma
// spend.
func simGammaGamma(rng *rand.Rand, m GammaGamma, n int) []Customer {
	cs := make([]Customer, n)
	for i := range cs {
		nu := gammaVariate(rng, m.Q, m.Gamma)
		x := 1 + rng.IntN(10)
		sum := 0.0
		for j := 0; j < x; j++ {
			sum += gammaVariate(rng, m.P, nu)
		}
		cs[i] = Customer{X: x, Tx: 1, T: 2, Zbar: sum / float64(x)}
	}
	return cs
}

// checkRecovery asserts the properties of a maximum-likelihood fit on data
// drawn from known parameters: the fit is at least as likely as the truth,
// and each estimate lies within 4 standard errors of the truth.
func checkRecovery(t *testing.T, truth []float64, ll func([]float64) float64, res FitResult) {
	t.Helper()
	if got, want := res.LogLik, ll(truth); got < want-1e-6 {
		t.Errorf("log-likelihood at the fit %.6f < at the truth %.6f: not a maximum", got, want)
	}
	for i, name := range res.Names {
		se := res.StdErr[i]
		if math.IsNaN(se) || se <= 0 {
			t.Errorf("%s: standard error %v", name, se)
			continue
		}
		if z := (res.Params[i] - truth[i]) / se; math.Abs(z) > 4 {
			t.Errorf("%s = %.4g ± %.2g, truth %.4g (%.1f s.e. away)", name, res.Params[i], se, truth[i], z)
		}
	}
	t.Logf("%s: fitted %.4g ± %.2g (truth %v) in %d iterations", res.Model, res.Params, res.StdErr, truth, res.Iterations)
}

func TestSimulatedRecovery(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"BG/NBD", func(t *testing.T) {
			truth := BGNBD{R: 0.5, Alpha: 6, A: 1.2, B: 3}
			cs := simBGNBD(rng, truth, 20000, 20, 52)
			_, res, err := FitBGNBD(cs, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkRecovery(t, truth.Params(), func(p []float64) float64 {
				return BGNBD{p[0], p[1], p[2], p[3]}.TotalLogLikelihood(cs)
			}, res)
		}},
		{"BG/NBD a<1", func(t *testing.T) {
			truth := BGNBD{R: 0.25, Alpha: 4, A: 0.8, B: 2.5}
			cs := simBGNBD(rng, truth, 20000, 27, 39)
			_, res, err := FitBGNBD(cs, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkRecovery(t, truth.Params(), func(p []float64) float64 {
				return BGNBD{p[0], p[1], p[2], p[3]}.TotalLogLikelihood(cs)
			}, res)
		}},
		{"Pareto/NBD alpha<beta", func(t *testing.T) {
			truth := ParetoNBD{R: 0.55, Alpha: 10, S: 0.6, Beta: 12}
			cs := simParetoNBD(rng, truth, 20000, 20, 52)
			_, res, err := FitParetoNBD(cs, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkRecovery(t, truth.Params(), func(p []float64) float64 {
				return ParetoNBD{p[0], p[1], p[2], p[3]}.TotalLogLikelihood(cs)
			}, res)
		}},
		{"Pareto/NBD alpha>beta", func(t *testing.T) {
			truth := ParetoNBD{R: 1.5, Alpha: 20, S: 1.2, Beta: 5}
			cs := simParetoNBD(rng, truth, 20000, 20, 52)
			_, res, err := FitParetoNBD(cs, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkRecovery(t, truth.Params(), func(p []float64) float64 {
				return ParetoNBD{p[0], p[1], p[2], p[3]}.TotalLogLikelihood(cs)
			}, res)
		}},
		{"Gamma-Gamma", func(t *testing.T) {
			truth := GammaGamma{P: 6, Q: 4, Gamma: 15}
			cs := simGammaGamma(rng, truth, 5000)
			_, res, err := FitGammaGamma(cs, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkRecovery(t, truth.Params(), func(p []float64) float64 {
				return GammaGamma{p[0], p[1], p[2]}.TotalLogLikelihood(cs)
			}, res)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, tc.run)
	}
}

func newRand() *rand.Rand { return rand.New(rand.NewPCG(7, 11)) }
