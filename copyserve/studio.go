package copyserve

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"slices"

	"github.com/shopmind/shopmind/copywriting"
	"github.com/shopmind/shopmind/copywriting/guard"
	"github.com/shopmind/shopmind/internal/randx"
	"github.com/shopmind/shopmind/store"
)

// What the dashboard's copy studio reads from the services: the limits and
// guardrails in force, the jobs, and the bandit's posterior per variant.

// MaxChars is the length limit, in characters, that the guardrails apply to
// copy for a channel in a language; 0 means no limit is checked.
func (s *Service) MaxChars(ch copywriting.Channel, lang copywriting.Language) int {
	if !s.GuardEnabled(guard.CodeTooLong) {
		return 0
	}
	if m, ok := s.cfg.Guard.MaxRunes[lang][ch]; ok {
		return max(m, 0)
	}
	return guard.DefaultMaxRunes()[lang][ch]
}

// GuardEnabled reports whether the guardrail with reason code is checked on
// this server (the guard configuration may disable some).
func (s *Service) GuardEnabled(code string) bool {
	return !slices.Contains(s.cfg.Guard.Disabled, code)
}

// MaxVariants is the most variants one request may ask for.
func (s *Service) MaxVariants() int { return s.cfg.MaxVariant }

// maxListedJobs bounds List: the page shows recent jobs, and a store with
// more has them through the API.
const maxListedJobs = 5 * store.MaxLimit

