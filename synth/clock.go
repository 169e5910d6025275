package synth

import (
	"sort"
	"time"
)

// Relative traffic by local hour in Zone (evening peak around 21:00, trough
// before dawn) and by weekday (Sunday first; weekends busier).
var (
	hourWeight = [24]float64{
		0.55, 0.32, 0.18, 0.11, 0.09, 0.11, 0.22, 0.45, 0.70, 0.82, 0.92, 1.00,
		1.12, 1.00, 0.90, 0.90, 0.95, 1.00, 1.18, 1.50, 1.80, 2.00, 1.75, 1.15,
	}
	dayWeight = [7]float64{1.08, 0.96, 0.95, 0.96, 0.97, 1.02, 1.10}
)

// buildClock lays out cumulative expected traffic per hour of the window,
// in units of an average day, so that a user with rate λ sessions per day
// has λ·(clock(t2)−clock(t1)) expected sessions between t1 and t2.
func (g *gen) buildClock() {
	hours := g.cfg.Days * 24
	norm := 0.0
	for _, w := range hourWeight {
		norm += w
	}
	dnorm := 0.0
	for _, w := range dayWeight {
		dnorm += w
	}
	norm *= dnorm / 7
	g.clockW = make([]float64, hours)
	g.clockCum = make([]float64, hours+1)
	for h := range hours {
		t := g.start.Add(time.Duration(h) * time.Hour).In(Zone)
		w := hourWeight[t.Hour()] * dayWeight[t.Weekday()] / norm
		g.clockW[h] = w
		g.clockCum[h+1] = g.clockCum[h] + w
	}
}

// clockPos maps a time (Unix ms) to the traffic clock.
func (g *gen) clockPos(ms int64) float64 {
	off := float64(ms-g.start.UnixMilli()) / float64(time.Hour/time.Millisecond)
	h := int(off)
	if h >= len(g.clockW) {
		return g.clockCum[len(g.clockW)]
	}
	return g.clockCum[h] + (off-float64(h))*g.clockW[h]
}

// clockTime maps a traffic-clock position back to a time (Unix ms).
func (g *gen) clockTime(p float64) int64 {
	h := sort.SearchFloat64s(g.clockCum, p) - 1
	h = max(0, min(h, len(g.clockW)-1))
	frac := (p - g.clockCum[h]) / g.clockW[h]
	return g.start.UnixMilli() + int64((float64(h)+frac)*float64(time.Hour/time.Millisecond))
}
