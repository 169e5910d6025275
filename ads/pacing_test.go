package ads

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// traffic is a diurnal request rate: lowest (0.3×) at 04:00, highest
// (1.7×) at 16:00.
func traffic(h float64) float64 { return 1 - 0.7*math.Cos(2*math.Pi*(h-4)/24) }

// runDay feeds one day of requests to an engine with one campaign and
// returns its spend per hour. Each request shows the ad when the campaign
// takes part; a click follows with probability ctr.
func runDay(t *testing.T, c Campaign, pacing PacingConfig, perDay int, ctr float64, seed uint64) (hourly [24]float64, total float64) {
	t.Helper()
	cfg := Config{Pacing: pacing, Explore: ExploreConfig{Disabled: true}, ReserveCPM: 5, Seed: seed}
	e, _ := newTestEngine(t, cfg, &fixed{ctr: map[string]float64{c.ID: ctr}}, c)
	r := rand.New(rand.NewPCG(seed, 99))
	day := time.Date(2025, 3, 5, 0, 0, 0, 0, time.UTC)
	ctx := t.Context()
	for h := range 24 {
		n := int(float64(perDay) / 24 * traffic(float64(h)+0.5))
		for k := range n {
			at := day.Add(time.Duration(h)*time.Hour + time.Duration(float64(k)/float64(n)*float64(time.Hour)))
			d, err := e.Decide(ctx, &Request{User: "u", Context: Context{Time: at}})
			if err != nil {
				t.Fatal(err)
			}
			for s := range d.Ads {
				out, _ := e.Feedback(ctx, d.Record, s, Impression)
				hourly[h] += out.Charged
				if r.Float64() < ctr {
					out, _ = e.Feedback(ctx, d.Record, s, Click)
					hourly[h] += out.Charged
				}
			}
		}
	}
	for _, v := range hourly {
		total += v
	}
	return hourly, total
}

func cv(xs []float64) float64 {
	var s, s2 float64
	for _, x := range xs {
		s += x
		s2 += x * x
	}
	n := float64(len(xs))
	m := s / n
	if m == 0 {
		return 0
	}
	return math.Sqrt(math.Max(s2/n-m*m, 0)) / m
}

func TestPacingSmoothsSpend(t *testing.T) {
	// A CPM campaign alone pays the reserve (5 per thousand): 48,000
	// requests a day could spend 240, three times its budget of 80.
	cpm := camp("cpm", CPM, 10, 80)
	// A CPC campaign pays the reserve over its pCTR, 0.05 per click at
	// 10%: about 240 of demand too, in about 1,600 random clicks, whose
	// Poisson noise alone gives an hourly CV near 0.12.
	cpc := camp("cpc", CPC, 1, 80)
	for _, tc := range []struct {
		c     Campaign
		ctr   float64
		maxCV float64
	}{{cpm, 0.02, 0.1}, {cpc, 0.1, 0.2}} {
		t.Run(string(tc.c.BidType), func(t *testing.T) {
			paced, total := runDay(t, tc.c, PacingConfig{}, 48000, tc.ctr, 1)
			free, freeTotal := runDay(t, tc.c, PacingConfig{Disabled: true}, 48000, tc.ctr, 1)
			t.Logf("paced: total %.2f CV %.3f %v", total, cv(paced[:]), paced)
			t.Logf("unpaced: total %.2f CV %.3f", freeTotal, cv(free[:]))
			if math.Abs(total-80)/80 > 0.03 {
				t.Errorf("paced spend %.2f, want 80 within 3%%", total)
			}
			if total > 80+1e-9 || freeTotal > 80+1e-9 {
				t.Errorf("spend %.6f / %.6f above the budget", total, freeTotal)
			}
			if c := cv(paced[:]); c > tc.maxCV {
				t.Errorf("paced hourly spend CV %.3f, want ≤ %.2f", c, tc.maxCV)
			}
			if c := cv(free[:]); c < 0.8 {
				t.Errorf("unpaced hourly spend CV %.3f, want ≥ 0.8 (the budget goes early)", c)
			}
		})
	}
}

