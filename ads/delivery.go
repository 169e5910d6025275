package ads

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"
)

// Delivery is how a campaign delivers now, for dashboards: today's spend
// against today's budget and the pacing plan, its lifetime events and
// this node's pacing throttle.
type Delivery struct {
	// Local is the time of the report in the campaign's time zone; Day its
	// calendar day, the key of the daily counters.
	Local time.Time
	Day   string
	// Budget is what may be spent today: the daily budget, or less when
	// the total budget is nearly spent. Spent is today's spend, Total the
	// spend over the campaign's life.
	Budget, Spent, Total float64
	// Plan is the cumulative share of today's budget the pacing plan
	// spends by each local hour boundary (Plan[24] is 1 on a day the
	// campaign is scheduled; all zero on a day it is not). PlanNow is the
	// share by Local.
	Plan    [25]float64
	PlanNow float64
	// Target is the share of today's budget this node's pacer means to
	// have spent by Local: its plan re-anchored to the actual spend every
	// PacingConfig.Replan, so that a lag it could not make up is spread
	// over the rest of the day. It is -1 when this node has not paced the
	// campaign today.
	Target float64
	// Stats sums the lifetime statistics of the campaign's creatives;
	// Creatives holds each one's, in the campaign's order.
	Stats     CreativeStats
	Creatives []CreativeStats
	// Throttle is the share of requests this node's pacer lets the
	// campaign bid on (1 when pacing is off); Paced says the pacer has
	// seen the campaign (Throttle is 1 until then).
	Throttle float64
	Paced    bool
}

// Delivery reports on each campaign at now, reading the shared counters
// once for all of them.
func (s *Service) Delivery(ctx context.Context, cs []Campaign, now time.Time) ([]Delivery, error) {
	out := make([]Delivery, len(cs))
	keys := make([]CampaignDay, len(cs))
	var ckeys []string
	for i := range cs {
		c := &cs[i]
		sc := compileSchedule(&c.Schedule, zone(c))
		d := &out[i]
		d.Local = now.In(sc.loc)
		d.Day = dayKey(d.Local)
		d.Plan = s.engine.pacer.curve(sc.DayShape(d.Local))
		d.PlanNow = planAt(&d.Plan, d.Local)
		d.Throttle, d.Paced = s.engine.pacer.Throttle(c.ID)
		d.Target = s.engine.pacer.target(c.ID, d.Day, d.Local)
		keys[i] = CampaignDay{c.ID, d.Day}
		for _, cr := range c.Creatives {
			ckeys = append(ckeys, CreativeKey(c.ID, cr.ID))
		}
	}
	if len(cs) == 0 {
		return out, nil
	}
	daily, total := make([]int64, len(cs)), make([]int64, len(cs))
	if err := s.counters.Spend(ctx, keys, daily, total); err != nil {
		return nil, fmt.Errorf("ads: reading spend: %w", err)
	}
	stats := make([]CreativeStats, len(ckeys))
	if err := s.counters.Creatives(ctx, ckeys, stats); err != nil {
		return nil, fmt.Errorf("ads: reading creative statistics: %w", err)
	}
	for i := range cs {
		c, d := &cs[i], &out[i]
		budget := Micros(c.DailyBudget)
		if tb := Micros(c.TotalBudget); tb > 0 {
			budget = max(0, min(budget, daily[i]+tb-total[i]))
		}
		d.Budget, d.Spent, d.Total = Units(budget), Units(daily[i]), Units(total[i])
		d.Creatives, stats = stats[:len(c.Creatives):len(c.Creatives)], stats[len(c.Creatives):]
		for _, st := range d.Creatives {
			d.Stats.Impressions += st.Impressions
			d.Stats.Clicks += st.Clicks
			d.Stats.Conversions += st.Conversions
		}
	}
	return out, nil
}

// Hours returns a campaign's statistics by local hour on day (as in
// Delivery.Day); ErrNoHours when the counters keep none.
func (s *Service) Hours(ctx context.Context, campaign, day string) ([24]HourStats, error) {
	hc, ok := s.counters.(HourlyCounters)
	if !ok {
		return [24]HourStats{}, ErrNoHours
	}
	hs, err := hc.Hours(ctx, CampaignDay{campaign, day})
	if err != nil && !errors.Is(err, ErrNoHours) {
		err = fmt.Errorf("ads: reading statistics by hour: %w", err)
	}
	return hs, err
}

// zone is a campaign's time zone (UTC when it has none or it does not
// load; Validate refuses those).
func zone(c *Campaign) *time.Location {
	if c.Schedule.TimeZone == "" {
		return time.UTC
	}
	l, err := time.LoadLocation(c.Schedule.TimeZone)
	if err != nil {
		return time.UTC
	}
	return l
}

// planAt is the cumulative plan at local time t.
func planAt(cum *[25]float64, t time.Time) float64 {
	h := t.Hour()
	frac := (float64(t.Minute())*60 + float64(t.Second())) / 3600
	return cum[h] + (cum[h+1]-cum[h])*frac
}

// Throttle returns a campaign's throttle and whether the pacer has seen
// it (a campaign never seen, or with pacing off, has throttle 1).
func (p *Pacer) Throttle(campaign string) (throttle float64, seen bool) {
	if p.cfg.Disabled {
		return 1, false
	}
	p.mu.RLock()
	st := p.state[campaign]
	p.mu.RUnlock()
	if st == nil {
		return 1, false
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return math.Exp(st.u), true
}

// target is the pacer's current target for campaign at local time t of
// day, or -1 if it has not paced the campaign that day.
func (p *Pacer) target(campaign, day string, t time.Time) float64 {
	if p.cfg.Disabled {
		return -1
	}
	p.mu.RLock()
	st := p.state[campaign]
	p.mu.RUnlock()
	if st == nil {
		return -1
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.seen || st.day != day {
		return -1
	}
	return math.Min(1, math.Max(0, st.target(t)))
}
