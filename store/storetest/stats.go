package storetest

import (
	"fmt"
	"testing"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

func testStats(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("Empty", func(t *testing.T) {
		s := open(t)
		if err := s.Ping(t.Context()); err != nil {
			t.Errorf("Ping: %v", err)
		}
		st, err := s.Stats(t.Context())
		if err != nil {
			t.Fatalf("Stats: %v", err)
		}
		if st != (store.Stats{}) {
			t.Errorf("Stats of a new store = %+v, want zeros", st)
		}
	})

	t.Run("Counts", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		var items []shop.Item
		for i := range 7 {
			items = append(items, shop.Item{ID: fmt.Sprintf("i%d", i)})
		}
		if err := s.PutItems(ctx, items); err != nil {
			t.Fatalf("PutItems: %v", err)
		}
		if err := s.DeleteItem(ctx, "i0"); err != nil {
			t.Fatalf("DeleteItem: %v", err)
		}
		if err := s.PutUsers(ctx, []shop.User{{ID: "u0"}, {ID: "u1"}}); err != nil {
			t.Fatalf("PutUsers: %v", err)
		}
		var evs []shop.Event
		for i := range 11 {
			evs = append(evs, shop.Event{ID: fmt.Sprintf("e%d", i), Type: shop.View, UserID: fmt.Sprintf("u%d", i%4), ItemID: "i1", Timestamp: t0})
		}
		evs = append(evs, evs[3]) // a duplicate is not counted
		if _, err := s.AppendEvents(ctx, evs); err != nil {
			t.Fatalf("AppendEvents: %v", err)
		}
		all := eventsSince(t, s, 0, 100)
		if len(all) != 11 {
			t.Fatalf("EventsSince(0) returned %d events, want 11", len(all))
		}
		st, err := s.Stats(ctx)
		if err != nil {
			t.Fatalf("Stats: %v", err)
		}
		want := store.Stats{Items: 6, Users: 4, Events: 11, LastSeq: all[len(all)-1].Seq}
		if st != want {
			t.Errorf("Stats = %+v, want %+v", st, want)
		}
	})
}
