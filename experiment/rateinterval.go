package experiment

// RateInterval is the 95% Wilson score interval of an arm's conversion rate
// (converters of units), the interval the dashboard draws around each
// arm's rate; [0, 1] when the arm has no units.
func RateInterval(converters, units int) Interval {
	lo, hi := wilson(float64(converters), float64(units))
	return Interval{Lo: lo, Hi: hi}
}
