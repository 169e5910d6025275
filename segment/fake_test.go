package segment_test

import (
	"fmt"
	"math"

	"github.com/shopmind/shopmind/segment"
	"github.com/shopmind/shopmind/shop"
)

// testSchema is a fake profile schema. Its order is the index layout of
// profile below: numbers first, then strings, then flags.
var testSchema = segment.Schema{
	{Name: "recency_days", Kind: segment.Number, Doc: "days since the last visit"},
	{Name: "frequency", Kind: segment.Number, Doc: "orders in the last year"},
	{Name: "monetary", Kind: segment.Number, Doc: "revenue in the last year"},
	{Name: "avg_basket", Kind: segment.Number, Doc: "mean order value"},
	{Name: "lifecycle", Kind: segment.String, Doc: "new, active, at_risk, lapsed"},
	{Name: "price_band", Kind: segment.String, Doc: "low, mid, high"},
	{Name: "city", Kind: segment.String, Doc: "city name"},
	{Name: "has_consent_ads", Kind: segment.Bool, Doc: "consented to ads"},
	{Name: "has_consent_sms", Kind: segment.Bool, Doc: "consented to SMS"},
}

const (
	nNum  = 4
	nStr  = 3
	nFlag = 2
)

func fieldIndex(name string) int {
	for i, f := range testSchema {
		if f.Name == name {
			return i
		}
	}
	panic("no field " + name)
}

// vals is a readable record for table tests: schema field names map to
// their values, and canonical calls such as `count("view", 7d)`,
// `days_since("purchase")` or `affinity("Beauty")` to theirs. A missing
// count or affinity is 0, a missing days_since is +Inf, a missing field is
// its zero value.
type vals map[string]any

func (v vals) Number(i int) float64 { return num(v[testSchema[i].Name]) }

func (v vals) Str(i int) string { s, _ := v[testSchema[i].Name].(string); return s }

func (v vals) Flag(i int) bool { b, _ := v[testSchema[i].Name].(bool); return b }

func (v vals) Count(t shop.EventType, days int) float64 {
	if days == 0 {
		return num(v[fmt.Sprintf("count(%q)", t)])
	}
	return num(v[fmt.Sprintf("count(%q, %dd)", t, days)])
}

func (v vals) DaysSince(t shop.EventType) float64 {
	x, ok := v[fmt.Sprintf("days_since(%q)", t)]
	if !ok {
		return math.Inf(1)
	}
	return num(x)
}

func (v vals) Affinity(name string) float64 { return num(v[fmt.Sprintf("affinity(%q)", name)]) }

func num(x any) float64 {
	switch x := x.(type) {
	case int:
		return float64(x)
	case float64:
		return x
	}
	return 0
}

// profile is a Record the way a real profile would hold one: fixed arrays,
// no maps, no pointers but the strings. Counts are kept per event type for
// a few windows; a window between two kept ones reads the next longer one.
type profile struct {
	num    [nNum]float64
	str    [nStr]string
	flag   [nFlag]bool
	counts [16][4]uint16 // per event type: 7d, 30d, 90d, ever
	since  [16]float32   // days since the last event per type; +Inf for never
	aff    [8]float32    // per entry of categories
}

var categories = [8]string{"Beauty", "shoes", "Electronics", "Home", "Toys", "Books", "美妆", "Sports"}

func (p *profile) Number(i int) float64 { return p.num[i] }
func (p *profile) Str(i int) string     { return p.str[i-nNum] }
func (p *profile) Flag(i int) bool      { return p.flag[i-nNum-nStr] }

func (p *profile) Count(t shop.EventType, days int) float64 {
	ti := typeIndex(t)
	if ti < 0 {
		return 0
	}
	w := 3
	switch {
	case days == 0:
	case days <= 7:
		w = 0
	case days <= 30:
		w = 1
	case days <= 90:
		w = 2
	}
	return float64(p.counts[ti][w])
}

func (p *profile) DaysSince(t shop.EventType) float64 {
	ti := typeIndex(t)
	if ti < 0 {
		return math.Inf(1)
	}
	return float64(p.since[ti])
}

func (p *profile) Affinity(name string) float64 {
	for i, c := range categories {
		if c == name {
			return float64(p.aff[i])
		}
	}
	return 0
}

// typeIndex is the position of t in shop.EventTypes.
func typeIndex(t shop.EventType) int {
	switch t {
	case shop.View:
		return 0
	case shop.Search:
		return 1
	case shop.Click:
		return 2
	case shop.AddToCart:
		return 3
	case shop.RemoveFromCart:
		return 4
	case shop.Favorite:
		return 5
	case shop.Purchase:
		return 6
	case shop.Rating:
		return 7
	case shop.Review:
		return 8
	case shop.AdImpression:
		return 9
	case shop.AdClick:
		return 10
	case shop.AdConversion:
		return 11
	case shop.MessageSent:
		return 12
	case shop.MessageOpen:
		return 13
	case shop.MessageClick:
		return 14
	case shop.CouponRedeem:
		return 15
	}
	return -1
}

