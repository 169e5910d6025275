package ads_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopmind/shopmind/ads"
	"github.com/shopmind/shopmind/ads/adstest"
)

// flaky is in-memory counters that fail every call while down.
type flaky struct {
	*ads.Memory
	down  atomic.Bool
	calls atomic.Int64
}

var errDown = errors.New("connection refused")

func (f *flaky) err() error {
	f.calls.Add(1)
	if f.down.Load() {
		return errDown
	}
	return nil
}

func (f *flaky) Ping(context.Context) error { return f.err() }
func (f *flaky) Spend(ctx context.Context, k []ads.CampaignDay, d, t []int64) error {
	if err := f.err(); err != nil {
		return err
	}
	return f.Memory.Spend(ctx, k, d, t)
}
func (f *flaky) Charge(ctx context.Context, k ads.CampaignDay, a, dl, tl int64) (int64, error) {
	if err := f.err(); err != nil {
		return 0, err
	}
	return f.Memory.Charge(ctx, k, a, dl, tl)
}
func (f *flaky) Frequency(ctx context.Context, u string, k []ads.CampaignDay, out []int64) error {
	if err := f.err(); err != nil {
		return err
	}
	return f.Memory.Frequency(ctx, u, k, out)
}
func (f *flaky) ClaimFrequency(ctx context.Context, u string, k ads.CampaignDay, limit int64) (bool, error) {
	if err := f.err(); err != nil {
		return false, err
	}
	return f.Memory.ClaimFrequency(ctx, u, k, limit)
}
func (f *flaky) Creatives(ctx context.Context, ids []string, out []ads.CreativeStats) error {
	if err := f.err(); err != nil {
		return err
	}
	return f.Memory.Creatives(ctx, ids, out)
}
func (f *flaky) AddCreative(ctx context.Context, id string, d ads.CreativeStats) error {
	if err := f.err(); err != nil {
		return err
	}
	return f.Memory.AddCreative(ctx, id, d)
}
func (f *flaky) SaveDecision(ctx context.Context, id string, b []byte, ttl time.Duration) error {
	if err := f.err(); err != nil {
		return err
	}
	return f.Memory.SaveDecision(ctx, id, b, ttl)
}
func (f *flaky) LoadDecision(ctx context.Context, id string) ([]byte, error) {
	if err := f.err(); err != nil {
		return nil, err
	}
	return f.Memory.LoadDecision(ctx, id)
}

// clock is a manual clock safe for concurrent use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestFallbackConformance(t *testing.T) {
	adstest.Run(t, func(t *testing.T) ads.Counters {
		return ads.NewFallback(&flaky{Memory: ads.NewMemory(ads.MemoryConfig{})}, ads.FallbackConfig{Log: quiet()})
	})
}

