package synth

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/shopmind/shopmind/shop"
)

// Stats summarises a shop's events: counts, the funnel, revenue and
// sessions. Rates are ratios of event counts; zero when the denominator is.
type Stats struct {
	Users       int                    `json:"users"`
	Items       int                    `json:"items"`
	Events      int                    `json:"events"`
	ByType      map[shop.EventType]int `json:"by_type"`
	Sessions    int                    `json:"sessions"`     // distinct session IDs (a later rating and its review form one)
	ActiveUsers int                    `json:"active_users"` // users with at least one event
	Buyers      int                    `json:"buyers"`       // users with at least one purchase
	Orders      int                    `json:"orders"`       // distinct order IDs

	Revenue       float64 `json:"revenue"` // sum of purchase revenue
	Currency      string  `json:"currency"`
	AvgOrderValue float64 `json:"avg_order_value"`

	ClickToView       float64 `json:"click_to_view"`      // clicks per view
	ViewToCart        float64 `json:"view_to_cart"`       // add_to_cart per view
	CartToPurchase    float64 `json:"cart_to_purchase"`   // purchase lines per add_to_cart
	ViewToPurchase    float64 `json:"view_to_purchase"`   // purchase lines per view
	SessionConversion float64 `json:"session_conversion"` // sessions with a purchase, per session

	MedianSessionEvents float64 `json:"median_session_events"`
	MeanSessionEvents   float64 `json:"mean_session_events"`
}

// Stats computes the summary from the shop's events.
func (s *Shop) Stats() Stats {
	st := Stats{
		Users:    len(s.Users),
		Items:    len(s.Items),
		Events:   len(s.Events),
		ByType:   map[shop.EventType]int{},
		Currency: s.Config.Currency,
	}
	sessions := map[string]int{}
	buying := map[string]bool{}
	users := map[string]bool{}
	buyers := map[string]bool{}
	orders := map[string]bool{}
	for i := range s.Events {
		e := &s.Events[i]
		st.ByType[e.Type]++
		users[e.UserID] = true
		if e.SessionID != "" {
			sessions[e.SessionID]++
		}
		if e.Type == shop.Purchase {
			st.Revenue += e.Revenue
			buyers[e.UserID] = true
			if e.OrderID != "" {
				orders[e.OrderID] = true
			}
			if e.SessionID != "" {
				buying[e.SessionID] = true
			}
		}
	}
	st.Revenue = money(st.Revenue, st.Currency)
	st.Sessions, st.ActiveUsers, st.Buyers, st.Orders = len(sessions), len(users), len(buyers), len(orders)
	if st.Orders > 0 {
		st.AvgOrderValue = money(st.Revenue/float64(st.Orders), st.Currency)
	}
	views, carts, buys := st.ByType[shop.View], st.ByType[shop.AddToCart], st.ByType[shop.Purchase]
	st.ClickToView = ratio(st.ByType[shop.Click], views)
	st.ViewToCart = ratio(carts, views)
	st.CartToPurchase = ratio(buys, carts)
	st.ViewToPurchase = ratio(buys, views)
	st.SessionConversion = ratio(len(buying), len(sessions))
	if len(sessions) > 0 {
		counts := make([]int, 0, len(sessions))
		total := 0
		for _, n := range sessions {
			counts = append(counts, n)
			total += n
		}
		slices.Sort(counts)
		mid := len(counts) / 2
		st.MedianSessionEvents = float64(counts[mid])
		if len(counts)%2 == 0 {
			st.MedianSessionEvents = float64(counts[mid-1]+counts[mid]) / 2
		}
		st.MeanSessionEvents = round3(float64(total) / float64(len(counts)))
	}
	return st
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return math.Round(float64(a)/float64(b)*1e4) / 1e4
}

// String renders the summary for people, event types in shop.EventTypes
// order, leaving out types that did not occur.
func (st Stats) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "users %d (active %d, buyers %d), items %d, sessions %d, events %d\n",
		st.Users, st.ActiveUsers, st.Buyers, st.Items, st.Sessions, st.Events)
	b.WriteString("events by type:")
	for _, t := range shop.EventTypes {
		if n := st.ByType[t]; n > 0 {
			fmt.Fprintf(&b, " %s %d,", t, n)
		}
	}
	s := strings.TrimSuffix(b.String(), ",") + "\n"
	b.Reset()
	b.WriteString(s)
	fmt.Fprintf(&b, "funnel: click/view %.1f%%, view→cart %.1f%%, cart→purchase %.1f%%, view→purchase %.2f%%, session conversion %.2f%%\n",
		100*st.ClickToView, 100*st.ViewToCart, 100*st.CartToPurchase, 100*st.ViewToPurchase, 100*st.SessionConversion)
	fmt.Fprintf(&b, "orders %d, revenue %.2f %s, average order %.2f %s\n", st.Orders, st.Revenue, st.Currency, st.AvgOrderValue, st.Currency)
	fmt.Fprintf(&b, "events per session: median %g, mean %.2f\n", st.MedianSessionEvents, st.MeanSessionEvents)
	return b.String()
}
