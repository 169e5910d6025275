package clv

import "math"

// ParetoNBD is the Pareto/NBD model of Schmittlein, Morrison & Colombo (1987),
// "Counting Your Customers: Who Are They and What Will They Do Next?". While
// alive a customer buys as a Poisson process with rate λ ~ Gamma(R, Alpha);
// their lifetime is exponential with rate μ ~ Gamma(S, Beta) (shape, rate).
type ParetoNBD struct {
	R, Alpha, S, Beta float64
}

var paretoNames = []string{"r", "alpha", "s", "beta"}

// Name returns "Pareto/NBD".
func (ParetoNBD) Name() string { return "Pareto/NBD" }

// Params returns r, α, s, β.
func (m ParetoNBD) Params() []float64 { return []float64{m.R, m.Alpha, m.S, m.Beta} }

// Check reports whether every parameter is finite and positive.
func (m ParetoNBD) Check() error { return checkParams("Pareto/NBD", paretoNames, m.Params()...) }

// LogLikelihood returns the log-likelihood of one customer's summary. With
// I(t) = ∫ₜ^∞ (α+u)^−(r+x) (β+u)^−(s+1) du,
//
//	L = Γ(r+x) αʳ βˢ / Γ(r) · [ (α+T)^−(r+x) (β+T)^−s + s·(I(tₓ) − I(T)) ]
//
// The integral is the Gaussian hypergeometric form of Fader & Hardie's note
// on the Pareto/NBD, with the usual branch: for α ≥ β,
//
//	I(t) = ₂F₁(r+s+x, s+1; r+s+x+1; (α−β)/(α+t)) / ((r+s+x)(α+t)^(r+s+x))
//
// and for α < β the same with α and β, r+x and s+1 swapped, so the argument
// z lies in [0, 1). It is evaluated carefully: Euler's transformation turns
// the ₂F₁ into (1−z)^(−s) · ₂F₁(r+x, 1; r+s+x+1; z), a series of positive
// terms each at most z times the one before (no cancellation, a sharp tail
// bound), the powers are combined in log space, and I(tₓ) − I(T) is formed as
// I(tₓ)·(−expm1(ln I(T) − ln I(tₓ))). Where z at tₓ exceeds zSeriesMax
// (α/β or β/α above about 20; never near the CDNOW optimum) the series would
// need thousands of terms, and I(tₓ) − I(T) is integrated by Gauss–Legendre
// quadrature instead (see quadDelta).
func (m ParetoNBD) LogLikelihood(c Customer) float64 {
	ll, _ := m.logLik(c.X, c.Tx, c.T, nil, nil)
	return ll
}

// TotalLogLikelihood sums LogLikelihood over cs.
func (m ParetoNBD) TotalLogLikelihood(cs []Customer) float64 {
	return m.likelihood(groupRows(cs)).eval(m.Params(), nil)
}

// Gradient returns the total log-likelihood over cs and its analytic
// gradient with respect to (r, α, s, β), differentiating the series term by
// term.
func (m ParetoNBD) Gradient(cs []Customer) (float64, []float64) {
	g := make([]float64, 4)
	ll := m.likelihood(groupRows(cs)).eval(m.Params(), g)
	return ll, g
}

// logI returns ln I(t) for a customer with x repeat purchases and, when dq is
// not nil, its gradient with respect to (r, α, s, β).
func (m ParetoNBD) logI(x int, t float64, dq *[4]float64) float64 {
	r, al, s, be := m.R, m.Alpha, m.S, m.Beta
	rx := r + float64(x)
	a := rx + s
	la, lb := math.Log(al+t), math.Log(be+t)
	if al >= be {
		z := (al - be) / (al + t)
		S, dA, dC, dz, ok := posSeries(rx, a+1, z, dq != nil)
		if !ok {
			return math.NaN()
		}
		if dq != nil {
			dq[0] = -la + (dA+dC)/S - 1/a
			dq[1] = -rx/(al+t) + dz/S*(be+t)/((al+t)*(al+t))
			dq[2] = -lb + dC/S - 1/a
			dq[3] = -s/(be+t) - dz/S/(al+t)
		}
		return -rx*la - s*lb + math.Log(S) - math.Log(a)
	}
	z := (be - al) / (be + t)
	S, dA, dC, dz, ok := posSeries(s+1, a+1, z, dq != nil)
	if !ok {
		return math.NaN()
	}
	if dq != nil {
		dq[0] = -la + dC/S - 1/a
		dq[1] = (1-rx)/(al+t) - dz/S/(be+t)
		dq[2] = -lb + (dA+dC)/S - 1/a
		dq[3] = -(s+1)/(be+t) + dz/S*(al+t)/((be+t)*(be+t))
	}
	return (1-rx)*la - (s+1)*lb + math.Log(S) - math.Log(a)
}

// zSeriesMax is the largest hypergeometric argument the likelihood sums the
// series at (at most a few hundred terms). Beyond it — α/β or β/α above
// about 20 for customers with small tₓ, far from any data's optimum but
// visited while searching — Δ is integrated by quadrature instead, which
// costs the same wherever the parameters are.
const zSeriesMax = 0.95

