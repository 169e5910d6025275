package api

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/shopmind/shopmind/recserve"
	"github.com/shopmind/shopmind/shop"
)

// trainedHarness stores a small shop with clear co-views (a→b, c→d) and
// trains the recommender.
func trainedHarness(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t)
	var items []shop.Item
	for i := range 12 {
		items = append(items, shop.Item{ID: fmt.Sprintf("i%d", i), Title: fmt.Sprintf("Item %d", i), Category: []string{[]string{"Shoes", "Bags"}[i%2]}})
	}
	items[11].Hidden = true
	h.do("POST", "/v1/items", items, nil)
	var evs []shop.Event
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for u := range 40 {
		seq := []string{"i0", "i2", "i4", "i6"}
		if u%2 == 1 {
			seq = []string{"i1", "i3", "i5", "i7"}
		}
		for k, it := range seq {
			typ := shop.View
			if k == 3 {
				typ = shop.Purchase
			}
			evs = append(evs, shop.Event{ID: fmt.Sprintf("e%d-%d", u, k), Type: typ, UserID: fmt.Sprintf("u%d", u), ItemID: it, Timestamp: at.Add(time.Duration(u*10+k) * time.Minute)})
		}
		evs = append(evs, shop.Event{ID: fmt.Sprintf("h%d", u), Type: shop.View, UserID: fmt.Sprintf("u%d", u), ItemID: "i11", Timestamp: at})
	}
	if r := h.do("POST", "/v1/events", evs, nil); r.StatusCode != 200 {
		t.Fatalf("POST events: %d", r.StatusCode)
	}
	var m recserve.Model
	if r := h.do("POST", "/v1/models/recommend/train", nil, &m); r.StatusCode != 200 || m.Version == "" {
		t.Fatalf("train: %d %+v", r.StatusCode, m)
	}
	if err := h.profiles.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	return h
}

func TestRecommendationRoutes(t *testing.T) {
	h := trainedHarness(t)
	// A new user who viewed i0 and i2: what followed them (i4, i6) comes
	// first, with reasons naming their history.
	h.do("POST", "/v1/events", []shop.Event{
		{ID: "n1", Type: shop.View, UserID: "new", ItemID: "i0", Timestamp: time.Now()},
		{ID: "n2", Type: shop.View, UserID: "new", ItemID: "i2", Timestamp: time.Now()},
	}, nil)
	if err := h.profiles.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	var res recserve.Result
	if r := h.do("GET", "/v1/users/new/recommendations?n=3&explain=true", nil, &res); r.StatusCode != 200 {
		t.Fatalf("status %d", r.StatusCode)
	}
	if len(res.Items) != 3 {
		t.Fatalf("%d recommendations, want 3", len(res.Items))
	}
	for _, it := range res.Items[:2] {
		if (it.ID != "i4" && it.ID != "i6") || it.Reason == nil || (it.Reason.Item != "i0" && it.Reason.Item != "i2") {
			t.Errorf("recommended %s because of %+v; want i4 and i6 first, because of i0 or i2", it.ID, it.Reason)
		}
	}
	for _, it := range res.Items {
		if it.ID == "i0" || it.ID == "i2" || it.ID == "i11" {
			t.Errorf("recommended %s (history or hidden)", it.ID)
		}
	}
	// Category filter and a cold user.
	h.do("GET", "/v1/users/nobody/recommendations?n=4&category=Bags", nil, &res)
	if res.Strategy != "popular" || len(res.Items) != 4 {
		t.Fatalf("cold user in Bags: %+v", res)
	}
	for _, it := range res.Items {
		var n int
		fmt.Sscanf(it.ID, "i%d", &n)
		if n%2 != 1 {
			t.Errorf("category Bags returned %s", it.ID)
		}
	}
	h.do("GET", "/v1/items/i0/similar?n=2&explain=true", nil, &res)
	if len(res.Items) != 2 || !sameSet(ids(res), "i2", "i6") {
		t.Errorf("similar to i0 = %+v, want i2 and i6 (always viewed with it)", res.Items)
	}
	h.do("GET", "/v1/items/i0/bought-together?n=2", nil, &res)
	if len(res.Items) != 2 {
		t.Errorf("bought-together = %+v", res.Items)
	}
	if r := h.do("POST", "/v1/recommendations/session?explain=true", map[string]any{"items": []string{"i1", "i3"}, "n": 2}, &res); r.StatusCode != 200 || !sameSet(ids(res), "i5", "i7") {
		t.Errorf("session after i1, i3 = %d %+v; want i5 and i7 (what follows them)", r.StatusCode, res.Items)
	}
	h.do("GET", "/v1/recommendations/popular?n=3", nil, &res)
	if len(res.Items) != 3 {
		t.Errorf("popular = %+v", res.Items)
	}
	// Per-request rule: boosting Bags puts a bag first for a shoe viewer.
	h.do("GET", "/v1/users/new/recommendations?n=3&boost=category:Bags=50", nil, &res)
	if res.Items[0].ID != "i1" && res.Items[0].ID != "i3" && res.Items[0].ID != "i5" && res.Items[0].ID != "i7" && res.Items[0].ID != "i9" {
		t.Errorf("boosting Bags ×50: first is %s", res.Items[0].ID)
	}
}

func TestRecommendationErrors(t *testing.T) {
	h := trainedHarness(t)
	for _, c := range []struct {
		method, path string
		body         any
		status       int
	}{
		{"GET", "/v1/users/u1/recommendations?n=0", nil, 400},
		{"GET", "/v1/users/u1/recommendations?n=abc", nil, 400},
		{"GET", "/v1/users/u1/recommendations?n=201", nil, 400},
		{"GET", "/v1/users/u1/recommendations?explain=maybe", nil, 400},
		{"GET", "/v1/users/u1/recommendations?boost=colour:red=2", nil, 400},
		{"GET", "/v1/users/u1/recommendations?mmr=2", nil, 400},
		{"GET", "/v1/users/u1/recommendations?max_per_category=-1", nil, 400},
		{"GET", "/v1/items/nope/similar", nil, 404},
		{"GET", "/v1/items/nope/bought-together", nil, 404},
		{"POST", "/v1/recommendations/session", map[string]any{"items": []string{}}, 400},
		{"POST", "/v1/recommendations/session", map[string]any{"items": []string{"i1"}, "extra": 1}, 400},
		{"POST", "/v1/recommendations/session", "not json", 400},
	} {
		if r := h.do(c.method, c.path, c.body, nil); r.StatusCode != c.status {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, r.StatusCode, c.status)
		}
	}
	// A new item added after training gets an answer (content or category),
	// not an error.
	h.do("PUT", "/v1/items/fresh", shop.Item{Title: "Item 2", Category: []string{"Shoes"}}, nil)
	var res recserve.Result
	if r := h.do("GET", "/v1/items/fresh/similar?n=3", nil, &res); r.StatusCode != http.StatusOK || len(res.Items) != 3 {
		t.Errorf("similar of an item added after training: %d %+v", r.StatusCode, res.Items)
	}
}

func ids(r recserve.Result) []string {
	var out []string
	for _, it := range r.Items {
		out = append(out, it.ID)
	}
	return out
}

func sameSet(got []string, want ...string) bool {
	if len(got) != len(want) {
		return false
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			return false
		}
	}
	return true
}
