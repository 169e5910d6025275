package api

import (
	"strings"
	"testing"

	"github.com/shopmind/shopmind/config"
	"github.com/shopmind/shopmind/privacy/pii"
	"github.com/shopmind/shopmind/shop"
)

// Personal attributes are sealed in the store and opened for the API's
// answers; the others are stored as given.
func TestPersonalAttributesAreSealedAtRest(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.PIIKeys = pii.NewKey("k1") })
	in := shop.User{Attributes: map[string]any{"email": "Wang.Fang@example.cn", "phone": "+86 139 0000 1234", "city_tier": "2"},
		Consent: map[shop.Purpose]bool{shop.Ads: true}}
	if r := h.do("PUT", "/v1/users/c1", in, nil); r.StatusCode != 200 {
		t.Fatalf("PUT = %d", r.StatusCode)
	}
	stored, err := h.store.GetUser(t.Context(), "c1")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"email", "phone"} {
		v, _ := stored.Attributes[f].(string)
		if !pii.IsSealed(v) || strings.Contains(v, "Wang") || strings.Contains(v, "0000") {
			t.Errorf("stored %s = %q, want it sealed", f, v)
		}
		if h, _ := stored.Attributes[f+"_hash"].(string); !strings.HasPrefix(h, "hmac:k1:") {
			t.Errorf("stored %s_hash = %q", f, h)
		}
	}
	if stored.Attributes["city_tier"] != "2" {
		t.Errorf("a non-personal attribute was changed: %v", stored.Attributes["city_tier"])
	}
	var got shop.User
	h.do("GET", "/v1/users/c1", nil, &got)
	if got.Attributes["email"] != "Wang.Fang@example.cn" || got.Attributes["phone"] != "+86 139 0000 1234" {
		t.Errorf("GET returned %v, want the personal attributes opened", got.Attributes)
	}
	// A consent change rewrites the user without touching the sealed values.
	h.do("PATCH", "/v1/users/c1/consent", `{"ads": false}`, nil)
	h.do("GET", "/v1/users/c1", nil, &got)
	if got.Attributes["email"] != "Wang.Fang@example.cn" || got.Consent[shop.Ads] {
		t.Errorf("after a consent change: %v %v", got.Attributes, got.Consent)
	}
	// A personal attribute that is not text is refused and nothing is stored.
	if r := h.do("PUT", "/v1/users/c2", shop.User{Attributes: map[string]any{"phone": 13900001234}}, nil); r.StatusCode != 400 {
		t.Errorf("numeric phone: %d, want 400", r.StatusCode)
	}
	if r := h.do("GET", "/v1/users/c2", nil, nil); r.StatusCode != 404 {
		t.Errorf("the refused user was stored: %d", r.StatusCode)
	}
}
