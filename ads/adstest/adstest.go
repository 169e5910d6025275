// Package adstest is the conformance suite every ads.Counters
// implementation runs (the in-memory one and ads/redisctr).
package adstest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopmind/shopmind/ads"
)

// Run checks the Counters contract. newCounters returns empty counters;
// the names it is given keep tests apart when counters share a backend.
func Run(t *testing.T, newCounters func(t *testing.T) ads.Counters) {
	t.Run("ChargeLimits", func(t *testing.T) { testChargeLimits(t, newCounters(t)) })
	t.Run("ChargeConcurrent", func(t *testing.T) { testChargeConcurrent(t, newCounters(t)) })
	t.Run("Frequency", func(t *testing.T) { testFrequency(t, newCounters(t)) })
	t.Run("FrequencyConcurrent", func(t *testing.T) { testFrequencyConcurrent(t, newCounters(t)) })
	t.Run("Creatives", func(t *testing.T) { testCreatives(t, newCounters(t)) })
	t.Run("Decisions", func(t *testing.T) { testDecisions(t, newCounters(t)) })
	t.Run("FeedbackLog", func(t *testing.T) { testFeedbackLog(t, newCounters(t)) })
	t.Run("Hours", func(t *testing.T) { testHours(t, newCounters(t)) })
}

