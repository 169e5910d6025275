package api

import (
	"testing"

	"github.com/shopmind/shopmind/config"
)

func TestRateLimitPerKey(t *testing.T) {
	const a, b = "rate-key-a-0000000000", "rate-key-b-0000000000"
	h := newHarness(t, func(c *config.Config) {
		c.RateLimit, c.RateBurst = 1, 3
		c.APIKeys = []config.APIKey{{Key: a, Scopes: []config.Scope{config.ScopeRead}}, {Key: b, Scopes: []config.Scope{config.ScopeRead}}}
	})
	h.key = a
	for i := range 3 {
		if r := h.do("GET", "/v1/stats", nil, nil); r.StatusCode != 200 {
			t.Fatalf("request %d within the burst: %d", i, r.StatusCode)
		}
	}
	r := h.do("GET", "/v1/stats", nil, nil)
	if r.StatusCode != 429 || r.Header.Get("Retry-After") == "" {
		t.Fatalf("over the burst: %d, Retry-After %q; want 429 with Retry-After", r.StatusCode, r.Header.Get("Retry-After"))
	}
	// Another key has its own bucket; health is never limited.
	h.key = b
	if r := h.do("GET", "/v1/stats", nil, nil); r.StatusCode != 200 {
		t.Errorf("another key: %d", r.StatusCode)
	}
	h.key = ""
	if r := h.do("GET", "/healthz", nil, nil); r.StatusCode != 200 {
		t.Errorf("healthz: %d", r.StatusCode)
	}
}
