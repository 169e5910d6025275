package clv

import "math"

// BGNBD is the beta-geometric/negative binomial distribution model of Fader,
// Hardie & Lee (2005), "Counting Your Customers the Easy Way". While active, a
// customer buys as a Poisson process with rate λ ~ Gamma(R, Alpha) (shape,
// rate); after each purchase they drop out with probability p ~ Beta(A, B).
type BGNBD struct {
	R, Alpha, A, B float64
}

var bgnbdNames = []string{"r", "alpha", "a", "b"}

// Name returns "BG/NBD".
func (BGNBD) Name() string { return "BG/NBD" }

// Params returns r, α, a, b.
func (m BGNBD) Params() []float64 { return []float64{m.R, m.Alpha, m.A, m.B} }

// Check reports whether every parameter is finite and positive.
func (m BGNBD) Check() error { return checkParams("BG/NBD", bgnbdNames, m.Params()...) }

// LogLikelihood returns the log-likelihood of one customer's summary:
//
//	L = B(a, b+x)/B(a, b) · Γ(r+x)/Γ(r) · αʳ/(α+T)ʳ⁺ˣ
//	  + [x>0] B(a+1, b+x−1)/B(a, b) · Γ(r+x)/Γ(r) · αʳ/(α+tₓ)ʳ⁺ˣ
func (m BGNBD) LogLikelihood(c Customer) float64 { return m.logLik(c.X, c.Tx, c.T, nil, nil) }

// bgTables caches the gamma-function ratios of one parameter vector.
type bgTables struct{ r, b, ab gammaRatio }

func (m BGNBD) tables(maxX int) *bgTables {
	return &bgTables{newGammaRatio(m.R, maxX+1), newGammaRatio(m.B, maxX+1), newGammaRatio(m.A+m.B, maxX+1)}
}

// TotalLogLikelihood sums LogLikelihood over cs.
func (m BGNBD) TotalLogLikelihood(cs []Customer) float64 {
	return m.likelihood(groupRows(cs)).eval(m.Params(), nil)
}

// Gradient returns the total log-likelihood over cs and its analytic
// gradient with respect to (r, α, a, b).
func (m BGNBD) Gradient(cs []Customer) (float64, []float64) {
	g := make([]float64, 4)
	ll := m.likelihood(groupRows(cs)).eval(m.Params(), g)
	return ll, g
}

// logLik is the per-customer log-likelihood; when g is not nil it receives
// the gradient with respect to (r, α, a, b). Writing
// ln L = A₁ + A₂ + ln(e^A₃ + [x>0] e^A₄) with
//
//	A₁ = ln Γ(r+x) − ln Γ(r) + r ln α
//	A₂ = ln Γ(a+b) + ln Γ(b+x) − ln Γ(b) − ln Γ(a+b+x)
//	A₃ = −(r+x) ln(α+T)
//	A₄ = ln a − ln(b+x−1) − (r+x) ln(α+tₓ)
//
// the two terms are combined in log space, so large x cannot overflow.
//
// tab, when not nil, supplies the gamma-function ratios (see gammaRatio).
func (m BGNBD) logLik(x int, tx, T float64, g []float64, tab *bgTables) float64 {
	r, al, a, b := m.R, m.Alpha, m.A, m.B
	fx := float64(x)
	if tab == nil {
		tab = &bgTables{}
	}
	ll := tab.r.lnRatio(r, x) + r*math.Log(al) + tab.b.lnRatio(b, x) - tab.ab.lnRatio(a+b, x)
	a3 := -(r + fx) * math.Log(al+T)
	w3, w4 := 1.0, 0.0 // shares of the two terms in L
	if x > 0 {
		a4 := math.Log(a) - math.Log(b+fx-1) - (r+fx)*math.Log(al+tx)
		l := logSumExp(a3, a4)
		ll += l
		w3, w4 = math.Exp(a3-l), math.Exp(a4-l)
	} else {
		ll += a3
	}
	if g != nil {
		dab := tab.ab.psiDiff(a+b, x) // ψ(a+b+x) − ψ(a+b)
		g[0] = tab.r.psiDiff(r, x) + math.Log(al) - w3*math.Log(al+T)
		g[1] = r/al - (r+fx)*w3/(al+T)
		g[2] = -dab
		g[3] = tab.b.psiDiff(b, x) - dab
		if x > 0 {
			g[0] -= w4 * math.Log(al+tx)
			g[1] -= (r + fx) * w4 / (al + tx)
			g[2] += w4 / a
			g[3] -= w4 / (b + fx - 1)
		}
	}
	return ll
}

func (m BGNBD) likelihood(rows []row) likelihood {
	n := 0.0
	maxX := 0
	for _, r := range rows {
		n += r.w
		maxX = max(maxX, r.x)
	}
	maxX = min(maxX, maxTable)
	return likelihood{
		model: "BG/NBD",
		names: bgnbdNames,
		n:     int(n),
		eval: func(theta, grad []float64) float64 {
			mm := BGNBD{theta[0], theta[1], theta[2], theta[3]}
			tab := mm.tables(maxX)
			return sumRows(rows, grad, func(r *row, g []float64) float64 {
				return mm.logLik(r.x, r.tx, r.T, g, tab)
			})
		},
	}
}

