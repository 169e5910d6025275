package api

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/profile"
)

func TestSegmentsLifecycle(t *testing.T) {
	h := newHarness(t)
	h.do("POST", "/v1/items", `[{"id":"serum","category":["Beauty","Skin Care"],"brand":"Lumi","price":200,"currency":"CNY"},
		{"id":"tea","category":["Food","Tea"],"price":20,"currency":"CNY"}]`, nil)
	now := time.Now().UTC()
	ts := func(daysAgo int) string { return now.AddDate(0, 0, -daysAgo).Format(time.RFC3339) }
	var rows []string
	// u1: views serum a lot recently, never buys; u2: buys tea; u3: old views only.
	for i := range 5 {
		rows = append(rows, fmt.Sprintf(`{"id":"v1-%d","type":"view","user_id":"u1","item_id":"serum","timestamp":"%s"}`, i, ts(i)))
	}
	rows = append(rows,
		fmt.Sprintf(`{"id":"b2","type":"purchase","user_id":"u2","item_id":"tea","revenue":120,"currency":"CNY","order_id":"o","timestamp":"%s"}`, ts(3)),
		fmt.Sprintf(`{"id":"v3","type":"view","user_id":"u3","item_id":"tea","timestamp":"%s"}`, ts(60)))
	h.do("POST", "/v1/events", "["+strings.Join(rows, ",")+"]", nil)

	type created struct {
		ID   string `json:"id"`
		Size int    `json:"size"`
	}
	cases := []struct {
		expr    string
		members []string
	}{
		{`count("purchase") >= 1`, []string{"u2"}},
		{`count("view", 7d) > 3 and not count("purchase", 30d) > 0`, []string{"u1"}},
		{`affinity("Beauty") > 0.2 or monetary >= 100`, []string{"u1", "u2"}},
		{`lifecycle in ["at_risk", "lapsed"]`, []string{"u3"}},
	}
	var ids []string
	for _, c := range cases {
		var got created
		if r := h.do("POST", "/v1/segments", map[string]string{"name": c.expr, "expression": c.expr}, &got); r.StatusCode != 201 {
			t.Fatalf("create %q: %d", c.expr, r.StatusCode)
		}
		if got.Size != len(c.members) {
			t.Errorf("%q: size %d, want %d", c.expr, got.Size, len(c.members))
		}
		var page struct {
			Members []string `json:"members"`
		}
		h.do("GET", "/v1/segments/"+got.ID+"/members", nil, &page)
		if strings.Join(page.Members, ",") != strings.Join(c.members, ",") {
			t.Errorf("%q: members %v, want %v", c.expr, page.Members, c.members)
		}
		var size map[string]int
		h.do("GET", "/v1/segments/"+got.ID+"/size", nil, &size)
		if size["size"] != len(c.members) {
			t.Errorf("%q: /size %v", c.expr, size)
		}
		ids = append(ids, got.ID)
	}
	// The profile lists memberships, and they move with the next event.
	var v profile.View
	h.do("GET", "/v1/users/u1/profile", nil, &v)
	if len(v.Segments) != 2 {
		t.Fatalf("u1 segments %v, want 2", v.Segments)
	}
	h.do("POST", "/v1/events", fmt.Sprintf(`[{"id":"b1","type":"purchase","user_id":"u1","item_id":"serum","revenue":200,"currency":"CNY","order_id":"o1","timestamp":"%s"}]`, ts(0)), nil)
	h.do("GET", "/v1/users/u1/profile", nil, &v)
	if !slices.Contains(v.Segments, ids[0]) || slices.Contains(v.Segments, ids[1]) {
		t.Fatalf("after u1 buys: segments %v; want in %s, out of %s", v.Segments, ids[0], ids[1])
	}

	// Preview shows what the expression reads.
	var prev struct {
		Members []struct {
			UserID string         `json:"user_id"`
			Fields map[string]any `json:"fields"`
		} `json:"members"`
	}
	h.do("GET", "/v1/segments/"+ids[2]+"/preview?n=5", nil, &prev)
	if len(prev.Members) != 2 || prev.Members[1].Fields["monetary"] != 120.0 || prev.Members[0].Fields[`affinity("Beauty")`] == nil {
		t.Fatalf("preview: %+v", prev)
	}
	// Export as CSV.
	resp, err := http.Get(h.srv.URL + "/v1/segments/" + ids[2] + "/export?format=csv")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if lines := strings.Split(strings.TrimSpace(string(body)), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[0], "user_id,") {
		t.Fatalf("csv export:\n%s", body)
	}
	// Replace and delete.
	var d struct {
		Version int64 `json:"version"`
	}
	if r := h.do("PUT", "/v1/segments/"+ids[0], `{"name":"buyers","expression":"frequency >= 1"}`, &d); r.StatusCode != 200 || d.Version != 2 {
		t.Fatalf("replace: %d %+v", r.StatusCode, d)
	}
	if r := h.do("DELETE", "/v1/segments/"+ids[0], nil, nil); r.StatusCode != 204 {
		t.Fatalf("delete: %d", r.StatusCode)
	}
	var p Problem
	if r := h.do("GET", "/v1/segments/"+ids[0]+"/size", nil, &p); r.StatusCode != 404 {
		t.Fatalf("size of deleted: %d", r.StatusCode)
	}
}

