package catalog_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/catalog"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
	"github.com/shopmind/shopmind/store/sqlite"
)

func TestCacheFollowsStoreAndLocalWrites(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.OpenPath(ctx, filepath.Join(t.TempDir(), "s.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	long := strings.Repeat("长", 100) // 300 bytes
	if err := st.PutItems(ctx, []shop.Item{{ID: "a", Title: long, Description: "kept out"}, {ID: "b", Price: 9}}); err != nil {
		t.Fatal(err)
	}
	c := catalog.New(st)
	if c.Loaded() || c.Peek("a") != nil {
		t.Fatal("a new cache claims to hold items before Reload")
	}
	if err := c.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	a := c.Peek("a")
	if a == nil || a.Description != "" || len(a.Title) > 200 || !strings.HasPrefix(long, a.Title) || c.Len() != 2 {
		t.Fatalf("after Reload: %+v, %d items; want a slim a (no description, title cut on a rune boundary) and 2 items", a, c.Len())
	}
	// An item written elsewhere is read through on a miss.
	if err := st.PutItems(ctx, []shop.Item{{ID: "c", Hidden: true}}); err != nil {
		t.Fatal(err)
	}
	v := c.Version()
	if got, err := c.Get(ctx, "c"); err != nil || got == nil || !got.Hidden {
		t.Fatalf("Get of an item stored after the reload = %+v, %v", got, err)
	}
	if c.Version() == v {
		t.Error("a read-through did not change the version")
	}
	// Unknown ids are remembered as missing, and answered without error.
	if got, err := c.Get(ctx, "nope"); got != nil || err != nil {
		t.Fatalf("Get of an unknown id = %+v, %v", got, err)
	}
	// Local writes and deletions show at once.
	c.Put(shop.Item{ID: "d", Brand: "Acme"})
	c.Forget("b")
	if c.Peek("d") == nil || c.Peek("b") != nil {
		t.Error("Put/Forget not visible to Peek")
	}
	if got, _ := c.Get(ctx, "b"); got != nil {
		t.Error("a forgotten item came back through Get within the miss TTL")
	}
	if n := len(c.Prices()); n != 3 {
		t.Errorf("Prices lists %d items, want 3 (a, c, d)", n)
	}
}

// Two nodes over one store: what one writes, the other sees after its next
// Sync, without a full reload.
func TestCacheFollowsItemFeed(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.OpenPath(ctx, filepath.Join(t.TempDir(), "s.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.PutItems(ctx, []shop.Item{{ID: "a", Price: 1}, {ID: "b", Price: 2}, {ID: "gone"}}); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteItem(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	one, two := catalog.New(st), catalog.New(st)
	if two.SinceSync() >= 0 {
		t.Errorf("SinceSync before any sync = %v, want negative", two.SinceSync())
	}
	for _, c := range []*catalog.Cache{one, two} {
		if err := c.Sync(ctx); err != nil { // the first Sync is the full load
			t.Fatal(err)
		}
		if !c.Loaded() || c.Len() != 2 || c.Peek("gone") != nil {
			t.Fatalf("after the first Sync: loaded %v, %d items; want a and b", c.Loaded(), c.Len())
		}
	}
	reloaded := two.ReloadedAt()

	// Node one writes: a change, a new item, a hidden flag, a deletion.
	write := []shop.Item{{ID: "a", Price: 10}, {ID: "c", Brand: "Acme"}}
	if err := st.PutItems(ctx, write); err != nil {
		t.Fatal(err)
	}
	one.Put(write...)
	if err := st.DeleteItem(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	one.Forget("b")
	if p := two.Peek("a"); p == nil || p.Price != 1 || two.Peek("b") == nil {
		t.Fatal("node two changed before it synced")
	}
	v, seq := two.Version(), two.Seq()
	if err := two.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if p := two.Peek("a"); p == nil || p.Price != 10 {
		t.Errorf("node two after Sync: a = %+v, want price 10", p)
	}
	if p := two.Peek("c"); p == nil || p.Brand != "Acme" {
		t.Errorf("node two after Sync: c = %+v, want the new item", p)
	}
	if two.Peek("b") != nil {
		t.Error("node two still holds b after its deletion was synced")
	}
	if got, err := two.Get(ctx, "b"); got != nil || err != nil {
		t.Errorf("Get(b) on node two after the deletion = %+v, %v; want nil, nil", got, err)
	}
	if two.Version() == v || two.Seq() <= seq {
		t.Errorf("Sync that applied changes left version %d (was %d) and seq %d (was %d)", two.Version(), v, two.Seq(), seq)
	}
	if !two.ReloadedAt().Equal(reloaded) {
		t.Error("Sync did a full reload; it should follow the feed")
	}
	if two.Lag() <= 0 || two.Lag() > time.Minute {
		t.Errorf("Lag after applying fresh changes = %v, want their small positive age", two.Lag())
	}
	if s := two.SinceSync(); s < 0 || s > time.Minute {
		t.Errorf("SinceSync just after a Sync = %v", s)
	}

	// Nothing new: the version stays, the lag is zero.
	v = two.Version()
	if err := two.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if two.Version() != v || two.Lag() != 0 {
		t.Errorf("an idle Sync changed version %d -> %d, lag %v", v, two.Version(), two.Lag())
	}
	// An item put back after its deletion returns, also on a node that
	// remembered it as missing.
	if err := st.PutItems(ctx, []shop.Item{{ID: "b", Price: 3}}); err != nil {
		t.Fatal(err)
	}
	if err := two.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := two.Get(ctx, "b"); err != nil || got == nil || got.Price != 3 {
		t.Errorf("Get(b) after it was put back = %+v, %v", got, err)
	}
}

// Run follows the feed on its own, within a few poll intervals.
func TestCacheRunFollowsWithinInterval(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	st, err := sqlite.OpenPath(ctx, filepath.Join(t.TempDir(), "s.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c := catalog.New(st)
	done := make(chan struct{})
	go func() { defer close(done); _ = c.Run(ctx, 20*time.Millisecond, nil) }()
	if err := st.PutItems(ctx, []shop.Item{{ID: "x", Hidden: true}}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for c.Peek("x") == nil {
		if time.Since(start) > 5*time.Second {
			t.Fatal("Run did not pick up a stored item within 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("item visible after %v with a 20 ms poll", time.Since(start).Round(time.Millisecond))
	cancel()
	<-done
}
