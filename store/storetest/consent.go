package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

func testConsent(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("RecordsEveryChange", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		put := func(c map[shop.Purpose]bool) {
			t.Helper()
			if err := s.PutUsers(ctx, []shop.User{{ID: "u1", Consent: c}}); err != nil {
				t.Fatalf("PutUsers: %v", err)
			}
		}
		put(map[shop.Purpose]bool{shop.Personalization: true, shop.Ads: false})
		put(map[shop.Purpose]bool{shop.Personalization: true, shop.Ads: false}) // no change
		put(map[shop.Purpose]bool{shop.Personalization: false, shop.Ads: false, shop.MarketingMessages: true})
		put(map[shop.Purpose]bool{shop.Personalization: false}) // ads and marketing unset
		if err := s.PutUsers(ctx, []shop.User{{ID: "u2", Consent: map[shop.Purpose]bool{shop.Ads: true}}}); err != nil {
			t.Fatalf("PutUsers(u2): %v", err)
		}
		want := []string{
			"u1 personalization granted", "u1 ads refused",
			"u1 personalization refused", "u1 marketing_messages granted",
			"u1 ads unset", "u1 marketing_messages unset",
			"u2 ads granted",
		}
		feed, err := s.ConsentSince(ctx, 0, 100)
		if err != nil {
			t.Fatalf("ConsentSince: %v", err)
		}
		if got := consentLines(feed); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("ConsentSince(0) = %v, want %v", got, want)
		}
		for i := 1; i < len(feed); i++ {
			if feed[i].Seq <= feed[i-1].Seq {
				t.Errorf("feed seq not increasing: %d after %d", feed[i].Seq, feed[i-1].Seq)
			}
		}
		for _, c := range feed {
			checkSet(t, "ConsentChange.At", c.At)
		}
		if len(feed) > 2 {
			rest, err := s.ConsentSince(ctx, feed[1].Seq, 100)
			if err != nil {
				t.Fatalf("ConsentSince: %v", err)
			}
			if got := consentLines(rest); fmt.Sprint(got) != fmt.Sprint(want[2:]) {
				t.Errorf("ConsentSince(second) = %v, want %v", got, want[2:])
			}
			page, err := s.ConsentSince(ctx, 0, 1)
			if err != nil || len(page) != 1 {
				t.Errorf("ConsentSince(0, limit 1) = %d changes, %v; want 1", len(page), err)
			}
		}
		hist, err := s.ConsentHistory(ctx, "u1")
		if err != nil {
			t.Fatalf("ConsentHistory: %v", err)
		}
		if got := consentLines(hist); fmt.Sprint(got) != fmt.Sprint(want[:6]) {
			t.Errorf("ConsentHistory(u1) = %v, want %v", got, want[:6])
		}

		// Deleting the user removes their history; others' stays.
		if _, err := s.DeleteUser(ctx, "u1"); err != nil {
			t.Fatalf("DeleteUser: %v", err)
		}
		if hist, err := s.ConsentHistory(ctx, "u1"); err != nil || len(hist) != 0 {
			t.Errorf("ConsentHistory(u1) after deletion = %v, %v; want none", consentLines(hist), err)
		}
		feed, err = s.ConsentSince(ctx, 0, 100)
		if err != nil {
			t.Fatalf("ConsentSince: %v", err)
		}
		if got := consentLines(feed); fmt.Sprint(got) != fmt.Sprint(want[6:]) {
			t.Errorf("ConsentSince after deletion = %v, want %v", got, want[6:])
		}
	})

	t.Run("ConcurrentWritersFeedInOrder", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		const writers, rounds = 4, 10
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				for r := range rounds {
					u := shop.User{ID: fmt.Sprintf("w%d", w), Consent: map[shop.Purpose]bool{shop.Ads: r%2 == 0}}
					if err := s.PutUsers(ctx, []shop.User{u}); err != nil {
						t.Errorf("PutUsers: %v", err)
						return
					}
				}
			})
		}
		wg.Wait()
		feed, err := s.ConsentSince(ctx, 0, 1000)
		if err != nil {
			t.Fatalf("ConsentSince: %v", err)
		}
		if len(feed) != writers*rounds {
			t.Fatalf("%d changes in the feed, want %d (every put flips ads)", len(feed), writers*rounds)
		}
		last := map[string]store.ConsentState{}
		for _, c := range feed {
			if c.State == last[c.UserID] {
				t.Errorf("user %s: two %s changes in a row: the feed is out of order", c.UserID, c.State)
			}
			last[c.UserID] = c.State
		}
	})
}

func consentLines(cs []store.ConsentChange) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.UserID + " " + string(c.Purpose) + " " + string(c.State)
	}
	return out
}
