package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

func fullUser(id string) shop.User {
	return shop.User{
		ID: id,
		Attributes: map[string]any{
			"age_band":   "25-34",
			"city_tier":  1,
			"member":     true,
			"points":     1234.5,
			"favourites": []any{"tea", "书"},
			"address":    map[string]any{"city": "杭州", "zip": "310000", "geo": []any{30.27, 120.15}},
			"nothing":    nil,
		},
		Consent: map[shop.Purpose]bool{
			shop.Personalization:   true,
			shop.Ads:               false,
			shop.MarketingMessages: true,
			shop.LLMProcessing:     false,
			shop.Analytics:         true,
		},
	}
}

func testUsers(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("ListPages", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		var in []shop.User
		for i := range 7 {
			in = append(in, shop.User{ID: fmt.Sprintf("u%02d", 6-i), Attributes: map[string]any{"n": float64(i)}})
		}
		if err := s.PutUsers(ctx, in); err != nil {
			t.Fatal(err)
		}
		var got []string
		cursor := ""
		for pages := 0; ; pages++ {
			us, next, err := s.ListUsers(ctx, cursor, 3)
			if err != nil {
				t.Fatalf("ListUsers: %v", err)
			}
			if len(us) > 3 || pages > 5 {
				t.Fatalf("page of %d users (page %d)", len(us), pages)
			}
			for _, u := range us {
				got = append(got, u.ID)
				if u.Attributes["n"] == nil || u.CreatedAt.IsZero() {
					t.Errorf("listed user %+v lacks its attributes or times", u)
				}
			}
			if next == "" {
				break
			}
			cursor = next
		}
		if want := "[u00 u01 u02 u03 u04 u05 u06]"; fmt.Sprint(got) != want {
			t.Errorf("ListUsers = %v, want %s", got, want)
		}
		if _, _, err := s.ListUsers(ctx, "!!not a cursor!!", 3); !errors.Is(err, store.ErrInvalidCursor) {
			t.Errorf("ListUsers with a made-up cursor: %v, want ErrInvalidCursor", err)
		}
	})
	t.Run("RoundTrip", func(t *testing.T) {
		cases := []struct {
			name string
			user shop.User
		}{
			{"every field", fullUser("u-full")},
			{"id only", shop.User{ID: "u-bare"}},
			{"consent asked once", shop.User{ID: "u-one", Consent: map[shop.Purpose]bool{shop.Ads: false}}},
		}
		s := open(t)
		ctx := t.Context()
		for _, c := range cases {
			if err := s.PutUsers(ctx, []shop.User{c.user}); err != nil {
				t.Fatalf("PutUsers(%s): %v", c.user.ID, err)
			}
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				got, err := s.GetUser(ctx, c.user.ID)
				if err != nil {
					t.Fatalf("GetUser(%q): %v", c.user.ID, err)
				}
				sameUser(t, c.user, got)
				checkSet(t, "CreatedAt", got.CreatedAt)
				checkSet(t, "UpdatedAt", got.UpdatedAt)
				// A purpose stored as false is a refusal, not "not asked".
				for p, v := range c.user.Consent {
					if gv, ok := got.Consent[p]; !ok || gv != v {
						t.Errorf("Consent[%s] = %v (present %v), want %v", p, gv, ok, v)
					}
				}
			})
		}
	})

	t.Run("ReplaceKeepsCreatedAt", func(t *testing.T) {
		s := open(t)
		ctx := t.Context()
		if err := s.PutUsers(ctx, []shop.User{fullUser("u-1")}); err != nil {
			t.Fatalf("PutUsers v1: %v", err)
		}
		first, err := s.GetUser(ctx, "u-1")
		if err != nil {
			t.Fatalf("GetUser after v1: %v", err)
		}
		time.Sleep(2 * time.Millisecond)
		v2 := shop.User{
			ID:         "u-1",
			Attributes: map[string]any{"age_band": "35-44"},
			Consent:    map[shop.Purpose]bool{shop.Ads: true},
			CreatedAt:  time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC), // ignored: the store keeps its own
		}
		if err := s.PutUsers(ctx, []shop.User{v2}); err != nil {
			t.Fatalf("PutUsers v2: %v", err)
		}
		got, err := s.GetUser(ctx, "u-1")
		if err != nil {
			t.Fatalf("GetUser after v2: %v", err)
		}
		sameUser(t, v2, got)
		if !got.CreatedAt.Equal(first.CreatedAt) {
			t.Errorf("CreatedAt changed on replace: %s, then %s", first.CreatedAt, got.CreatedAt)
		}
		if got.UpdatedAt.Before(first.UpdatedAt) {
			t.Errorf("UpdatedAt went back on replace: %s, then %s", first.UpdatedAt, got.UpdatedAt)
		}

		// A user with only an id clears attributes and consent.
		bare := shop.User{ID: "u-1"}
		if err := s.PutUsers(ctx, []shop.User{bare}); err != nil {
			t.Fatalf("PutUsers bare: %v", err)
		}
		got, err = s.GetUser(ctx, "u-1")
		if err != nil {
			t.Fatalf("GetUser after bare: %v", err)
		}
		sameUser(t, bare, got)
		if !got.CreatedAt.Equal(first.CreatedAt) {
			t.Errorf("CreatedAt changed on the second replace: %s, then %s", first.CreatedAt, got.CreatedAt)
		}

		// Within one call the later entry wins.
		a := shop.User{ID: "u-2", Attributes: map[string]any{"v": "first"}}
		b := shop.User{ID: "u-2", Attributes: map[string]any{"v": "second"}}
		if err := s.PutUsers(ctx, []shop.User{a, b}); err != nil {
			t.Fatalf("PutUsers with the same id twice: %v", err)
		}
		got, err = s.GetUser(ctx, "u-2")
		if err != nil {
			t.Fatalf("GetUser(u-2): %v", err)
		}
		sameUser(t, b, got)

		st, err := s.Stats(ctx)
		if err != nil {
			t.Fatalf("Stats: %v", err)
		}
		if st.Users != 2 {
			t.Errorf("Stats.Users = %d, want 2", st.Users)
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		s := open(t)
		if _, err := s.GetUser(t.Context(), "nobody"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetUser(nobody) error = %v, want ErrNotFound", err)
		}
	})

	t.Run("EmptyPut", func(t *testing.T) {
		s := open(t)
		if err := s.PutUsers(t.Context(), nil); err != nil {
			t.Errorf("PutUsers(nil): %v", err)
		}
		if err := s.PutUsers(t.Context(), []shop.User{}); err != nil {
			t.Errorf("PutUsers(empty): %v", err)
		}
	})
}
