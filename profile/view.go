package profile

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/shopmind/shopmind/shop"
)

// Lifecycle stages.
const (
	StageNew     = "new"
	StageActive  = "active"
	StageAtRisk  = "at_risk"
	StageLapsed  = "lapsed"
	secondsInDay = 86400
)

// Stage is a lifecycle stage and the rule that set it.
type Stage struct {
	Stage string `json:"stage"`
	Rule  string `json:"rule"`
}

// Lifecycle classifies p at now by activity: new while first seen within
// NewDays, active while last seen within ActiveDays, at risk until
// AtRiskDays, lapsed after. The rule says why, in words.
func (b *Builder) Lifecycle(p *Profile, now int64) Stage {
	c := b.cfg
	sinceFirst := float64(now-p.First) / secondsInDay
	sinceLast := float64(now-p.Latest) / secondsInDay
	switch st := b.stage(p, now); st {
	case StageNew:
		return Stage{st, fmt.Sprintf("first seen %.1f days ago (new for %d days)", sinceFirst, c.NewDays)}
	case StageActive:
		return Stage{st, fmt.Sprintf("last seen %.1f days ago (active within %d days)", sinceLast, c.ActiveDays)}
	case StageAtRisk:
		return Stage{st, fmt.Sprintf("last seen %.1f days ago (at risk after %d days without activity)", sinceLast, c.ActiveDays)}
	default:
		return Stage{st, fmt.Sprintf("last seen %.1f days ago (lapsed after %d days without activity)", sinceLast, c.AtRiskDays)}
	}
}

// stage is Lifecycle without the rule, for hot paths.
func (b *Builder) stage(p *Profile, now int64) string {
	c := b.cfg
	switch {
	case now-p.First < int64(c.NewDays)*secondsInDay:
		return StageNew
	case now-p.Latest <= int64(c.ActiveDays)*secondsInDay:
		return StageActive
	case now-p.Latest <= int64(c.AtRiskDays)*secondsInDay:
		return StageAtRisk
	}
	return StageLapsed
}

// Quintiles holds the RFM breakpoints computed over every profile, so that
// scores are 1–5 quintiles of the whole customer base. Users who never bought
// rank lowest on all three.
type Quintiles struct {
	Recency   [4]float64 `json:"recency_days"` // days since last purchase; lower is better
	Frequency [4]float64 `json:"frequency"`
	Monetary  [4]float64 `json:"monetary"`
	Users     int        `json:"users"`
	At        time.Time  `json:"computed_at"`
}

// ComputeQuintiles computes RFM breakpoints over profiles at now.
func ComputeQuintiles(profiles []*Profile, now int64) Quintiles {
	n := len(profiles)
	rec := make([]float64, 0, n)
	freq := make([]float64, 0, n)
	mon := make([]float64, 0, n)
	for _, p := range profiles {
		rec = append(rec, purchaseRecency(p, now))
		freq = append(freq, float64(p.Orders))
		mon = append(mon, p.Revenue)
	}
	q := Quintiles{Users: n, At: time.Unix(now, 0).UTC()}
	q.Recency = breakpoints(rec)
	q.Frequency = breakpoints(freq)
	q.Monetary = breakpoints(mon)
	return q
}

// neverDays stands for "never bought" in recency: beyond any real recency,
// yet finite so that quintile breakpoints encode as JSON.
const neverDays = 1e9

func purchaseRecency(p *Profile, now int64) float64 {
	last := p.Last[shop.Purchase.Index()]
	if last == 0 {
		return neverDays
	}
	return math.Max(0, float64(now-last)/secondsInDay)
}

func breakpoints(v []float64) [4]float64 {
	var b [4]float64
	if len(v) == 0 {
		return b
	}
	slices.Sort(v)
	for i := range b {
		b[i] = v[(i+1)*len(v)/5]
	}
	return b
}

// RFM is a profile's recency, frequency and monetary quintile scores (5 is
// best) and their concatenation, e.g. "545".
type RFM struct {
	R    int    `json:"r"`
	F    int    `json:"f"`
	M    int    `json:"m"`
	Code string `json:"code"`
}

// Score places p in the quintiles.
func (q *Quintiles) Score(p *Profile, now int64) RFM {
	if q.Users == 0 {
		return RFM{}
	}
	r := 5 - rank(q.Recency, purchaseRecency(p, now)) + 1 // low recency is good
	if p.Last[shop.Purchase.Index()] == 0 {
		r = 1
	}
	f := rank(q.Frequency, float64(p.Orders))
	m := rank(q.Monetary, p.Revenue)
	if p.Orders == 0 {
		f, m = 1, 1
	}
	return RFM{R: r, F: f, M: m, Code: fmt.Sprintf("%d%d%d", r, f, m)}
}

// rank is 1 + the number of breakpoints v is above or at: 1..5 for an
// ascending metric (for recency the caller flips it).
func rank(b [4]float64, v float64) int {
	return 1 + sort.Search(4, func(i int) bool { return v < b[i] })
}

