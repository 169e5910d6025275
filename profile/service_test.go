package profile

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
	_ "github.com/shopmind/shopmind/store/sqlite"
)

func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "p.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestFeedLagUnderLoad ingests 10,000 events/s for three seconds while the
// service follows the feed, and checks the lag it reports stays under 1 s
// and every event ends up in a profile.
func TestFeedLagUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test; skipped with -short")
	}
	st := openStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	svc := NewService(st, ServiceConfig{PollInterval: 50 * time.Millisecond}, slog.New(slog.DiscardHandler))
	done := make(chan struct{})
	go func() { svc.Run(ctx); close(done) }()
	for !svc.Ready() {
		time.Sleep(5 * time.Millisecond)
	}
	const perBatch, batches = 1000, 30 // 10 batches a second
	var maxLag time.Duration
	stopSampling := make(chan struct{})
	sampled := make(chan time.Duration)
	go func() {
		var m time.Duration
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stopSampling:
				sampled <- m
				return
			case <-tick.C:
				m = max(m, svc.Lag())
			}
		}
	}()
	start := time.Now()
	for b := range batches {
		evs := make([]shop.Event, perBatch)
		for i := range evs {
			evs[i] = shop.Event{ID: fmt.Sprintf("l%d-%d", b, i), Type: shop.View, UserID: fmt.Sprintf("u%d", i%500),
				ItemID: fmt.Sprintf("i%d", i%100), Timestamp: time.Now().UTC()}
		}
		if _, err := st.AppendEvents(ctx, evs); err != nil {
			t.Fatal(err)
		}
		svc.Notify()
		if sleep := time.Until(start.Add(time.Duration(b+1) * 100 * time.Millisecond)); sleep > 0 {
			time.Sleep(sleep)
		}
	}
	rate := float64(perBatch*batches) / time.Since(start).Seconds()
	deadline := time.Now().Add(5 * time.Second)
	stats, _ := st.Stats(ctx)
	for svc.Applied() < stats.LastSeq && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	close(stopSampling)
	maxLag = <-sampled
	cancel()
	<-done
	t.Logf("ingested at %.0f events/s; max reported lag %s", rate, maxLag)
	if rate < 9000 {
		t.Skipf("the machine could only ingest %.0f events/s; the lag bound is for 10,000/s", rate)
	}
	if maxLag >= time.Second {
		t.Fatalf("profile lag reached %s; the bound is 1 s", maxLag)
	}
	var total int64
	svc.Each(func(p *Profile, _ *Context) bool { total += p.Total(); return true })
	if total != perBatch*batches || svc.Users() != 500 {
		t.Fatalf("profiles hold %d events of %d users; want %d of 500", total, svc.Users(), perBatch*batches)
	}
}

// TestServiceBuildsFromExistingLog starts a service on a store that already
// holds events (a restart, or a new node) and checks it rebuilds the same
// profiles, with item facts read from the catalogue.
func TestServiceBuildsFromExistingLog(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	if err := st.PutItems(ctx, []shop.Item{*serum}); err != nil {
		t.Fatal(err)
	}
	at := time.Now().UTC().Add(-time.Hour)
	st.AppendEvents(ctx, []shop.Event{
		{ID: "a", Type: shop.View, UserID: "u1", ItemID: "serum", Timestamp: at},
		{ID: "b", Type: shop.Purchase, UserID: "u1", ItemID: "serum", Timestamp: at, Revenue: 200, Currency: "CNY", OrderID: "o"},
		{ID: "c", Type: shop.View, UserID: "u2", ItemID: "unknown-item", Timestamp: at},
	})
	svc := NewService(st, ServiceConfig{}, slog.New(slog.DiscardHandler))
	v, err := svc.View(ctx, "u1")
	if err != nil {
		t.Fatal(err)
	}
	if v.Events != 2 || v.Monetary != 200 || v.TopBrands[0].Name != "Lumi" {
		t.Fatalf("rebuilt profile: %+v", v)
	}
	if v2, err := svc.View(ctx, "u2"); err != nil || v2.Events != 1 || len(v2.TopCategories) != 0 {
		t.Fatalf("event on an unknown item: %+v %v", v2, err)
	}
	if _, err := svc.View(ctx, "nobody"); err != ErrNoProfile {
		t.Fatalf("unknown user: %v", err)
	}
}
