package storetest

import (
	"context"
	"testing"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// Fill stores a shop's catalogue, users and events (in batches of 5,000)
// for a test, failing it on any error.
func Fill(tb testing.TB, st store.Store, items []shop.Item, users []shop.User, events []shop.Event) {
	tb.Helper()
	ctx := context.Background()
	if err := st.PutItems(ctx, items); err != nil {
		tb.Fatalf("storing %d items: %v", len(items), err)
	}
	if err := st.PutUsers(ctx, users); err != nil {
		tb.Fatalf("storing %d users: %v", len(users), err)
	}
	for i := 0; i < len(events); i += 5000 {
		if _, err := st.AppendEvents(ctx, events[i:min(i+5000, len(events))]); err != nil {
			tb.Fatalf("storing events %d–%d: %v", i, min(i+5000, len(events)), err)
		}
	}
}