// testFeedbackLog: entries come back once, oldest first, in pages.
func testFeedbackLog(t *testing.T, c ads.Counters) {
	fl, ok := c.(ads.FeedbackLog)
	if !ok {
		t.Skip("these counters keep no feedback log")
	}
	ctx := t.Context()
	var want []ads.Feedback
	for i := range 25 {
		f := ads.Feedback{DecisionID: fmt.Sprintf("d%02d", i), Slot: i % 3, Type: []ads.EventType{ads.Impression, ads.Click, ads.Conversion}[i%3]}
		if err := fl.LogFeedback(ctx, f); err != nil {
			t.Fatal(err)
		}
		want = append(want, f)
	}
	var got []ads.Feedback
	for range 10 {
		page, err := fl.TakeFeedback(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		if len(page) > 10 {
			t.Fatalf("a page of %d, asked for 10", len(page))
		}
		got = append(got, page...)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("taken %v, want %v", got, want)
	}
}

// must returns a function that fails t on an error and passes the value.
func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func spend(t *testing.T, c ads.Counters, keys ...ads.CampaignDay) (daily, total []int64) {
	t.Helper()
	daily, total = make([]int64, len(keys)), make([]int64, len(keys))
	if err := c.Spend(t.Context(), keys, daily, total); err != nil {
		t.Fatal(err)
	}
	return daily, total
}

func testChargeLimits(t *testing.T, c ads.Counters) {
	ctx := t.Context()
	d1 := ads.CampaignDay{Campaign: "a", Day: "2025-03-01"}
	d2 := ads.CampaignDay{Campaign: "a", Day: "2025-03-02"}
	other := ads.CampaignDay{Campaign: "b", Day: "2025-03-01"}
	steps := []struct {
		key                  ads.CampaignDay
		amount, dl, tl, want int64
	}{
		{d1, 300, 1000, 2500, 300},
		{d1, 600, 1000, 2500, 600},
		{d1, 300, 1000, 2500, 100}, // cut to the daily budget
		{d1, 300, 1000, 2500, 0},   // daily budget spent
		{d2, 900, 1000, 2500, 900}, // a new day
		{d2, 900, 1000, 2500, 100},
		{other, 5000, 0, 0, 5000}, // no limits
		{ads.CampaignDay{Campaign: "a", Day: "2025-03-03"}, 900, 1000, 2500, 500}, // cut to the total budget
		{ads.CampaignDay{Campaign: "a", Day: "2025-03-04"}, 900, 1000, 2500, 0},
		{d1, 0, 1000, 2500, 0},
	}
	for i, s := range steps {
		got := must[int64](t)(c.Charge(ctx, s.key, s.amount, s.dl, s.tl))
		if got != s.want {
			t.Errorf("step %d: charged %d, want %d", i, got, s.want)
		}
	}
	daily, total := spend(t, c, d1, d2, other, ads.CampaignDay{Campaign: "none", Day: "2025-03-01"})
	if fmt.Sprint(daily) != "[1000 1000 5000 0]" || fmt.Sprint(total) != "[2500 2500 5000 0]" {
		t.Errorf("spend daily %v total %v", daily, total)
	}
}

func testChargeConcurrent(t *testing.T, c ads.Counters) {
	key := ads.CampaignDay{Campaign: "conc", Day: "2025-03-01"}
	const workers, each, limit = 16, 200, 100_000
	var charged atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				n, err := c.Charge(context.Background(), key, int64(37+w+i%13), limit, 0)
				if err != nil {
					errs <- err
					return
				}
				charged.Add(n)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	daily, total := spend(t, c, key)
	if daily[0] != limit || total[0] != limit || charged.Load() != limit {
		t.Errorf("after racing charges: daily %d total %d charged %d, want all %d", daily[0], total[0], charged.Load(), limit)
	}
}

func testFrequency(t *testing.T, c ads.Counters) {
	ctx := t.Context()
	k1 := ads.CampaignDay{Campaign: "a", Day: "2025-03-01"}
	k2 := ads.CampaignDay{Campaign: "b", Day: "2025-03-01"}
	for i := range 3 {
		if ok := must[bool](t)(c.ClaimFrequency(ctx, "u1", k1, 3)); !ok {
			t.Fatalf("claim %d under the cap refused", i)
		}
	}
	if ok := must[bool](t)(c.ClaimFrequency(ctx, "u1", k1, 3)); ok {
		t.Error("claim beyond the cap of 3 granted")
	}
	if ok := must[bool](t)(c.ClaimFrequency(ctx, "u2", k1, 3)); !ok {
		t.Error("another user's claim refused")
	}
	if ok := must[bool](t)(c.ClaimFrequency(ctx, "u1", ads.CampaignDay{Campaign: "a", Day: "2025-03-02"}, 3)); !ok {
		t.Error("next day's claim refused")
	}
	out := make([]int64, 2)
	if err := c.Frequency(ctx, "u1", []ads.CampaignDay{k1, k2}, out); err != nil {
		t.Fatal(err)
	}
	if out[0] != 3 || out[1] != 0 {
		t.Errorf("frequency %v, want [3 0]", out)
	}
}

func testFrequencyConcurrent(t *testing.T, c ads.Counters) {
	key := ads.CampaignDay{Campaign: "capped", Day: "2025-03-01"}
	var granted atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 20 {
				if ok, err := c.ClaimFrequency(context.Background(), "u", key, 5); err == nil && ok {
					granted.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if granted.Load() != 5 {
		t.Errorf("%d claims granted under a cap of 5", granted.Load())
	}
}

func testCreatives(t *testing.T, c ads.Counters) {
	ctx := t.Context()
	for range 4 {
		if err := c.AddCreative(ctx, "a/x", ads.CreativeStats{Impressions: 10, Clicks: 2, Conversions: 1}); err != nil {
			t.Fatal(err)
		}
	}
	out := make([]ads.CreativeStats, 2)
	if err := c.Creatives(ctx, []string{"a/x", "a/none"}, out); err != nil {
		t.Fatal(err)
	}
	if out[0] != (ads.CreativeStats{Impressions: 40, Clicks: 8, Conversions: 4}) || out[1] != (ads.CreativeStats{}) {
		t.Errorf("creative stats %+v", out)
	}
}

func testDecisions(t *testing.T, c ads.Counters) {
	ctx := t.Context()
	if err := c.SaveDecision(ctx, "d1", []byte(`{"id":"d1"}`), time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := must[[]byte](t)(c.LoadDecision(ctx, "d1")); string(got) != `{"id":"d1"}` {
		t.Errorf("loaded %q", got)
	}
	if _, err := c.LoadDecision(ctx, "nope"); !errors.Is(err, ads.ErrUnknownDecision) {
		t.Errorf("unknown decision: %v, want ErrUnknownDecision", err)
	}
	if !must[bool](t)(c.FirstTime(ctx, "d1/0/click", time.Hour)) {
		t.Error("first sight not first")
	}
	if must[bool](t)(c.FirstTime(ctx, "d1/0/click", time.Hour)) {
		t.Error("second sight reported first")
	}
	if !must[bool](t)(c.FirstTime(ctx, "d1/1/click", time.Hour)) {
		t.Error("another key not first")
	}
}
