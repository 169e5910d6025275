package api

import (
	"testing"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

func TestConsentPatchAndHistory(t *testing.T) {
	h := newHarness(t)
	h.do("PUT", "/v1/users/u1", shop.User{Consent: map[shop.Purpose]bool{shop.Ads: true}}, nil)
	var got consentAnswer
	if r := h.do("PATCH", "/v1/users/u1/consent", `{"personalization": false, "marketing_messages": true}`, &got); r.StatusCode != 200 {
		t.Fatalf("PATCH = %d", r.StatusCode)
	}
	want := map[shop.Purpose]struct {
		state   store.ConsentState
		allowed bool
	}{
		shop.Ads:               {store.ConsentGranted, true},
		shop.Personalization:   {store.ConsentRefused, false},
		shop.MarketingMessages: {store.ConsentGranted, true},
		shop.LLMProcessing:     {store.ConsentUnset, false}, // required by default
		shop.Analytics:         {store.ConsentUnset, true},
	}
	for p, w := range want {
		if ps := got.Purposes[p]; ps.State != w.state || ps.Allowed != w.allowed {
			t.Errorf("%s = %+v, want %s allowed=%v", p, ps, w.state, w.allowed)
		}
	}
	if got.Purposes[shop.Personalization].ChangedAt == nil || got.Purposes[shop.Analytics].ChangedAt != nil {
		t.Errorf("changed_at: personalization %v (want set), analytics %v (want none)",
			got.Purposes[shop.Personalization].ChangedAt, got.Purposes[shop.Analytics].ChangedAt)
	}
	if len(got.History) != 3 {
		t.Errorf("history %+v, want 3 changes (ads, then personalization and marketing)", got.History)
	}
	// null forgets an answer; other purposes keep theirs.
	h.do("PATCH", "/v1/users/u1/consent", `{"ads": null}`, &got)
	if got.Purposes[shop.Ads].State != store.ConsentUnset || got.Purposes[shop.Personalization].State != store.ConsentRefused {
		t.Errorf("after null: %+v", got.Purposes)
	}
	var again consentAnswer
	if r := h.do("GET", "/v1/users/u1/consent", nil, &again); r.StatusCode != 200 || len(again.History) != 4 {
		t.Errorf("GET = %d with %d changes, want 4", r.StatusCode, len(again.History))
	}

	// Bad input changes nothing.
	for _, body := range []string{`{"tracking": true}`, `{}`, `[1]`, `{"ads": "yes"}`} {
		if r := h.do("PATCH", "/v1/users/u1/consent", body, nil); r.StatusCode != 400 {
			t.Errorf("PATCH %s = %d, want 400", body, r.StatusCode)
		}
	}
	h.do("GET", "/v1/users/u1/consent", nil, &again)
	if len(again.History) != 4 {
		t.Errorf("refused patches changed the history: %d changes", len(again.History))
	}
	if r := h.do("PATCH", "/v1/users/nobody/consent", `{"ads": true}`, nil); r.StatusCode != 404 {
		t.Errorf("PATCH unknown user = %d, want 404", r.StatusCode)
	}
	if r := h.do("GET", "/v1/users/nobody/consent", nil, nil); r.StatusCode != 404 {
		t.Errorf("GET unknown user = %d, want 404", r.StatusCode)
	}
}