// View is a profile as the API shows it at one moment.
type View struct {
	UserID            string           `json:"user_id"`
	Counts            map[string]int64 `json:"counts"`
	Events            int64            `json:"events"`
	FirstSeen         time.Time        `json:"first_seen"`
	LastSeen          time.Time        `json:"last_seen"`
	RecencyDays       float64          `json:"recency_days"`
	DaysSincePurchase *float64         `json:"days_since_purchase,omitempty"`
	Frequency         int64            `json:"frequency"`
	Monetary          float64          `json:"monetary"`
	AvgOrderValue     float64          `json:"avg_order_value"`
	RFM               *RFM             `json:"rfm,omitempty"`
	TopCategories     []Named          `json:"top_categories"`
	TopBrands         []Named          `json:"top_brands"`
	AvgPrice          float64          `json:"avg_price"`
	PriceBand         string           `json:"price_band"`
	ActiveHours       [24]int32        `json:"active_hours"`
	PeakHour          int              `json:"peak_hour"`
	Weekdays          [7]int32         `json:"weekdays"`
	Lifecycle         Stage            `json:"lifecycle"`
	Value             *Value           `json:"value,omitempty"`
	Segments          []string         `json:"segments"`
	AsOf              time.Time        `json:"as_of"`
}

// Value is the customer-value prediction for a profile (buyers only).
type Value struct {
	Model             string  `json:"model"`
	ExpectedPurchases float64 `json:"expected_purchases_90d"` // purchases expected in the next 90 days
	PAlive            float64 `json:"p_alive"`
	CLV               float64 `json:"clv"`              // discounted value over the horizon
	HorizonDays       int     `json:"clv_horizon_days"` // the CLV horizon
}

// PriceBands splits item prices into bands by catalogue quantiles.
type PriceBands struct {
	Cuts  [3]float64 `json:"cuts"` // 25th, 50th and 75th price percentiles
	Names [4]string  `json:"names"`
}

// ComputePriceBands derives bands from the catalogue's prices.
func ComputePriceBands(prices []float64) PriceBands {
	pb := PriceBands{Names: [4]string{"budget", "mid", "upper", "premium"}}
	var v []float64
	for _, p := range prices {
		if p > 0 {
			v = append(v, p)
		}
	}
	if len(v) == 0 {
		return pb
	}
	slices.Sort(v)
	for i := range pb.Cuts {
		pb.Cuts[i] = v[(i+1)*len(v)/4]
	}
	return pb
}

// Band names the band of price ("unknown" when there is none).
func (pb *PriceBands) Band(price float64) string {
	if price <= 0 || pb.Names[0] == "" {
		return "unknown"
	}
	return pb.Names[sort.Search(3, func(i int) bool { return price < pb.Cuts[i] })]
}

// View derives what the API shows. Context fields may be nil.
func (b *Builder) View(p *Profile, c *Context) View {
	now, q, bands := c.Now, c.Quintiles, c.Bands
	v := View{
		UserID:        p.UserID,
		Counts:        make(map[string]int64),
		Events:        p.Total(),
		FirstSeen:     time.Unix(p.First, 0).UTC(),
		LastSeen:      time.Unix(p.Latest, 0).UTC(),
		RecencyDays:   round2(math.Max(0, float64(now-p.Latest)/secondsInDay)),
		Frequency:     p.Orders,
		Monetary:      round2(p.Revenue),
		TopCategories: roundNamed(p.TopCategories(5)),
		TopBrands:     roundNamed(p.TopBrands(5)),
		AvgPrice:      round2(p.AvgPrice()),
		ActiveHours:   p.Hours,
		Weekdays:      p.Weekdays,
		Lifecycle:     b.Lifecycle(p, now),
		Segments:      []string{},
		AsOf:          time.Unix(now, 0).UTC(),
		PriceBand:     "unknown",
	}
	for i, c := range p.Counts {
		if c > 0 {
			v.Counts[string(shop.EventTypes[i])] = c
		}
	}
	if d := purchaseRecency(p, now); d < neverDays {
		d = round2(d)
		v.DaysSincePurchase = &d
	}
	if p.Orders > 0 {
		v.AvgOrderValue = round2(p.Revenue / float64(p.Orders))
	}
	if q != nil && q.Users > 0 {
		r := q.Score(p, now)
		v.RFM = &r
	}
	if bands != nil {
		v.PriceBand = bands.Band(p.AvgPrice())
	}
	v.Value = c.Value.Value(p, now)
	for h, n := range p.Hours {
		if n > p.Hours[v.PeakHour] {
			v.PeakHour = h
		}
	}
	if v.TopCategories == nil {
		v.TopCategories = []Named{}
	}
	if v.TopBrands == nil {
		v.TopBrands = []Named{}
	}
	return v
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

func roundNamed(ns []Named) []Named {
	for i := range ns {
		ns[i].Score = math.Round(ns[i].Score*1e4) / 1e4
	}
	return ns
}
