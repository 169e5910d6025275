package bandit

import "math/rand/v2"

// Arm is what one arm has earned: how often it was pulled and the sum of
// its rewards and of their squares. For 0/1 rewards (click, conversion)
// Reward is the count of successes and RewardSq equals it.
type Arm struct {
	Pulls    int64   `json:"pulls"`
	Reward   float64 `json:"reward"`
	RewardSq float64 `json:"reward_sq,omitempty"`
}

// Add records one pull that earned r.
func (a *Arm) Add(r float64) {
	a.Pulls++
	a.Reward += r
	a.RewardSq += r * r
}

// Mean is the average reward per pull (0 before the first pull).
func (a Arm) Mean() float64 {
	if a.Pulls <= 0 {
		return 0
	}
	return a.Reward / float64(a.Pulls)
}

// successes returns the pulls (at least 0) and the successes clamped to
// [0, pulls], the counts a Beta-Bernoulli posterior reads.
func (a Arm) successes() (pulls, succ float64) {
	pulls = float64(max(a.Pulls, 0))
	return pulls, min(max(a.Reward, 0), pulls)
}

// Policy picks the arm to pull next from the arms' statistics. Choose must
// be given at least one arm; it draws its randomness, if any, from rng
// (which may be nil for the deterministic policies: UCB1, KL-UCB, and
// EpsilonGreedy with Epsilon 0 and a deterministic Exploit).
type Policy interface {
	Choose(arms []Arm, rng *rand.Rand) int
}

// WarmUp returns the arm with the fewest pulls (ties broken at random) and
// true while that arm has fewer than min pulls; after that, (0, false).
// Policies that must see every arm a few times before trusting their
// estimates start with it.
func WarmUp(arms []Arm, min int64, rng *rand.Rand) (int, bool) {
	least, ties := 0, 1
	for j := 1; j < len(arms); j++ {
		switch {
		case arms[j].Pulls < arms[least].Pulls:
			least, ties = j, 1
		case arms[j].Pulls == arms[least].Pulls:
			ties++
			if rng.IntN(ties) == 0 {
				least = j
			}
		}
	}
	if len(arms) == 0 || arms[least].Pulls >= min {
		return 0, false
	}
	return least, true
}

// untried returns the first arm never pulled, or -1.
func untried(arms []Arm) int {
	for i, a := range arms {
		if a.Pulls <= 0 {
			return i
		}
	}
	return -1
}

// totalPulls sums the arms' pulls.
func totalPulls(arms []Arm) float64 {
	t := 0.0
	for _, a := range arms {
		t += float64(max(a.Pulls, 0))
	}
	return t
}

// argmax returns the index of the highest score, the first on ties.
func argmax(n int, score func(int) float64) int {
	best, bestScore := 0, score(0)
	for i := 1; i < n; i++ {
		if s := score(i); s > bestScore {
			best, bestScore = i, s
		}
	}
	return best
}