// logDelta returns ln Δ for Δ = I(tₓ) − I(T) = ∫ from tₓ to T of
// (α+u)^−(r+x) (β+u)^−(s+1) du and, when dl is not nil, ∂ln Δ/∂(r, α, s, β).
// It is −Inf when tₓ = T. The hypergeometric form is used while its
// argument at tₓ (the larger of the two) is at most zSeriesMax.
func (m ParetoNBD) logDelta(x int, tx, T float64, dl *[4]float64) float64 {
	if tx >= T {
		return math.Inf(-1)
	}
	z := (m.Alpha - m.Beta) / (m.Alpha + tx)
	if m.Alpha < m.Beta {
		z = (m.Beta - m.Alpha) / (m.Beta + tx)
	}
	if z > zSeriesMax {
		return m.quadDelta(x, tx, T, dl)
	}
	var d1, d2 [4]float64
	var g1, g2 *[4]float64
	if dl != nil {
		g1, g2 = &d1, &d2
	}
	q1 := m.logI(x, tx, g1)
	q2 := m.logI(x, T, g2)
	if math.IsNaN(q1) || math.IsNaN(q2) {
		return math.NaN()
	}
	rho := math.Exp(q2 - q1) // I(T)/I(tₓ) < 1
	if dl != nil {
		for i := range dl {
			dl[i] = (d1[i] - rho*d2[i]) / (1 - rho)
		}
	}
	return q1 + math.Log(-math.Expm1(q2-q1))
}

// quadDelta integrates Δ by Gauss–Legendre quadrature in w = ln(min(α,β)+u).
// In w the integrand (min+u)·f(u) is a product of exponentials in w and of
// (|α−β| + e^w)^−p, analytic within π of the real axis, so 8 nodes per panel
// reach double precision when each panel is at most 1 wide and the log of the
// integrand changes by at most 2 across it (panels narrow where the exponents
// bite). Values are scaled by the integrand at tₓ; when the
// integrand is decreasing (always, unless r+x < 1 and α ≤ β) the panels stop
// once one adds less than 1e-17 of the sum.
func (m ParetoNBD) quadDelta(x int, tx, T float64, dl *[4]float64) float64 {
	r, al, s, be := m.R, m.Alpha, m.S, m.Beta
	rx := r + float64(x)
	mn := math.Min(al, be)
	da, db := al-mn, be-mn // one of them is 0
	w0, w1 := math.Log(mn+tx), math.Log(mn+T)
	// slope bounds |d ln integrand / dw| at w; it grows with w.
	slope := func(w float64) float64 {
		ew := math.Exp(w)
		return 1 + rx*ew/(da+ew) + (s+1)*ew/(db+ew)
	}
	decreasing := rx >= 1 || al > be
	lg0 := -rx*math.Log(al+tx) - (s+1)*math.Log(be+tx) + w0
	var sum float64
	var d [4]float64
	for a, b := w0, w0; a < w1; a = b {
		// The integrand changes by at most e² over a panel.
		h := math.Min(1, 2/slope(a))
		h = math.Min(h, 2/slope(a+h))
		b = math.Min(a+h, w1)
		half, mid := (b-a)/2, (a+b)/2
		part := 0.0
		for _, n := range gaussLegendre8 {
			w := mid + half*n.x
			ew := math.Exp(w)
			pa, pb := da+ew, db+ew // α+u and β+u; the smaller is e^w
			la, lb := w, w
			if da > 0 {
				la = math.Log(pa)
			} else {
				lb = math.Log(pb)
			}
			v := n.w * half * math.Exp(-rx*la-(s+1)*lb+w-lg0)
			part += v
			if dl != nil {
				d[0] -= v * la
				d[1] -= v * rx / pa
				d[2] -= v * lb
				d[3] -= v * (s + 1) / pb
			}
		}
		sum += part
		if decreasing && part <= 1e-17*sum {
			break
		}
	}
	if dl != nil {
		for i := range dl {
			dl[i] = d[i] / sum
		}
	}
	return lg0 + math.Log(sum)
}

// gaussLegendre8 holds the 8-point Gauss–Legendre nodes and weights on
// [−1, 1], computed by Newton's method on the Legendre polynomial P₈.
var gaussLegendre8 = func() (nodes [8]struct{ x, w float64 }) {
	const n = 8
	for i := 0; i < n; i++ {
		x := math.Cos(math.Pi * (float64(i) + 0.75) / (n + 0.5))
		var dp float64
		for it := 0; it < 100; it++ {
			p0, p1 := 1.0, x // P₀, P₁; recurrence (k+1)Pₖ₊₁ = (2k+1)xPₖ − kPₖ₋₁
			for k := 1; k < n; k++ {
				p0, p1 = p1, ((2*float64(k)+1)*x*p1-float64(k)*p0)/float64(k+1)
			}
			dp = n * (x*p1 - p0) / (x*x - 1) // P₈′
			dx := p1 / dp
			x -= dx
			if math.Abs(dx) < 1e-16 {
				break
			}
		}
		nodes[i].x, nodes[i].w = x, 2/((1-x*x)*dp*dp)
	}
	return nodes
}()

