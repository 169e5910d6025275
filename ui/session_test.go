package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// Two dashboards over one store stand for two nodes behind a load
// balancer: a sign-in on one is good on the other, and signing out on one
// signs out on both.
func TestSessionsAreSharedByNodes(t *testing.T) {
	d := fixture(t)
	a := newBrowser(t, d)
	other := httptest.NewServer(New(d))
	t.Cleanup(other.Close)
	a.signIn(adminKey)
	if code, _, _ := a.get("/ui/segments"); code != http.StatusOK {
		t.Fatalf("node A after sign-in: %d", code)
	}
	onOther := func() int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, other.URL+"/ui/segments", nil)
		for _, c := range a.c.Jar.Cookies(mustURL(t, a.srv.URL+"/ui/")) {
			req.AddCookie(c)
		}
		resp, err := a.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := onOther(); code != http.StatusOK {
		t.Fatalf("node B with node A's session cookie: %d, want 200", code)
	}

	// The store keeps a digest of the cookie, never the cookie itself.
	var cookie string
	for _, c := range a.c.Jar.Cookies(mustURL(t, a.srv.URL+"/ui/")) {
		if c.Name == sessionCookie {
			cookie = c.Value
		}
	}
	objs, _, err := d.Store.ListObjects(context.Background(), sessionKind, "", 1000)
	if err != nil || len(objs) == 0 {
		t.Fatalf("no stored sessions (%v)", err)
	}
	for _, o := range objs {
		if o.ID == cookie || strings.Contains(string(o.Data), cookie) || strings.Contains(string(o.Data), adminKey) {
			t.Fatalf("the store holds the session cookie or the key: %s %s", o.ID, o.Data)
		}
	}

	_, body, _ := a.get("/ui/")
	if code, _, _ := a.post("/ui/logout", map[string][]string{"csrf": {csrfOf(t, body)}}); code != http.StatusSeeOther {
		t.Fatalf("sign out: %d", code)
	}
	if code := onOther(); code != http.StatusSeeOther {
		t.Errorf("node B after signing out on node A: %d, want 303 to the login", code)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