func TestSegmentErrorsPointAtTheProblem(t *testing.T) {
	h := newHarness(t)
	var p Problem
	r := h.do("POST", "/v1/segments", `{"name":"bad","expression":"count(\"view\") > 3 and\n  recncy_days < 5"}`, &p)
	if r.StatusCode != 400 || p.Line != 2 || p.Column != 3 || !strings.Contains(p.Detail, "recency_days") {
		t.Fatalf("status %d problem %+v", r.StatusCode, p)
	}
	if r := h.do("POST", "/v1/segments", `{"expression":"frequency > 1"}`, &p); r.StatusCode != 400 || p.Errors[0].Field != "name" {
		t.Fatalf("missing name: %d %+v", r.StatusCode, p)
	}
	var ok struct {
		Valid bool     `json:"valid"`
		Reads []string `json:"reads"`
	}
	if r := h.do("POST", "/v1/segments/validate", `{"expression":"monetary >= 100 and buyer"}`, &ok); r.StatusCode != 200 || !ok.Valid || len(ok.Reads) != 2 {
		t.Fatalf("validate: %d %+v", r.StatusCode, ok)
	}
	deep := strings.Repeat("(", 40) + "buyer" + strings.Repeat(")", 40)
	if r := h.do("POST", "/v1/segments/validate", map[string]string{"expression": deep}, &p); r.StatusCode != 400 {
		t.Fatalf("deep nesting: %d", r.StatusCode)
	}
}

func TestLookalikeAndClusters(t *testing.T) {
	h := newHarness(t)
	h.do("POST", "/v1/items", `[{"id":"serum","category":["Beauty"],"price":200,"currency":"CNY"},{"id":"tea","category":["Food"],"price":20,"currency":"CNY"}]`, nil)
	var rows []string
	at := time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)
	for u := range 40 {
		item := "serum"
		if u%2 == 1 {
			item = "tea"
		}
		for k := range 1 + u%3 {
			rows = append(rows, fmt.Sprintf(`{"id":"e%d-%d","type":"view","user_id":"u%02d","item_id":"%s","timestamp":"%s"}`, u, k, u, item, at))
		}
		if u < 6 && u%2 == 0 {
			rows = append(rows, fmt.Sprintf(`{"id":"b%d","type":"purchase","user_id":"u%02d","item_id":"serum","revenue":200,"currency":"CNY","timestamp":"%s"}`, u, u, at))
		}
	}
	h.do("POST", "/v1/events", "["+strings.Join(rows, ",")+"]", nil)
	var seg struct {
		ID string `json:"id"`
	}
	h.do("POST", "/v1/segments", `{"name":"beauty buyers","expression":"buyer and affinity(\"Beauty\") > 0.5"}`, &seg)
	var look struct {
		Users []struct {
			UserID string  `json:"user_id"`
			Score  float64 `json:"score"`
		} `json:"users"`
	}
	if r := h.do("POST", "/v1/segments/"+seg.ID+"/lookalike?n=5", nil, &look); r.StatusCode != 200 || len(look.Users) != 5 {
		t.Fatalf("lookalike: %d %+v", r.StatusCode, look)
	}
	for _, u := range look.Users {
		var n int
		fmt.Sscanf(u.UserID, "u%d", &n)
		if n%2 == 1 || n < 6 {
			t.Errorf("lookalike %s is a tea viewer or a seed member", u.UserID)
		}
	}
	var res struct {
		K        int `json:"k"`
		Clusters []struct {
			Size        int    `json:"size"`
			Description string `json:"description"`
		} `json:"clusters"`
	}
	if r := h.do("GET", "/v1/clusters?k=2", nil, &res); r.StatusCode != 200 || res.K != 2 || res.Clusters[0].Description == "" {
		t.Fatalf("clusters: %d %+v", r.StatusCode, res)
	}
	var p Problem
	if r := h.do("GET", "/v1/clusters?k=99", nil, &p); r.StatusCode != 400 {
		t.Fatalf("k=99: %d", r.StatusCode)
	}
}