// logLik returns the per-customer log-likelihood and P(alive); when g is not
// nil it receives the gradient with respect to (r, α, s, β).
// tab, when not nil, holds ln Γ(r+x) − ln Γ(r) and ψ(r+x) − ψ(r).
func (m ParetoNBD) logLik(x int, tx, T float64, g []float64, tab *gammaRatio) (ll, alive float64) {
	if tab == nil {
		tab = &gammaRatio{}
	}
	r, al, s, be := m.R, m.Alpha, m.S, m.Beta
	rx := r + float64(x)
	p := -rx*math.Log(al+T) - s*math.Log(be+T) // ln of the alive-at-T term
	var dd [4]float64
	var dl *[4]float64
	if g != nil {
		dl = &dd
	}
	ld := m.logDelta(x, tx, T, dl) // ln Δ, −Inf when tₓ = T
	if math.IsNaN(ld) {
		return math.NaN(), math.NaN()
	}
	mx := math.Max(p, ld)
	eP := math.Exp(p - mx)
	eD := math.Exp(ld - mx)
	D := eP + s*eD
	ll = tab.lnRatio(r, x) + r*math.Log(al) + s*math.Log(be) + mx + math.Log(D)
	if g != nil {
		dp := [4]float64{-math.Log(al + T), -rx / (al + T), -math.Log(be + T), -s / (be + T)}
		for i := range g {
			g[i] = eP * dp[i] / D
			if eD > 0 {
				g[i] += s * eD * dd[i] / D
			}
		}
		g[0] += tab.psiDiff(r, x) + math.Log(al)
		g[1] += r / al
		g[2] += math.Log(be) + eD/D
		g[3] += s / be
	}
	return ll, eP / D
}

func (m ParetoNBD) likelihood(rows []row) likelihood {
	n := 0.0
	maxX := 0
	for _, r := range rows {
		n += r.w
		maxX = max(maxX, r.x)
	}
	maxX = min(maxX, maxTable)
	return likelihood{
		model: "Pareto/NBD",
		names: paretoNames,
		n:     int(n),
		eval: func(theta, grad []float64) float64 {
			mm := ParetoNBD{theta[0], theta[1], theta[2], theta[3]}
			tab := newGammaRatio(mm.R, maxX+1)
			return sumRows(rows, grad, func(r *row, g []float64) float64 {
				ll, _ := mm.logLik(r.x, r.tx, r.T, g, &tab)
				return ll
			})
		},
	}
}

// FitParetoNBD fits Pareto/NBD to cs by maximum likelihood. On
// ErrNotConverged the best parameters found are returned with the error.
func FitParetoNBD(cs []Customer, opt *FitOptions) (ParetoNBD, FitResult, error) {
	if err := checkCustomers(cs); err != nil {
		return ParetoNBD{}, FitResult{}, err
	}
	p, res, err := maximise(ParetoNBD{}.likelihood(groupRows(cs)), opt)
	if p == nil {
		return ParetoNBD{}, res, err
	}
	return ParetoNBD{p[0], p[1], p[2], p[3]}, res, err
}

// ProbAlive returns P(alive at T | x, tₓ, T): the alive-at-T term of the
// likelihood over the whole likelihood.
func (m ParetoNBD) ProbAlive(c Customer) float64 {
	_, alive := m.logLik(c.X, c.Tx, c.T, nil, nil)
	return alive
}

// ExpectedPurchases returns E[X(t)] for a new customer:
// rβ/(α(s−1)) · [1 − (β/(β+t))^(s−1)] (the limit rβ/α · ln(1+t/β) at s = 1).
func (m ParetoNBD) ExpectedPurchases(t float64) float64 { return m.aliveGrowth(0, 0, t) }

// ConditionalExpectedPurchases returns E[Y(t) | x, tₓ, T] in the t weeks
// after T: P(alive) · (r+x)(β+T)/((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^(s−1)].
func (m ParetoNBD) ConditionalExpectedPurchases(c Customer, t float64) float64 {
	return m.ProbAlive(c) * m.aliveGrowth(c.X, c.T, t)
}

// aliveGrowth is the expected number of purchases in (T, T+t] of a customer
// known to be alive at T: E[λ] = (r+x)/(α+T) times
// E[(1−e^(−μt))/μ] = (β+T)/(s−1) · (1 − ((β+T)/(β+T+t))^(s−1)),
// evaluated with expm1 so it is smooth through s = 1.
func (m ParetoNBD) aliveGrowth(x int, T, t float64) float64 {
	if t <= 0 {
		return 0
	}
	L := math.Log1p(t / (m.Beta + T)) // ln((β+T+t)/(β+T))
	k := m.S - 1
	life := L // E[(1−e^(−μt))/μ]/(β+T) at s = 1
	if k != 0 {
		life = -math.Expm1(-k*L) / k
	}
	return (m.R + float64(x)) / (m.Alpha + T) * (m.Beta + T) * life
}
