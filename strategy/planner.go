package strategy

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// CostPer says what an offer's cost is paid for.
type CostPer string

// Offer cost bases.
const (
	// PerRedemption: the cost is paid when a treated user uses the offer
	// (a coupon's face value), so a treated user's expected cost is
	// Cost × P(buy | treated).
	PerRedemption CostPer = "redemption"
	// PerContact: the cost is paid for every treated user (a message's
	// price), whether or not they buy.
	PerContact CostPer = "contact"
)

// Offer is what a campaign gives and what it may spend.
type Offer struct {
	Cost    float64 `json:"offer_cost"` // per redemption or per contact, in the shop's currency
	CostPer CostPer `json:"cost_per"`   // default PerRedemption
	Margin  float64 `json:"margin"`     // share of revenue that is profit, in (0, 1]
	Budget  float64 `json:"budget"`     // most expected cost to spend, > 0
}

// InputError is an impossible planning input, naming the field.
type InputError struct {
	Field, Msg string
}

func (e *InputError) Error() string { return e.Field + ": " + e.Msg }

// Validate fills the default cost basis and refuses impossible offers.
func (o *Offer) Validate() error {
	if o.CostPer == "" {
		o.CostPer = PerRedemption
	}
	switch {
	case !(o.Budget > 0) || math.IsInf(o.Budget, 0):
		return &InputError{"budget", fmt.Sprintf("is %v; give a positive amount to spend (in the shop's currency)", o.Budget)}
	case !(o.Margin > 0 && o.Margin <= 1):
		return &InputError{"margin", fmt.Sprintf("is %v; give the share of revenue that is profit, greater than 0 and at most 1 (0.3 for 30%%)", o.Margin)}
	case !(o.Cost >= 0) || math.IsInf(o.Cost, 0):
		return &InputError{"offer_cost", fmt.Sprintf("is %v; give a cost of 0 or more per %s", o.Cost, o.CostPer)}
	case o.CostPer != PerRedemption && o.CostPer != PerContact:
		return &InputError{"cost_per", fmt.Sprintf("%q is not a cost basis; use %q or %q", o.CostPer, PerRedemption, PerContact)}
	}
	return nil
}

// Candidate is one user the campaign could treat, as the model sees them.
type Candidate struct {
	UserID   string  `json:"user_id"`
	Uplift   float64 `json:"predicted_uplift"` // change in P(buy within the window) if treated
	PTreated float64 `json:"p_treated"`        // P(buy within the window | treated)
	Value    float64 `json:"order_value"`      // expected revenue of the order the user would place
}

// UnitCost is the expected cost of treating c.
func (o *Offer) UnitCost(c *Candidate) float64 {
	if o.CostPer == PerContact {
		return o.Cost
	}
	return o.Cost * math.Max(0, math.Min(1, c.PTreated))
}

// Profit is the expected incremental profit of treating c:
// uplift × order value × margin − expected cost.
func (o *Offer) Profit(c *Candidate) float64 {
	return c.Uplift*c.Value*o.Margin - o.UnitCost(c)
}

// Choose returns the indices of the candidates to treat, best first.
//
// It is a 0/1 knapsack: maximise Σ profit_i subject to Σ cost_i ≤ budget.
// Users with no positive expected profit are never worth treating. If all
// of those fit in the budget, taking them all is optimal. Otherwise Choose
// takes users by descending profit per unit of cost (zero-cost users first),
// skipping any that no longer fit, and keeps that unless the single most
// profitable user that fits beats it. The ratio order is the optimum of the
// fractional relaxation, so the result falls short of the true optimum by
// less than one user's profit — small for a campaign of many small offers —
// and it is exact when every cost is equal (per-contact pricing). A test
// checks both against brute force.
func Choose(cands []Candidate, o Offer) []int {
	var pos []int
	total := 0.0
	for i := range cands {
		if o.Profit(&cands[i]) > 0 {
			pos = append(pos, i)
			total += o.UnitCost(&cands[i])
		}
	}
	ratio := func(i int) float64 {
		c := o.UnitCost(&cands[i])
		if c <= 0 {
			return math.Inf(1)
		}
		return o.Profit(&cands[i]) / c
	}
	slices.SortStableFunc(pos, func(a, b int) int {
		if c := cmp.Compare(ratio(b), ratio(a)); c != 0 {
			return c
		}
		return cmp.Compare(o.Profit(&cands[b]), o.Profit(&cands[a]))
	})
	if total <= o.Budget {
		return pos
	}
	var chosen []int
	spent, gain := 0.0, 0.0
	best, bestGain := -1, 0.0
	for _, i := range pos {
		c, p := o.UnitCost(&cands[i]), o.Profit(&cands[i])
		if c <= o.Budget && p > bestGain {
			best, bestGain = i, p
		}
		if spent+c <= o.Budget {
			chosen = append(chosen, i)
			spent += c
			gain += p
		}
	}
	if best >= 0 && bestGain > gain {
		return []int{best}
	}
	return chosen
}

// Totals are a plan's expected results.
type Totals struct {
	Conversions float64 `json:"conversions"` // incremental purchases
	Revenue     float64 `json:"revenue"`     // incremental revenue
	Cost        float64 `json:"cost"`        // expected offer cost
	Profit      float64 `json:"profit"`      // revenue × margin − cost
	ROI         float64 `json:"roi"`         // profit / cost; 0 when nothing is spent
}

// Evaluate sums the expected results of treating cands.
func Evaluate(cands []Candidate, o Offer) Totals {
	var t Totals
	for i := range cands {
		c := &cands[i]
		t.Conversions += c.Uplift
		t.Revenue += c.Uplift * c.Value
		t.Cost += o.UnitCost(c)
	}
	t.Profit = t.Revenue*o.Margin - t.Cost
	if t.Cost > 0 {
		t.ROI = t.Profit / t.Cost
	}
	return t
}

// Estimate is a number with an interval.
type Estimate struct {
	Value float64 `json:"value"`
	Low   float64 `json:"low"`
	High  float64 `json:"high"`
}

// Interval returns point with the central 95% percentile interval of reps
// (the point itself when there are none).
func Interval(point float64, reps []float64) Estimate {
	if len(reps) == 0 {
		return Estimate{point, point, point}
	}
	s := slices.Clone(reps)
	slices.Sort(s)
	q := func(p float64) float64 {
		x := p * float64(len(s)-1)
		i := int(x)
		if i >= len(s)-1 {
			return s[len(s)-1]
		}
		return s[i] + (x-float64(i))*(s[i+1]-s[i])
	}
	return Estimate{point, q(0.025), q(0.975)}
}
