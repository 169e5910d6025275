package ads

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// HourStats is what a campaign got in one local hour of one day: the
// spend charged (micro-units), its events, and how many charges a budget
// cut short. Dashboards read it to show pacing by hour.
type HourStats struct {
	Spend       int64 `json:"spend"`
	Impressions int64 `json:"impressions"`
	Clicks      int64 `json:"clicks"`
	Conversions int64 `json:"conversions"`
	// Capped counts charges cut (partly or wholly) because the daily or
	// the total budget was spent.
	Capped int64 `json:"capped,omitempty"`
}

func (h HourStats) zero() bool { return h == HourStats{} }

func (h *HourStats) add(d HourStats) {
	h.Spend += d.Spend
	h.Impressions += d.Impressions
	h.Clicks += d.Clicks
	h.Conversions += d.Conversions
	h.Capped += d.Capped
}

// HourlyCounters is implemented by counters that keep HourStats per
// campaign, local day and hour, summed over every node that shares them.
// Only the event path writes them (never the decision path); they lapse
// with the daily spend counters.
type HourlyCounters interface {
	// AddHour adds d to the key's statistics of local hour (0–23).
	AddHour(ctx context.Context, key CampaignDay, hour int, d HourStats) error
	// Hours returns the key's statistics of each local hour (zero where
	// nothing happened).
	Hours(ctx context.Context, key CampaignDay) ([24]HourStats, error)
}

// ErrNoHours means the counters keep no statistics by hour.
var ErrNoHours = errors.New("these ad counters keep no statistics by hour")

func checkHour(hour int) error {
	if hour < 0 || hour > 23 {
		return fmt.Errorf("ads: hour %d is not an hour of the day (0–23)", hour)
	}
	return nil
}

// hourTable is Memory's HourStats: day → campaign → hours, for the last
// keepDays days seen.
type hourTable struct {
	mu   sync.Mutex
	days map[string]map[string]*[24]HourStats
}

// AddHour implements HourlyCounters.
func (m *Memory) AddHour(_ context.Context, key CampaignDay, hour int, d HourStats) error {
	if err := checkHour(hour); err != nil {
		return err
	}
	t := &m.hours
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.days == nil {
		t.days = map[string]map[string]*[24]HourStats{}
	}
	day := t.days[key.Day]
	if day == nil {
		if len(t.days) >= keepDays {
			dropOldest(t.days)
		}
		day = map[string]*[24]HourStats{}
		t.days[key.Day] = day
	}
	hs := day[key.Campaign]
	if hs == nil {
		hs = new([24]HourStats)
		day[key.Campaign] = hs
	}
	hs[hour].add(d)
	return nil
}

// Hours implements HourlyCounters.
func (m *Memory) Hours(_ context.Context, key CampaignDay) ([24]HourStats, error) {
	m.hours.mu.Lock()
	defer m.hours.mu.Unlock()
	if hs := m.hours.days[key.Day][key.Campaign]; hs != nil {
		return *hs, nil
	}
	return [24]HourStats{}, nil
}

// AddHour implements HourlyCounters through the shared counters when they
// keep hours; while degraded the period's statistics are kept here and
// added to the shared counters on recovery.
func (f *Fallback) AddHour(ctx context.Context, key CampaignDay, hour int, d HourStats) error {
	hc, ok := f.primary.(HourlyCounters)
	if !ok {
		return ErrNoHours
	}
	// A bad argument is the caller's error, not a sign the shared
	// counters are down.
	if err := checkHour(hour); err != nil {
		return err
	}
	if f.usePrimary(ctx) {
		c, cancel := f.timeout(ctx)
		err := hc.AddHour(c, key, hour, d)
		cancel()
		if err == nil || !f.fail(ctx, err) {
			return err
		}
	}
	var err error
	if !f.withPeriod(func(m *Memory) { err = m.AddHour(ctx, key, hour, d) }) {
		return f.AddHour(ctx, key, hour, d)
	}
	return err
}

// Hours implements HourlyCounters; while degraded it answers what this
// node counted in the period only.
func (f *Fallback) Hours(ctx context.Context, key CampaignDay) ([24]HourStats, error) {
	hc, ok := f.primary.(HourlyCounters)
	if !ok {
		return [24]HourStats{}, ErrNoHours
	}
	if f.usePrimary(ctx) {
		c, cancel := f.timeout(ctx)
		hs, err := hc.Hours(c, key)
		cancel()
		if err == nil || !f.fail(ctx, err) {
			return hs, err
		}
	}
	var hs [24]HourStats
	if !f.withPeriod(func(m *Memory) { hs, _ = m.Hours(ctx, key) }) {
		return f.Hours(ctx, key)
	}
	return hs, nil
}

// replayHours adds the hourly statistics m counted to the primary.
func (f *Fallback) replayHours(ctx context.Context, m *Memory) error {
	hc, ok := f.primary.(HourlyCounters)
	if !ok {
		return nil
	}
	m.hours.mu.Lock()
	defer m.hours.mu.Unlock()
	for day, campaigns := range m.hours.days {
		for campaign, hs := range campaigns {
			for h, st := range hs {
				if st.zero() {
					continue
				}
				if err := hc.AddHour(ctx, CampaignDay{campaign, day}, h, st); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// countHour adds an applied event to its campaign's statistics of the
// decision's local hour, when the counters keep them. The hour is the
// decision's, as the day of the charge is, so that a day's hours add up to
// its spend. A failure is logged, not returned: the charge has happened
// and the event must not be sent again for an hourly count.
func (s *Service) countHour(ctx context.Context, rec *Record, slot int, ev EventType, out Outcome) {
	hc, ok := s.counters.(HourlyCounters)
	if !ok {
		return
	}
	ad := &rec.Ads[slot]
	d := HourStats{Spend: Micros(out.Charged)}
	switch ev {
	case Impression:
		d.Impressions = 1
	case Click:
		d.Clicks = 1
	case Conversion:
		d.Conversions = 1
	}
	if out.Capped {
		d.Capped = 1
	}
	hour := rec.Time.In(s.engine.location(ad.Campaign)).Hour()
	if err := hc.AddHour(ctx, CampaignDay{ad.Campaign, ad.Day}, hour, d); err != nil && !errors.Is(err, ErrNoHours) {
		s.log.Warn("ads: counting an event by hour", "campaign", ad.Campaign, "err", err)
	}
}

// location is the time zone of a served campaign (UTC if it is not
// served, or has none).
func (e *Engine) location(campaign string) *time.Location {
	if c := e.set.Load().byID[campaign]; c != nil && c.sched.loc != nil {
		return c.sched.loc
	}
	return time.UTC
}
