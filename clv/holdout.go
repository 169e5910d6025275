package clv

import (
	"fmt"
	"maps"
	"math"
	"slices"
)

// FrequencyRow compares predicted with actual holdout purchases for the
// customers with X calibration repeat purchases (Fader, Hardie & Lee 2005,
// figure 4).
type FrequencyRow struct {
	X         int     // calibration repeat purchases
	AndMore   bool    // the row holds every customer with X or more
	Customers int     // customers in the row
	Actual    float64 // their mean repeat purchases in the holdout period
	Predicted float64 // their mean E[Y(holdout) | x, tₓ, T]
}

// HoldoutByFrequency groups the customers of s by calibration repeat
// purchases 0, 1, …, maxX−1 and "maxX or more" and compares their mean
// holdout purchases with the model's conditional expectations over the
// holdout period. s must have a holdout (built by Summarize with HoldoutEnd).
func HoldoutByFrequency(m CountModel, s *Summary, maxX int) ([]FrequencyRow, error) {
	if s.Holdout == nil || s.HoldoutWeeks <= 0 {
		return nil, fmt.Errorf("comparing with the holdout period: the summary has no holdout (summarise transactions with a holdout end)")
	}
	if maxX < 1 {
		maxX = 7
	}
	rows := make([]FrequencyRow, maxX+1)
	for i := range rows {
		rows[i].X = i
	}
	rows[maxX].AndMore = true
	for i, c := range s.Customers {
		r := &rows[min(c.X, maxX)]
		p := m.ConditionalExpectedPurchases(c, s.HoldoutWeeks)
		if !finite(p) {
			return nil, fmt.Errorf("customer %q: %s prediction is not finite (parameters %v)", c.ID, m.Name(), m.Params())
		}
		r.Customers++
		r.Actual += float64(s.Holdout[i])
		r.Predicted += p
	}
	for i := range rows {
		if n := rows[i].Customers; n > 0 {
			rows[i].Actual /= float64(n)
			rows[i].Predicted /= float64(n)
		}
	}
	return rows, nil
}

// TrackingActual returns the cohort's cumulative repeat purchases at the end
// of each week since s.Origin (index w is weeks 0…w).
func TrackingActual(s *Summary) []float64 {
	out := make([]float64, len(s.WeeklyRepeats))
	sum := 0.0
	for w, n := range s.WeeklyRepeats {
		sum += float64(n)
		out[w] = sum
	}
	return out
}

// TrackingExpected returns the model's cumulative expected repeat purchases
// of the cohort at the end of each week since s.Origin, the curve of Fader,
// Hardie & Lee (2005), figure 2: the sum over customers of E[X(t)] with t
// the time from their first purchase to the last day of the week
// (t = w+1 − (birth+1/7) for week index w). Customers who joined on the same
// day share one evaluation.
func TrackingExpected(m CountModel, s *Summary) []float64 {
	births := map[float64]int{}
	for _, b := range s.Birth {
		births[b]++
	}
	days := slices.Sorted(maps.Keys(births))
	out := make([]float64, len(s.WeeklyRepeats))
	for w := range out {
		end := float64(w+1) - 1.0/7 // last day of week w, in weeks since Origin
		for _, b := range days {
			n := births[b]
			if t := end - b; t > 0 {
				out[w] += float64(n) * m.ExpectedPurchases(t)
			}
		}
	}
	return out
}

// CalibrationFrequency returns, for n = 0, 1, …, maxX−1 and "maxX or more",
// how many customers of cs made n repeat purchases in calibration and how
// many the model expects given each customer's T (Fader, Hardie & Lee 2005,
// figure 1). It needs a model with a count distribution (BGNBD).
func CalibrationFrequency(m interface {
	ProbPurchases(n int, t float64) float64
}, cs []Customer, maxX int) (actual []int, expected []float64) {
	if maxX < 1 {
		maxX = 7
	}
	actual = make([]int, maxX+1)
	expected = make([]float64, maxX+1)
	ages := map[float64]int{}
	for _, c := range cs {
		actual[min(c.X, maxX)]++
		ages[c.T]++
	}
	for _, T := range slices.Sorted(maps.Keys(ages)) {
		k := ages[T]
		rest := 1.0
		for n := 0; n < maxX; n++ {
			p := m.ProbPurchases(n, T)
			expected[n] += float64(k) * p
			rest -= p
		}
		expected[maxX] += float64(k) * math.Max(rest, 0)
	}
	return actual, expected
}