func TestFallbackDegradesAndRecovers(t *testing.T) {
	ctx := t.Context()
	clk := &clock{t: time.Date(2025, 3, 5, 12, 0, 0, 0, time.UTC)}
	primary := &flaky{Memory: ads.NewMemory(ads.MemoryConfig{})}
	f := ads.NewFallback(primary, ads.FallbackConfig{BudgetShare: 0.05, Now: clk.Now, Log: quiet()})
	key := ads.CampaignDay{Campaign: "c", Day: "2025-03-05"}
	const daily, total = 1_000_000, 0

	// Healthy: everything goes to the primary.
	if n, err := f.Charge(ctx, key, 400_000, daily, total); n != 400_000 || err != nil {
		t.Fatalf("healthy charge: %d, %v", n, err)
	}
	d, tot := make([]int64, 1), make([]int64, 1)
	if err := f.Spend(ctx, []ads.CampaignDay{key}, d, tot); err != nil || d[0] != 400_000 {
		t.Fatalf("healthy spend %d, %v", d[0], err)
	}
	if f.Degraded() {
		t.Fatal("degraded while the primary answers")
	}

	// Down: charges stop at 5 % of the daily budget on this node.
	primary.down.Store(true)
	var charged int64
	for range 100 {
		n, err := f.Charge(ctx, key, 1_000, daily, total)
		if err != nil {
			t.Fatalf("degraded charge: %v", err)
		}
		charged += n
	}
	if !f.Degraded() {
		t.Fatal("not degraded with the primary down")
	}
	if charged != 50_000 {
		t.Errorf("charged %d while degraded; want 5%% of the daily budget, 50000", charged)
	}
	if err := f.Spend(ctx, []ads.CampaignDay{key}, d, tot); err != nil || d[0] != 450_000 {
		t.Errorf("degraded spend %d (%v); want the last read 400000 + local 50000", d[0], err)
	}
	// Frequency: one impression per user and capped campaign per period.
	if ok, _ := f.ClaimFrequency(ctx, "u", key, 3); !ok {
		t.Error("first degraded impression refused")
	}
	if ok, _ := f.ClaimFrequency(ctx, "u", key, 3); ok {
		t.Error("second degraded impression allowed; want at most one per period")
	}
	if ok, _ := f.ClaimFrequency(ctx, "v", key, 0); !ok {
		t.Error("uncapped campaign refused while degraded")
	}
	if err := f.AddCreative(ctx, "k", ads.CreativeStats{Impressions: 2, Clicks: 1}); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveDecision(ctx, "dec", []byte("rec"), time.Hour); err != nil {
		t.Fatal(err)
	}
	// No probe before the interval: the primary is left alone.
	before := primary.calls.Load()
	for range 10 {
		f.Charge(ctx, key, 1, daily, total)
	}
	if got := primary.calls.Load() - before; got != 0 {
		t.Errorf("%d calls to a down primary within the probe interval", got)
	}

	// A due probe that fails keeps it degraded.
	clk.Add(1100 * time.Millisecond)
	f.Charge(ctx, key, 1, daily, total)
	if !f.Degraded() || primary.calls.Load()-before != 1 {
		t.Errorf("after a failed probe: degraded %v, %d calls (want 1)", f.Degraded(), primary.calls.Load()-before)
	}

	// Back: the next call after the interval recovers and replays.
	primary.down.Store(false)
	clk.Add(1100 * time.Millisecond)
	if err := f.Spend(ctx, []ads.CampaignDay{key}, d, tot); err != nil {
		t.Fatal(err)
	}
	if f.Degraded() {
		t.Fatal("still degraded after the primary answers again")
	}
	if d[0] != 450_000 || tot[0] != 450_000 {
		t.Errorf("spend after recovery %d/%d; want the degraded charges added, 450000", d[0], tot[0])
	}
	fr := make([]int64, 1)
	primary.Memory.Frequency(ctx, "u", []ads.CampaignDay{key}, fr)
	if fr[0] != 1 {
		t.Errorf("primary frequency of u after recovery %d; want 1", fr[0])
	}
	st := make([]ads.CreativeStats, 1)
	f.Creatives(ctx, []string{"k"}, st)
	if st[0].Impressions != 2 || st[0].Clicks != 1 {
		t.Errorf("creative after recovery %+v", st[0])
	}
	if b, err := f.LoadDecision(ctx, "dec"); err != nil || string(b) != "rec" {
		t.Errorf("decision kept while degraded: %q, %v", b, err)
	}
	if _, err := f.LoadDecision(ctx, "none"); !errors.Is(err, ads.ErrUnknownDecision) {
		t.Errorf("unknown decision: %v", err)
	}
	// A new period starts with a fresh allowance, minus what was read.
	primary.down.Store(true)
	charged = 0
	for range 100 {
		n, _ := f.Charge(ctx, key, 10_000, daily, total)
		charged += n
	}
	if charged != 50_000 {
		t.Errorf("second period charged %d; want 50000", charged)
	}
}

// The allowance never exceeds what was left of the daily budget.
func TestFallbackAllowanceBoundedByRemaining(t *testing.T) {
	ctx := t.Context()
	primary := &flaky{Memory: ads.NewMemory(ads.MemoryConfig{})}
	f := ads.NewFallback(primary, ads.FallbackConfig{BudgetShare: 0.05, Log: quiet()})
	key := ads.CampaignDay{Campaign: "c", Day: "2025-03-05"}
	f.Charge(ctx, key, 990, 1000, 0)
	f.Spend(ctx, []ads.CampaignDay{key}, make([]int64, 1), make([]int64, 1))
	primary.down.Store(true)
	var charged int64
	for range 20 {
		n, _ := f.Charge(ctx, key, 1, 1000, 0)
		charged += n
	}
	if charged != 10 {
		t.Errorf("charged %d; want the 10 left of the daily budget", charged)
	}
	// Total budget only: share of the remaining total.
	other := ads.CampaignDay{Campaign: "t", Day: "2025-03-05"}
	charged = 0
	for range 200 {
		n, _ := f.Charge(ctx, other, 10, 0, 2000)
		charged += n
	}
	if charged != 100 {
		t.Errorf("total-only campaign charged %d; want 5%% of 2000", charged)
	}
}

