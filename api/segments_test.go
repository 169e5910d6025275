package api

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/config"
	"github.com/shopmind/shopmind/profile"
)

func TestSegmentsLifecycle(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.MinGroupSize = 2 }) // the CSV export below has 2 members
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

// Exports refuse groups smaller than min_group_size (k) with a problem
// answer, and serve a group of exactly k.
func TestSegmentExportRefusesSmallGroups(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.MinGroupSize = 3 })
	h.do("POST", "/v1/items", `[{"id":"tea","category":["Food","Tea"],"price":20,"currency":"CNY"}]`, nil)
	ts := time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)
	var rows []string
	for i := range 3 {
		rows = append(rows, fmt.Sprintf(`{"id":"b%d","type":"purchase","user_id":"u%d","item_id":"tea","revenue":%d,"currency":"CNY","order_id":"o%d","timestamp":"%s"}`, i, i, 20*(i+1), i, ts))
	}
	h.do("POST", "/v1/events", "["+strings.Join(rows, ",")+"]", nil)
	create := func(expr string, size int) string {
		var got struct {
			ID   string `json:"id"`
			Size int    `json:"size"`
		}
		if r := h.do("POST", "/v1/segments", map[string]string{"name": expr, "expression": expr}, &got); r.StatusCode != 201 || got.Size != size {
			t.Fatalf("create %q: %d, size %d, want %d", expr, r.StatusCode, got.Size, size)
		}
		return got.ID
	}
	exactlyK := create(`count("purchase") >= 1`, 3)
	belowK := create(`monetary >= 40`, 2)
	for _, format := range []string{"csv", "jsonl"} {
		resp, err := http.Get(h.srv.URL + "/v1/segments/" + belowK + "/export?format=" + format)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusConflict || resp.Header.Get("Content-Type") != "application/problem+json" ||
			resp.Header.Get("Content-Disposition") != "" ||
			!strings.Contains(string(body), "group-too-small") || !strings.Contains(string(body), "2 members, fewer than the minimum group size of 3") {
			t.Errorf("%s export of 2 members with k=3: %d %q\n%s", format, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		resp, err = http.Get(h.srv.URL + "/v1/segments/" + exactlyK + "/export?format=" + format)
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		lines := strings.Split(strings.TrimSpace(string(body)), "\n")
		want := 3
		if format == "csv" {
			want++ // header
		}
		if resp.StatusCode != 200 || len(lines) != want || !strings.Contains(resp.Header.Get("Content-Disposition"), exactlyK) {
			t.Errorf("%s export of exactly k: %d, %d lines\n%s", format, resp.StatusCode, len(lines), body)
		}
	}
}

// A noisy size spends the segment's privacy budget and is refused once it
// is spent; the answer says what it cost.
func TestSegmentNoisySize(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.DPEpsilonBudget = 100.3 })
	ts := time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)
	var rows []string
	for i := range 12 {
		rows = append(rows, fmt.Sprintf(`{"id":"v%d","type":"view","user_id":"u%d","item_id":"tea","timestamp":"%s"}`, i, i, ts))
	}
	h.do("POST", "/v1/events", "["+strings.Join(rows, ",")+"]", nil)
	var seg struct {
		ID string `json:"id"`
	}
	if r := h.do("POST", "/v1/segments", map[string]string{"name": "viewers", "expression": `count("view") >= 1`}, &seg); r.StatusCode != 201 {
		t.Fatalf("create: %d", r.StatusCode)
	}
	type answer struct {
		Size      int     `json:"size"`
		Noise     string  `json:"noise"`
		Scale     float64 `json:"scale"`
		Epsilon   float64 `json:"epsilon"`
		Spent     float64 `json:"epsilon_spent"`
		Remaining float64 `json:"epsilon_remaining"`
		Budget    float64 `json:"epsilon_budget"`
	}
	// epsilon 100: scale 0.01, so the rounded answer is the true size.
	var a answer
	if r := h.do("GET", "/v1/segments/"+seg.ID+"/size?noise=true&epsilon=100", nil, &a); r.StatusCode != 200 {
		t.Fatalf("noisy size: %d", r.StatusCode)
	}
	if a.Size != 12 || a.Noise != "laplace" || a.Scale != 0.01 || a.Epsilon != 100 || a.Spent != 100 || math.Abs(a.Remaining-0.3) > 1e-9 || a.Budget != 100.3 {
		t.Fatalf("answer %+v", a)
	}
	for i := range 3 {
		if r := h.do("GET", "/v1/segments/"+seg.ID+"/size?noise=1&epsilon=0.1", nil, &a); r.StatusCode != 200 || a.Size < 0 || a.Scale != 10 {
			t.Fatalf("spend %d: %d %+v", i, r.StatusCode, a)
		}
	}
	var p Problem
	if r := h.do("GET", "/v1/segments/"+seg.ID+"/size?noise=true&epsilon=0.1", nil, &p); r.StatusCode != http.StatusConflict ||
		!strings.HasSuffix(p.Type, "privacy-budget-exhausted") || !strings.Contains(p.Detail, "dp_epsilon_budget") {
		t.Fatalf("past the budget: %d %+v", r.StatusCode, p)
	}
	// The exact size stays available; bad parameters are refused.
	var exact map[string]int
	if r := h.do("GET", "/v1/segments/"+seg.ID+"/size", nil, &exact); r.StatusCode != 200 || exact["size"] != 12 {
		t.Fatalf("exact size: %d %v", r.StatusCode, exact)
	}
	for _, q := range []string{"noise=maybe", "noise=true&epsilon=0", "noise=true&epsilon=-1", "noise=true&epsilon=x", "epsilon=0.1"} {
		if r := h.do("GET", "/v1/segments/"+seg.ID+"/size?"+q, nil, nil); r.StatusCode != 400 {
			t.Errorf("%s: %d, want 400", q, r.StatusCode)
		}
	}
	if r := h.do("GET", "/v1/segments/nope/size?noise=true", nil, nil); r.StatusCode != 404 {
		t.Errorf("missing segment: %d", r.StatusCode)
	}
}
