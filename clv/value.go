package clv

import (
	"fmt"
	"math"
)

// CountModel is what the purchase models (BGNBD, ParetoNBD) predict. Times
// are in weeks.
type CountModel interface {
	Name() string
	Params() []float64
	Check() error
	// LogLikelihood is one customer's log-likelihood.
	LogLikelihood(c Customer) float64
	// ExpectedPurchases is E[X(t)], the repeat purchases of a new customer in
	// their first t weeks.
	ExpectedPurchases(t float64) float64
	// ConditionalExpectedPurchases is E[Y(t) | x, tₓ, T], the purchases of
	// customer c in the t weeks after the end of calibration.
	ConditionalExpectedPurchases(c Customer, t float64) float64
	// ProbAlive is the probability that c is still a customer at T.
	ProbAlive(c Customer) float64
}

var (
	_ CountModel = BGNBD{}
	_ CountModel = ParetoNBD{}
)

// WeeksPerMonth is the length of a discounting month: 52/12 weeks.
const WeeksPerMonth = 52.0 / 12

// ValueOptions says how customer value is discounted.
//
// Discounting is discrete: the horizon is cut into periods of Period weeks
// (1 for weekly, WeeksPerMonth for monthly; the last period may be shorter),
// the expected purchases falling in period k (k = 1, 2, …) are
// E[Y(k·Period)] − E[Y((k−1)·Period)], and they are discounted by
// (1+Discount)^k, as if paid at the end of the period.
type ValueOptions struct {
	Horizon  float64 // weeks after the end of calibration, > 0
	Period   float64 // weeks per discounting period; 0 means WeeksPerMonth (monthly)
	Discount float64 // discount rate per period, ≥ 0 (0.01 is 1 % a month)
	Margin   float64 // profit share of spend, in (0, 1]; 0 means 1 (value in revenue)
}

// DefaultValueOptions is a year ahead, discounted monthly at 1 % a month, in
// revenue (margin 1).
var DefaultValueOptions = ValueOptions{Horizon: 52, Period: WeeksPerMonth, Discount: 0.01, Margin: 1}

func (o ValueOptions) normalised() (ValueOptions, error) {
	if o.Period == 0 {
		o.Period = WeeksPerMonth
	}
	if o.Margin == 0 {
		o.Margin = 1
	}
	switch {
	case !(o.Horizon > 0) || !finite(o.Horizon):
		return o, fmt.Errorf("customer value: the horizon %v weeks must be > 0", o.Horizon)
	case !(o.Period > 0) || !finite(o.Period):
		return o, fmt.Errorf("customer value: the discounting period %v weeks must be > 0 (1 weekly, %.4g monthly)", o.Period, WeeksPerMonth)
	case !(o.Discount >= 0) || !finite(o.Discount):
		return o, fmt.Errorf("customer value: the discount rate %v per period must be ≥ 0", o.Discount)
	case !(o.Margin > 0 && o.Margin <= 1):
		return o, fmt.Errorf("customer value: the margin %v must be in (0, 1]", o.Margin)
	case o.Horizon/o.Period > 1e5:
		return o, fmt.Errorf("customer value: %v weeks in periods of %v weeks is over 100,000 periods; use a longer period", o.Horizon, o.Period)
	}
	return o, nil
}

// DiscountedPurchases returns the discounted expected number of purchases of
// c over the horizon (see ValueOptions for the discounting).
func DiscountedPurchases(m CountModel, c Customer, o ValueOptions) (float64, error) {
	o, err := o.normalised()
	if err != nil {
		return 0, err
	}
	total, prev, factor := 0.0, 0.0, 1.0
	for k := 1; ; k++ {
		t := math.Min(float64(k)*o.Period, o.Horizon)
		cum := m.ConditionalExpectedPurchases(c, t)
		if !finite(cum) {
			return 0, fmt.Errorf("customer %q: %s expected purchases over %v weeks are not finite (parameters %v)", c.ID, m.Name(), t, m.Params())
		}
		factor /= 1 + o.Discount
		total += (cum - prev) * factor
		prev = cum
		if t >= o.Horizon {
			return total, nil
		}
	}
}

// Value is one customer's predicted value.
type Value struct {
	Customer  Customer
	ProbAlive float64 // P(alive) at the end of calibration
	Purchases float64 // expected purchases over the horizon, undiscounted
	Spend     float64 // expected value of one purchase (Gamma-Gamma)
	CLV       float64 // margin × spend × discounted expected purchases
}

// CustomerValue returns customer c's lifetime value over the horizon:
// Margin × E[spend | c] (Gamma-Gamma) × discounted expected purchases
// (m). Customers without repeat purchases are valued at the population mean
// spend.
func CustomerValue(m CountModel, spend GammaGamma, c Customer, o ValueOptions) (Value, error) {
	o, err := o.normalised()
	if err != nil {
		return Value{}, err
	}
	if err := spend.Check(); err != nil {
		return Value{}, err
	}
	if spend.Q <= 1 {
		return Value{}, fmt.Errorf("customer value: Gamma-Gamma q = %v ≤ 1 has no mean spend; value purchases only (DiscountedPurchases)", spend.Q)
	}
	d, err := DiscountedPurchases(m, c, o)
	if err != nil {
		return Value{}, err
	}
	v := Value{
		Customer:  c,
		ProbAlive: m.ProbAlive(c),
		Purchases: m.ConditionalExpectedPurchases(c, o.Horizon),
		Spend:     spend.ConditionalExpectedSpend(c),
	}
	v.CLV = o.Margin * v.Spend * d
	return v, nil
}
