package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/config"
	"github.com/shopmind/shopmind/recserve"
	"github.com/shopmind/shopmind/shop"
)

// gorseClient talks to the /api/ routes the way gorsejs does: X-API-Key
// (also when empty: gorsejs then sends "undefined"), JSON bodies, no
// redirects followed (a redirect would be a failure here).
type gorseClient struct {
	t   *testing.T
	h   *harness
	key string
}

func newGorseClient(t *testing.T, h *harness) *gorseClient {
	return &gorseClient{t: t, h: h, key: "undefined"}
}

// call answers status, Content-Type and body. Every error answer must be
// one line of text/plain.
func (c *gorseClient) call(method, path string, body any) (int, string, []byte) {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.h.srv.URL+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json, text/plain, */*")
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.key != "" {
		req.Header.Set("X-API-Key", c.key)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	ct := resp.Header.Get("Content-Type")
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		c.t.Fatalf("%s %s: redirected (%d) to %q", method, path, resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp.StatusCode >= 400 && isGorseRoute(path) {
		if !strings.HasPrefix(ct, "text/plain") || bytes.ContainsRune(data, '\n') || len(data) == 0 {
			c.t.Errorf("%s %s: error %d as %q %q, want one line of text/plain", method, path, resp.StatusCode, ct, data)
		}
	}
	return resp.StatusCode, ct, data
}

// ok calls and decodes a 200 JSON answer into out.
func (c *gorseClient) ok(method, path string, body, out any) {
	c.t.Helper()
	status, ct, data := c.call(method, path, body)
	if status != http.StatusOK || ct != "application/json" {
		c.t.Fatalf("%s %s: %d %s %s", method, path, status, ct, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			c.t.Fatalf("%s %s: decoding %s: %v", method, path, data, err)
		}
	}
}

// rows calls a write route and checks {"RowAffected": want}.
func (c *gorseClient) rows(method, path string, body any, want int) {
	c.t.Helper()
	var got gorseSuccess
	c.ok(method, path, body, &got)
	if got.RowAffected != want {
		c.t.Fatalf("%s %s: RowAffected %d, want %d", method, path, got.RowAffected, want)
	}
}

// fails expects an error status whose message contains want.
func (c *gorseClient) fails(method, path string, body any, status int, want string) {
	c.t.Helper()
	got, _, data := c.call(method, path, body)
	if got != status || !strings.Contains(string(data), want) {
		c.t.Errorf("%s %s: %d %q, want %d mentioning %q", method, path, got, data, status, want)
	}
}

func TestGorseUsers(t *testing.T) {
	h := newHarness(t)
	c := newGorseClient(t, h)

	c.rows("POST", "/api/user", `{"UserId":"ann","Labels":["vip","east"],"Comment":"first"}`, 1)
	_, _, raw := c.call("GET", "/api/user/ann", nil)
	if want := `{"UserId":"ann","Labels":["vip","east"],"Subscribe":null,"Comment":"first"}`; strings.TrimSpace(string(raw)) != want {
		t.Errorf("GET user: %s, want exactly %s", raw, want)
	}
	c.fails("GET", "/api/user/nobody", nil, 404, "not found")

	// An upsert replaces the Gorse fields and keeps what only shopmind knows.
	h.do("PUT", "/v1/users/bob", `{"attributes":{"city":"Hangzhou"},"consent":{"personalization":true}}`, nil)
	c.rows("POST", "/api/users", []gorseUser{{UserID: "bob", Subscribe: []string{}}, {UserID: "cy", Labels: []string{"x"}}}, 2)
	var bob gorseUser
	c.ok("GET", "/api/user/bob", nil, &bob)
	if bob.Labels == nil || len(bob.Labels) != 0 || bob.Subscribe == nil || len(bob.Subscribe) != 0 || bob.Comment != "" {
		t.Errorf("bob: %+v, want Labels [] and Subscribe []", bob)
	}
	var u shop.User
	h.do("GET", "/v1/users/bob", nil, &u)
	if u.Attributes["city"] != "Hangzhou" || !u.Consent[shop.Personalization] {
		t.Errorf("the Gorse upsert lost shopmind's fields: %+v", u)
	}

	// PATCH changes only what is sent.
	c.rows("PATCH", "/api/user/ann", `{"Comment":"second","Subscribe":["news"]}`, 1)
	var ann gorseUser
	c.ok("GET", "/api/user/ann", nil, &ann)
	if !slices.Equal(ann.Labels, []string{"vip", "east"}) || !slices.Equal(ann.Subscribe, []string{"news"}) || ann.Comment != "second" {
		t.Errorf("after PATCH: %+v", ann)
	}
	c.fails("PATCH", "/api/user/nobody", `{"Comment":"x"}`, 404, "not found")

	// A bad row refuses the whole batch.
	c.fails("POST", "/api/users", `[{"UserId":"dee"},{"UserId":""}]`, 400, "user 1: UserId is missing")
	c.fails("GET", "/api/user/dee", nil, 404, "not found")
	c.fails("POST", "/api/user", `{"UserId":`, 400, "malformed JSON")

	// Deleting a user removes their events too; deleting again is no error.
	c.rows("POST", "/api/feedback", `[{"FeedbackType":"read","UserId":"ann","ItemId":"i"}]`, 1)
	c.rows("DELETE", "/api/user/ann", nil, 1)
	c.fails("GET", "/api/user/ann", nil, 404, "not found")
	var page eventPage
	if r := h.do("GET", "/v1/users/ann/events", nil, &page); r.StatusCode != 404 {
		t.Errorf("events of the deleted user: %d %+v", r.StatusCode, page)
	}
	c.rows("DELETE", "/api/user/ann", nil, 1)
}

func TestGorseItems(t *testing.T) {
	h := newHarness(t)
	c := newGorseClient(t, h)

	want := gorseItem{ItemID: "owner:repo", Categories: []string{"books", "music"}, Timestamp: "2022-08-07T00:26:46Z", Labels: []string{"b", "a"}, Comment: "a book"}
	c.rows("POST", "/api/item", want, 1)
	_, _, raw := c.call("GET", "/api/item/owner:repo", nil)
	if exact, _ := json.Marshal(want); strings.TrimSpace(string(raw)) != string(exact) {
		t.Errorf("GET item: %s, want exactly %s", raw, exact)
	}
	var it shop.Item
	h.do("GET", "/v1/items/owner:repo", nil, &it)
	if it.Title != "a book" || !slices.Equal(it.Category, want.Categories) || !slices.Equal(it.Tags, want.Labels) ||
		it.Attributes[attrTimestamp] != want.Timestamp || it.Hidden {
		t.Errorf("stored as %+v", it)
	}

	// Timestamps: stored as sent, answered as Gorse encodes them.
	for sent, answered := range map[string]string{
		"2024-01-02T03:04:05.000Z":  "2024-01-02T03:04:05Z",
		"2024-01-02T11:04:05+08:00": "2024-01-02T03:04:05Z",
		"2022-02-24":                "2022-02-24T00:00:00Z",
		"2022-02-24 10:00:00":       "2022-02-24T10:00:00Z",
		"":                          "0001-01-01T00:00:00Z",
	} {
		c.rows("POST", "/api/item", gorseItem{ItemID: "t", Timestamp: sent}, 1)
		var got gorseItem
		c.ok("GET", "/api/item/t", nil, &got)
		if got.Timestamp != answered {
			t.Errorf("Timestamp %q came back as %q, want %q", sent, got.Timestamp, answered)
		}
	}
	c.fails("POST", "/api/item", `{"ItemId":"t","Timestamp":"soon"}`, 400, "Timestamp")
	c.fails("POST", "/api/items", `[{"ItemId":"ok"},{"ItemId":"t2","Comment":"`+strings.Repeat("x", 600)+`"}]`, 400, "item 1: Comment is 600 bytes long")
	c.fails("GET", "/api/item/ok", nil, 404, "not found")

	// Upserts keep price and stock; PATCH and the category routes change
	// one thing each.
	h.do("PUT", "/v1/items/shoe", `{"title":"Shoe","price":99,"currency":"CNY","stock":3}`, nil)
	c.rows("POST", "/api/items", []gorseItem{{ItemID: "shoe", Categories: []string{"shoes"}, IsHidden: true}}, 1)
	c.rows("PATCH", "/api/item/shoe", `{"IsHidden":false,"Comment":"Running shoe"}`, 1)
	c.rows("PUT", "/api/item/shoe/category/sale", nil, 1)
	c.rows("PUT", "/api/item/shoe/category/sale", nil, 1)
	c.rows("DELETE", "/api/item/shoe/category/shoes", nil, 1)
	h.do("GET", "/v1/items/shoe", nil, &it)
	if it.Price != 99 || it.Stock == nil || *it.Stock != 3 || it.Hidden || it.Title != "Running shoe" || !slices.Equal(it.Category, []string{"sale"}) {
		t.Errorf("shoe after upsert, PATCH and category changes: %+v", it)
	}
	c.fails("PUT", "/api/item/nothing/category/x", nil, 404, "not found")
	c.rows("DELETE", "/api/item/nothing/category/x", nil, 1)

	// Listing pages with the cursor, in either spelling.
	var page gorseItemPage
	c.ok("GET", "/api/items?n=2", nil, &page)
	seen := len(page.Items)
	for page.Cursor != "" {
		c.ok("GET", "/api/items?n=2&Cursor="+page.Cursor, nil, &page)
		seen += len(page.Items)
	}
	if seen != 3 { // owner:repo, t, shoe
		t.Errorf("listed %d items, want 3", seen)
	}
	c.fails("GET", "/api/items?n=x", nil, 400, "n:")

	c.rows("DELETE", "/api/item/shoe", nil, 1)
	c.fails("GET", "/api/item/shoe", nil, 404, "not found")
	c.rows("DELETE", "/api/item/shoe", nil, 1) // deleting what is gone is no error
}

func TestGorseFeedback(t *testing.T) {
	h := newHarness(t, func(cfg *config.Config) { cfg.GorseFeedbackTypes["star"] = shop.Purchase })
	c := newGorseClient(t, h)
	c.rows("POST", "/api/item", gorseItem{ItemID: "known", Comment: "Known"}, 1)

	fbs := []gorseFeedback{
		{FeedbackType: "like", UserID: "u", ItemID: "known", Timestamp: "2026-01-02T03:04:05.000Z"},
		{FeedbackType: "read", UserID: "u", ItemID: "fresh", Timestamp: "2026-01-02T03:04:05Z"},
		{FeedbackType: "star", UserID: "u", ItemID: "fresh", Timestamp: "2026-01-03"},
		{FeedbackType: "whatever", UserID: "u", ItemID: "known"},
	}
	c.rows("POST", "/api/feedback", fbs, 4)
	c.rows("PUT", "/api/feedback", fbs, 4) // the same feedback again is absorbed
	var page eventPage
	h.do("GET", "/v1/users/u/events", nil, &page)
	types := map[shop.EventType]int{}
	for _, e := range page.Events {
		types[e.Type]++
	}
	if len(page.Events) != 4 || types[shop.Favorite] != 1 || types[shop.View] != 2 || types[shop.Purchase] != 1 {
		t.Errorf("stored %d events %v, want favorite, purchase and two views once each", len(page.Events), types)
	}
	// The unknown item was created bare; the known one kept its fields.
	var fresh, known gorseItem
	c.ok("GET", "/api/item/fresh", nil, &fresh)
	c.ok("GET", "/api/item/known", nil, &known)
	if known.Comment != "Known" {
		t.Errorf("known item after feedback: %+v", known)
	}

	c.fails("POST", "/api/feedback", `[{"FeedbackType":"read","UserId":"v","ItemId":"known"},{"FeedbackType":"read","UserId":"v","ItemId":"known","Timestamp":"later"}]`,
		400, "feedback 1: Timestamp")
	c.fails("POST", "/api/feedback", `[{"FeedbackType":"read","UserId":"v"}]`, 400, "ItemId is missing")
	c.fails("GET", "/api/user/v", nil, 404, "not found") // nothing of a refused batch is stored
	c.fails("POST", "/api/feedback", `{"FeedbackType":"read"}`, 400, "malformed JSON")
}

func TestParseGorseTime(t *testing.T) {
	for in, want := range map[string]string{
		"2022-08-07T00:26:46Z":          "2022-08-07T00:26:46Z",
		"2022-08-07T00:26:46.123Z":      "2022-08-07T00:26:46.123Z",
		"2022-08-07T08:26:46+08:00":     "2022-08-07T00:26:46Z",
		"2022-08-07T08:26:46+0800":      "2022-08-07T00:26:46Z",
		"2022-08-07 00:26:46":           "2022-08-07T00:26:46Z",
		"2022-08-07 00:26:46.5":         "2022-08-07T00:26:46.5Z",
		"2022-08-07 08:26:46 +0800 CST": "2022-08-07T00:26:46Z",
		"2022-08-07T00:26":              "2022-08-07T00:26:00Z",
		"2022-08-07":                    "2022-08-07T00:00:00Z",
		"Sun, 07 Aug 2022 00:26:46 GMT": "2022-08-07T00:26:46Z",
		"0001-01-01T00:00:00Z":          "0001-01-01T00:00:00Z",
	} {
		got, err := parseGorseTime(in)
		if err != nil || formatGorseTime(got) != want {
			t.Errorf("parseGorseTime(%q) = %s, %v; want %s", in, formatGorseTime(got), err, want)
		}
	}
	for _, in := range []string{"yesterday", "2022-13-01", "1659831406"} {
		if _, err := parseGorseTime(in); err == nil {
			t.Errorf("parseGorseTime(%q) succeeded", in)
		}
	}
}

// gorseShop stores, through /api/, 10 items (x0–x4 "books", x5–x9
// "games") and reads by 8 users, x0 read by all, and trains a model.
func gorseShop(t *testing.T, h *harness, c *gorseClient) {
	t.Helper()
	var items []gorseItem
	for i := range 10 {
		items = append(items, gorseItem{ItemID: fmt.Sprintf("x%d", i), Categories: []string{[]string{"books", "games"}[i/5]}})
	}
	items[9].IsHidden = true
	c.rows("POST", "/api/items", items, 10)
	var fbs []gorseFeedback
	at := time.Now().Add(-48 * time.Hour)
	for u := range 8 {
		for k, i := range []int{0, 1 + u%4, 5 + u%4, 9} {
			fbs = append(fbs, gorseFeedback{FeedbackType: "read", UserID: fmt.Sprintf("u%d", u), ItemID: fmt.Sprintf("x%d", i),
				Timestamp: at.Add(time.Duration(u*10+k) * time.Minute).Format(time.RFC3339)})
		}
	}
	c.rows("POST", "/api/feedback", fbs, len(fbs))
	var m recserve.Model
	if r := h.do("POST", "/v1/models/recommend/train", nil, &m); r.StatusCode != 200 {
		t.Fatalf("train: %d", r.StatusCode)
	}
	if err := h.profiles.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func TestGorseRecommend(t *testing.T) {
	h := newHarness(t)
	c := newGorseClient(t, h)

	// Before any item or model: an empty list, not an error.
	var ids []string
	c.ok("GET", "/api/recommend/anyone/", nil, &ids)
	if ids == nil || len(ids) != 0 {
		t.Errorf("empty shop: %v, want []", ids)
	}

	gorseShop(t, h, c)
	history := []string{"x0", "x2", "x6", "x9"} // u1's
	for _, path := range []string{"/api/recommend/u1", "/api/recommend/u1/", "/api/recommend/u1/?n=3", "/api/recommend/u1/games"} {
		ids = nil
		c.ok("GET", path, nil, &ids)
		if len(ids) == 0 || slices.ContainsFunc(ids, func(id string) bool { return slices.Contains(history, id) }) {
			t.Errorf("%s: %v, want items u1 has no feedback for", path, ids)
		}
		if strings.Contains(path, "n=3") && len(ids) != 3 {
			t.Errorf("%s: %d items", path, len(ids))
		}
		if strings.HasSuffix(path, "games") && slices.ContainsFunc(ids, func(id string) bool { return id < "x5" }) {
			t.Errorf("%s: %v has books", path, ids)
		}
	}
	var all, second []string
	c.ok("GET", "/api/recommend/u1/?n=4", nil, &all)
	c.ok("GET", "/api/recommend/u1/?n=2&offset=2", nil, &second)
	if len(all) != 4 || !slices.Equal(all[2:], second) {
		t.Errorf("offset: %v then %v", all, second)
	}
	c.ok("GET", "/api/recommend/never-seen/", nil, &ids)
	if len(ids) == 0 {
		t.Error("no recommendations for an unknown user")
	}
	c.fails("GET", "/api/recommend/u1/?n=0", nil, 400, "n:")
	c.fails("GET", "/api/recommend/u1/?offset=-1", nil, 400, "offset:")
	c.fails("GET", "/api/recommend/u1/?n=150&offset=100", nil, 400, "at most 200")
	c.fails("GET", "/api/recommend/u1/?write-back-type=read&write-back-delay=soon", nil, 400, "write-back-delay")
	c.fails("GET", "/api/recommend/u1/?write-back-type=read&write-back-delay=48h", nil, 400, "write-back-delay")

	// Write-back marks the answer as read: it is not recommended again.
	var shown, next []string
	// Profiles follow the event feed (woken by the write), so the next
	// answers exclude them within moments.
	c.ok("GET", "/api/recommend/u1/?write-back-type=read&write-back-delay=0h0m1s&n=2", nil, &shown)
	for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		c.ok("GET", "/api/recommend/u1/", nil, &next)
		if !slices.ContainsFunc(next, func(id string) bool { return slices.Contains(shown, id) }) || time.Now().After(deadline) {
			break
		}
	}
	if len(shown) != 2 || slices.ContainsFunc(next, func(id string) bool { return slices.Contains(shown, id) }) {
		t.Errorf("written back %v, then recommended %v", shown, next)
	}
}

func TestGorseScoreLists(t *testing.T) {
	h := newHarness(t)
	c := newGorseClient(t, h)
	gorseShop(t, h, c)

	list := func(method, path string, body any) []gorseScore {
		t.Helper()
		var got []gorseScore
		c.ok(method, path, body, &got)
		if len(got) == 0 {
			t.Errorf("%s %s: empty", method, path)
		}
		for i, s := range got {
			if s.ID == "x9" {
				t.Errorf("%s %s lists the hidden item", method, path)
			}
			if i > 0 && s.Score > got[i-1].Score {
				t.Errorf("%s %s: not best first: %+v", method, path, got)
			}
		}
		return got
	}
	for _, path := range []string{"/api/popular", "/api/popular/", "/api/latest/", "/api/latest/games", "/api/item/x1/neighbors", "/api/item/x1/neighbors/"} {
		list("GET", path, nil)
	}
	if top := list("GET", "/api/popular/?n=3", nil); len(top) != 3 || top[0].ID != "x0" {
		t.Errorf("popular: %+v, want 3 with x0 (read by all) first", top)
	}
	for _, s := range list("GET", "/api/item/x1/neighbors/", nil) {
		if s.ID == "x1" {
			t.Error("an item is its own neighbour")
		}
	}
	for _, s := range list("GET", "/api/popular/games", nil) {
		if s.ID < "x5" {
			t.Errorf("popular in games lists %s", s.ID)
		}
	}
	session := []gorseFeedback{{FeedbackType: "read", ItemID: "x1", Timestamp: "2026-01-01"}, {FeedbackType: "read", ItemID: "x5"}}
	for _, path := range []string{"/api/session/recommend", "/api/session/recommend/", "/api/session/recommend/books"} {
		for _, s := range list("POST", path, session) {
			if s.ID == "x1" || s.ID == "x5" {
				t.Errorf("%s recommends the posted item %s", path, s.ID)
			}
		}
	}
	var none []gorseScore
	c.ok("GET", "/api/item/unknown/neighbors/", nil, &none)
	if none == nil || len(none) != 0 {
		t.Errorf("neighbours of an unknown item: %v, want []", none)
	}

	// A deleted item leaves every answer at once, though the model still
	// holds it; the answers keep their length.
	c.rows("DELETE", "/api/item/x0", nil, 1)
	for _, path := range []string{"/api/popular/?n=5", "/api/item/x1/neighbors/?n=5", "/api/recommend/stranger/?n=5", "/api/latest/?n=5"} {
		_, _, raw := c.call("GET", path, nil)
		if strings.Contains(string(raw), `"x0"`) {
			t.Errorf("%s still lists the deleted x0: %s", path, raw)
		}
	}
	if got := list("GET", "/api/popular/?n=8", nil); len(got) != 8 {
		t.Errorf("popular after the delete: %d items, want 8 (x1–x8)", len(got))
	}
}

func TestGorseAuth(t *testing.T) {
	const ingestKey, readKey, adminKey = "ingest-0123456789abc", "read-0123456789abcde", "admin-0123456789abcd"
	h := newHarness(t, func(cfg *config.Config) {
		cfg.APIKeys = []config.APIKey{
			{Key: ingestKey, Scopes: []config.Scope{config.ScopeIngest}},
			{Key: readKey, Scopes: []config.Scope{config.ScopeRead}},
			{Key: adminKey, Scopes: []config.Scope{config.ScopeAdmin}},
		}
	})
	c := newGorseClient(t, h)
	fb := `[{"FeedbackType":"read","UserId":"u","ItemId":"i"}]`
	for _, tc := range []struct {
		key, method, path, body string
		want                    int
	}{
		{"", "GET", "/api/popular/", "", 401},
		{"undefined", "GET", "/api/popular/", "", 401},
		{"wrong-key-000000000000", "GET", "/api/popular/", "", 401},
		{readKey, "GET", "/api/popular/", "", 200},
		{readKey, "POST", "/api/feedback", fb, 403},
		{ingestKey, "POST", "/api/feedback", fb, 200},
		{ingestKey, "GET", "/api/item/i", "", 403},
		{readKey, "GET", "/api/item/i", "", 200},
		{readKey, "GET", "/api/recommend/u/", "", 200},
		{readKey, "GET", "/api/recommend/u/?write-back-type=read", "", 403},
		{adminKey, "GET", "/api/recommend/u/?write-back-type=read", "", 200},
		{ingestKey, "DELETE", "/api/item/i", "", 403},
		{adminKey, "DELETE", "/api/item/i", "", 200},
		{readKey, "GET", "/v1/items", "", 401}, // X-API-Key is for /api/ only
	} {
		c.key = tc.key
		var body any
		if tc.body != "" {
			body = tc.body
		}
		if got, _, data := c.call(tc.method, tc.path, body); got != tc.want {
			t.Errorf("%s %s with key %q: %d %s, want %d", tc.method, tc.path, tc.key, got, data, tc.want)
		}
	}

	// Nor does a bearer token open /api/.
	req, _ := http.NewRequest("GET", h.srv.URL+"/api/popular/", nil)
	req.Header.Set("Authorization", "Bearer "+adminKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("bearer token on /api/: %d, want 401", resp.StatusCode)
	}
}

func TestGorseWithoutKeysIgnoresXAPIKey(t *testing.T) {
	c := newGorseClient(t, newHarness(t))
	for _, key := range []string{"undefined", "anything", ""} {
		c.key = key
		c.rows("POST", "/api/user", `{"UserId":"u"}`, 1)
	}
}

func TestGorseUnmatchedAnswersText(t *testing.T) {
	h := newHarness(t)
	for _, c := range []struct {
		method, path string
		status       int
	}{{"GET", "/api/nothing-here", 404}, {"PUT", "/api/popular", 405}} {
		r := h.do(c.method, c.path, nil, nil)
		if r.StatusCode != c.status || r.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Errorf("%s %s: %d %q, want %d as text/plain (Gorse clients print the body)", c.method, c.path, r.StatusCode, r.Header.Get("Content-Type"), c.status)
		}
	}
}