var (
	lifecycles = []string{"new", "active", "at_risk", "lapsed"}
	priceBands = []string{"low", "mid", "high"}
	cities     = []string{"上海", "北京", "Hangzhou", ""}
)

// rng is splitmix64: small, fast and the same everywhere.
type rng uint64

func (r *rng) next() uint64 {
	*r += 0x9e3779b97f4a7c15
	z := uint64(*r)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// eventScale is roughly how many events of each type an active user has in
// a week, in the order of shop.EventTypes.
var eventScale = [16]float64{12, 4, 8, 3, 1, 1, 0.6, 0.2, 0.2, 20, 1, 0.2, 3, 1, 0.3, 0.2}

// randomProfiles fills n profiles with plausible, seeded values: a few very
// active users, many occasional ones, purchases much rarer than views.
func randomProfiles(n int, seed uint64) []profile {
	r := rng(seed)
	ps := make([]profile, n)
	poisson := func(mean float64) uint16 { // small means only; Knuth's method
		l, k, p := math.Exp(-mean), 0, 1.0
		for {
			p *= r.float()
			if p <= l || k == 1000 {
				return uint16(k)
			}
			k++
		}
	}
	for i := range ps {
		p := &ps[i]
		activity := r.float() * r.float() * 2               // mean 0.5, long tail
		p.num[0] = float64(r.intn(120))                     // recency_days
		p.num[1] = float64(poisson(activity * 6))           // frequency
		p.num[2] = math.Round(p.num[1]*r.float()*4000) / 10 // monetary
		p.num[3] = div0(p.num[2], p.num[1])                 // avg_basket
		p.str[0] = lifecycles[r.intn(len(lifecycles))]      // lifecycle
		p.str[1] = priceBands[r.intn(len(priceBands))]      // price_band
		p.str[2] = cities[r.intn(len(cities))]              // city
		p.flag[0] = r.intn(3) > 0
		p.flag[1] = r.intn(2) > 0
		for t, scale := range eventScale {
			m := scale * activity
			c7 := poisson(m)
			c30 := c7 + poisson(m*3)
			c90 := c30 + poisson(m*8)
			p.counts[t] = [4]uint16{c7, c30, c90, c90 + poisson(m*20)}
			switch {
			case c7 > 0:
				p.since[t] = float32(r.intn(7))
			case c30 > 0:
				p.since[t] = float32(7 + r.intn(23))
			case c90 > 0:
				p.since[t] = float32(30 + r.intn(60))
			case p.counts[t][3] > 0:
				p.since[t] = float32(90 + r.intn(275))
			default:
				p.since[t] = float32(math.Inf(1))
			}
		}
		for c := range p.aff {
			p.aff[c] = float32(r.float() * r.float())
		}
	}
	return ps
}

func div0(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// hashRecord answers every question with a value derived from its seed and
// the question, so that any expression, whatever functions and windows it
// uses, sees a consistent random user. Values are chosen to hit edges: 0,
// small integers, fractions, +Inf for never.
type hashRecord uint64

func (h hashRecord) mix(parts ...string) uint64 {
	x := uint64(h) ^ 0xcbf29ce484222325
	for _, p := range parts {
		for i := 0; i < len(p); i++ {
			x = (x ^ uint64(p[i])) * 0x100000001b3
		}
		x = (x ^ 0xff) * 0x100000001b3
	}
	r := rng(x)
	return r.next()
}

var edgeNumbers = []float64{0, 1, 2, 3, 5, 7, 30, 31, 100, 0.2, 0.5, -1, 1e6}

func (h hashRecord) Number(i int) float64 {
	return edgeNumbers[h.mix("n", testSchema[i].Name)%uint64(len(edgeNumbers))]
}

func (h hashRecord) Str(i int) string {
	all := append(append(append([]string{}, lifecycles...), priceBands...), cities...)
	return all[h.mix("s", testSchema[i].Name)%uint64(len(all))]
}

func (h hashRecord) Flag(i int) bool { return h.mix("f", testSchema[i].Name)%2 == 0 }

func (h hashRecord) Count(t shop.EventType, days int) float64 {
	return float64(h.mix("c", string(t), fmt.Sprint(days)) % 6)
}

func (h hashRecord) DaysSince(t shop.EventType) float64 {
	x := h.mix("d", string(t)) % 50
	if x >= 40 {
		return math.Inf(1)
	}
	return float64(x)
}

func (h hashRecord) Affinity(name string) float64 {
	return float64(h.mix("a", name)%11) / 10
}
