package storetest

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

func testConcurrency(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("OverlappingAppends", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		const (
			writers = 8
			perSpan = 120 // ids each writer sends
			stride  = 40  // so each id is sent by three writers
			batch   = 25
		)
		total := stride*(writers-1) + perSpan
		type result struct {
			id string
			ok bool
		}
		results := make([][]result, writers)
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(w), 7))
				var evs []shop.Event
				for i := w * stride; i < w*stride+perSpan; i++ {
					evs = append(evs, shop.Event{ID: fmt.Sprintf("ev-%04d", i), Type: shop.View,
						UserID: fmt.Sprintf("user-%d", i%13), ItemID: fmt.Sprintf("item-%d", i%29), Timestamp: t0})
				}
				rng.Shuffle(len(evs), func(i, j int) { evs[i], evs[j] = evs[j], evs[i] })
				evs = append(evs, evs[0]) // and one repeat within the last batch
				for start := 0; start < len(evs); start += batch {
					part := evs[start:min(start+batch, len(evs))]
					res, err := s.AppendEvents(ctx, part)
					if err != nil {
						t.Errorf("writer %d: AppendEvents: %v", w, err)
						return
					}
					if len(res) != len(part) {
						t.Errorf("writer %d: AppendEvents returned %d results for %d events", w, len(res), len(part))
						return
					}
					for i, e := range part {
						results[w] = append(results[w], result{e.ID, res[i]})
					}
				}
			}()
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		trues := map[string]int{}
		for _, rs := range results {
			for _, r := range rs {
				if r.ok {
					trues[r.id]++
				}
			}
		}
		if len(trues) != total {
			t.Errorf("%d distinct ids were reported inserted, want %d", len(trues), total)
		}
		for id, n := range trues {
			if n != 1 {
				t.Errorf("event %q was reported inserted %d times, want once", id, n)
			}
		}
		stored := map[string]int{}
		for after := int64(0); ; {
			page := eventsSince(t, s, after, 100)
			if len(page) == 0 {
				break
			}
			for _, e := range page {
				stored[e.ID]++
			}
			after = page[len(page)-1].Seq
		}
		if len(stored) != total {
			t.Errorf("%d distinct events stored, want %d", len(stored), total)
		}
		for id, n := range stored {
			if n != 1 {
				t.Errorf("event %q stored %d times, want once", id, n)
			}
		}
		st, err := s.Stats(ctx)
		if err != nil {
			t.Fatalf("Stats: %v", err)
		}
		if st.Events != int64(total) || st.Users != 13 {
			t.Errorf("Stats = %+v, want %d events and 13 users", st, total)
		}
	})
}
