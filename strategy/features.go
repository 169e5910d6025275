package strategy

import (
	"math"
	"time"

	"github.com/shopmind/shopmind/shop"
)

// FeatureNames names the columns Features returns, in order.
//
// All counts and amounts enter as log(1+x), so a heavy buyer does not
// dominate the fit:
//
//   - recency_days: days since the last event (365 without any)
//   - purchase_recency_days: days since the last purchase (365 without any)
//   - tenure_days: days since the first event
//   - events_30d: events in the 30 days before the cutoff
//   - views, carts: item views and add-to-carts ever
//   - orders: distinct orders ever
//   - monetary: purchase revenue ever
//   - order_value: average revenue per order (0 without orders)
//   - cart_conversion: orders / (carts + 1), low for users who hesitate
//     over prices
//   - messages_30d: messages received in the 30 days before the cutoff
//     (holdout and control records excluded)
//   - lifecycle_new, lifecycle_active, lifecycle_at_risk: one-hot of the
//     lifecycle stage (lapsed is the baseline): new when first seen within
//     14 days, active when last seen within 30, at risk until 90
var FeatureNames = []string{
	"recency_days", "purchase_recency_days", "tenure_days", "events_30d", "views", "carts",
	"orders", "monetary", "order_value", "cart_conversion", "messages_30d",
	"lifecycle_new", "lifecycle_active", "lifecycle_at_risk",
}

// History is what Features needs from a user's events before a cutoff.
// Fold events into it with Add; it ignores events at or after the cutoff.
type History struct {
	Cutoff            time.Time
	first, last       time.Time
	lastPurchase      time.Time
	events30          int
	views, carts      int
	orders            map[string]bool
	revenue           float64
	messages30        int
	purchaseDays      map[int64]bool
	ordersWithoutID   int
	sawAny, sawBought bool
}

// NewHistory starts an empty history seen from cutoff.
func NewHistory(cutoff time.Time) *History {
	return &History{Cutoff: cutoff, orders: map[string]bool{}, purchaseDays: map[int64]bool{}}
}

// untreatedVariant reports whether a variant names an untreated arm.
func untreatedVariant(v string) bool { return v == "holdout" || v == "control" }

// IsMessage reports whether e is a message the user actually received:
// message_sent outside holdout and control arms.
func IsMessage(e *shop.Event) bool {
	return e.Type == shop.MessageSent && !untreatedVariant(e.Context.Variant)
}

// Add folds one event into h if it happened before the cutoff.
func (h *History) Add(e *shop.Event) {
	t := e.Timestamp
	if !t.Before(h.Cutoff) {
		return
	}
	if !h.sawAny || t.Before(h.first) {
		h.first = t
	}
	if !h.sawAny || t.After(h.last) {
		h.last = t
	}
	h.sawAny = true
	recent := h.Cutoff.Sub(t) <= 30*24*time.Hour
	if recent {
		h.events30++
	}
	switch e.Type {
	case shop.View:
		h.views++
	case shop.AddToCart:
		h.carts++
	case shop.Purchase:
		h.revenue += e.Revenue
		if e.OrderID != "" {
			h.orders[e.OrderID] = true
		} else if day := t.Unix() / 86400; !h.purchaseDays[day] {
			h.purchaseDays[day] = true
			h.ordersWithoutID++
		}
		if !h.sawBought || t.After(h.lastPurchase) {
			h.lastPurchase = t
		}
		h.sawBought = true
	case shop.MessageSent:
		if recent && IsMessage(e) {
			h.messages30++
		}
	}
}

// Orders is the number of distinct orders (purchases without an order id
// count once per day).
func (h *History) Orders() int { return len(h.orders) + h.ordersWithoutID }

// Revenue is the purchase revenue before the cutoff.
func (h *History) Revenue() float64 { return h.revenue }

// Features returns the user's feature vector, aligned with FeatureNames.
func (h *History) Features() []float64 {
	days := func(d time.Duration) float64 { return math.Max(0, d.Hours()/24) }
	recency, precency, tenure := 365.0, 365.0, 0.0
	if h.sawAny {
		recency = math.Min(365, days(h.Cutoff.Sub(h.last)))
		tenure = days(h.Cutoff.Sub(h.first))
	}
	if h.sawBought {
		precency = math.Min(365, days(h.Cutoff.Sub(h.lastPurchase)))
	}
	orders := float64(h.Orders())
	aov := 0.0
	if orders > 0 {
		aov = h.revenue / orders
	}
	var isNew, active, atRisk float64
	switch {
	case h.sawAny && tenure <= 14:
		isNew = 1
	case h.sawAny && recency <= 30:
		active = 1
	case h.sawAny && recency <= 90:
		atRisk = 1
	}
	l := math.Log1p
	return []float64{
		l(recency), l(precency), l(tenure), l(float64(h.events30)), l(float64(h.views)), l(float64(h.carts)),
		l(orders), l(h.revenue), l(aov), orders / float64(h.carts+1), l(float64(h.messages30)),
		isNew, active, atRisk,
	}
}