func TestPacingFollowsSchedule(t *testing.T) {
	// Scheduled 09:00–17:00 only: the budget spreads over those 8 hours.
	c := camp("office", CPM, 10, 40)
	c.Schedule.Hours = []int{9, 10, 11, 12, 13, 14, 15, 16}
	hourly, total := runDay(t, c, PacingConfig{}, 48000, 0, 2)
	if math.Abs(total-40)/40 > 0.03 {
		t.Errorf("spend %.2f, want 40 within 3%%", total)
	}
	if cv(hourly[9:17]) > 0.1 {
		t.Errorf("hourly spend in the scheduled hours %v: CV %.3f", hourly[9:17], cv(hourly[9:17]))
	}
	for h, v := range hourly {
		if (h < 9 || h >= 17) && v != 0 {
			t.Errorf("spent %.2f at %02d:00, outside the schedule", v, h)
		}
	}
}

func TestPacerTargetCurve(t *testing.T) {
	p := NewPacer(PacingConfig{Shape: [24]float64{0: 1, 1: 3}})
	var sched [24]float64
	sched[0], sched[1], sched[2] = 1, 1, 0.5
	cum := p.curve(sched)
	// Shaped: only hours 0 and 1 have traffic, weights 1 and 3.
	if !near(cum[1], 0.25) || !near(cum[2], 1) || !near(cum[24], 1) {
		t.Errorf("shaped curve %v", cum[:4])
	}
	u := NewPacer(PacingConfig{})
	cum = u.curve(sched)
	if !near(cum[1], 0.4) || !near(cum[2], 0.8) || !near(cum[3], 1) {
		t.Errorf("uniform curve %v", cum[:4])
	}
	st := &paceState{cum: cum}
	if got := st.curveAt(time.Date(2025, 1, 1, 1, 30, 0, 0, time.UTC)); !near(got, 0.6) {
		t.Errorf("curve at 01:30 %g, want 0.6", got)
	}
	// Re-planned at 01:00 with 20% of the budget spent instead of 40%:
	// the remaining 80% spreads over the remaining 60% of the curve.
	st.anchorF, st.anchorS = 0.4, 0.2
	if got := st.target(time.Date(2025, 1, 1, 1, 30, 0, 0, time.UTC)); !near(got, 0.2+0.8*0.2/0.6) {
		t.Errorf("target at 01:30 %g, want %g", got, 0.2+0.8*0.2/0.6)
	}
}

// TestValueOrderedThrottle: at a throttle of 0.25 a campaign takes part in
// about a quarter of its requests, and those are the quarter with the best
// value scores; with RandomThrottle, a random quarter.
func TestValueOrderedThrottle(t *testing.T) {
	for _, random := range []bool{false, true} {
		// Gains near zero hold the throttle at its initial value.
		p := NewPacer(PacingConfig{Initial: 0.25, Kp: 1e-12, Ki: 1e-12, RandomThrottle: random})
		r := rand.New(rand.NewPCG(1, 2))
		start := time.Date(2025, 3, 5, 8, 0, 0, 0, time.UTC)
		in := PaceInput{Campaign: "c", Day: "2025-03-05", Budget: 1e9}
		var took, high, n int
		for i := range 20000 {
			in.Local = start.Add(time.Duration(i) * time.Second)
			score := math.Pow(10, -3+2*r.Float64()) // log-uniform over 0.001 … 0.1
			ok := p.Participate(in, score, r)
			if i < 3600 {
				continue // an hour to learn the scores
			}
			n++
			if ok {
				took++
				if score >= math.Pow(10, -3+2*0.75)*0.9 { // the top quarter, less one bin
					high++
				}
			}
		}
		rate := float64(took) / float64(n)
		if math.Abs(rate-0.25) > 0.02 {
			t.Errorf("random=%v: took part in %.3f of requests, want 0.25", random, rate)
		}
		share := float64(high) / float64(took)
		if !random && share < 0.97 {
			t.Errorf("value-ordered: %.3f of the requests taken are in the top quarter, want nearly all", share)
		}
		if random && (share < 0.25 || share > 0.4) {
			t.Errorf("random: %.3f of the requests taken are in the top quarter, want about 0.3", share)
		}
	}
}
