package catalog_test

import (
	"path/filepath"
	"strings"
	"testing"

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
