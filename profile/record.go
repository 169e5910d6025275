package profile

import (
	"math"

	"github.com/shopmind/shopmind/segment"
	"github.com/shopmind/shopmind/shop"
)

// Field positions in Schema.
const (
	fRecencyDays = iota
	fDaysSinceFirst
	fFrequency
	fMonetary
	fAvgOrderValue
	fEvents
	fAvgPrice
	fRFMR
	fRFMF
	fRFMM
	fExpectedPurchases
	fPAlive
	fCLV
	fLifecycle
	fPriceBand
	fTopCategory
	fTopBrand
	fRFMCode
	fBuyer
)

// Schema is the profile as segment expressions see it. Field i is read with
// the Record method of its kind.
var Schema = segment.Schema{
	fRecencyDays:       {Name: "recency_days", Kind: segment.Number, Doc: "days since the last event of any type"},
	fDaysSinceFirst:    {Name: "days_since_first", Kind: segment.Number, Doc: "days since the first event"},
	fFrequency:         {Name: "frequency", Kind: segment.Number, Doc: "number of orders"},
	fMonetary:          {Name: "monetary", Kind: segment.Number, Doc: "total purchase revenue"},
	fAvgOrderValue:     {Name: "avg_order_value", Kind: segment.Number, Doc: "monetary / frequency (0 without orders)"},
	fEvents:            {Name: "events", Kind: segment.Number, Doc: "events of every type"},
	fAvgPrice:          {Name: "avg_price", Kind: segment.Number, Doc: "interest-weighted mean price of items engaged with"},
	fRFMR:              {Name: "rfm_r", Kind: segment.Number, Doc: "recency quintile 1–5 (5 = most recent buyers)"},
	fRFMF:              {Name: "rfm_f", Kind: segment.Number, Doc: "frequency quintile 1–5"},
	fRFMM:              {Name: "rfm_m", Kind: segment.Number, Doc: "monetary quintile 1–5"},
	fExpectedPurchases: {Name: "expected_purchases", Kind: segment.Number, Doc: "purchases expected in the next 90 days (0 for non-buyers or without a model)"},
	fPAlive:            {Name: "p_alive", Kind: segment.Number, Doc: "probability the customer is still active (CLV model)"},
	fCLV:               {Name: "clv", Kind: segment.Number, Doc: "customer lifetime value over the horizon"},
	fLifecycle:         {Name: "lifecycle", Kind: segment.String, Doc: "new, active, at_risk or lapsed"},
	fPriceBand:         {Name: "price_band", Kind: segment.String, Doc: "budget, mid, upper, premium or unknown"},
	fTopCategory:       {Name: "top_category", Kind: segment.String, Doc: "category level with the highest affinity"},
	fTopBrand:          {Name: "top_brand", Kind: segment.String, Doc: "brand with the highest affinity"},
	fRFMCode:           {Name: "rfm", Kind: segment.String, Doc: "RFM code such as \"545\""},
	fBuyer:             {Name: "buyer", Kind: segment.Bool, Doc: "has purchased at least once"},
}

// Context is what a profile is read against: the time and the population
// statistics and models. Fields may be nil.
type Context struct {
	Now       int64
	Quintiles *Quintiles
	Bands     *PriceBands
	Value     *ValueModel
}

// Record adapts a profile to segment.Record. Build one per profile with
// NewRecord, or reuse one with Reset to avoid allocation.
type Record struct {
	b       *Builder
	p       *Profile
	ctx     *Context
	value   *Value
	valueOK bool
	rfm     RFM
	rfmOK   bool
}

var _ segment.Record = (*Record)(nil)

// NewRecord returns a record of p; value, if not nil, overrides the value the
// context's model would predict.
func (b *Builder) NewRecord(p *Profile, ctx *Context, value *Value) *Record {
	r := &Record{b: b}
	r.Reset(p, ctx, value)
	return r
}

// Reset points r at another profile.
func (r *Record) Reset(p *Profile, ctx *Context, value *Value) {
	r.p, r.ctx, r.value, r.rfmOK, r.valueOK = p, ctx, value, false, value != nil
}

func (r *Record) val() *Value {
	if !r.valueOK {
		r.value = r.ctx.Value.Value(r.p, r.ctx.Now)
		r.valueOK = true
	}
	return r.value
}

func (r *Record) scores() RFM {
	if !r.rfmOK {
		if r.ctx.Quintiles != nil {
			r.rfm = r.ctx.Quintiles.Score(r.p, r.ctx.Now)
		}
		r.rfmOK = true
	}
	return r.rfm
}

// Number implements segment.Record.
func (r *Record) Number(i int) float64 {
	p, now := r.p, r.ctx.Now
	switch i {
	case fRecencyDays:
		return math.Max(0, float64(now-p.Latest)/secondsInDay)
	case fDaysSinceFirst:
		return math.Max(0, float64(now-p.First)/secondsInDay)
	case fFrequency:
		return float64(p.Orders)
	case fMonetary:
		return p.Revenue
	case fAvgOrderValue:
		if p.Orders == 0 {
			return 0
		}
		return p.Revenue / float64(p.Orders)
	case fEvents:
		return float64(p.Total())
	case fAvgPrice:
		return p.AvgPrice()
	case fRFMR:
		return float64(r.scores().R)
	case fRFMF:
		return float64(r.scores().F)
	case fRFMM:
		return float64(r.scores().M)
	case fExpectedPurchases:
		if v := r.val(); v != nil {
			return v.ExpectedPurchases
		}
	case fPAlive:
		if v := r.val(); v != nil {
			return v.PAlive
		}
	case fCLV:
		if v := r.val(); v != nil {
			return v.CLV
		}
	}
	return 0
}

// Str implements segment.Record.
func (r *Record) Str(i int) string {
	switch i {
	case fLifecycle:
		return r.b.stage(r.p, r.ctx.Now)
	case fPriceBand:
		if r.ctx.Bands == nil {
			return "unknown"
		}
		return r.ctx.Bands.Band(r.p.AvgPrice())
	case fTopCategory:
		return topName(r.p.cats)
	case fTopBrand:
		return topName(r.p.brands)
	case fRFMCode:
		return r.scores().Code
	}
	return ""
}

// Flag implements segment.Record.
func (r *Record) Flag(i int) bool {
	if i == fBuyer {
		return r.p.Counts[shop.Purchase.Index()] > 0
	}
	return false
}

// Count implements segment.Record.
func (r *Record) Count(t shop.EventType, days int) float64 {
	return float64(r.p.CountSince(t, days, r.ctx.Now))
}

// DaysSince implements segment.Record.
func (r *Record) DaysSince(t shop.EventType) float64 { return r.p.DaysSince(t, r.ctx.Now) }

// Affinity implements segment.Record.
func (r *Record) Affinity(name string) float64 { return r.p.Affinity(name) }

func topName(m map[string]float64) string {
	best, bv := "", 0.0
	for k, v := range m {
		if v > bv || (v == bv && k < best) {
			best, bv = k, v
		}
	}
	return best
}
