package profile

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync/atomic"
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

// countingStore counts the UserEvents calls the service makes.
type countingStore struct {
	store.Store
	userEvents atomic.Int64
}

func (c *countingStore) UserEvents(ctx context.Context, q store.EventQuery) ([]shop.Event, string, error) {
	c.userEvents.Add(1)
	return c.Store.UserEvents(ctx, q)
}

// TestDeletedUserDisappears deletes a user in the store: the next Sync (here
// through View) drops the profile on every service, and the others stay.
func TestDeletedUserDisappears(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	if err := st.PutItems(ctx, []shop.Item{*serum}); err != nil {
		t.Fatal(err)
	}
	at := time.Now().UTC().Add(-time.Hour)
	if _, err := st.AppendEvents(ctx, []shop.Event{
		{ID: "a", Type: shop.View, UserID: "u1", ItemID: "serum", Timestamp: at},
		{ID: "b", Type: shop.Purchase, UserID: "u1", ItemID: "serum", Timestamp: at, Revenue: 200, Currency: "CNY", OrderID: "o"},
		{ID: "c", Type: shop.View, UserID: "u2", ItemID: "serum", Timestamp: at},
	}); err != nil {
		t.Fatal(err)
	}
	nodes := []*Service{NewService(st, ServiceConfig{}, slog.New(slog.DiscardHandler)), NewService(st, ServiceConfig{}, slog.New(slog.DiscardHandler))}
	for _, svc := range nodes {
		if v, err := svc.View(ctx, "u1"); err != nil || v.Events != 2 {
			t.Fatalf("View(u1) before the deletion = %+v, %v", v, err)
		}
	}
	d, err := st.DeleteUser(ctx, "u1")
	if err != nil {
		t.Fatal(err)
	}
	for i, svc := range nodes {
		if _, err := svc.View(ctx, "u1"); err != ErrNoProfile {
			t.Errorf("node %d: View(u1) after the deletion: error = %v, want ErrNoProfile", i, err)
		}
		if svc.Peek("u1", func(*Profile) {}) {
			t.Errorf("node %d: Peek(u1) still finds a profile", i)
		}
		if v, err := svc.View(ctx, "u2"); err != nil || v.Events != 1 {
			t.Errorf("node %d: View(u2), another user = %+v, %v", i, v, err)
		}
		if svc.Users() != 1 || svc.AppliedDeletions() != d.Seq {
			t.Errorf("node %d: %d profiles, deletions applied up to %d; want 1 and %d", i, svc.Users(), svc.AppliedDeletions(), d.Seq)
		}
	}
}

// TestDeletionAfterNewLife covers the order in which the two feeds are seen:
// Sync applies events first, so events a deleted user sent after the
// deletion can already be in the profile when the deletion is applied. They
// must survive it, while everything from before the deletion goes.
func TestDeletionAfterNewLife(t *testing.T) {
	st := &countingStore{Store: openStore(t)}
	ctx := context.Background()
	if err := st.PutItems(ctx, []shop.Item{*serum}); err != nil {
		t.Fatal(err)
	}
	at := time.Now().UTC().Add(-time.Hour)
	n := 0
	send := func(typ shop.EventType, revenue float64) {
		t.Helper()
		n++
		e := shop.Event{ID: fmt.Sprintf("e%d", n), Type: typ, UserID: "u", ItemID: "serum", Timestamp: at.Add(time.Duration(n) * time.Minute)}
		if typ == shop.Purchase {
			e.Revenue, e.Currency, e.OrderID = revenue, "CNY", e.ID
		}
		if _, err := st.AppendEvents(ctx, []shop.Event{e}); err != nil {
			t.Fatal(err)
		}
	}
	del := func() {
		t.Helper()
		if _, err := st.DeleteUser(ctx, "u"); err != nil {
			t.Fatal(err)
		}
	}
	check := func(svc *Service, when string, events int64, monetary float64) {
		t.Helper()
		v, err := svc.View(ctx, "u")
		if err != nil || v.Events != events || v.Monetary != monetary {
			t.Fatalf("%s: View(u) = %d events, monetary %v, %v; want %d events, monetary %v", when, v.Events, v.Monetary, err, events, monetary)
		}
	}
	svc := NewService(st, ServiceConfig{}, slog.New(slog.DiscardHandler))

	send(shop.View, 0)
	send(shop.Purchase, 200)
	check(svc, "first life", 2, 200)
	del()
	send(shop.View, 0) // the new life, applied before the deletion is seen
	check(svc, "deletion seen after an event of the new life", 1, 0)

	send(shop.Purchase, 50)
	del()
	send(shop.View, 0)
	del()
	send(shop.Purchase, 30) // third life: one deletion removed an applied event, one an unseen one
	check(svc, "two deletions seen at once", 1, 30)

	// A node that starts now sees only the third life in the event feed
	// and needs no store reads to skip the old deletions.
	before := st.userEvents.Load()
	fresh := NewService(st, ServiceConfig{}, slog.New(slog.DiscardHandler))
	check(fresh, "a node started after the deletions", 1, 30)
	if got := st.userEvents.Load() - before; got != 0 {
		t.Errorf("catching up over old deletions read UserEvents %d times, want none", got)
	}
	del()
	check2 := func(s *Service) {
		t.Helper()
		if _, err := s.View(ctx, "u"); err != ErrNoProfile {
			t.Errorf("View(u) after the last deletion: error = %v, want ErrNoProfile", err)
		}
	}
	check2(svc)
	check2(fresh)
}
