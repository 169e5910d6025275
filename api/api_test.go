package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/ads"
	"github.com/shopmind/shopmind/audience"
	"github.com/shopmind/shopmind/catalog"
	"github.com/shopmind/shopmind/config"
	"github.com/shopmind/shopmind/copyserve"
	"github.com/shopmind/shopmind/ingest"
	"github.com/shopmind/shopmind/privacy/pii"
	"github.com/shopmind/shopmind/profile"
	"github.com/shopmind/shopmind/recserve"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
	_ "github.com/shopmind/shopmind/store/sqlite"
	"github.com/shopmind/shopmind/telemetry"
)

type harness struct {
	t        testing.TB
	srv      *httptest.Server
	store    store.Store
	key      string
	recs     *recserve.Service
	profiles *profile.Service
}

func newHarness(t testing.TB, mutate ...func(*config.Config)) *harness {
	t.Helper()
	cfg := config.Default()
	for _, m := range mutate {
		m(&cfg)
	}
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "api.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	m := telemetry.New()
	timed := m.Store(st)
	quiet := slog.New(slog.DiscardHandler)
	cat := catalog.New(timed)
	profiles := profile.NewService(timed, profile.ServiceConfig{Catalog: cat}, quiet)
	recs := recserve.New(timed, profiles, cat, recserve.Config{Rules: recserve.DefaultRules(), PollInterval: time.Hour, BlockRefresh: time.Nanosecond}, quiet)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { profiles.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	aud := audience.New(timed, profiles)
	adsSvc := ads.NewService(timed, nil, nil, aud, ads.ServiceConfig{}, quiet)
	copySvc, err := copyserve.New(copyserve.Config{}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	ing := ingest.New(timed, nil, m)
	ing.OnItems(func(items []shop.Item) { cat.Put(items...) })
	ing.OnEvents(adsSvc.ApplyShopEvents)
	var seal *pii.Policy
	if cfg.PIIKeys != "" {
		if seal, err = pii.NewPolicy(cfg.PIIKeys, config.List(cfg.PIIFields), config.List(cfg.PIIHashed)); err != nil {
			t.Fatal(err)
		}
		ing.UsePII(seal)
	}
	s := New(Deps{Config: cfg, Store: timed, Ingest: ing, Metrics: m, Logger: quiet, Profiles: profiles,
		Audience: aud, Recommendations: recs, Ads: adsSvc, Copy: copySvc, Catalog: cat, PII: seal})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &harness{t: t, srv: srv, store: st, recs: recs, profiles: profiles}
}

// do sends a request and decodes a JSON answer into out (if not nil).
func (h *harness) do(method, path string, body any, out any) *http.Response {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, h.srv.URL+path, rd)
	if h.key != "" {
		req.Header.Set("Authorization", "Bearer "+h.key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 400 {
		want := "application/problem+json"
		ct := resp.Header.Get("Content-Type")
		if strings.HasPrefix(path, "/api/") && ct == "text/plain; charset=utf-8" {
			want = ct // the Gorse-compatible handlers answer errors as text (unmatched routes as problems)
		}
		if ct != want {
			h.t.Errorf("%s %s: status %d with Content-Type %q, want %s", method, path, resp.StatusCode, ct, want)
		}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			h.t.Fatalf("%s %s: decoding %q: %v", method, path, data, err)
		}
	}
	return resp
}

func TestIngestMixedBatch(t *testing.T) {
	h := newHarness(t)
	future := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	body := `[
	 {"id":"e-1","type":"purchase","user_id":"u1","item_id":"i9","timestamp":"2026-11-01T10:00:00Z","session_id":"s1","quantity":1,"revenue":59.9,"currency":"CNY","order_id":"o1","context":{"channel":"app","campaign_id":"c1"}},
	 {"id":"e-1","type":"view","user_id":"u1","item_id":"i9","timestamp":"2026-11-01T10:00:00Z"},
	 {"id":"e-2","type":"view","user_id":"u1","item_id":"i9","timestamp":"2026-11-01T09:00:00Z","colour":"red"},
	 {"id":"e-3","type":"buy","user_id":"u1","item_id":"i9"},
	 {"type":"view","user_id":"u1","item_id":"i9"},
	 {"id":"e-5","type":"purchase","user_id":"u1","item_id":"i9","quantity":-2},
	 {"id":"e-6","type":"view","user_id":"u1","item_id":"i9","timestamp":"` + future + `"},
	 {"id":"e-7","type":"view","user_id":"u1","item_id":"i9","timestamp":"yesterday"},
	 {"id":"e-8","type":"view","user_id":"u1","item_id":42},
	 {"id":"e-9","type":"search","user_id":"u2","query":"面霜","timestamp":"2026-11-02T08:00:00+08:00"}
	]`
	var sum ingest.Summary
	resp := h.do("POST", "/v1/events", body, &sum)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	want := []struct {
		status ingest.Status
		field  string
	}{
		{ingest.Accepted, ""}, {ingest.Duplicate, ""}, {ingest.Refused, "colour"}, {ingest.Refused, "type"},
		{ingest.Refused, "id"}, {ingest.Refused, "quantity"}, {ingest.Refused, "timestamp"}, {ingest.Refused, "timestamp"},
		{ingest.Refused, "item_id"}, {ingest.Accepted, ""},
	}
	if len(sum.Results) != len(want) {
		t.Fatalf("got %d results, want %d: %+v", len(sum.Results), len(want), sum)
	}
	for i, w := range want {
		r := sum.Results[i]
		if r.Index != i || r.Status != w.status || r.Field != w.field {
			t.Errorf("row %d: got %+v, want status %s field %q", i, r, w.status, w.field)
		}
		if r.Status == ingest.Refused && len(r.Error) < 10 {
			t.Errorf("row %d: refusal without a useful message: %q", i, r.Error)
		}
	}
	if sum.Accepted != 2 || sum.Duplicate != 1 || sum.Refused != 7 {
		t.Errorf("counts %d/%d/%d", sum.Accepted, sum.Duplicate, sum.Refused)
	}
	// Replaying the batch stores nothing twice.
	var again ingest.Summary
	h.do("POST", "/v1/events", body, &again)
	if again.Accepted != 0 || again.Duplicate != 3 {
		t.Errorf("replay: %d accepted, %d duplicate; want 0 and 3", again.Accepted, again.Duplicate)
	}
	var page eventPage
	h.do("GET", "/v1/users/u1/events", nil, &page)
	if len(page.Events) != 1 || page.Events[0].ID != "e-1" || page.Events[0].Revenue != 59.9 || page.Events[0].Context.CampaignID != "c1" {
		t.Fatalf("u1 events = %+v", page.Events)
	}
	var u2 eventPage
	h.do("GET", "/v1/users/u2/events?type=search", nil, &u2)
	if len(u2.Events) != 1 || u2.Events[0].Query != "面霜" || !u2.Events[0].Timestamp.Equal(time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("u2 events = %+v", u2.Events)
	}
}

func TestBatchForms(t *testing.T) {
	h := newHarness(t)
	var sum ingest.Summary
	if r := h.do("POST", "/v1/events", `{"events":[{"id":"w1","type":"view","user_id":"u","item_id":"i"}]}`, &sum); r.StatusCode != 200 || sum.Accepted != 1 {
		t.Fatalf("wrapped form: %d %+v", r.StatusCode, sum)
	}
	cases := []struct{ name, body, want string }{
		{"malformed", `[{"id":"x",`, "malformed-json"},
		{"not a batch", `"hello"`, "malformed-json"},
		{"unknown wrapper key", `{"evnts":[]}`, "malformed-json"},
		{"empty", ``, "empty-body"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var p Problem
			if r := h.do("POST", "/v1/events", c.body, &p); r.StatusCode != 400 || !strings.HasSuffix(p.Type, c.want) || p.Detail == "" {
				t.Fatalf("status %d problem %+v", r.StatusCode, p)
			}
		})
	}
}

func TestLimitsRefuseWhole(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.MaxBodyBytes = 4096; c.MaxBatch = 5 })
	var rows []string
	for i := range 6 {
		rows = append(rows, fmt.Sprintf(`{"id":"b%d","type":"view","user_id":"u","item_id":"i"}`, i))
	}
	var p Problem
	if r := h.do("POST", "/v1/events", "["+strings.Join(rows, ",")+"]", &p); r.StatusCode != 413 || !strings.Contains(p.Detail, "limit is 5") {
		t.Fatalf("long batch: %d %+v", r.StatusCode, p)
	}
	big := `[{"id":"big","type":"search","user_id":"u","query":"` + strings.Repeat("x", 5000) + `"}]`
	if r := h.do("POST", "/v1/events", big, &p); r.StatusCode != 413 {
		t.Fatalf("big body: %d", r.StatusCode)
	}
	st, _ := h.store.Stats(context.Background())
	if st.Events != 0 {
		t.Fatalf("refused requests stored %d events", st.Events)
	}
}

