package adstest

import (
	"sync"
	"testing"

	"github.com/shopmind/shopmind/ads"
)

// testHours: statistics by hour add up per campaign, day and hour, and
// stay apart from other campaigns and days, also under concurrent adds.
func testHours(t *testing.T, c ads.Counters) {
	hc, ok := c.(ads.HourlyCounters)
	if !ok {
		t.Skip("these counters keep no statistics by hour")
	}
	ctx := t.Context()
	a := ads.CampaignDay{Campaign: "hours-a", Day: "2026-03-01"}
	b := ads.CampaignDay{Campaign: "hours-b", Day: "2026-03-01"}
	a2 := ads.CampaignDay{Campaign: "hours-a", Day: "2026-03-02"}
	if hs, err := hc.Hours(ctx, a); err != nil || hs != ([24]ads.HourStats{}) {
		t.Fatalf("fresh counters: %v %v, want all zero", hs, err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 25 {
				if err := hc.AddHour(ctx, a, 9, ads.HourStats{Spend: 1500, Impressions: 1}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	for _, add := range []struct {
		key  ads.CampaignDay
		hour int
		d    ads.HourStats
	}{
		{a, 0, ads.HourStats{Clicks: 2, Spend: 700}},
		{a, 23, ads.HourStats{Conversions: 1, Spend: 5_000_000, Capped: 1}},
		{a, 9, ads.HourStats{Clicks: 3}},
		{b, 9, ads.HourStats{Impressions: 4, Spend: 40}},
		{a2, 9, ads.HourStats{Impressions: 1}},
		{a, 12, ads.HourStats{}}, // nothing to add
	} {
		if err := hc.AddHour(ctx, add.key, add.hour, add.d); err != nil {
			t.Fatal(err)
		}
	}
	for _, bad := range []int{-1, 24} {
		if err := hc.AddHour(ctx, a, bad, ads.HourStats{Impressions: 1}); err == nil {
			t.Errorf("hour %d was accepted", bad)
		}
	}
	got, err := hc.Hours(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	want := [24]ads.HourStats{}
	want[0] = ads.HourStats{Clicks: 2, Spend: 700}
	want[9] = ads.HourStats{Spend: 8 * 25 * 1500, Impressions: 200, Clicks: 3}
	want[23] = ads.HourStats{Conversions: 1, Spend: 5_000_000, Capped: 1}
	if got != want {
		t.Errorf("campaign a: %+v, want %+v", got, want)
	}
	got, _ = hc.Hours(ctx, b)
	if got[9] != (ads.HourStats{Impressions: 4, Spend: 40}) || got[0] != (ads.HourStats{}) {
		t.Errorf("campaign b: %+v", got)
	}
	got, _ = hc.Hours(ctx, a2)
	if got[9] != (ads.HourStats{Impressions: 1}) {
		t.Errorf("campaign a on the next day: %+v", got[9])
	}
}
