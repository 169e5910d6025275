package experiment

import "math"

// z95 is the two-sided 95% normal quantile.
const z95 = 1.959963984540054

// normalSF is P(Z > z) for a standard normal Z.
func normalSF(z float64) float64 { return 0.5 * math.Erfc(z/math.Sqrt2) }

// chiSquareSF is P(X > x) for X chi-square with df degrees of freedom: the
// regularised upper incomplete gamma Q(df/2, x/2).
func chiSquareSF(x float64, df int) float64 {
	if df <= 0 {
		return math.NaN()
	}
	if x <= 0 {
		return 1
	}
	return gammaQ(float64(df)/2, x/2)
}

// gammaQ is the regularised upper incomplete gamma function Q(a, x), by the
// series for x < a+1 and Lentz's continued fraction otherwise.
func gammaQ(a, x float64) float64 {
	lg, _ := math.Lgamma(a)
	if x < a+1 {
		sum, term := 1/a, 1/a
		for n := 1; n < 1000; n++ {
			term *= x / (a + float64(n))
			sum += term
			if math.Abs(term) < math.Abs(sum)*1e-15 {
				break
			}
		}
		return math.Max(0, 1-sum*math.Exp(-x+a*math.Log(x)-lg))
	}
	const tiny = 1e-300
	b := x + 1 - a
	c := 1 / tiny
	d := 1 / b
	h := d
	for i := 1; i < 1000; i++ {
		an := -float64(i) * (float64(i) - a)
		b += 2
		d = an*d + b
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = b + an/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < 1e-15 {
			break
		}
	}
	return math.Exp(-x+a*math.Log(x)-lg) * h
}

// moments accumulates count, mean and the sum of squared deviations
// (Welford), and the co-moment with a second variable for CUPED.
type moments struct {
	n            float64
	meanY, meanX float64
	m2Y, m2X     float64
	cXY          float64
}

func (m *moments) add(y, x float64) {
	m.n++
	dx := x - m.meanX
	m.meanX += dx / m.n
	dy := y - m.meanY
	m.meanY += dy / m.n
	m.m2Y += dy * (y - m.meanY)
	m.m2X += dx * (x - m.meanX)
	m.cXY += dx * (y - m.meanY)
}

// varY is the sample variance of y (0 below two values).
func (m *moments) varY() float64 {
	if m.n < 2 {
		return 0
	}
	return m.m2Y / (m.n - 1)
}

func (m *moments) varX() float64 {
	if m.n < 2 {
		return 0
	}
	return m.m2X / (m.n - 1)
}

func (m *moments) covXY() float64 {
	if m.n < 2 {
		return 0
	}
	return m.cXY / (m.n - 1)
}

// wilson is the 95% Wilson score interval of k successes in n trials.
func wilson(k, n float64) (lo, hi float64) {
	if n == 0 {
		return 0, 1
	}
	p := k / n
	z2 := z95 * z95
	den := 1 + z2/n
	mid := (p + z2/(2*n)) / den
	half := z95 * math.Sqrt(p*(1-p)/n+z2/(4*n*n)) / den
	return math.Max(0, mid-half), math.Min(1, mid+half)
}

// newcombe is the 95% interval of p1 - p2 by Newcombe's hybrid score
// method (his method 10), built from the two Wilson intervals.
func newcombe(k1, n1, k2, n2 float64) (lo, hi float64) {
	p1, p2 := k1/n1, k2/n2
	l1, u1 := wilson(k1, n1)
	l2, u2 := wilson(k2, n2)
	d := p1 - p2
	return d - math.Sqrt((p1-l1)*(p1-l1)+(u2-p2)*(u2-p2)), d + math.Sqrt((u1-p1)*(u1-p1)+(p2-l2)*(p2-l2))
}
