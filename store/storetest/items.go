package storetest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

func fullItem(id string) shop.Item {
	return shop.Item{
		ID:          id,
		Title:       "Hydrating Serum 30 ml — 玻尿酸精华",
		Description: "A light serum.\nLine two with \"quotes\" and \\ backslash.",
		Category:    []string{"Beauty", "Skin Care", "Serum"},
		Brand:       "Acme",
		Price:       129.9,
		Currency:    "CNY",
		Stock:       ptr[int64](42),
		Tags:        []string{"new", "bestseller", "含酒精"},
		Attributes: map[string]any{
			"volume_ml": 30,
			"vegan":     true,
			"origin":    "FR",
			"notes":     nil,
			"size":      map[string]any{"w": 3.5, "h": 11, "unit": "cm", "layers": []any{"a", 2, false}},
			"scores":    []any{1.5, 2, map[string]any{"x": "y"}},
		},
		Language: "zh-CN",
		Hidden:   true,
	}
}

func testItems(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("RoundTrip", func(t *testing.T) {
		cases := []struct {
			name string
			item shop.Item
		}{
			{"every field", fullItem("full")},
			{"id only", shop.Item{ID: "bare"}},
			{"stock zero is out of stock, not untracked", shop.Item{ID: "zero-stock", Title: "Sold out", Stock: ptr[int64](0)}},
			{"stock nil is untracked", shop.Item{ID: "nil-stock", Title: "Digital", Stock: nil}},
			{"large stock and price", shop.Item{ID: "big", Stock: ptr[int64](1 << 53), Price: 1e9 + 0.01, Currency: "USD"}},
			{"not hidden, one-level category", shop.Item{ID: "plain", Category: []string{"Home"}, Language: "en"}},
		}
		s := open(t)
		ctx := t.Context()
		all := make([]shop.Item, len(cases))
		for i, c := range cases {
			all[i] = c.item
		}
		if err := s.PutItems(ctx, all); err != nil {
			t.Fatalf("PutItems: %v", err)
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				got, err := s.GetItem(ctx, c.item.ID)
				if err != nil {
					t.Fatalf("GetItem(%q): %v", c.item.ID, err)
				}
				sameItem(t, c.item, got)
				checkSet(t, "UpdatedAt", got.UpdatedAt)
				if (c.item.Stock == nil) != (got.Stock == nil) {
					t.Errorf("Stock: got nil=%v, want nil=%v", got.Stock == nil, c.item.Stock == nil)
				}
			})
		}
	})

	t.Run("ReplaceLastWriteWins", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		v1 := fullItem("sku-1")
		if err := s.PutItems(ctx, []shop.Item{v1}); err != nil {
			t.Fatalf("PutItems v1: %v", err)
		}
		first, err := s.GetItem(ctx, "sku-1")
		if err != nil {
			t.Fatalf("GetItem after v1: %v", err)
		}
		time.Sleep(2 * time.Millisecond)
		// v2 drops fields v1 had: a replace, not a merge.
		v2 := shop.Item{ID: "sku-1", Title: "Renamed", Category: []string{"Home", "Kitchen"}, Attributes: map[string]any{"colour": "red"}}
		if err := s.PutItems(ctx, []shop.Item{v2}); err != nil {
			t.Fatalf("PutItems v2: %v", err)
		}
		got, err := s.GetItem(ctx, "sku-1")
		if err != nil {
			t.Fatalf("GetItem after v2: %v", err)
		}
		sameItem(t, v2, got)
		if got.UpdatedAt.Before(first.UpdatedAt) {
			t.Errorf("UpdatedAt went back on replace: %s then %s", first.UpdatedAt, got.UpdatedAt)
		}
		// v3 has only an id: every other field is cleared, categories too.
		v3 := shop.Item{ID: "sku-1"}
		if err := s.PutItems(ctx, []shop.Item{v3}); err != nil {
			t.Fatalf("PutItems v3: %v", err)
		}
		got, err = s.GetItem(ctx, "sku-1")
		if err != nil {
			t.Fatalf("GetItem after v3: %v", err)
		}
		sameItem(t, v3, got)
		if listed := listItems(t, s, store.ItemQuery{Category: "Home"}); len(listed) != 0 {
			t.Errorf("ListItems(Home) after replacing the item with one without category = %v, want none", ids(listed, itemID))
		}

		// Within one call the later entry wins as well.
		a := shop.Item{ID: "sku-2", Title: "first"}
		b := shop.Item{ID: "sku-2", Title: "second", Stock: ptr[int64](0)}
		if err := s.PutItems(ctx, []shop.Item{a, b}); err != nil {
			t.Fatalf("PutItems with the same id twice: %v", err)
		}
		got, err = s.GetItem(ctx, "sku-2")
		if err != nil {
			t.Fatalf("GetItem(sku-2): %v", err)
		}
		sameItem(t, b, got)

		st, err := s.Stats(ctx)
		if err != nil {
			t.Fatalf("Stats: %v", err)
		}
		if st.Items != 2 {
			t.Errorf("Stats.Items = %d after replacing, want 2", st.Items)
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		if _, err := s.GetItem(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetItem(missing) error = %v, want ErrNotFound", err)
		}
		if err := s.DeleteItem(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeleteItem(missing) error = %v, want ErrNotFound", err)
		}
	})

	t.Run("Delete", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		a, b := fullItem("a"), fullItem("b")
		if err := s.PutItems(ctx, []shop.Item{a, b}); err != nil {
			t.Fatalf("PutItems: %v", err)
		}
		if err := s.DeleteItem(ctx, "a"); err != nil {
			t.Fatalf("DeleteItem(a): %v", err)
		}
		if _, err := s.GetItem(ctx, "a"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetItem(a) after delete: error = %v, want ErrNotFound", err)
		}
		if _, err := s.GetItem(ctx, "b"); err != nil {
			t.Errorf("GetItem(b) after deleting a: %v", err)
		}
		if err := s.DeleteItem(ctx, "a"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("second DeleteItem(a): error = %v, want ErrNotFound", err)
		}
		for _, cat := range []string{"", "Serum"} {
			got := listItems(t, s, store.ItemQuery{Category: cat, Limit: 10})
			if want := []string{"b"}; !slices.Equal(ids(got, itemID), want) {
				t.Errorf("ListItems(category %q) after delete = %v, want %v", cat, ids(got, itemID), want)
			}
		}
		st, err := s.Stats(ctx)
		if err != nil {
			t.Fatalf("Stats: %v", err)
		}
		if st.Items != 1 {
			t.Errorf("Stats.Items = %d after delete, want 1", st.Items)
		}
		// A deleted item can come back.
		if err := s.PutItems(ctx, []shop.Item{a}); err != nil {
			t.Fatalf("PutItems after delete: %v", err)
		}
		got, err := s.GetItem(ctx, "a")
		if err != nil {
			t.Fatalf("GetItem(a) after re-put: %v", err)
		}
		sameItem(t, a, got)
	})

	t.Run("ListPagination", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		// Byte order, not a locale's: upper case sorts before lower case.
		want := []string{"B-1", "Z", "a", "a-0", "a0", "b", "item/1", "item:2", "é", "商品"}
		for i := range 15 {
			want = append(want, fmt.Sprintf("item-%03d", i))
		}
		slices.Sort(want)
		items := make([]shop.Item, len(want))
		for i, id := range want {
			items[i] = shop.Item{ID: id, Title: "t " + id, Category: []string{"C"}}
		}
		rand.New(rand.NewPCG(1, 2)).Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
		if err := s.PutItems(ctx, items); err != nil {
			t.Fatalf("PutItems: %v", err)
		}
		for _, limit := range []int{1, 3, 5, 7, len(want), len(want) + 1, 0} {
			t.Run(fmt.Sprintf("limit=%d", limit), func(t *testing.T) {
				got := listItems(t, s, store.ItemQuery{Limit: limit})
				if !slices.Equal(ids(got, itemID), want) {
					t.Errorf("ListItems pages = %v, want %v", ids(got, itemID), want)
				}
				for _, it := range got {
					if it.Title != "t "+it.ID || !slices.Equal(it.Category, []string{"C"}) {
						t.Errorf("ListItems returned item %q without its fields: %s", it.ID, dump(it))
					}
					checkSet(t, "UpdatedAt of listed item", it.UpdatedAt)
				}
			})
		}
		t.Run("full item", func(t *testing.T) {
			full := fullItem("zzz-full")
			if err := s.PutItems(ctx, []shop.Item{full}); err != nil {
				t.Fatalf("PutItems: %v", err)
			}
			got := listItems(t, s, store.ItemQuery{Category: "Serum"})
			if len(got) != 1 {
				t.Fatalf("ListItems(Serum) = %v, want [zzz-full]", ids(got, itemID))
			}
			sameItem(t, full, got[0])
		})
		t.Run("bad cursor", func(t *testing.T) {
			if _, _, err := s.ListItems(ctx, store.ItemQuery{Cursor: "!!not a cursor!!"}); !errors.Is(err, store.ErrInvalidCursor) {
				t.Errorf("ListItems with a made-up cursor: error = %v, want ErrInvalidCursor", err)
			}
		})
	})

	t.Run("ListLimits", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		items := make([]shop.Item, store.MaxLimit+1)
		for i := range items {
			items[i] = shop.Item{ID: fmt.Sprintf("i%05d", i)}
		}
		if err := s.PutItems(ctx, items); err != nil {
			t.Fatalf("PutItems: %v", err)
		}
		cases := []struct {
			limit, want int
		}{
			{0, store.DefaultLimit},
			{-5, store.DefaultLimit},
			{store.MaxLimit * 5, store.MaxLimit},
		}
		for _, c := range cases {
			page, next, err := s.ListItems(ctx, store.ItemQuery{Limit: c.limit})
			if err != nil {
				t.Fatalf("ListItems(limit %d): %v", c.limit, err)
			}
			if len(page) != c.want || next == "" {
				t.Errorf("ListItems(limit %d) = %d items, next %q; want %d items and a next cursor", c.limit, len(page), next, c.want)
			}
		}
		if got := listItems(t, s, store.ItemQuery{Limit: store.MaxLimit}); len(got) != len(items) {
			t.Errorf("paging through %d items returned %d", len(items), len(got))
		}
	})

	t.Run("CategoryFilter", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		items := []shop.Item{
			{ID: "serum", Category: []string{"Beauty", "Skin Care", "Serum"}},
			{ID: "lipstick", Category: []string{"Beauty", "Makeup"}},
			{ID: "mirror", Category: []string{"Home", "Bath", "Beauty"}},
			{ID: "pan", Category: []string{"Home", "Kitchen"}},
			{ID: "loop", Category: []string{"Gifts", "Beauty", "Gifts"}},
			{ID: "skin", Category: []string{"Skin"}},
			{ID: "none"},
		}
		for i := range 12 {
			items = append(items, shop.Item{ID: fmt.Sprintf("soap-%02d", i), Category: []string{"Beauty", "Bath"}})
		}
		if err := s.PutItems(ctx, items); err != nil {
			t.Fatalf("PutItems: %v", err)
		}
		soaps := func() []string {
			var out []string
			for i := range 12 {
				out = append(out, fmt.Sprintf("soap-%02d", i))
			}
			return out
		}
		cases := []struct {
			category string
			want     []string
		}{
			{"Beauty", append([]string{"lipstick", "loop", "mirror", "serum"}, soaps()...)},
			{"Skin Care", []string{"serum"}},
			{"Serum", []string{"serum"}},
			{"Skin", []string{"skin"}}, // a whole level, not a prefix of "Skin Care"
			{"Home", []string{"mirror", "pan"}},
			{"Bath", append([]string{"mirror"}, soaps()...)},
			{"Gifts", []string{"loop"}}, // listed once although the level repeats
			{"Kitchen", []string{"pan"}},
			{"kitchen ", nil},
			{"Beauty > Skin Care", nil},
			{"Toys", nil},
			{"%", nil},
			{"_", nil},
		}
		for _, c := range cases {
			for _, limit := range []int{1, 4, 100} {
				t.Run(fmt.Sprintf("%s/limit=%d", c.category, limit), func(t *testing.T) {
					got := listItems(t, s, store.ItemQuery{Category: c.category, Limit: limit})
					want := slices.Clone(c.want)
					slices.Sort(want)
					if !slices.Equal(nilIfEmpty(ids(got, itemID)), nilIfEmpty(want)) {
						t.Errorf("ListItems(category %q) = %v, want %v", c.category, ids(got, itemID), want)
					}
				})
			}
		}

		// Replacing an item moves it between categories.
		moved := shop.Item{ID: "serum", Category: []string{"Home"}}
		if err := s.PutItems(ctx, []shop.Item{moved}); err != nil {
			t.Fatalf("PutItems(moved): %v", err)
		}
		if got := listItems(t, s, store.ItemQuery{Category: "Serum"}); len(got) != 0 {
			t.Errorf("ListItems(Serum) after moving the item to Home = %v, want none", ids(got, itemID))
		}
		if got := ids(listItems(t, s, store.ItemQuery{Category: "Home"}), itemID); !slices.Equal(got, []string{"mirror", "pan", "serum"}) {
			t.Errorf("ListItems(Home) after moving serum there = %v, want [mirror pan serum]", got)
		}
	})

	t.Run("EmptyPut", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		if err := s.PutItems(ctx, nil); err != nil {
			t.Errorf("PutItems(nil): %v", err)
		}
		if err := s.PutItems(ctx, []shop.Item{}); err != nil {
			t.Errorf("PutItems(empty): %v", err)
		}
		page, next, err := s.ListItems(ctx, store.ItemQuery{})
		if err != nil || len(page) != 0 || next != "" {
			t.Errorf("ListItems on an empty store = %d items, next %q, err %v; want nothing", len(page), next, err)
		}
	})
}

