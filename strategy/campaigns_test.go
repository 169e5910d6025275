package strategy

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
	_ "github.com/shopmind/shopmind/store/sqlite"
)

// The campaign list counts each user once, in the arm of their first
// exposure, and a later call reads only the events stored since.
func TestCampaignsFollowTheFeed(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "s.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	t0 := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	now := t0.Add(24 * time.Hour)
	svc, err := New(st, nil, Config{Now: func() time.Time { return now }, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	ev := func(user, exp, variant string, at time.Time) shop.Event {
		n++
		return shop.Event{ID: "e" + string(rune('a'+n%26)) + user + exp + at.Format("150405"), Type: shop.MessageSent, UserID: user, Timestamp: at,
			Context: shop.Context{Experiment: exp, Variant: variant}}
	}
	first := []shop.Event{
		ev("u1", "spring", "treatment", t0),
		ev("u2", "spring", "control", t0.Add(time.Hour)),
		ev("u1", "spring", "control", t0.Add(2*time.Hour)), // u1 stays treated
		{ID: "plain", Type: shop.View, UserID: "u3", ItemID: "i1", Timestamp: t0},
	}
	if _, err := st.AppendEvents(ctx, first); err != nil {
		t.Fatal(err)
	}
	got, err := svc.Campaigns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != "spring" || got[0].Treated != 1 || got[0].Untreated != 1 || !got[0].First.Equal(t0) || !got[0].Last.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("first read: %+v", got)
	}

	more := []shop.Event{
		ev("u3", "spring", "treatment", t0.Add(3*time.Hour)),
		ev("u1", "summer", "control", t0.Add(4*time.Hour)),
	}
	if _, err := st.AppendEvents(ctx, more); err != nil {
		t.Fatal(err)
	}
	if again, _ := svc.Campaigns(ctx); len(again) != 1 {
		t.Fatalf("within a minute the list is the cached one: %+v", again)
	}
	now = now.Add(2 * time.Minute)
	got, err = svc.Campaigns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "spring" || got[0].Treated != 2 || got[0].Untreated != 1 || got[1].ID != "summer" || got[1].Untreated != 1 || got[1].Treated != 0 {
		t.Fatalf("after new events: %+v", got)
	}
	st2, _ := st.Stats(ctx)
	if svc.campAfter != st2.LastSeq {
		t.Errorf("the scan stopped at seq %d; the feed ends at %d (the next call reads from there)", svc.campAfter, st2.LastSeq)
	}
}
