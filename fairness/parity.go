package fairness

import (
	"cmp"
	"slices"
)

// GroupDelivery is what one user group received from the ads engine.
type GroupDelivery struct {
	Group string
	Users int // distinct users of the group behind the counts
	// Requests are the ad slots the group's users asked for (or, where only
	// served ads are known, the group's users: then Rate is "reached").
	Requests    int64
	Impressions int64
	// PriceSum is the sum of the price paid per impression (cost per
	// impression) over Priced impressions; Priced 0 means unknown.
	PriceSum float64
	Priced   int64
}

// GroupRate is one group's line in a parity report.
type GroupRate struct {
	Group       string  `json:"group"`
	Users       int     `json:"users"`
	Requests    int64   `json:"requests"`
	Impressions int64   `json:"impressions"`
	Rate        float64 `json:"delivery_rate"`
	// AvgPrice is the mean cost per impression; omitted when unknown.
	AvgPrice *float64 `json:"avg_price,omitempty"`
}

// Gap is the largest disparity of one measure across groups: the highest
// and lowest group, their difference and ratio (lowest/highest, 1 is
// parity; 0 when the highest is 0).
type Gap struct {
	Measure    string  `json:"measure"`
	High       string  `json:"high_group"`
	HighValue  float64 `json:"high"`
	Low        string  `json:"low_group"`
	LowValue   float64 `json:"low"`
	Difference float64 `json:"difference"`
	Ratio      float64 `json:"ratio"`
}

// Parity compares delivery across groups.
type Parity struct {
	Groups []GroupRate `json:"groups"`
	// Suppressed lists groups with fewer users than the minimum group size
	// (k-anonymity): their numbers are withheld and take no part in the
	// gaps.
	Suppressed []string `json:"suppressed,omitempty"`
	MinGroup   int      `json:"min_group_size"`
	Rate       *Gap     `json:"delivery_rate_gap,omitempty"`
	Price      *Gap     `json:"avg_price_gap,omitempty"`
}

// DeliveryParity reports each group's delivery rate (impressions per
// request) and average price, withholding groups with fewer than minGroup
// users, and the largest gap of each measure over the groups reported.
func DeliveryParity(groups []GroupDelivery, minGroup int) Parity {
	p := Parity{MinGroup: minGroup, Groups: []GroupRate{}}
	for _, g := range groups {
		if g.Users < minGroup {
			p.Suppressed = append(p.Suppressed, g.Group)
			continue
		}
		r := GroupRate{Group: g.Group, Users: g.Users, Requests: g.Requests, Impressions: g.Impressions}
		if g.Requests > 0 {
			r.Rate = float64(g.Impressions) / float64(g.Requests)
		}
		if g.Priced > 0 {
			v := g.PriceSum / float64(g.Priced)
			r.AvgPrice = &v
		}
		p.Groups = append(p.Groups, r)
	}
	slices.SortFunc(p.Groups, func(a, b GroupRate) int { return cmp.Compare(a.Group, b.Group) })
	slices.Sort(p.Suppressed)
	var rates, prices []keyed
	for _, g := range p.Groups {
		rates = append(rates, keyed{g.Group, g.Rate})
		if g.AvgPrice != nil {
			prices = append(prices, keyed{g.Group, *g.AvgPrice})
		}
	}
	p.Rate = gap("delivery_rate", rates)
	p.Price = gap("avg_price", prices)
	return p
}

type keyed struct {
	key string
	v   float64
}

func gap(measure string, xs []keyed) *Gap {
	if len(xs) < 2 {
		return nil
	}
	hi, lo := xs[0], xs[0]
	for _, x := range xs[1:] {
		if x.v > hi.v {
			hi = x
		}
		if x.v < lo.v {
			lo = x
		}
	}
	g := &Gap{Measure: measure, High: hi.key, HighValue: hi.v, Low: lo.key, LowValue: lo.v, Difference: hi.v - lo.v}
	if hi.v > 0 {
		g.Ratio = lo.v / hi.v
	}
	return g
}
