package clv

import "math"

// lgamma returns ln Γ(x) for x > 0.
func lgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

// lbeta returns ln B(a, b) for a, b > 0.
func lbeta(a, b float64) float64 { return lgamma(a) + lgamma(b) - lgamma(a+b) }

// digamma returns ψ(x) = d ln Γ(x)/dx for x > 0: the recurrence
// ψ(x) = ψ(x+1) − 1/x lifts x to ≥ 10, where the asymptotic expansion
// ln x − 1/(2x) − Σ B₂ₖ/(2k x²ᵏ) is accurate to about 1e-15.
func digamma(x float64) float64 {
	if !(x > 0) || math.IsInf(x, 1) {
		if math.IsInf(x, 1) {
			return x
		}
		return math.NaN()
	}
	var acc float64
	for x < 10 {
		acc -= 1 / x
		x++
	}
	f := 1 / (x * x)
	series := f * (1.0/12 - f*(1.0/120-f*(1.0/252-f*(1.0/240-f*(1.0/132)))))
	return acc + math.Log(x) - 0.5/x - series
}

// hypMaxTerms bounds every hypergeometric series; at z = 1 − 1e-6 the
// slowest series here needs about 4e7 terms, so beyond this the answer is
// reported as not converged rather than computed for seconds.
const hypMaxTerms = 2_000_000

// hyp2f1 returns the Gauss hypergeometric function 2F1(a, b; c; z) for
// 0 ≤ z < 1 by its power series Σ (a)ₙ(b)ₙ/((c)ₙ n!) zⁿ. It stops when a
// bound on the remaining tail (the term ratio tends to z, so once the ratio is
// below 1 the tail is at most term·ρ/(1−ρ) with ρ the larger of the current
// ratio and z) falls below 1e-16 of the sum. It returns NaN when z is outside
// [0, 1), c is a non-positive integer, or the series has not converged within
// hypMaxTerms terms.
func hyp2f1(a, b, c, z float64) float64 {
	if !(z >= 0 && z < 1) {
		return math.NaN()
	}
	if z == 0 || a == 0 || b == 0 {
		return 1
	}
	sum, term := 1.0, 1.0
	for n := 0; n < hypMaxTerms; n++ {
		fn := float64(n)
		if c+fn == 0 {
			return math.NaN()
		}
		ratio := (a + fn) * (b + fn) / ((c + fn) * (fn + 1)) * z
		term *= ratio
		sum += term
		if term == 0 {
			return sum
		}
		rho := math.Max(math.Abs(ratio), z)
		// The ratio is monotone only for n past the parameters' size.
		if fn > math.Abs(a)+math.Abs(b)+math.Abs(c) && rho < 1 &&
			math.Abs(term)*rho/(1-rho) <= 1e-16*math.Abs(sum) {
			return sum
		}
	}
	return math.NaN()
}

// posSeries evaluates S(A, C; z) = Σₙ (A)ₙ/(C)ₙ zⁿ = 2F1(A, 1; C; z) for
// 0 < A < C and 0 ≤ z < 1, together with ∂S/∂A, ∂S/∂C and ∂S/∂z. Every
// term is positive and each is at most z times the one before, so the sum
// has no cancellation and the tail after term n is at most termₙ·z/(1−z).
// ok is false when the series needs more than hypMaxTerms terms.
//
// Without deriv only S is summed (the derivatives are returned as 0).
func posSeries(A, C, z float64, deriv bool) (s, dA, dC, dz float64, ok bool) {
	s = 1
	if z == 0 {
		return 1, 0, 0, A / C, true
	}
	term := 1.0 // (A)ₙ/(C)ₙ zⁿ
	if !deriv {
		tail := z / (1 - z)
		for n := 0; n < hypMaxTerms; n++ {
			k := float64(n)
			term *= (A + k) / (C + k) * z
			s += term
			if term*tail <= 1e-16*s {
				return s, 0, 0, 0, true
			}
		}
		return s, 0, 0, 0, false
	}
	var hA, hC float64
	q := 1 - z
	for n := 1; n <= hypMaxTerms; n++ {
		k := float64(n - 1)
		hA += 1 / (A + k)
		hC += 1 / (C + k)
		p := term * (A + k) / (C + k) // (A)ₙ/(C)ₙ zⁿ⁻¹
		term = p * z
		s += term
		dA += term * hA
		dC -= term * hC
		dz += float64(n) * p
		// Tails: S after n ≤ term·z/q; ∂S/∂z after n ≤ term·(n/q + 1/q²);
		// ∂S/∂A and ∂S/∂C after n ≤ (S tail)·(harmonic sums), which grow
		// like ln n.
		fn := float64(n)
		if term*(fn/q+1/(q*q)+hA+hC) <= 1e-16*s {
			return s, dA, dC, dz, true
		}
	}
	return s, dA, dC, dz, false
}

// logSumExp returns ln(eᵃ + eᵇ) without overflow.
func logSumExp(a, b float64) float64 {
	if a < b {
		a, b = b, a
	}
	if math.IsInf(a, -1) {
		return a
	}
	return a + math.Log1p(math.Exp(b-a))
}

// gammaRatio holds ln Γ(c+x) − ln Γ(c) and ψ(c+x) − ψ(c) for x = 0…n−1,
// built by the recurrences Γ(c+x+1) = (c+x)Γ(c+x) and
// ψ(c+x+1) = ψ(c+x) + 1/(c+x): a log and a division per entry instead of
// two special functions per customer. The zero value computes directly.
type gammaRatio struct {
	c      float64
	ln, ps []float64
}

// newGammaRatio tabulates the ratios for x < n.
func newGammaRatio(c float64, n int) gammaRatio {
	g := gammaRatio{c: c, ln: make([]float64, n), ps: make([]float64, n)}
	for x := 1; x < n; x++ {
		k := c + float64(x-1)
		g.ln[x] = g.ln[x-1] + math.Log(k)
		g.ps[x] = g.ps[x-1] + 1/k
	}
	return g
}

// lnRatio returns ln Γ(c+x) − ln Γ(c).
func (g *gammaRatio) lnRatio(c float64, x int) float64 {
	if x < len(g.ln) {
		return g.ln[x]
	}
	return lgamma(c+float64(x)) - lgamma(c)
}

// psiDiff returns ψ(c+x) − ψ(c).
func (g *gammaRatio) psiDiff(c float64, x int) float64 {
	if x < len(g.ps) {
		return g.ps[x]
	}
	return digamma(c+float64(x)) - digamma(c)
}
