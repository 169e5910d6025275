package bandit

import (
	"math/rand/v2"
	"testing"
)

func benchArms(rng *rand.Rand) []Arm {
	arms := make([]Arm, 10)
	for i := range arms {
		arms[i] = Arm{Pulls: 1000 + rng.Int64N(1000)}
		arms[i].Reward = float64(rng.Int64N(arms[i].Pulls / 10))
		arms[i].RewardSq = arms[i].Reward
	}
	return arms
}

func BenchmarkChoose10Arms(b *testing.B) {
	for _, tc := range []struct {
		name string
		p    Policy
	}{{"thompson", Thompson{}}, {"ucb1", UCB1{}}, {"kl-ucb", KLUCB{}}, {"epsilon-greedy", EpsilonGreedy{Epsilon: 0.1}}} {
		b.Run(tc.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			arms := benchArms(rng)
			for b.Loop() {
				tc.p.Choose(arms, rng)
			}
		})
	}
}

func BenchmarkLinUCB(b *testing.B) {
	const k, d = 10, 16
	rng := rand.New(rand.NewPCG(2, 2))
	m, _ := NewLinUCB(k, d, 0.5, 1)
	x := make([]float64, d)
	for range 1000 {
		for i := range x {
			x[i] = rng.Float64()
		}
		_ = m.Update(rng.IntN(k), x, rng.Float64())
	}
	b.Run("choose-10arms-d16", func(b *testing.B) {
		for b.Loop() {
			m.Choose(x, rng)
		}
	})
	b.Run("update-d16", func(b *testing.B) {
		for b.Loop() {
			_ = m.Update(3, x, 0.5)
		}
	})
}
