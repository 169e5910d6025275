package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

func testItemFeed(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("PutsAndDeletesInOrder", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		put := func(items ...shop.Item) {
			t.Helper()
			if err := s.PutItems(ctx, items); err != nil {
				t.Fatalf("PutItems: %v", err)
			}
		}
		if feed, err := s.ItemsSince(ctx, 0, 100); err != nil || len(feed) != 0 {
			t.Fatalf("ItemsSince on an empty store = %v, %v; want nothing", itemLines(feed), err)
		}
		put(shop.Item{ID: "a", Title: "Tea"}, shop.Item{ID: "b", Title: "Cup"})
		put(shop.Item{ID: "c", Title: "Pot", Price: 12.5})
		first, err := s.ItemsSince(ctx, 0, 100)
		if err != nil {
			t.Fatalf("ItemsSince: %v", err)
		}
		if got, want := itemLines(first), "[a put Tea b put Cup c put Pot]"; fmt.Sprint(got) != want {
			t.Fatalf("ItemsSince(0) = %v, want %v", got, want)
		}
		for _, c := range first {
			checkSet(t, "ItemChange.At", c.At)
		}
		if first[2].Item.Price != 12.5 {
			t.Errorf("change of c carries price %v, want 12.5", first[2].Item.Price)
		}
		mark := first[2].Seq

		// A put of a known item moves it to the end; a deletion is recorded.
		put(shop.Item{ID: "a", Title: "Green tea", Hidden: true})
		if err := s.DeleteItem(ctx, "b"); err != nil {
			t.Fatalf("DeleteItem: %v", err)
		}
		if err := s.DeleteItem(ctx, "nope"); err == nil {
			t.Errorf("DeleteItem of an unknown item succeeded")
		}
		rest, err := s.ItemsSince(ctx, mark, 100)
		if err != nil {
			t.Fatalf("ItemsSince: %v", err)
		}
		if got, want := itemLines(rest), "[a put Green tea b deleted]"; fmt.Sprint(got) != want {
			t.Fatalf("ItemsSince(after the first puts) = %v, want %v", got, want)
		}
		if !rest[0].Item.Hidden {
			t.Errorf("change of a lost the hidden flag")
		}
		if rest[0].Seq <= mark || rest[1].Seq <= rest[0].Seq {
			t.Errorf("seq values %d, %d after %d do not increase", rest[0].Seq, rest[1].Seq, mark)
		}

		// From the start, the feed holds each item's latest change once.
		all, err := s.ItemsSince(ctx, 0, 100)
		if err != nil {
			t.Fatalf("ItemsSince: %v", err)
		}
		if got, want := itemLines(all), "[c put Pot a put Green tea b deleted]"; fmt.Sprint(got) != want {
			t.Errorf("ItemsSince(0) after changes = %v, want %v", got, want)
		}
		if page, err := s.ItemsSince(ctx, 0, 1); err != nil || len(page) != 1 || page[0].ID != "c" {
			t.Errorf("ItemsSince(0, limit 1) = %v, %v; want [c]", itemLines(page), err)
		}
		if tail, err := s.ItemsSince(ctx, all[2].Seq, 100); err != nil || len(tail) != 0 {
			t.Errorf("ItemsSince(last) = %v, %v; want nothing", itemLines(tail), err)
		}

		// An item put again after its deletion comes back.
		put(shop.Item{ID: "b", Title: "Mug"})
		back, err := s.ItemsSince(ctx, all[2].Seq, 100)
		if err != nil || fmt.Sprint(itemLines(back)) != "[b put Mug]" {
			t.Errorf("ItemsSince after a re-put = %v, %v; want [b put Mug]", itemLines(back), err)
		}
	})

	t.Run("ConcurrentWritersFeedInOrder", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		const writers, rounds = 4, 10
		// A follower that reads while writers write must end with every
		// item's last title: it never skips a change.
		seen := map[string]string{}
		var after int64
		follow := func() {
			t.Helper()
			for {
				page, err := s.ItemsSince(ctx, after, 7)
				if err != nil {
					t.Errorf("ItemsSince: %v", err)
					return
				}
				if len(page) == 0 {
					return
				}
				for _, c := range page {
					if c.Seq <= after {
						t.Errorf("seq %d after %d", c.Seq, after)
					}
					after = c.Seq
					if c.Deleted {
						delete(seen, c.ID)
					} else {
						seen[c.ID] = c.Item.Title
					}
				}
			}
		}
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				for r := range rounds {
					id := fmt.Sprintf("w%d-%d", w, r%3)
					it := shop.Item{ID: id, Title: fmt.Sprintf("round %d", r)}
					if err := s.PutItems(ctx, []shop.Item{it}); err != nil {
						t.Errorf("PutItems: %v", err)
						return
					}
					if r == rounds-1 {
						if err := s.DeleteItem(ctx, fmt.Sprintf("w%d-0", w)); err != nil {
							t.Errorf("DeleteItem: %v", err)
						}
					}
				}
			})
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		for running := true; running; {
			select {
			case <-done:
				running = false
			default:
			}
			follow()
		}
		follow()
		want := map[string]string{}
		for w := range writers {
			want[fmt.Sprintf("w%d-1", w)] = fmt.Sprintf("round %d", rounds-3)
			want[fmt.Sprintf("w%d-2", w)] = fmt.Sprintf("round %d", rounds-2)
		}
		if fmt.Sprint(seen) != fmt.Sprint(want) {
			t.Errorf("follower ended with %v, want %v", seen, want)
		}
	})
}

func itemLines(cs []store.ItemChange) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		switch {
		case c.Deleted:
			out[i] = c.ID + " deleted"
		case c.Item == nil:
			out[i] = c.ID + " put without item"
		default:
			out[i] = c.ID + " put " + c.Item.Title
		}
	}
	return out
}