func TestItems(t *testing.T) {
	h := newHarness(t)
	stock := int64(3)
	item := shop.Item{ID: "sku-1", Title: "保湿面霜 50ml", Category: []string{"Beauty", "Skin Care"}, Brand: "Lumi", Price: 129,
		Currency: "CNY", Stock: &stock, Tags: []string{"hydrating"}, Attributes: map[string]any{"volume_ml": 50.0}, Language: "zh-CN"}
	var got shop.Item
	if r := h.do("PUT", "/v1/items/sku-1", item, &got); r.StatusCode != 200 || got.Title != item.Title || *got.Stock != 3 || got.UpdatedAt.IsZero() {
		t.Fatalf("put: %d %+v", r.StatusCode, got)
	}
	var p Problem
	if r := h.do("PUT", "/v1/items/sku-2", map[string]any{"id": "other"}, &p); r.StatusCode != 400 || !strings.HasSuffix(p.Type, "id-mismatch") {
		t.Fatalf("id mismatch: %d %+v", r.StatusCode, p)
	}
	if r := h.do("PUT", "/v1/items/sku-2", map[string]any{"price": -1}, &p); r.StatusCode != 400 || len(p.Errors) != 1 || p.Errors[0].Field != "price" {
		t.Fatalf("negative price: %d %+v", r.StatusCode, p)
	}
	var sum ingest.Summary
	h.do("POST", "/v1/items", `[{"id":"sku-2","category":["Beauty","Makeup"]},{"id":"sku-3","category":["Home"]},{"id":"sku-4","price":5}]`, &sum)
	if sum.Accepted != 2 || sum.Refused != 1 || sum.Results[2].Field != "currency" {
		t.Fatalf("batch: %+v", sum)
	}
	var page itemPage
	h.do("GET", "/v1/items?category=Beauty", nil, &page)
	if ids := itemIDs(page.Items); !slices.Equal(ids, []string{"sku-1", "sku-2"}) {
		t.Fatalf("category Beauty: %v", ids)
	}
	// Paging visits every item once.
	var seen []string
	cursor := ""
	for range 10 {
		var pg itemPage
		h.do("GET", "/v1/items?limit=1&cursor="+cursor, nil, &pg)
		seen = append(seen, itemIDs(pg.Items)...)
		if cursor = pg.NextCursor; cursor == "" {
			break
		}
	}
	if !slices.Equal(seen, []string{"sku-1", "sku-2", "sku-3"}) {
		t.Fatalf("paged: %v", seen)
	}
	if r := h.do("GET", "/v1/items?limit=0", nil, &p); r.StatusCode != 400 {
		t.Fatalf("limit 0: %d", r.StatusCode)
	}
	if r := h.do("GET", "/v1/items?cursor=garbage!", nil, &p); r.StatusCode != 400 {
		t.Fatalf("bad cursor: %d", r.StatusCode)
	}
	if r := h.do("DELETE", "/v1/items/sku-1", nil, nil); r.StatusCode != 204 {
		t.Fatalf("delete: %d", r.StatusCode)
	}
	if r := h.do("GET", "/v1/items/sku-1", nil, &p); r.StatusCode != 404 || !strings.Contains(p.Detail, "sku-1") {
		t.Fatalf("get deleted: %d %+v", r.StatusCode, p)
	}
	if r := h.do("DELETE", "/v1/items/sku-1", nil, &p); r.StatusCode != 404 {
		t.Fatalf("delete twice: %d", r.StatusCode)
	}
}

