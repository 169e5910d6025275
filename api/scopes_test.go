package api

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/shopmind/shopmind/config"
	"github.com/shopmind/shopmind/telemetry"
)

// TestEveryRouteEnforcesItsScope walks the route table: every route with a
// scope refuses a key without it (403) and lets a key with it through to its
// handler (whatever the handler answers, it is not 401 or 403).
func TestEveryRouteEnforcesItsScope(t *testing.T) {
	keys := map[config.Scope]string{
		config.ScopeIngest: "scope-ingest-000000000",
		config.ScopeRead:   "scope-read-00000000000",
		config.ScopeAdmin:  "scope-admin-0000000000",
	}
	// A key for each scope, and for each scope a key holding every other
	// non-admin scope (admin implies all).
	lacking := map[config.Scope]string{
		config.ScopeIngest: keys[config.ScopeRead],
		config.ScopeRead:   keys[config.ScopeIngest],
		config.ScopeAdmin:  "scope-ingest-read-0000",
	}
	h := newHarness(t, func(c *config.Config) {
		c.APIKeys = []config.APIKey{
			{Key: keys[config.ScopeIngest], Scopes: []config.Scope{config.ScopeIngest}},
			{Key: keys[config.ScopeRead], Scopes: []config.Scope{config.ScopeRead}},
			{Key: keys[config.ScopeAdmin], Scopes: []config.Scope{config.ScopeAdmin}},
			{Key: lacking[config.ScopeAdmin], Scopes: []config.Scope{config.ScopeIngest, config.ScopeRead}},
		}
	})
	routes := New(Deps{Config: config.Default(), Metrics: telemetry.New()}).table()
	param := regexp.MustCompile(`\{[^}]+\}`)
	checked := 0
	for _, rt := range routes {
		if rt.scope == "" {
			continue
		}
		path := param.ReplaceAllString(rt.path, "x")
		send := func(key string) int {
			req, _ := http.NewRequest(rt.method, h.srv.URL+path, strings.NewReader("{}"))
			if isGorseRoute(rt.path) {
				req.Header.Set("X-API-Key", key)
			} else {
				req.Header.Set("Authorization", "Bearer "+key)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", rt.method, path, err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		if got := send(lacking[rt.scope]); got != http.StatusForbidden {
			t.Errorf("%s %s (scope %s) with a key lacking it: %d, want 403", rt.method, rt.path, rt.scope, got)
		}
		if got := send(keys[rt.scope]); got == http.StatusUnauthorized || got == http.StatusForbidden {
			t.Errorf("%s %s (scope %s) with a key holding it: %d", rt.method, rt.path, rt.scope, got)
		}
		checked++
	}
	if checked < 60 {
		t.Errorf("only %d scoped routes walked; the table has more", checked)
	}
}
