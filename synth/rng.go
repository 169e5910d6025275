package synth

import (
	"math"
	"math/rand/v2"
	"sort"
)

// pareto draws from a Pareto distribution with minimum 1 and tail index
// alpha, capped at limit so that one draw cannot dwarf a whole catalogue.
func pareto(r *rand.Rand, alpha, limit float64) float64 {
	return math.Min(math.Pow(1-r.Float64(), -1/alpha), limit)
}

// logNormal draws a log-normal value with the given median and log-spread.
func logNormal(r *rand.Rand, median, sigma float64) float64 {
	return median * math.Exp(sigma*r.NormFloat64())
}

// gamma draws from Gamma(shape, 1) (Marsaglia and Tsang; shapes below one
// are boosted and scaled back).
func gamma(r *rand.Rand, shape float64) float64 {
	if shape < 1 {
		return gamma(r, shape+1) * math.Pow(r.Float64(), 1/shape)
	}
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := r.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := r.Float64()
		if u < 1-0.0331*x*x*x*x || math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}

// poisson draws a Poisson count with mean lambda: Knuth's product method
// for small means, a rounded normal for large ones.
func poisson(r *rand.Rand, lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	if lambda > 30 {
		return max(0, int(math.Round(lambda+math.Sqrt(lambda)*r.NormFloat64())))
	}
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// geometric draws the number of failures before the first success of trials
// that succeed with probability p.
func geometric(r *rand.Rand, p float64) int {
	return int(math.Floor(math.Log(1-r.Float64()) / math.Log(1-p)))
}

// pickCum draws an index from cumulative weights cum (non-decreasing, last
// entry the total).
func pickCum(r *rand.Rand, cum []float64) int {
	x := r.Float64() * cum[len(cum)-1]
	i := sort.SearchFloat64s(cum, x)
	// SearchFloat64s finds the first entry ≥ x; an entry equal to x has
	// zero width above it, so step past it.
	for i < len(cum)-1 && cum[i] <= x {
		i++
	}
	return i
}

// pick draws an index from small weight tables.
func pick(r *rand.Rand, weights []float64) int {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	x := r.Float64() * total
	for i, w := range weights {
		x -= w
		if x < 0 {
			return i
		}
	}
	return len(weights) - 1
}

// chance reports true with probability p.
func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

func clamp(x, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, x)) }