func itemIDs(items []shop.Item) []string {
	var ids []string
	for _, it := range items {
		ids = append(ids, it.ID)
	}
	return ids
}

func TestUsers(t *testing.T) {
	h := newHarness(t)
	var u shop.User
	if r := h.do("PUT", "/v1/users/u7", `{"attributes":{"tier":"gold"},"consent":{"personalization":true,"ads":false}}`, &u); r.StatusCode != 200 ||
		u.Attributes["tier"] != "gold" || !u.Consent[shop.Personalization] || u.Consent[shop.Ads] {
		t.Fatalf("put user: %d %+v", r.StatusCode, u)
	}
	var p Problem
	if r := h.do("PUT", "/v1/users/u7", `{"consent":{"spam":true}}`, &p); r.StatusCode != 400 || p.Errors[0].Field != "consent.spam" {
		t.Fatalf("bad consent: %d %+v", r.StatusCode, p)
	}
	if r := h.do("GET", "/v1/users/nobody", nil, &p); r.StatusCode != 404 || !strings.Contains(p.Detail, "nobody") {
		t.Fatalf("unknown user: %d %+v", r.StatusCode, p)
	}
	if r := h.do("GET", "/v1/users/nobody/events", nil, &p); r.StatusCode != 404 {
		t.Fatalf("unknown user's events: %d", r.StatusCode)
	}
	h.do("POST", "/v1/events", `[{"id":"x1","type":"favorite","user_id":"fresh","item_id":"i"}]`, nil)
	if r := h.do("GET", "/v1/users/fresh", nil, &u); r.StatusCode != 200 || u.ID != "fresh" {
		t.Fatalf("user from event: %d %+v", r.StatusCode, u)
	}
	if r := h.do("GET", "/v1/users/fresh/events?type=nope", nil, &p); r.StatusCode != 400 {
		t.Fatalf("bad type filter: %d", r.StatusCode)
	}
}

