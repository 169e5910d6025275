package bandit

import "math/rand/v2"

// EpsilonGreedy pulls a uniformly drawn arm with probability Epsilon and
// otherwise the arm Exploit picks (nil: the highest mean, untried arms
// first). With Exploit set it is the uniform exploration share wrapped
// around another policy, as copy serving uses it around Thompson.
type EpsilonGreedy struct {
	Epsilon float64
	Exploit Policy
}

// Choose implements Policy.
func (p EpsilonGreedy) Choose(arms []Arm, rng *rand.Rand) int {
	i, _ := p.Pick(arms, rng)
	return i
}

// Pick is Choose that also says whether the arm was drawn uniformly. The
// uniform draw consumes randomness only when Epsilon > 0.
func (p EpsilonGreedy) Pick(arms []Arm, rng *rand.Rand) (i int, explored bool) {
	if p.Epsilon > 0 && rng.Float64() < p.Epsilon {
		return rng.IntN(len(arms)), true
	}
	if p.Exploit != nil {
		return p.Exploit.Choose(arms, rng), false
	}
	if i := untried(arms); i >= 0 {
		return i, false
	}
	return argmax(len(arms), func(i int) float64 { return arms[i].Mean() }), false
}

// Uniform pulls an arm drawn uniformly at random: the baseline every
// policy must beat.
type Uniform struct{}

// Choose implements Policy.
func (Uniform) Choose(arms []Arm, rng *rand.Rand) int { return rng.IntN(len(arms)) }
