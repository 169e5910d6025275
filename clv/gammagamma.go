package clv

import (
	"fmt"
	"math"
)

// GammaGamma is the spend model of Fader & Hardie (2013), "The Gamma-Gamma
// Model of Monetary Value". A customer's transaction values are
// Gamma(P, ν) (shape, rate) around their own mean p/ν, and ν varies across
// customers as Gamma(Q, Gamma). Spend is assumed independent of the purchase
// process, so it pairs with BG/NBD or Pareto/NBD for customer value.
type GammaGamma struct {
	P, Q, Gamma float64
}

var ggNames = []string{"p", "q", "gamma"}

// Name returns "Gamma-Gamma".
func (GammaGamma) Name() string { return "Gamma-Gamma" }

// Params returns p, q, γ.
func (m GammaGamma) Params() []float64 { return []float64{m.P, m.Q, m.Gamma} }

// Check reports whether every parameter is finite and positive.
func (m GammaGamma) Check() error { return checkParams("Gamma-Gamma", ggNames, m.Params()...) }

// LogLikelihood returns the log density of a repeat customer's mean spend
// z̄ over x transactions (the mean of x Gamma(p, ν) values is Gamma(px, νx);
// integrating ν out):
//
//	f(z̄ | x) = Γ(px+q)/(Γ(px)Γ(q)) · γ^q x^(px) z̄^(px−1) / (γ + x z̄)^(px+q)
//
// It is NaN for customers without repeat purchases (x = 0 or z̄ = 0), which
// the model does not describe.
func (m GammaGamma) LogLikelihood(c Customer) float64 {
	if c.X <= 0 || !(c.Zbar > 0) {
		return math.NaN()
	}
	return m.logLik(float64(c.X), c.Zbar, nil)
}

func (m GammaGamma) logLik(x, zbar float64, g []float64) float64 {
	p, q, gm := m.P, m.Q, m.Gamma
	px := p * x
	// px·(ln x + ln z̄ − ln(γ + x z̄)) = −px·log1p(γ/(x z̄)) keeps its
	// precision when px is large.
	l1p := math.Log1p(gm / (x * zbar))
	lgz := math.Log(gm + x*zbar)
	ll := lgamma(px+q) - lgamma(px) - lgamma(q) + q*(math.Log(gm)-lgz) - px*l1p - math.Log(zbar)
	if g != nil {
		dpq := digamma(px + q)
		g[0] = x * (dpq - digamma(px) - l1p)
		g[1] = dpq - digamma(q) + math.Log(gm) - lgz
		g[2] = q/gm - (px+q)/(gm+x*zbar)
	}
	return ll
}

// spendRows groups repeat customers by (x, z̄).
func spendRows(cs []Customer) ([]row, error) {
	type key struct {
		x int
		z float64
	}
	idx := map[key]int{}
	var rows []row
	for i, c := range cs {
		if err := c.Check(); err != nil {
			return nil, fmt.Errorf("%w (row %d); fix or drop the row", err, i+1)
		}
		if c.X <= 0 || c.Zbar <= 0 {
			continue
		}
		k := key{c.X, c.Zbar}
		if j, ok := idx[k]; ok {
			rows[j].w++
			continue
		}
		idx[k] = len(rows)
		rows = append(rows, row{x: c.X, tx: c.Zbar, w: 1}) // tx carries z̄
	}
	return rows, nil
}

// TotalLogLikelihood sums LogLikelihood over the customers of cs with
// repeat purchases and spend; the others are skipped.
func (m GammaGamma) TotalLogLikelihood(cs []Customer) float64 {
	rows, err := spendRows(cs)
	if err != nil {
		return math.NaN()
	}
	return m.likelihood(rows).eval(m.Params(), nil)
}

// Gradient returns the total log-likelihood over the repeat customers of cs
// and its analytic gradient with respect to (p, q, γ).
func (m GammaGamma) Gradient(cs []Customer) (float64, []float64) {
	rows, err := spendRows(cs)
	if err != nil {
		return math.NaN(), nil
	}
	g := make([]float64, 3)
	ll := m.likelihood(rows).eval(m.Params(), g)
	return ll, g
}

func (m GammaGamma) likelihood(rows []row) likelihood {
	n := 0.0
	for _, r := range rows {
		n += r.w
	}
	return likelihood{
		model: "Gamma-Gamma",
		names: ggNames,
		n:     int(n),
		eval: func(theta, grad []float64) float64 {
			mm := GammaGamma{theta[0], theta[1], theta[2]}
			return sumRows(rows, grad, func(r *row, g []float64) float64 {
				return mm.logLik(float64(r.x), r.tx, g)
			})
		},
	}
}

// FitGammaGamma fits the spend model by maximum likelihood on the customers
// of cs with repeat purchases (X > 0) and positive mean spend (Zbar > 0);
// the rest are ignored. It returns ErrNoData when none qualifies.
func FitGammaGamma(cs []Customer, opt *FitOptions) (GammaGamma, FitResult, error) {
	rows, err := spendRows(cs)
	if err != nil {
		return GammaGamma{}, FitResult{}, err
	}
	if len(rows) == 0 {
		return GammaGamma{}, FitResult{}, fmt.Errorf("%w: no customer has repeat purchases with spend (x > 0 and zbar > 0); Gamma-Gamma needs repeat spend", ErrNoData)
	}
	p, res, err := maximise(GammaGamma{}.likelihood(rows), opt)
	if p == nil {
		return GammaGamma{}, res, err
	}
	return GammaGamma{p[0], p[1], p[2]}, res, err
}

// ExpectedSpend returns the population mean transaction value pγ/(q−1), the
// expected spend of a customer with no repeat purchases yet. It is +Inf when
// q ≤ 1 (the mean does not exist).
func (m GammaGamma) ExpectedSpend() float64 {
	if m.Q <= 1 {
		return math.Inf(1)
	}
	return m.P * m.Gamma / (m.Q - 1)
}

// ConditionalExpectedSpend returns E[Z | x, z̄] = p(γ + x z̄)/(px + q − 1),
// a weighted mean of the population mean and the customer's own mean z̄;
// for customers without repeat purchases it is ExpectedSpend.
func (m GammaGamma) ConditionalExpectedSpend(c Customer) float64 {
	if c.X <= 0 || !(c.Zbar > 0) {
		return m.ExpectedSpend()
	}
	x := float64(c.X)
	return m.P * (m.Gamma + x*c.Zbar) / (m.P*x + m.Q - 1)
}