func TestAuth(t *testing.T) {
	const ingestKey, readKey, adminKey = "ingest-0123456789abc", "read-0123456789abcde", "admin-0123456789abcd"
	h := newHarness(t, func(c *config.Config) {
		c.APIKeys = []config.APIKey{
			{Key: ingestKey, Scopes: []config.Scope{config.ScopeIngest}},
			{Key: readKey, Scopes: []config.Scope{config.ScopeRead}},
			{Key: adminKey, Scopes: []config.Scope{config.ScopeAdmin}},
		}
	})
	ev := `[{"id":"a1","type":"view","user_id":"u","item_id":"i"}]`
	cases := []struct {
		key, method, path, body string
		want                    int
	}{
		{"", "POST", "/v1/events", ev, 401},
		{"wrong-key-000000000000", "POST", "/v1/events", ev, 401},
		{readKey, "POST", "/v1/events", ev, 403},
		{ingestKey, "POST", "/v1/events", ev, 200},
		{ingestKey, "GET", "/v1/users/u", "", 403},
		{readKey, "GET", "/v1/users/u", "", 200},
		{readKey, "DELETE", "/v1/items/i", "", 403},
		{adminKey, "GET", "/v1/users/u", "", 200},
		{"", "GET", "/healthz", "", 200},
		{"", "GET", "/metrics", "", 200},
		{"", "GET", "/v1/openapi.json", "", 200},
	}
	for _, c := range cases {
		h.key = c.key
		var body any
		if c.body != "" {
			body = c.body
		}
		if r := h.do(c.method, c.path, body, nil); r.StatusCode != c.want {
			t.Errorf("%s %s with key %q: %d, want %d", c.method, c.path, c.key, r.StatusCode, c.want)
		}
	}
}

func TestUnknownRouteAndMethod(t *testing.T) {
	h := newHarness(t)
	var p Problem
	if r := h.do("GET", "/v1/nothing", nil, &p); r.StatusCode != 404 || p.Status != 404 {
		t.Fatalf("unknown route: %d %+v", r.StatusCode, p)
	}
	r := h.do("PATCH", "/v1/users/u1", nil, &p)
	if r.StatusCode != 405 || !strings.Contains(r.Header.Get("Allow"), "PUT") {
		t.Fatalf("wrong method: %d allow=%q", r.StatusCode, r.Header.Get("Allow"))
	}
}

