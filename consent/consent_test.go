package consent_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/shopmind/shopmind/consent"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
	"github.com/shopmind/shopmind/store/sqlite"
)

func open(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.OpenPath(t.Context(), filepath.Join(t.TempDir(), "c.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func put(t *testing.T, st store.Store, id string, c map[shop.Purpose]bool) {
	t.Helper()
	if err := st.PutUsers(t.Context(), []shop.User{{ID: id, Consent: c}}); err != nil {
		t.Fatal(err)
	}
}

func TestPolicyAndFeed(t *testing.T) {
	st := open(t)
	ctx := t.Context()
	put(t, st, "yes", map[shop.Purpose]bool{shop.Personalization: true, shop.MarketingMessages: true, shop.Ads: true})
	put(t, st, "no", map[shop.Purpose]bool{shop.Personalization: false, shop.Ads: false, shop.MarketingMessages: false})
	put(t, st, "unasked", nil)
	c := consent.New(st, nil, time.Millisecond, nil)
	if err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		user string
		p    shop.Purpose
		want bool
	}{
		{"yes", shop.Personalization, true},
		{"yes", shop.MarketingMessages, true},
		{"yes", shop.LLMProcessing, false}, // required, never asked
		{"no", shop.Personalization, false},
		{"no", shop.Ads, false},
		{"no", shop.MarketingMessages, false},
		{"unasked", shop.Personalization, true}, // not required: allowed until refused
		{"unasked", shop.Ads, true},
		{"unasked", shop.MarketingMessages, false},
		{"unasked", shop.LLMProcessing, false},
		{"stranger", shop.Analytics, true},
	}
	for _, tc := range cases {
		if got := c.Allowed(tc.user, tc.p); got != tc.want {
			t.Errorf("Allowed(%s, %s) = %v, want %v", tc.user, tc.p, got, tc.want)
		}
	}

	// A change through the store reaches the service at the next sync.
	put(t, st, "yes", map[shop.Purpose]bool{shop.Personalization: false})
	if err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if c.Allowed("yes", shop.Personalization) || c.Allowed("yes", shop.MarketingMessages) || !c.Allowed("yes", shop.Ads) {
		t.Errorf("after withdrawing: personalization %v (want false), marketing %v (want false: unset and required), ads %v (want true: unset)",
			c.Allowed("yes", shop.Personalization), c.Allowed("yes", shop.MarketingMessages), c.Allowed("yes", shop.Ads))
	}

	// A nil service allows everything (consent not wired).
	var none *consent.Service
	if !none.Allowed("no", shop.Ads) {
		t.Error("nil service refused")
	}
}

func TestDeletionForgetsAndKeepsANewLife(t *testing.T) {
	st := open(t)
	ctx := t.Context()
	put(t, st, "u", map[shop.Purpose]bool{shop.Ads: false})
	c := consent.New(st, []shop.Purpose{}, time.Millisecond, nil)
	if err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if c.Allowed("u", shop.Ads) {
		t.Fatal("refused ads allowed")
	}
	if _, err := st.DeleteUser(ctx, "u"); err != nil {
		t.Fatal(err)
	}
	// The user comes back and refuses personalisation before this node
	// sees the deletion.
	put(t, st, "u", map[shop.Purpose]bool{shop.Personalization: false})
	if err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if !c.Allowed("u", shop.Ads) {
		t.Error("the old life's refusal of ads survived the deletion")
	}
	if c.Allowed("u", shop.Personalization) {
		t.Error("the new life's refusal of personalisation was lost")
	}
	if c.State("u", shop.Personalization) != store.ConsentRefused {
		t.Errorf("State = %q", c.State("u", shop.Personalization))
	}
	// A second node starting now builds the same state.
	c2 := consent.New(st, []shop.Purpose{}, time.Millisecond, nil)
	if err := c2.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if !c2.Allowed("u", shop.Ads) || c2.Allowed("u", shop.Personalization) {
		t.Error("a fresh node disagrees")
	}
}