// listItems pages through every item q selects, checking the paging rules:
// no page exceeds the limit, every page but the last is full, the last
// non-empty page ends the listing, and no item comes twice.
func listItems(t *testing.T, s store.Store, q store.ItemQuery) []shop.Item {
	t.Helper()
	limit := store.PageLimit(q.Limit)
	var all []shop.Item
	seen := map[string]bool{}
	for pages := 0; ; pages++ {
		if pages > 10000 {
			t.Fatalf("ListItems(%+v) did not end after %d pages", q, pages)
		}
		page, next, err := s.ListItems(t.Context(), q)
		if err != nil {
			t.Fatalf("ListItems(%+v): %v", q, err)
		}
		if len(page) > limit {
			t.Fatalf("ListItems(%+v) returned %d items, more than the limit %d", q, len(page), limit)
		}
		if next != "" && len(page) < limit {
			t.Fatalf("ListItems(%+v) returned a short page (%d of %d) with a next cursor", q, len(page), limit)
		}
		if next != "" && next == q.Cursor {
			t.Fatalf("ListItems(%+v) returned its own cursor as next", q)
		}
		for _, it := range page {
			if seen[it.ID] {
				t.Fatalf("ListItems returned item %q twice while paging with limit %d", it.ID, limit)
			}
			seen[it.ID] = true
		}
		all = append(all, page...)
		if next == "" {
			if len(page) == 0 && pages > 0 {
				t.Errorf("ListItems(%+v) ended with an empty page; the last non-empty page should carry an empty next cursor", q)
			}
			return all
		}
		q.Cursor = next
	}
}
