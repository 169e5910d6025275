package storectr_test

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopmind/shopmind/ads"
	"github.com/shopmind/shopmind/ads/adstest"
	"github.com/shopmind/shopmind/ads/storectr"
	"github.com/shopmind/shopmind/internal/testenv"
	"github.com/shopmind/shopmind/store"
	_ "github.com/shopmind/shopmind/store/postgres"
	"github.com/shopmind/shopmind/store/sqlite"
)

func openSQLite(tb testing.TB, path string) store.Store {
	tb.Helper()
	s, err := sqlite.OpenPath(tb.Context(), path, store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func TestSQLiteCounters(t *testing.T) {
	adstest.Run(t, func(t *testing.T) ads.Counters {
		return storectr.New(openSQLite(t, filepath.Join(t.TempDir(), "shop.db")), "")
	})
}

func TestPostgresCounters(t *testing.T) {
	testenv.PostgresURL(t) // skips once rather than in every subtest
	adstest.Run(t, func(t *testing.T) ads.Counters {
		s, err := store.Open(t.Context(), testenv.PostgresSchema(t), store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return storectr.New(s, "")
	})
}

// TestSurvivesRestart: what the counters hold is there after the store is
// closed and opened again.
func TestSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shop.db")
	ctx := t.Context()
	key := ads.CampaignDay{Campaign: "a", Day: "2025-03-01"}
	s, err := sqlite.OpenPath(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := storectr.New(s, "")
	if n, err := c.Charge(ctx, key, 700, 1000, 0); err != nil || n != 700 {
		t.Fatalf("Charge = %d, %v", n, err)
	}
	if ok, err := c.ClaimFrequency(ctx, "u:1", key, 1); err != nil || !ok {
		t.Fatalf("ClaimFrequency = %v, %v", ok, err)
	}
	if err := c.AddCreative(ctx, "a/x", ads.CreativeStats{Impressions: 3, Clicks: 1}); err != nil {
		t.Fatal(err)
	}
	if err := c.SaveDecision(ctx, "d1", []byte("rec"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if ok, err := c.FirstTime(ctx, "d1/0/click", time.Hour); err != nil || !ok {
		t.Fatalf("FirstTime = %v, %v", ok, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	c = storectr.New(openSQLite(t, path), "")
	if n, err := c.Charge(ctx, key, 700, 1000, 0); err != nil || n != 300 {
		t.Errorf("Charge after the restart = %d, %v; want the 300 left of the day's 1000", n, err)
	}
	if ok, err := c.ClaimFrequency(ctx, "u:1", key, 1); err != nil || ok {
		t.Errorf("ClaimFrequency after the restart = %v, %v; want the cap of 1 reached", ok, err)
	}
	stats := make([]ads.CreativeStats, 1)
	if err := c.Creatives(ctx, []string{"a/x"}, stats); err != nil || stats[0] != (ads.CreativeStats{Impressions: 3, Clicks: 1}) {
		t.Errorf("Creatives after the restart = %+v, %v", stats, err)
	}
	if b, err := c.LoadDecision(ctx, "d1"); err != nil || string(b) != "rec" {
		t.Errorf("LoadDecision after the restart = %q, %v", b, err)
	}
	if ok, err := c.FirstTime(ctx, "d1/0/click", time.Hour); err != nil || ok {
		t.Errorf("FirstTime after the restart = %v, %v; want false", ok, err)
	}
}

// TestKeys: ids that are long, not UTF-8 or full of separators neither
// fail nor collide.
func TestKeys(t *testing.T) {
	ctx := t.Context()
	s := openSQLite(t, filepath.Join(t.TempDir(), "shop.db"))
	c := storectr.New(s, "")
	long := string(make([]byte, 2000))
	users := []string{"a:1", "a", long, "\xff\xfe", "1:a"}
	day := ads.CampaignDay{Campaign: "1:a", Day: "2025-03-01"}
	for i, u := range users {
		for range i + 1 {
			if ok, err := c.ClaimFrequency(ctx, u, day, 0); err != nil || !ok {
				t.Fatalf("ClaimFrequency(%q) = %v, %v", u, ok, err)
			}
		}
	}
	for i, u := range users {
		out := make([]int64, 1)
		if err := c.Frequency(ctx, u, []ads.CampaignDay{day}, out); err != nil || out[0] != int64(i+1) {
			t.Errorf("Frequency(%q) = %v, %v; want %d", u, out, err, i+1)
		}
	}
	if err := c.SaveDecision(ctx, long, []byte("x"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if b, err := c.LoadDecision(ctx, long); err != nil || string(b) != "x" {
		t.Errorf("LoadDecision of a long id = %q, %v", b, err)
	}
}

// TestRunDeletesLapsed: Run removes lapsed decision records.
func TestRunDeletesLapsed(t *testing.T) {
	s := openSQLite(t, filepath.Join(t.TempDir(), "shop.db"))
	c := storectr.New(s, "")
	ctx, cancel := context.WithCancel(t.Context())
	if err := c.SaveDecision(ctx, "old", []byte("x"), time.Nanosecond); err != nil {
		t.Fatal(err)
	}
	if err := c.SaveDecision(ctx, "new", []byte("y"), time.Hour); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { c.Run(ctx, 5*time.Millisecond, func(err error) { t.Error(err) }); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		// A second DeleteExpired finds nothing once Run has deleted "old".
		if n, err := s.DeleteExpired(t.Context()); err != nil || n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Run did not delete the lapsed record")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	if b, err := c.LoadDecision(t.Context(), "new"); err != nil || string(b) != "y" {
		t.Errorf("live record after Run = %q, %v", b, err)
	}
}

// TestEngineBudget runs concurrent decisions and feedback on one engine
// over SQLite counters: budgets and caps hold.
func TestEngineBudget(t *testing.T) {
	c := storectr.New(openSQLite(t, filepath.Join(t.TempDir(), "shop.db")), "")
	cs := []ads.Campaign{
		{ID: "a", Advertiser: "x", Status: ads.Active, BidType: ads.CPM, Bid: 10, DailyBudget: 0.15, FrequencyCap: 2,
			Creatives: []ads.Creative{{ID: "k", ItemID: "i"}}},
		{ID: "b", Advertiser: "y", Status: ads.Active, BidType: ads.CPC, Bid: 0.2, DailyBudget: 1,
			Creatives: []ads.Creative{{ID: "k", ItemID: "i"}}},
	}
	e := ads.NewEngine(c, ads.StatsPredictor{}, ads.Config{ReserveCPM: 3, Seed: 1, Pacing: ads.PacingConfig{Disabled: true}})
	if err := e.SetCampaigns(cs); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 3, 5, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	seen := map[string]int{}
	var errs atomic.Int64
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			ctx := context.Background()
			for i := range 40 {
				user := fmt.Sprint("u", (w*40+i)%40)
				d, err := e.Decide(ctx, &ads.Request{User: user, Slots: 2, Context: ads.Context{Time: at}})
				if err != nil {
					t.Error(err)
					errs.Add(1)
					return
				}
				for s, ad := range d.Ads {
					mu.Lock()
					seen[user+"/"+ad.CampaignID]++
					mu.Unlock()
					for _, ev := range []ads.EventType{ads.Impression, ads.Click} {
						if _, err := e.Feedback(ctx, d.Record, s, ev); err != nil {
							t.Error(err)
							errs.Add(1)
						}
					}
				}
			}
		})
	}
	wg.Wait()
	if errs.Load() > 0 {
		t.Fatalf("%d errors", errs.Load())
	}
	daily, total := make([]int64, 2), make([]int64, 2)
	keys := []ads.CampaignDay{{Campaign: "a", Day: "2025-03-05"}, {Campaign: "b", Day: "2025-03-05"}}
	if err := c.Spend(t.Context(), keys, daily, total); err != nil {
		t.Fatal(err)
	}
	if daily[0] != 150_000 || daily[1] != 1_000_000 {
		t.Errorf("spend %v, want both budgets spent exactly (150000, 1000000)", daily)
	}
	for k, n := range seen {
		if k[len(k)-1] == 'a' && n > 2 {
			t.Errorf("%s served %d times under a cap of 2", k, n)
		}
	}
}

// bench100 returns an engine with 100 campaigns (two creatives each, one
// still explored, half of them frequency-capped) that are all eligible for
// the request, over counters in a new SQLite store, as ads' own
// BenchmarkDecide100 sets up over Memory.
func bench100(b *testing.B) (*ads.Engine, *storectr.Counters, ads.Request) {
	c := storectr.New(openSQLite(b, filepath.Join(b.TempDir(), "shop.db")), "")
	r := mrand.New(mrand.NewPCG(1, 1))
	var cs []ads.Campaign
	for i := range 100 {
		id := fmt.Sprintf("c%03d", i)
		t := []ads.BidType{ads.CPC, ads.CPM, ads.CPA}[i%3]
		cp := ads.Campaign{ID: id, Advertiser: "adv-" + id, Status: ads.Active, BidType: t,
			Bid: []float64{0.5, 8, 10}[i%3] * (0.5 + r.Float64()), DailyBudget: 1e6,
			Creatives: []ads.Creative{{ID: "x", ItemID: "item-" + id, Text: "ad " + id}, {ID: "y", ItemID: "item-y"}}}
		if i%2 == 0 {
			cp.FrequencyCap = 1000
		}
		if i%5 == 0 {
			cp.Targeting.Segments = []string{"s1", "s2"}
		}
		cs = append(cs, cp)
		if err := c.AddCreative(b.Context(), ads.CreativeKey(id, "x"), ads.CreativeStats{Impressions: 50_000, Clicks: 900, Conversions: 40}); err != nil {
			b.Fatal(err)
		}
	}
	e := ads.NewEngine(c, ads.StatsPredictor{}, ads.Config{ReserveCPM: 1, Seed: 1, Pacing: ads.PacingConfig{Disabled: true}})
	if err := e.SetCampaigns(cs); err != nil {
		b.Fatal(err)
	}
	at := time.Date(2025, 3, 5, 10, 30, 0, 0, time.UTC)
	return e, c, ads.Request{User: "u1", Slots: 3, Segments: []string{"s2"}, Context: ads.Context{Device: "mobile", Page: "home", Time: at}}
}

// BenchmarkDecide100SQLite times one decision over 100 eligible campaigns
// with counters in SQLite: "engine" is Engine.Decide (three reads of many
// counters and a frequency claim per capped winner), "with-record" adds
// saving the decision record as the service does.
func BenchmarkDecide100SQLite(b *testing.B) {
	for _, save := range []bool{false, true} {
		name := map[bool]string{false: "engine", true: "with-record"}[save]
		b.Run(name, func(b *testing.B) {
			e, c, req := bench100(b)
			ctx := b.Context()
			lat := make([]time.Duration, 0, 1<<14)
			n := 0
			for b.Loop() {
				r := req
				r.User = fmt.Sprint("u", n%5000)
				n++
				t0 := time.Now()
				d, err := e.Decide(ctx, &r)
				if err == nil && save {
					err = c.SaveDecision(ctx, d.ID, []byte(`{"id":"`+d.ID+`","ads":[1,2,3]}`), time.Hour)
				}
				lat = append(lat, time.Since(t0))
				if err != nil || len(d.Ads) == 0 {
					b.Fatalf("%+v %v", d, err)
				}
			}
			reportPercentiles(b, lat)
		})
	}
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkClaimFrequencySQLite times one frequency claim: one write
// transaction, synced to disk (synchronous=FULL) before it returns.
func BenchmarkClaimFrequencySQLite(b *testing.B) {
	c := storectr.New(openSQLite(b, filepath.Join(b.TempDir(), "shop.db")), "")
	lat := make([]time.Duration, 0, 1<<14)
	n := 0
	for b.Loop() {
		n++
		t0 := time.Now()
		if _, err := c.ClaimFrequency(b.Context(), fmt.Sprint("u", n%5000), ads.CampaignDay{Campaign: "c1", Day: "2025-03-05"}, 1000); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	reportPercentiles(b, lat)
}

// BenchmarkCreatives200SQLite times reading the statistics of 200
// creatives (600 counters), as a decision over 100 campaigns does.
func BenchmarkCreatives200SQLite(b *testing.B) {
	c := storectr.New(openSQLite(b, filepath.Join(b.TempDir(), "shop.db")), "")
	ids := make([]string, 200)
	for i := range ids {
		ids[i] = fmt.Sprintf("c%03d/%d", i/2, i%2)
		if i%2 == 0 {
			if err := c.AddCreative(b.Context(), ids[i], ads.CreativeStats{Impressions: 5000, Clicks: 90, Conversions: 4}); err != nil {
				b.Fatal(err)
			}
		}
	}
	out := make([]ads.CreativeStats, len(ids))
	lat := make([]time.Duration, 0, 1<<14)
	for b.Loop() {
		t0 := time.Now()
		if err := c.Creatives(b.Context(), ids, out); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	reportPercentiles(b, lat)
}

// TestCreativeCacheAcrossNodes: a node sees its own additions at once and
// another node's within CreativeTTL.
func TestCreativeCacheAcrossNodes(t *testing.T) {
	st := openSQLite(t, filepath.Join(t.TempDir(), "s.db"))
	a, b := storectr.New(st, ""), storectr.New(st, "")
	a.CreativeTTL, b.CreativeTTL = 50*time.Millisecond, 50*time.Millisecond
	ctx := t.Context()
	out := make([]ads.CreativeStats, 1)
	if err := b.Creatives(ctx, []string{"cr"}, out); err != nil || out[0] != (ads.CreativeStats{}) {
		t.Fatalf("fresh: %+v %v", out[0], err)
	}
	if err := a.AddCreative(ctx, "cr", ads.CreativeStats{Impressions: 3, Clicks: 1}); err != nil {
		t.Fatal(err)
	}
	a.Creatives(ctx, []string{"cr"}, out)
	if out[0].Impressions != 3 {
		t.Errorf("own addition not seen: %+v", out[0])
	}
	time.Sleep(60 * time.Millisecond)
	b.Creatives(ctx, []string{"cr"}, out)
	if out[0].Impressions != 3 || out[0].Clicks != 1 {
		t.Errorf("another node's addition not seen after the TTL: %+v", out[0])
	}
}
