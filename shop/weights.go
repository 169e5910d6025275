package shop

// DefaultWeights is how much each event type says about a user's interest in
// an item, relative to a view. Configuration may override any of them.
var DefaultWeights = map[EventType]float64{
	View:           1,
	Search:         0.5,
	Click:          1,
	AddToCart:      3,
	RemoveFromCart: -1,
	Favorite:       3,
	Purchase:       5,
	Rating:         2,
	Review:         3,
	AdImpression:   0,
	AdClick:        1,
	AdConversion:   5,
	MessageSent:    0,
	MessageOpen:    0.5,
	MessageClick:   1,
	CouponRedeem:   4,
}

// Weights maps event types to their interest weight.
type Weights map[EventType]float64

// Of returns the weight of t (zero for unknown types).
func (w Weights) Of(t EventType) float64 { return w[t] }

// MergeWeights returns DefaultWeights overridden by over.
func MergeWeights(over map[EventType]float64) Weights {
	w := make(Weights, len(DefaultWeights))
	for t, v := range DefaultWeights {
		w[t] = v
	}
	for t, v := range over {
		w[t] = v
	}
	return w
}
