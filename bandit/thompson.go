package bandit

import (
	"math"
	"math/rand/v2"

	"github.com/shopmind/shopmind/internal/randx"
)

// Thompson is Thompson sampling for 0/1 rewards: each arm's success rate
// has the posterior Beta(Alpha + successes, Beta + pulls − successes), and
// the arm with the highest draw is pulled. Alpha and Beta are the prior's
// pseudo-successes and pseudo-failures (zero or negative: 1, the uniform
// prior); a prior centred on a predicted rate p with the weight of k pulls
// is Alpha = k·p, Beta = k·(1−p).
type Thompson struct {
	Alpha, Beta float64
}

func (p Thompson) prior() (a, b float64) {
	a, b = p.Alpha, p.Beta
	if !(a > 0) {
		a = 1
	}
	if !(b > 0) {
		b = 1
	}
	return a, b
}

// Draw samples the arm's success rate from its posterior. Rewards are
// clamped to [0, pulls].
func (p Thompson) Draw(a Arm, rng *rand.Rand) float64 {
	alpha, beta := p.prior()
	pulls, succ := a.successes()
	return randx.Beta(rng, alpha+succ, beta+pulls-succ)
}

// Choose implements Policy: the arm with the highest posterior draw (the
// first on ties); every arm is drawn once, in order.
func (p Thompson) Choose(arms []Arm, rng *rand.Rand) int {
	if len(arms) == 1 {
		return 0
	}
	return argmax(len(arms), func(i int) float64 { return p.Draw(arms[i], rng) })
}

// GaussianThompson is Thompson sampling for real-valued rewards (revenue,
// basket value): each arm's mean has a normal posterior whose centre
// shrinks the arm's average towards Mean with the weight of Weight pulls,
// and whose variance is the reward variance — estimated from the arm's
// sum of squares, pulled towards Var with the same weight — over the
// pulls plus Weight. Weight ≤ 0 means 1; Var ≤ 0 means 1.
type GaussianThompson struct {
	Mean, Var, Weight float64
}

// Draw samples the arm's mean reward from its posterior.
func (p GaussianThompson) Draw(a Arm, rng *rand.Rand) float64 {
	w, v0 := p.Weight, p.Var
	if !(w > 0) {
		w = 1
	}
	if !(v0 > 0) {
		v0 = 1
	}
	n := float64(max(a.Pulls, 0))
	mean := (w*p.Mean + a.Reward) / (w + n)
	ss := 0.0 // sum of squared deviations from the arm's own average
	if n > 0 {
		ss = max(a.RewardSq-a.Reward*a.Reward/n, 0)
	}
	variance := (w*v0 + ss) / (w + n)
	return mean + math.Sqrt(variance/(w+n))*rng.NormFloat64()
}

// Choose implements Policy.
func (p GaussianThompson) Choose(arms []Arm, rng *rand.Rand) int {
	if len(arms) == 1 {
		return 0
	}
	return argmax(len(arms), func(i int) float64 { return p.Draw(arms[i], rng) })
}
