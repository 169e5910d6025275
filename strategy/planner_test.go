package strategy

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// bruteForce returns the best total profit over every subset within budget.
func bruteForce(cands []Candidate, o Offer) float64 {
	best := 0.0
	for mask := 0; mask < 1<<len(cands); mask++ {
		cost, gain := 0.0, 0.0
		for i := range cands {
			if mask&(1<<i) != 0 {
				cost += o.UnitCost(&cands[i])
				gain += o.Profit(&cands[i])
			}
		}
		if cost <= o.Budget && gain > best {
			best = gain
		}
	}
	return best
}

func randomCands(r *rand.Rand, n int) []Candidate {
	c := make([]Candidate, n)
	for i := range c {
		c[i] = Candidate{UserID: string(rune('a' + i)), Uplift: r.Float64()*0.4 - 0.1, PTreated: r.Float64(), Value: 20 + 200*r.Float64()}
	}
	return c
}

func TestChooseAgainstBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := range 300 {
		n := 1 + r.IntN(12)
		cands := randomCands(r, n)
		o := Offer{Cost: 5 + 40*r.Float64(), Margin: 0.2 + 0.8*r.Float64(), Budget: 1 + 60*r.Float64(), CostPer: PerRedemption}
		if trial%2 == 1 {
			o.CostPer = PerContact
		}
		chosen := Choose(cands, o)
		cost, gain, maxProfit := 0.0, 0.0, 0.0
		seen := map[int]bool{}
		for _, i := range chosen {
			if seen[i] {
				t.Fatalf("trial %d: user %d chosen twice", trial, i)
			}
			seen[i] = true
			cost += o.UnitCost(&cands[i])
			gain += o.Profit(&cands[i])
			if o.Profit(&cands[i]) <= 0 {
				t.Fatalf("trial %d: chose user %d with profit %v", trial, i, o.Profit(&cands[i]))
			}
		}
		for i := range cands {
			maxProfit = math.Max(maxProfit, o.Profit(&cands[i]))
		}
		if cost > o.Budget+1e-9 {
			t.Fatalf("trial %d: spent %v of budget %v", trial, cost, o.Budget)
		}
		opt := bruteForce(cands, o)
		if gain > opt+1e-9 {
			t.Fatalf("trial %d: greedy %v beats the optimum %v: brute force is wrong", trial, gain, opt)
		}
		// Equal costs (per contact): exact. Otherwise within one user's profit.
		if o.CostPer == PerContact && math.Abs(gain-opt) > 1e-9 {
			t.Fatalf("trial %d: per-contact greedy %v, optimum %v", trial, gain, opt)
		}
		if gain < opt-maxProfit-1e-9 {
			t.Fatalf("trial %d: greedy %v is more than one user's profit (%v) below the optimum %v", trial, gain, maxProfit, opt)
		}
	}
}

func TestChooseTakesAllWhenBudgetAllows(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	cands := randomCands(r, 10)
	o := Offer{Cost: 10, Margin: 0.5, Budget: 1e6}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	chosen := Choose(cands, o)
	want := 0
	for i := range cands {
		if o.Profit(&cands[i]) > 0 {
			want++
		}
	}
	if len(chosen) != want || want == 0 || want == len(cands) {
		t.Fatalf("chose %d, want every one of the %d profitable users (of %d)", len(chosen), want, len(cands))
	}
	sum := Evaluate(pick(cands, chosen), o)
	if math.Abs(sum.Profit-bruteForce(cands, o)) > 1e-9 {
		t.Fatalf("profit %v, optimum %v", sum.Profit, bruteForce(cands, o))
	}
	if sum.ROI != sum.Profit/sum.Cost || sum.Revenue*o.Margin-sum.Cost != sum.Profit {
		t.Fatalf("totals inconsistent: %+v", sum)
	}
}

func pick(c []Candidate, idx []int) []Candidate {
	out := make([]Candidate, len(idx))
	for k, i := range idx {
		out[k] = c[i]
	}
	return out
}

func TestOfferRefusals(t *testing.T) {
	for _, c := range []struct {
		o     Offer
		field string
	}{
		{Offer{Cost: 1, Margin: 0.3, Budget: -5}, "budget"},
		{Offer{Cost: 1, Margin: 0.3, Budget: 0}, "budget"},
		{Offer{Cost: 1, Margin: 0.3, Budget: math.NaN()}, "budget"},
		{Offer{Cost: 1, Margin: 0, Budget: 10}, "margin"},
		{Offer{Cost: 1, Margin: 1.2, Budget: 10}, "margin"},
		{Offer{Cost: -1, Margin: 0.3, Budget: 10}, "offer_cost"},
		{Offer{Cost: 1, Margin: 0.3, Budget: 10, CostPer: "click"}, "cost_per"},
	} {
		err := c.o.Validate()
		var ie *InputError
		if !errors.As(err, &ie) || ie.Field != c.field {
			t.Errorf("%+v: error %v, want one on %s", c.o, err, c.field)
		}
	}
	o := Offer{Cost: 0, Margin: 1, Budget: 1}
	if err := o.Validate(); err != nil || o.CostPer != PerRedemption {
		t.Errorf("a free offer with full margin: %v, cost per %q", err, o.CostPer)
	}
}

func TestInterval(t *testing.T) {
	reps := []float64{5, 1, 4, 2, 3}
	e := Interval(3, reps)
	if e.Low < 1 || e.Low > 1.2 || e.High < 4.8 || e.High > 5 || e.Value != 3 {
		t.Fatalf("interval %+v", e)
	}
	if reps[0] != 5 {
		t.Fatal("Interval sorted its input")
	}
}