// FitBGNBD fits BG/NBD to cs by maximum likelihood. On ErrNotConverged the
// best parameters found are returned with the error.
func FitBGNBD(cs []Customer, opt *FitOptions) (BGNBD, FitResult, error) {
	if err := checkCustomers(cs); err != nil {
		return BGNBD{}, FitResult{}, err
	}
	p, res, err := maximise(BGNBD{}.likelihood(groupRows(cs)), opt)
	if p == nil {
		return BGNBD{}, res, err
	}
	return BGNBD{p[0], p[1], p[2], p[3]}, res, err
}

// ExpectedPurchases returns E[X(t)], the expected number of repeat purchases
// in the first t weeks of a new customer:
//
//	E[X(t)] = (a+b−1)/(a−1) · [1 − (α/(α+t))ʳ · ₂F₁(r, b; a+b−1; t/(α+t))]
func (m BGNBD) ExpectedPurchases(t float64) float64 { return m.growth(0, 0, t) }

// ConditionalExpectedPurchases returns E[Y(t) | x, tₓ, T], the expected
// number of purchases in the t weeks after T of a customer with summary c
// (Fader, Hardie & Lee 2005, eq. 10). It is NaN when t/(α+T+t) is so close to
// 1 (horizons millions of times α) that the hypergeometric series does not
// converge.
func (m BGNBD) ConditionalExpectedPurchases(c Customer, t float64) float64 {
	return m.growth(c.X, c.T, t) * m.ProbAlive(c)
}

// growth is (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · ₂F₁(r+x, b+x;
// a+b+x−1; z)] with z = t/(α+T+t). By Euler's transformation the product of
// the power and ₂F₁ equals (1−z)^(a−1) · ₂F₁(a+b−1−r, a−1; a+b+x−1; z),
// whose parameters do not grow with x, so large x neither overflows nor slows
// the series. At a = 1 the expression is 0/0; within 1e-5 of it the value is
// interpolated linearly between a = 1 ± 1e-5 (the function is smooth in a;
// relative error about 1e-10).
func (m BGNBD) growth(x int, T, t float64) float64 {
	if t <= 0 {
		return 0
	}
	const h = 1e-5
	if math.Abs(m.A-1) < h {
		lo, hi := growthAt(m, 1-h, x, T, t), growthAt(m, 1+h, x, T, t)
		return lo + (hi-lo)*(m.A-(1-h))/(2*h)
	}
	return growthAt(m, m.A, x, T, t)
}

// growthAt is growth with a in place of m.A.
func growthAt(m BGNBD, a float64, x int, T, t float64) float64 {
	r, al, b := m.R, m.Alpha, m.B
	fx := float64(x)
	z := t / (al + T + t)
	G := hyp2f1(a+b-1-r, a-1, a+b+fx-1, z)
	var bracket float64
	if G > 0 {
		bracket = -math.Expm1((a-1)*math.Log1p(-z) + math.Log(G))
	} else {
		bracket = 1 - math.Pow(1-z, a-1)*G
	}
	return (a + b + fx - 1) / (a - 1) * bracket
}

// ProbAlive returns P(alive | x, tₓ, T): 1 without repeat purchases, else
// 1 / (1 + a/(b+x−1) · ((α+T)/(α+tₓ))^(r+x)).
func (m BGNBD) ProbAlive(c Customer) float64 {
	if c.X == 0 {
		return 1
	}
	fx := float64(c.X)
	e := math.Log(m.A) - math.Log(m.B+fx-1) + (m.R+fx)*(math.Log(m.Alpha+c.T)-math.Log(m.Alpha+c.Tx))
	return 1 / (1 + math.Exp(e))
}

// ProbPurchases returns P(X(t) = n), the probability that a new customer
// makes exactly n repeat purchases in their first t weeks (Fader, Hardie &
// Lee 2005, eq. 8):
//
//	P(X(t)=n) = B(a, b+n)/B(a, b) · NB(n; r, α/(α+t))
//	          + [n>0] B(a+1, b+n−1)/B(a, b) · P(NB(r, α/(α+t)) ≥ n)
//
// where NB(n; r, π) = Γ(r+n)/(Γ(r) n!) πʳ (1−π)ⁿ. The upper tail is summed
// directly when it is small, so tiny probabilities keep their precision.
func (m BGNBD) ProbPurchases(n int, t float64) float64 {
	if n < 0 {
		return 0
	}
	if t <= 0 {
		if n == 0 {
			return 1
		}
		return 0
	}
	r, al, a, b := m.R, m.Alpha, m.A, m.B
	fn := float64(n)
	lp := r * math.Log(al/(al+t))    // ln πʳ
	lq := math.Log(t / (al + t))     // ln(1−π)
	lnb := func(j float64) float64 { // ln NB(j)
		return lgamma(r+j) - lgamma(r) - lgamma(j+1) + lp + j*lq
	}
	p := math.Exp(lbeta(a, b+fn) - lbeta(a, b) + lnb(fn))
	if n == 0 {
		return p
	}
	lower := 0.0
	for j := 0; j < n; j++ {
		lower += math.Exp(lnb(float64(j)))
	}
	tail := 1 - lower
	if tail < 0.5 {
		// Sum the tail itself: terms shrink geometrically once past the mode.
		tail = 0
		for j := fn; j < fn+1e7; j++ {
			term := math.Exp(lnb(j))
			tail += term
			if j > r*(t/al)+1 && term <= 1e-17*tail {
				break
			}
		}
	}
	return p + math.Exp(lbeta(a+1, b+fn-1)-lbeta(a, b))*tail
}
