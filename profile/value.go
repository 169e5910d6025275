package profile

import (
	"fmt"
	"math"
	"time"

	"github.com/shopmind/shopmind/clv"
	"github.com/shopmind/shopmind/shop"
)

// secondsInWeek converts profile times to the weeks the CLV models use.
const secondsInWeek = 7 * secondsInDay

// Minimum population for a customer-value fit: fewer buyers give parameters
// that mean little.
const (
	minBuyers    = 30
	minRepeaters = 10
)

// ValueModel is a BG/NBD purchase model and a Gamma-Gamma spend model fitted
// on the shop's own purchases, used to value each profile.
type ValueModel struct {
	Purchases clv.BGNBD      `json:"bgnbd"`
	Spend     clv.GammaGamma `json:"gamma_gamma"`
	HasSpend  bool           `json:"has_spend"`
	// Unpredictable counts buyers whose predictions overflow under these
	// parameters; their profiles show no value.
	Unpredictable int       `json:"unpredictable_buyers"`
	MeanSpend     float64   `json:"mean_spend"` // used when Gamma-Gamma could not be fitted
	Buyers        int       `json:"buyers"`
	FittedAt      time.Time `json:"fitted_at"`
	Horizon       int       `json:"horizon_days"`
}

// customer summarises a profile the way the CLV models read it: repeat
// purchase days, the time of the last one and the age, in weeks since the
// first purchase; mean order value as spend.
func customer(p *Profile, now int64) (clv.Customer, bool) {
	if p.FirstPurchase == 0 || p.PurchaseDays == 0 {
		return clv.Customer{}, false
	}
	c := clv.Customer{ID: p.UserID, X: int(p.PurchaseDays - 1)}
	c.T = math.Max(0, float64(now-p.FirstPurchase)/secondsInWeek)
	if c.X > 0 {
		c.Tx = math.Min(c.T, math.Max(0, float64(p.Last[shop.Purchase.Index()]-p.FirstPurchase)/secondsInWeek))
		if p.Orders > 0 && p.Revenue > 0 {
			c.Zbar = p.Revenue / float64(p.Orders)
		}
	}
	return c, true
}

// FitValue fits the purchase and spend models over profiles at now. It
// fails when there are too few buyers to say anything.
func FitValue(profiles []*Profile, now int64, horizonDays int) (*ValueModel, error) {
	var cs, repeat []clv.Customer
	var spendSum float64
	var spendN int
	for _, p := range profiles {
		c, ok := customer(p, now)
		if !ok {
			continue
		}
		cs = append(cs, c)
		if c.X > 0 && c.Zbar > 0 {
			repeat = append(repeat, c)
		}
		if p.Orders > 0 {
			spendSum += p.Revenue / float64(p.Orders)
			spendN++
		}
	}
	if len(cs) < minBuyers || len(repeat) < minRepeaters {
		return nil, fmt.Errorf("customer value needs at least %d buyers and %d repeat buyers; the shop has %d and %d", minBuyers, minRepeaters, len(cs), len(repeat))
	}
	bg, _, err := clv.FitBGNBD(cs, nil)
	if err != nil {
		return nil, fmt.Errorf("fitting BG/NBD on %d buyers: %w", len(cs), err)
	}
	m := &ValueModel{Purchases: bg, Buyers: len(cs), FittedAt: time.Unix(now, 0).UTC(), Horizon: horizonDays}
	if spendN > 0 {
		m.MeanSpend = spendSum / float64(spendN)
	}
	// Extreme fitted parameters can make predictions overflow for some
	// buyers; Value then reports nothing for them. Refuse a model for which
	// that is more than a few.
	bad := 0
	for _, c := range cs {
		e, pa := bg.ConditionalExpectedPurchases(c, 90.0/7), bg.ProbAlive(c)
		if !isFinite(e) || !isFinite(pa) {
			bad++
		}
	}
	m.Unpredictable = bad
	if bad > len(cs)/20 {
		return nil, fmt.Errorf("BG/NBD fitted on %d buyers (r %.4g, α %.4g, a %.4g, b %.4g) predicts non-finite values for %d of them; no customer value",
			len(cs), bg.R, bg.Alpha, bg.A, bg.B, bad)
	}
	if gg, _, err := clv.FitGammaGamma(repeat, nil); err == nil && gg.Q > 1 {
		m.Spend, m.HasSpend = gg, true
	}
	return m, nil
}

// Value predicts a profile's purchases in the next 90 days, P(alive) and CLV
// over the horizon (discounted monthly at 1 %, in revenue). Nil for users who
// never bought, or without a model.
func (m *ValueModel) Value(p *Profile, now int64) *Value {
	if m == nil {
		return nil
	}
	c, ok := customer(p, now)
	if !ok {
		return nil
	}
	weeks := float64(m.Horizon) / 7
	v := &Value{Model: "bg/nbd+gamma-gamma", HorizonDays: m.Horizon,
		ExpectedPurchases: m.Purchases.ConditionalExpectedPurchases(c, 90.0/7), PAlive: m.Purchases.ProbAlive(c)}
	opts := clv.DefaultValueOptions
	opts.Horizon = weeks
	if m.HasSpend {
		if cv, err := clv.CustomerValue(m.Purchases, m.Spend, c, opts); err == nil {
			v.CLV = cv.CLV
		}
	} else if d, err := clv.DiscountedPurchases(m.Purchases, c, opts); err == nil {
		v.Model = "bg/nbd+mean-spend"
		v.CLV = d * m.MeanSpend
	}
	if !isFinite(v.ExpectedPurchases) || !isFinite(v.PAlive) || !isFinite(v.CLV) {
		return nil
	}
	v.ExpectedPurchases = math.Round(v.ExpectedPurchases*1000) / 1000
	v.PAlive = math.Round(v.PAlive*1000) / 1000
	v.CLV = math.Round(v.CLV*100) / 100
	return v
}

func isFinite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