func TestMetricsAfterTraffic(t *testing.T) {
	h := newHarness(t)
	h.do("POST", "/v1/events", `[{"id":"m1","type":"view","user_id":"u","item_id":"i"},{"id":"m2","type":"bogus","user_id":"u"}]`, nil)
	resp, err := http.Get(h.srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(b)
	for _, want := range []string{
		`shopmind_http_requests_total{method="POST",route="/v1/events",status="200"} 1`,
		`shopmind_events_ingested_total{status="accepted",type="view"} 1`,
		`shopmind_events_ingested_total{status="refused",type="unknown"} 1`,
		`shopmind_http_request_duration_seconds_bucket{method="POST",route="/v1/events"`,
		`shopmind_store_operation_duration_seconds_count{op="append_events",result="ok"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestOpenAPIMatchesRoutes checks that every route in openapi.json is served
// and every served route is documented, with the same methods.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(OpenAPI, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	var documented, served []string
	for path, ops := range doc.Paths {
		for method := range ops {
			if method != "parameters" {
				documented = append(documented, strings.ToUpper(method)+" "+path)
			}
		}
	}
	h := newHarness(t)
	s := New(Deps{Config: config.Default(), Store: h.store, Ingest: ingest.New(h.store, nil, nil), Metrics: telemetry.New()})
	for _, rt := range s.table() {
		served = append(served, rt.method+" "+rt.path)
	}
	sort.Strings(documented)
	sort.Strings(served)
	if !slices.Equal(documented, served) {
		t.Fatalf("documented routes differ from served ones:\n documented %v\n served     %v", documented, served)
	}
	// And each is really reachable: no "no-route" or 405 answer.
	for _, r := range served {
		method, path, _ := strings.Cut(r, " ")
		path = strings.ReplaceAll(path, "{id}", "x")
		var body any
		if method == "POST" || method == "PUT" {
			body = "[]"
			if method == "PUT" {
				body = "{}"
			}
		}
		resp := h.do(method, path, body, nil)
		if resp.StatusCode == 405 || resp.Header.Get("X-Shopmind-Route") == "unmatched" {
			t.Errorf("%s is documented but not served (%d)", r, resp.StatusCode)
		}
	}
}

func TestProfileReflectsEventsAtOnce(t *testing.T) {
	h := newHarness(t)
	h.do("PUT", "/v1/items/serum", `{"title":"Serum","category":["Beauty","Skin Care"],"brand":"Lumi","price":200,"currency":"CNY"}`, nil)
	h.do("PUT", "/v1/users/quiet", `{}`, nil)
	var p Problem
	if r := h.do("GET", "/v1/users/ghost/profile", nil, &p); r.StatusCode != 404 || !strings.Contains(p.Detail, "ghost") {
		t.Fatalf("unknown user: %d %+v", r.StatusCode, p)
	}
	if r := h.do("GET", "/v1/users/quiet/profile", nil, &p); r.StatusCode != 404 || !strings.Contains(p.Detail, "no events") {
		t.Fatalf("user without events: %d %+v", r.StatusCode, p)
	}
	day := time.Now().UTC().Add(-48 * time.Hour).Format(time.RFC3339)
	h.do("POST", "/v1/events", `[{"id":"p1","type":"view","user_id":"ana","item_id":"serum","timestamp":"`+day+`"}]`, nil)
	var v profile.View
	if r := h.do("GET", "/v1/users/ana/profile", nil, &v); r.StatusCode != 200 {
		t.Fatalf("profile after one event: %d", r.StatusCode)
	}
	if v.Events != 1 || v.Counts["view"] != 1 || v.Lifecycle.Stage != profile.StageNew || len(v.TopCategories) == 0 || v.TopCategories[0].Score != 1 {
		t.Fatalf("one-event profile: %+v", v)
	}
	// The next event shows in the very next read: no batch job.
	h.do("POST", "/v1/events", `[{"id":"p2","type":"purchase","user_id":"ana","item_id":"serum","revenue":200,"currency":"CNY","order_id":"o1"}]`, nil)
	h.do("GET", "/v1/users/ana/profile", nil, &v)
	if v.Events != 2 || v.Frequency != 1 || v.Monetary != 200 || v.DaysSincePurchase == nil || v.TopBrands[0].Name != "Lumi" {
		t.Fatalf("after a purchase: %+v", v)
	}
	var refreshed struct {
		Users int `json:"users"`
	}
	if r := h.do("POST", "/v1/profiles/refresh", nil, &refreshed); r.StatusCode != 200 || refreshed.Users != 1 {
		t.Fatalf("refresh: %d %+v", r.StatusCode, refreshed)
	}
	h.do("GET", "/v1/users/ana/profile", nil, &v)
	if v.RFM == nil || v.RFM.Code == "" {
		t.Fatalf("no RFM after refresh: %+v", v.RFM)
	}
}

// TestRefreshWithNonBuyersEncodes guards a bug: "never bought" recency made
// the RFM breakpoints infinite, and the answer an empty 200.
func TestRefreshWithNonBuyersEncodes(t *testing.T) {
	h := newHarness(t)
	var rows []string
	for i := range 10 {
		rows = append(rows, fmt.Sprintf(`{"id":"n%d","type":"view","user_id":"viewer-%d","item_id":"x"}`, i, i))
	}
	rows = append(rows, `{"id":"b","type":"purchase","user_id":"buyer","item_id":"x","revenue":5,"currency":"CNY"}`)
	h.do("POST", "/v1/events", "["+strings.Join(rows, ",")+"]", nil)
	var out struct {
		Users int `json:"users"`
		RFM   struct {
			Recency []float64 `json:"recency_days"`
		} `json:"rfm_quintiles"`
	}
	if r := h.do("POST", "/v1/profiles/refresh", nil, &out); r.StatusCode != 200 || out.Users != 11 || len(out.RFM.Recency) != 4 {
		t.Fatalf("refresh: %d %+v", r.StatusCode, out)
	}
	var v profile.View
	if r := h.do("GET", "/v1/users/viewer-1/profile", nil, &v); r.StatusCode != 200 || v.RFM == nil || v.RFM.Code != "111" {
		t.Fatalf("non-buyer profile: %d %+v", r.StatusCode, v.RFM)
	}
}
