package bandit

import (
	"math"
	"math/rand/v2"
	"testing"
)

// play runs policy for rounds pulls of Bernoulli arms with the given rates
// and returns the pulls per arm.
func play(p Policy, rates []float64, rounds int, seed uint64) []Arm {
	rng := rand.New(rand.NewPCG(seed, 1))
	world := rand.New(rand.NewPCG(seed, 2))
	arms := make([]Arm, len(rates))
	for range rounds {
		i := p.Choose(arms, rng)
		r := 0.0
		if world.Float64() < rates[i] {
			r = 1
		}
		arms[i].Add(r)
	}
	return arms
}

func TestPoliciesFindTheBestArm(t *testing.T) {
	rates := []float64{0.10, 0.12, 0.30, 0.15, 0.08}
	for _, tc := range []struct {
		name   string
		p      Policy
		rounds int
		share  float64
	}{
		{"thompson", Thompson{}, 3000, 0.8},
		{"gaussian-thompson", GaussianThompson{Mean: 0.5, Var: 0.25}, 3000, 0.8},
		{"ucb1", UCB1{}, 3000, 0.5},
		{"kl-ucb", KLUCB{}, 3000, 0.7},
		{"epsilon-greedy", EpsilonGreedy{Epsilon: 0.1}, 3000, 0.6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			arms := play(tc.p, rates, tc.rounds, 7)
			share := float64(arms[2].Pulls) / float64(tc.rounds)
			t.Logf("best arm share %.3f; pulls %v", share, pulls(arms))
			if share < tc.share {
				t.Errorf("the best arm got %.3f of the pulls, want ≥ %.2f", share, tc.share)
			}
		})
	}
	arms := play(Uniform{}, rates, 3000, 7)
	if s := float64(arms[2].Pulls) / 3000; s > 0.3 {
		t.Errorf("uniform gave the best arm %.3f of the pulls, want about 0.2", s)
	}
}

func pulls(arms []Arm) []int64 {
	out := make([]int64, len(arms))
	for i, a := range arms {
		out[i] = a.Pulls
	}
	return out
}

func TestUCBTriesEveryArmFirst(t *testing.T) {
	for _, p := range []Policy{UCB1{}, KLUCB{}, EpsilonGreedy{}} {
		arms := make([]Arm, 6)
		arms[3] = Arm{Pulls: 1, Reward: 1, RewardSq: 1} // a lucky first pull must not stop the others being tried
		seen := map[int]bool{3: true}
		for range 5 {
			i := p.Choose(arms, nil)
			if seen[i] {
				t.Fatalf("%T pulled arm %d again before trying every arm (%v)", p, i, pulls(arms))
			}
			seen[i] = true
			arms[i].Add(0)
		}
	}
}

func TestWarmUp(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	arms := []Arm{{Pulls: 5}, {Pulls: 2}, {Pulls: 2}, {Pulls: 9}}
	got := map[int]int{}
	for range 200 {
		i, ok := WarmUp(arms, 3, rng)
		if !ok {
			t.Fatal("warm-up ended with arms below the minimum")
		}
		got[i]++
	}
	if got[1] < 60 || got[2] < 60 || len(got) != 2 {
		t.Errorf("ties between the least pulled arms are not broken at random: %v", got)
	}
	if _, ok := WarmUp(arms, 2, rng); ok {
		t.Error("warm-up continued with every arm at the minimum")
	}
}

func TestThompsonDrawMoments(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	a := Arm{Pulls: 100, Reward: 20}
	p := Thompson{Alpha: 2, Beta: 8} // posterior Beta(22, 88)
	const n = 20000
	sum, sq := 0.0, 0.0
	for range n {
		x := p.Draw(a, rng)
		sum += x
		sq += x * x
	}
	mean := sum / n
	sd := math.Sqrt(sq/n - mean*mean)
	wantMean := 22.0 / 110
	wantSD := math.Sqrt(22 * 88 / (110 * 110 * 111.0))
	if math.Abs(mean-wantMean) > 0.002 || math.Abs(sd-wantSD) > 0.002 {
		t.Errorf("posterior draws: mean %.4f sd %.4f, want %.4f and %.4f", mean, sd, wantMean, wantSD)
	}
	// Rewards beyond the pulls are clamped: the posterior stays a Beta.
	if x := p.Draw(Arm{Pulls: 3, Reward: 10}, rng); !(x > 0 && x < 1) {
		t.Errorf("draw %g outside (0, 1)", x)
	}
}

func TestGaussianThompsonShrinks(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	p := GaussianThompson{Mean: 0, Var: 100, Weight: 1}
	var a Arm
	for i := range 1000 {
		a.Add(50 + float64(i%5)) // mean 52, variance 2
	}
	sum := 0.0
	for range 1000 {
		sum += p.Draw(a, rng)
	}
	if m := sum / 1000; math.Abs(m-52*1000.0/1001) > 0.1 {
		t.Errorf("posterior mean %.3f, want about 51.95", m)
	}
}

func TestEpsilonGreedyPickReportsExploration(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	p := EpsilonGreedy{Epsilon: 0.25, Exploit: Thompson{}}
	arms := []Arm{{Pulls: 1000, Reward: 900}, {Pulls: 1000, Reward: 100}}
	explored, worst := 0, 0
	for range 4000 {
		i, e := p.Pick(arms, rng)
		if e {
			explored++
		} else if i != 0 {
			t.Fatal("exploitation picked the clearly worse arm")
		}
		if i == 1 {
			worst++
		}
	}
	if explored < 900 || explored > 1100 {
		t.Errorf("explored %d of 4000 picks, want about 1000", explored)
	}
	if worst < 400 || worst > 600 {
		t.Errorf("the worse arm got %d picks, want about 500 (half the uniform draws)", worst)
	}
}

func TestKLUpperBound(t *testing.T) {
	for _, p := range []float64{0, 0.001, 0.02, 0.3, 0.9, 0.999} {
		for _, bound := range []float64{1e-4, 0.01, 0.5, 5} {
			q := klUpper(p, bound)
			if q < p || q >= 1 {
				t.Fatalf("klUpper(%g, %g) = %g outside [p, 1)", p, bound, q)
			}
			kl := bernoulliKL(p, q)
			if kl > bound*(1+1e-6) || (q+2e-9 < 1 && bernoulliKL(p, q+2e-9) <= bound) {
				t.Errorf("klUpper(%g, %g) = %g (KL %g) is not the largest rate within the bound", p, bound, q, kl)
			}
		}
	}
}