// List returns the stored jobs, newest first, at most limit of them (0: all
// up to an internal bound of 5000 read).
func (j *Jobs) List(ctx context.Context, limit int) ([]Job, error) {
	var out []Job
	cursor := ""
	for read := 0; read < maxListedJobs; {
		objs, next, err := j.st.ListObjects(ctx, JobKind, cursor, store.MaxLimit)
		if err != nil {
			return nil, fmt.Errorf("copy jobs: listing: %w", err)
		}
		read += len(objs)
		for _, o := range objs {
			var job Job
			if err := json.Unmarshal(o.Data, &job); err != nil {
				return nil, fmt.Errorf("copy job %s is stored damaged: %w", o.ID, err)
			}
			out = append(out, job)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	slices.SortFunc(out, func(a, b Job) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// ListArms pages through the briefs served so far (their stored variants),
// ordered by brief key.
func (b *Bandit) ListArms(ctx context.Context, cursor string, limit int) ([]Arms, string, error) {
	objs, next, err := b.st.ListObjects(ctx, ArmsKind, cursor, store.PageLimit(limit))
	if err != nil {
		return nil, "", fmt.Errorf("listing copy variants: %w", err)
	}
	out := make([]Arms, 0, len(objs))
	for _, o := range objs {
		var a Arms
		if err := json.Unmarshal(o.Data, &a); err != nil {
			return nil, "", fmt.Errorf("copy variants %s are stored damaged: %w", o.ID, err)
		}
		out = append(out, a)
	}
	return out, next, nil
}

// VariantSummary is what the bandit knows of one variant: its counts, the
// Beta posterior of its reward per send (the one Thompson sampling draws
// from), its share of the sends so far and the probability that it is the
// best of its brief.
type VariantSummary struct {
	Arm
	ArmStats
	Successes int64   // of the bandit's reward (clicks by default)
	Rate      float64 // successes per send observed; 0 without sends
	Mean      float64 // posterior mean of the reward per send
	Low, High float64 // 95 % equal-tailed credible interval
	Share     float64 // share of the brief's sends
	PBest     float64 // posterior probability of the highest reward per send
}

// pBestDraws is how many joint posterior draws estimate PBest: the
// estimate's standard error is at most 0.5/√draws ≈ 0.008.
const pBestDraws = 4000

// Summary returns the posterior summary of each of a's variants under the
// bandit's reward and prior. PBest is estimated by drawing from the
// posteriors with a seed fixed by the brief key, so a page shows the same
// figures for the same counts.
func (b *Bandit) Summary(ctx context.Context, a Arms) ([]VariantSummary, error) {
	stats, err := b.Stats(ctx, a)
	if err != nil {
		return nil, err
	}
	return summarize(a, stats, b.cfg.Reward, b.cfg.PriorSuccesses, b.cfg.PriorFailures), nil
}

func summarize(a Arms, stats []ArmStats, r Reward, priorS, priorF float64) []VariantSummary {
	out := make([]VariantSummary, len(a.Variants))
	var sends int64
	for _, s := range stats {
		sends += s.Sends
	}
	alpha := make([]float64, len(out))
	beta := make([]float64, len(out))
	for i, v := range a.Variants {
		s := stats[i]
		succ := min(s.Successes(r), s.Sends) // a reward without a counted send (a late node) is not a probability above 1
		al, be := priorS+float64(succ), priorF+float64(s.Sends-succ)
		alpha[i], beta[i] = al, be
		vs := VariantSummary{Arm: v, ArmStats: s, Successes: s.Successes(r), Mean: al / (al + be),
			Low: BetaQuantile(0.025, al, be), High: BetaQuantile(0.975, al, be)}
		if s.Sends > 0 {
			vs.Rate = float64(vs.Successes) / float64(s.Sends)
		}
		if sends > 0 {
			vs.Share = float64(s.Sends) / float64(sends)
		}
		out[i] = vs
	}
	if len(out) == 1 {
		out[0].PBest = 1
		return out
	}
	var seed uint64
	for _, c := range []byte(a.ID) {
		seed = seed*131 + uint64(c)
	}
	rng := mrand.New(mrand.NewPCG(seed, 0x5bd1e995))
	wins := make([]int, len(out))
	for range pBestDraws {
		best, bestV := 0, -1.0
		for i := range out {
			if x := randx.Beta(rng, alpha[i], beta[i]); x > bestV {
				best, bestV = i, x
			}
		}
		wins[best]++
	}
	for i := range out {
		out[i].PBest = float64(wins[i]) / pBestDraws
	}
	return out
}

// BetaQuantile returns x with P(X ≤ x) = p for X ~ Beta(a, b), a, b > 0,
// by bisection on the regularized incomplete beta function.
func BetaQuantile(p, a, b float64) float64 {
	switch {
	case p <= 0:
		return 0
	case p >= 1:
		return 1
	}
	lo, hi := 0.0, 1.0
	for range 60 {
		mid := (lo + hi) / 2
		if BetaCDF(mid, a, b) < p {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// BetaCDF is the regularized incomplete beta function I_x(a, b).
func BetaCDF(x, a, b float64) float64 {
	switch {
	case x <= 0:
		return 0
	case x >= 1:
		return 1
	}
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	front := math.Exp(lab - la - lb + a*math.Log(x) + b*math.Log1p(-x))
	// The continued fraction converges fast for x below the mean; above
	// it, use the symmetry I_x(a, b) = 1 − I_{1−x}(b, a).
	if x < (a+1)/(a+b+2) {
		return front * betaFraction(x, a, b) / a
	}
	return 1 - front*betaFraction(1-x, b, a)/b
}

// betaFraction evaluates the continued fraction of the incomplete beta
// function by the modified Lentz method.
func betaFraction(x, a, b float64) float64 {
	const tiny, eps = 1e-300, 1e-15
	c, d := 1.0, 1-(a+b)*x/(a+1)
	if math.Abs(d) < tiny {
		d = tiny
	}
	d = 1 / d
	h := d
	for m := 1; m <= 300; m++ {
		fm := float64(m)
		// even step
		num := fm * (b - fm) * x / ((a + 2*fm - 1) * (a + 2*fm))
		d = 1 + num*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + num/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		h *= d * c
		// odd step
		num = -(a + fm) * (a + b + fm) * x / ((a + 2*fm) * (a + 2*fm + 1))
		d = 1 + num*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + num/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < eps {
			break
		}
	}
	return h
}
