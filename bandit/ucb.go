package bandit

import (
	"math"
	"math/rand/v2"
)

// UCB1 pulls every arm once (in order), then the arm with the highest
// mean + C·√(2·ln t / n), t the pulls of all arms and n the arm's (Auer,
// Cesa-Bianchi and Fischer 2002). Rewards are assumed in [0, 1]; C ≤ 0
// means 1. Its bonus does not shrink with the reward's variance, so on
// rare rewards (conversion rates of a few percent) it explores for a long
// time: KLUCB is the UCB to use there.
type UCB1 struct {
	C float64
}

// Choose implements Policy; rng is not used.
func (p UCB1) Choose(arms []Arm, _ *rand.Rand) int {
	if i := untried(arms); i >= 0 {
		return i
	}
	c := p.C
	if !(c > 0) {
		c = 1
	}
	logT := math.Log(totalPulls(arms))
	return argmax(len(arms), func(i int) float64 {
		n := float64(arms[i].Pulls)
		return arms[i].Mean() + c*math.Sqrt(2*logT/n)
	})
}

// KLUCB is KL-UCB for 0/1 rewards (Garivier and Cappé 2011): every arm
// once, then the arm whose upper bound q is highest, q the largest rate
// with n·KL(mean, q) ≤ ln t, KL the Bernoulli Kullback–Leibler divergence.
// Its bounds are tight near 0 and 1, which is where offer and click rates
// live.
type KLUCB struct{}

// Choose implements Policy; rng is not used.
func (KLUCB) Choose(arms []Arm, _ *rand.Rand) int {
	if i := untried(arms); i >= 0 {
		return i
	}
	logT := math.Log(totalPulls(arms))
	return argmax(len(arms), func(i int) float64 {
		pulls, succ := arms[i].successes()
		return klUpper(succ/pulls, logT/pulls)
	})
}

// klUpper returns the largest q in [p, 1) with KL(p, q) ≤ bound. Written
// in u = ln(1−q), KL is convex and decreasing in u, and Pinsker's
// inequality (KL ≥ 2(q−p)²) puts q = p + √(bound/2) at or beyond the
// answer. Newton's method from that side stays on it and converges
// monotonically; in u it needs a handful of steps even near q = 1, where KL
// grows like ln(1/(1−q)).
func klUpper(p, bound float64) float64 {
	const top = 1 - 1e-12
	q := min(p+math.Sqrt(bound/2), top)
	if bernoulliKL(p, q) <= bound {
		return q
	}
	u := math.Log1p(-q)
	for range 100 {
		f := bernoulliKL(p, q) - bound
		du := f * q / (q - p) // −f / (dKL/du), dKL/du = (p−q)/q
		u += du
		q = -math.Expm1(u)
		if du < 1e-12 || f <= 0 {
			break
		}
	}
	return q
}

// bernoulliKL is KL(Bernoulli(p) ‖ Bernoulli(q)).
func bernoulliKL(p, q float64) float64 {
	const eps = 1e-15
	p = min(max(p, eps), 1-eps)
	q = min(max(q, eps), 1-eps)
	return p*math.Log(p/q) + (1-p)*math.Log((1-p)/(1-q))
}
