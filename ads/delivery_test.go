package ads_test

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/shopmind/shopmind/ads"
	"github.com/shopmind/shopmind/store"
	"github.com/shopmind/shopmind/store/sqlite"
)

// Events are counted by the decision's local hour in the campaign's time
// zone; the day's hours add up to its spend, and Delivery reports spend,
// budget, plan and lifetime events.
func TestDeliveryAndHours(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.OpenPath(ctx, filepath.Join(t.TempDir(), "s.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	at := time.Date(2025, 3, 5, 2, 30, 0, 0, time.UTC) // 10:30 in Shanghai
	cfg := ads.ServiceConfig{Engine: ads.Config{Now: func() time.Time { return at }, Seed: 1, ReserveCPM: 100,
		Pacing: ads.PacingConfig{Disabled: true}, Explore: ads.ExploreConfig{Disabled: true}}}
	svc := ads.NewService(st, nil, ads.StatsPredictor{}, nil, cfg, nil)
	c, err := svc.Create(ctx, ads.Campaign{Advertiser: "acme", BidType: ads.CPM, Bid: 500, DailyBudget: 1,
		Creatives: []ads.Creative{{ID: "a", ItemID: "i1"}, {ID: "b", ItemID: "i2"}},
		Schedule:  ads.Schedule{TimeZone: "Asia/Shanghai", Hours: []int{8, 9, 10, 11}}})
	if err != nil {
		t.Fatal(err)
	}
	var decisions []*ads.Decision
	for range 15 {
		d, err := svc.Decide(ctx, ads.Request{User: "u"})
		if err != nil || len(d.Ads) != 1 {
			t.Fatalf("decide: %+v %v", d, err)
		}
		decisions = append(decisions, d)
	}
	charged, capped := 0.0, 0
	for _, d := range decisions {
		out, _, err := svc.Event(ctx, ads.Event{DecisionID: d.ID, Type: ads.Impression})
		if err != nil {
			t.Fatal(err)
		}
		charged += out.Charged
		if out.Capped {
			capped++
		}
	}
	if _, _, err := svc.Event(ctx, ads.Event{DecisionID: decisions[0].ID, Type: ads.Click}); err != nil {
		t.Fatal(err)
	}
	if capped == 0 || math.Abs(charged-1) > 1e-9 {
		t.Fatalf("charged %g with %d capped: the test needs the budget spent", charged, capped)
	}

	dl, err := svc.Delivery(ctx, []ads.Campaign{c}, at)
	if err != nil {
		t.Fatal(err)
	}
	d := dl[0]
	if d.Day != "2025-03-05" || d.Local.Hour() != 10 || d.Budget != 1 || math.Abs(d.Spent-1) > 1e-9 || math.Abs(d.Total-1) > 1e-9 {
		t.Errorf("delivery %+v", d)
	}
	if d.Stats != (ads.CreativeStats{Impressions: 15, Clicks: 1}) || len(d.Creatives) != 2 {
		t.Errorf("lifetime stats %+v, creatives %+v", d.Stats, d.Creatives)
	}
	// Four scheduled hours: the plan rises by a quarter each, from 8:00.
	if d.Plan[8] != 0 || math.Abs(d.Plan[9]-0.25) > 1e-9 || d.Plan[12] != 1 || d.Plan[24] != 1 || math.Abs(d.PlanNow-0.625) > 1e-9 {
		t.Errorf("plan %v, now %g", d.Plan, d.PlanNow)
	}
	if d.Throttle != 1 || d.Paced || d.Target != -1 {
		t.Errorf("pacing off: throttle %g, paced %v, target %g", d.Throttle, d.Paced, d.Target)
	}

	hs, err := svc.Hours(ctx, c.ID, d.Day)
	if err != nil {
		t.Fatal(err)
	}
	want := ads.HourStats{Spend: ads.Micros(1), Impressions: 15, Clicks: 1, Capped: int64(capped)}
	if hs[10] != want {
		t.Errorf("hour 10: %+v, want %+v", hs[10], want)
	}
	for h, s := range hs {
		if h != 10 && s != (ads.HourStats{}) {
			t.Errorf("hour %d: %+v, want nothing", h, s)
		}
	}
	// A day without events has empty hours.
	if hs, err := svc.Hours(ctx, c.ID, "2025-03-04"); err != nil || hs != ([24]ads.HourStats{}) {
		t.Errorf("another day: %+v %v", hs, err)
	}
}

// flakyHours is flaky whose hourly statistics fail too while down.
type flakyHours struct{ *flaky }

func (f flakyHours) AddHour(ctx context.Context, k ads.CampaignDay, h int, d ads.HourStats) error {
	if err := f.err(); err != nil {
		return err
	}
	return f.Memory.AddHour(ctx, k, h, d)
}

func (f flakyHours) Hours(ctx context.Context, k ads.CampaignDay) ([24]ads.HourStats, error) {
	if err := f.err(); err != nil {
		return [24]ads.HourStats{}, err
	}
	return f.Memory.Hours(ctx, k)
}

// While the shared counters are down, hourly statistics are kept locally
// and added to them when they answer again.
func TestFallbackKeepsHoursWhileDegraded(t *testing.T) {
	ctx := t.Context()
	clk := &clock{t: time.Date(2025, 3, 5, 12, 0, 0, 0, time.UTC)}
	primary := &flaky{Memory: ads.NewMemory(ads.MemoryConfig{})}
	f := ads.NewFallback(flakyHours{primary}, ads.FallbackConfig{Now: clk.Now, Log: quiet()})
	key := ads.CampaignDay{Campaign: "c", Day: "2025-03-05"}
	if err := f.AddHour(ctx, key, 12, ads.HourStats{Impressions: 1, Spend: 10}); err != nil {
		t.Fatal(err)
	}
	primary.down.Store(true)
	if err := f.AddHour(ctx, key, 12, ads.HourStats{Impressions: 2, Spend: 30, Capped: 1}); err != nil {
		t.Fatalf("degraded add: %v", err)
	}
	if !f.Degraded() {
		t.Fatal("not degraded while the primary fails")
	}
	if hs, err := f.Hours(ctx, key); err != nil || hs[12] != (ads.HourStats{Impressions: 2, Spend: 30, Capped: 1}) {
		t.Errorf("degraded read: %+v %v, want this node's period", hs[12], err)
	}
	primary.down.Store(false)
	clk.Add(2 * time.Second)
	hs, err := f.Hours(ctx, key)
	if err != nil || f.Degraded() {
		t.Fatalf("after recovery: %v, degraded %v", err, f.Degraded())
	}
	if want := (ads.HourStats{Impressions: 3, Spend: 40, Capped: 1}); hs[12] != want {
		t.Errorf("after recovery: %+v, want %+v (the period replayed)", hs[12], want)
	}
	// Shared counters without hours: the Fallback says so, without
	// degrading.
	plain := ads.NewFallback(struct{ ads.Counters }{ads.NewMemory(ads.MemoryConfig{})}, ads.FallbackConfig{Log: quiet()})
	if _, err := plain.Hours(ctx, key); !errors.Is(err, ads.ErrNoHours) {
		t.Errorf("hours of counters without them: %v, want ErrNoHours", err)
	}
	if err := plain.AddHour(ctx, key, 1, ads.HourStats{Clicks: 1}); !errors.Is(err, ads.ErrNoHours) || plain.Degraded() {
		t.Errorf("adding to counters without hours: %v, degraded %v", err, plain.Degraded())
	}
}

// With pacing on, Delivery reports this node's throttle and the pacer's
// target, which starts from the spend when the pacer first sees the
// campaign rather than from midnight.
func TestDeliveryReportsThePacer(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.OpenPath(ctx, filepath.Join(t.TempDir(), "s.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	at := time.Date(2025, 3, 5, 10, 30, 0, 0, time.UTC)
	svc := ads.NewService(st, nil, ads.StatsPredictor{}, nil, ads.ServiceConfig{Engine: ads.Config{Now: func() time.Time { return at }, Seed: 1}}, nil)
	c, err := svc.Create(ctx, ads.Campaign{Advertiser: "acme", BidType: ads.CPM, Bid: 5, DailyBudget: 10,
		Creatives: []ads.Creative{{ID: "a", ItemID: "i1"}}})
	if err != nil {
		t.Fatal(err)
	}
	dl, err := svc.Delivery(ctx, []ads.Campaign{c}, at)
	if err != nil {
		t.Fatal(err)
	}
	if dl[0].Paced || dl[0].Target != -1 {
		t.Errorf("before any request: paced %v, target %g", dl[0].Paced, dl[0].Target)
	}
	if _, err := svc.Decide(ctx, ads.Request{User: "u"}); err != nil {
		t.Fatal(err)
	}
	dl, _ = svc.Delivery(ctx, []ads.Campaign{c}, at)
	d := dl[0]
	if !d.Paced || math.Abs(d.Throttle-0.1) > 1e-9 {
		t.Errorf("after a request: paced %v, throttle %g, want the initial 0.1", d.Paced, d.Throttle)
	}
	if math.Abs(d.PlanNow-10.5/24) > 1e-9 || math.Abs(d.Target) > 1e-9 {
		t.Errorf("plan from midnight %g (want %g), pacer's target %g (want 0: anchored now)", d.PlanNow, 10.5/24, d.Target)
	}
	later := at.Add(time.Hour)
	dl, _ = svc.Delivery(ctx, []ads.Campaign{c}, later)
	if want := (1.0 / 24) / (1 - 10.5/24); math.Abs(dl[0].Target-want) > 1e-9 {
		t.Errorf("target an hour later %g, want %g", dl[0].Target, want)
	}
}