// The caller's own cancellation is not a failure of the primary.
func TestFallbackCallerCancelDoesNotDegrade(t *testing.T) {
	slow := &slowCounters{Memory: ads.NewMemory(ads.MemoryConfig{})}
	f := ads.NewFallback(slow, ads.FallbackConfig{Timeout: time.Second, Log: quiet()})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := f.Charge(ctx, ads.CampaignDay{Campaign: "c", Day: "d"}, 1, 0, 0); err == nil {
		t.Error("charge with a cancelled context succeeded")
	}
	if f.Degraded() {
		t.Error("degraded by the caller's cancellation")
	}
	// A primary slower than the timeout degrades.
	f = ads.NewFallback(slow, ads.FallbackConfig{Timeout: 5 * time.Millisecond, Log: quiet()})
	if n, err := f.Charge(t.Context(), ads.CampaignDay{Campaign: "c", Day: "d"}, 1, 100, 0); err != nil || n != 1 {
		t.Errorf("charge over a slow primary: %d, %v", n, err)
	}
	if !f.Degraded() {
		t.Error("not degraded by a primary slower than the timeout")
	}
}

type slowCounters struct{ *ads.Memory }

func (s *slowCounters) Charge(ctx context.Context, k ads.CampaignDay, a, dl, tl int64) (int64, error) {
	<-ctx.Done()
	return 0, ctx.Err()
}

// A negative share spends nothing on budgeted campaigns while degraded.
func TestFallbackNoShare(t *testing.T) {
	primary := &flaky{Memory: ads.NewMemory(ads.MemoryConfig{})}
	primary.down.Store(true)
	f := ads.NewFallback(primary, ads.FallbackConfig{BudgetShare: -1, Log: quiet()})
	key := ads.CampaignDay{Campaign: "c", Day: "2025-03-05"}
	if n, err := f.Charge(t.Context(), key, 10, 1000, 0); n != 0 || err != nil {
		t.Errorf("charged %d (%v) with no degraded share", n, err)
	}
	if n, _ := f.Charge(t.Context(), key, 10, 0, 0); n != 10 {
		t.Errorf("unbudgeted campaign charged %d; want 10", n)
	}
}

// Concurrent deciders on a node with the primary down stay within the
// share together, and the recovery adds their charges to the primary once.
func TestFallbackConcurrent(t *testing.T) {
	clk := &clock{t: time.Date(2025, 3, 5, 12, 0, 0, 0, time.UTC)}
	primary := &flaky{Memory: ads.NewMemory(ads.MemoryConfig{})}
	primary.down.Store(true)
	f := ads.NewFallback(primary, ads.FallbackConfig{Now: clk.Now, Log: quiet()})
	key := ads.CampaignDay{Campaign: "c", Day: "2025-03-05"}
	var charged atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 200 {
				n, err := f.Charge(t.Context(), key, 10, 100_000, 0)
				if err != nil {
					t.Error(err)
					return
				}
				charged.Add(n)
			}
		})
	}
	wg.Wait()
	if charged.Load() != 5000 {
		t.Errorf("16 deciders charged %d while degraded; want 5%% of 100000", charged.Load())
	}
	primary.down.Store(false)
	clk.Add(2 * time.Second)
	for range 16 {
		wg.Go(func() {
			d, tot := make([]int64, 1), make([]int64, 1)
			for range 50 {
				if err := f.Spend(t.Context(), []ads.CampaignDay{key}, d, tot); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	d, tot := make([]int64, 1), make([]int64, 1)
	primary.Memory.Spend(t.Context(), []ads.CampaignDay{key}, d, tot)
	if f.Degraded() || d[0] != 5000 {
		t.Errorf("after recovery: degraded %v, primary spend %d; want false, 5000", f.Degraded(), d[0])
	}
}

// BenchmarkFallbackOverhead measures what the wrapper adds to a healthy
// primary's Spend and Charge (the primary here is in memory).
func BenchmarkFallbackOverhead(b *testing.B) {
	keys := []ads.CampaignDay{{Campaign: "a", Day: "2025-03-05"}, {Campaign: "b", Day: "2025-03-05"}}
	d, tot := make([]int64, 2), make([]int64, 2)
	for _, c := range []struct {
		name string
		c    ads.Counters
	}{
		{"memory", ads.NewMemory(ads.MemoryConfig{})},
		{"fallback", ads.NewFallback(ads.NewMemory(ads.MemoryConfig{}), ads.FallbackConfig{Log: quiet()})},
	} {
		b.Run(c.name, func(b *testing.B) {
			ctx := b.Context()
			for b.Loop() {
				c.c.Spend(ctx, keys, d, tot)
				c.c.Charge(ctx, keys[0], 1, 0, 0)
			}
		})
	}
}
