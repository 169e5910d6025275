package storetest

import (
	"testing"
	"time"

	"github.com/shopmind/shopmind/shop"
)

// The suite hands backends only valid entities, as the API would.
func TestFixturesAreValid(t *testing.T) {
	now := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	for _, e := range eventFixtures() {
		if err := e.Validate(now); err != nil {
			t.Errorf("event fixture %q: %v", e.ID, err)
		}
	}
	for _, it := range []shop.Item{fullItem("x")} {
		if err := it.Validate(); err != nil {
			t.Errorf("item fixture: %v", err)
		}
	}
	u := fullUser("u")
	if err := u.Validate(); err != nil {
		t.Errorf("user fixture: %v", err)
	}
	gen := newEventGen(1)
	ids := map[string]bool{}
	users, items := map[string]bool{}, map[string]bool{}
	for range 20 {
		for _, e := range gen.batch(BenchBatch) {
			if err := e.Validate(now); err != nil {
				t.Fatalf("generated event %+v: %v", e, err)
			}
			if ids[e.ID] {
				t.Fatalf("generated id %q twice", e.ID)
			}
			ids[e.ID] = true
			users[e.UserID] = true
			if e.ItemID != "" {
				items[e.ItemID] = true
			}
			if e.Context.IsZero() {
				t.Fatalf("generated event %q has no context", e.ID)
			}
		}
	}
	if len(users) < 900 || len(users) > 1000 || len(items) < 4000 || len(items) > 5000 {
		t.Errorf("generator spread 20,000 events over %d users and %d items, want about 1,000 and 5,000", len(users), len(items))
	}
}
