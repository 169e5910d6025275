package importer

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/internal/testenv"
	"github.com/shopmind/shopmind/shop"
)

func TestTaobaoFixture(t *testing.T) {
	r := read(t, "taobao", "testdata/taobao.csv")

	wantSkips(t, r.skips, []skipped{
		{"taobao.csv:6", `unknown behavior_type "like": expected pv, cart, fav or buy`},
		{"taobao.csv:7", "has 4 fields; expected 5"},
		{"taobao.csv:8", `timestamp "soon" is not whole Unix seconds`},
		{"taobao.csv:9", "user_id is empty"},
	})
	userIDs := func() (ids []string) {
		for _, u := range r.users {
			ids = append(ids, u.ID)
		}
		return ids
	}()
	if !slices.Equal(userIDs, []string{"7", "8", "9"}) {
		t.Errorf("users %v; want 7, 8, 9 once each", userIDs)
	}
	var itemIDs []string
	for _, it := range r.items {
		itemIDs = append(itemIDs, it.ID)
	}
	if !slices.Equal(itemIDs, []string{"100", "101", "102", "103", "104"}) {
		t.Errorf("items %v; want 100..104 once each", itemIDs)
	}
	if it := r.items[0]; !slices.Equal(it.Category, []string{"taobao-cat-20"}) || it.Attributes["category_id"] != "20" {
		t.Errorf("item 100 = %+v", it)
	}
	if it := r.items[4]; it.Category != nil || it.Attributes != nil {
		t.Errorf("item 104 has no category in the file but got %+v", it)
	}

	type want struct {
		typ     shop.EventType
		user    string
		ts      int64
		session string
	}
	wants := []want{
		{shop.View, "7", 1700000000, "taobao-7-1700000000"},
		{shop.View, "7", 1700000600, "taobao-7-1700000000"},
		{shop.AddToCart, "7", 1700002400, "taobao-7-1700000000"}, // exactly 30 min later: same session
		{shop.Purchase, "7", 1700004201, "taobao-7-1700004201"},  // 30 min 1 s later: a new one
		{shop.Favorite, "8", 1700000000, "taobao-8-1700000000"},
		{shop.View, "8", 1700000100, "taobao-8-1700000000"},
		{shop.View, "8", 1700000100, "taobao-8-1700000000"},
		{shop.View, "9", 1700000000, "taobao-9-1700000000"},
	}
	if len(r.events) != len(wants) {
		t.Fatalf("got %d events; want %d", len(r.events), len(wants))
	}
	for i, w := range wants {
		e := r.events[i]
		if e.Type != w.typ || e.UserID != w.user || !e.Timestamp.Equal(time.Unix(w.ts, 0)) || e.SessionID != w.session {
			t.Errorf("event %d = %s %s %v %s; want %+v", i, e.Type, e.UserID, e.Timestamp, e.SessionID, w)
		}
	}
	if got, want := r.events[0].ID, shop.StableID("taobao", "7,100,20,pv,1700000000"); got != want {
		t.Errorf("event 0 id %s; want StableID of the raw line, %s", got, want)
	}
	if r.events[5].ID != r.events[6].ID {
		t.Errorf("identical lines 10 and 11 got ids %s and %s; want one", r.events[5].ID, r.events[6].ID)
	}
	// A user and an item arrive before the first event naming them.
	wantOrder := []string{"user:7", "item:100", "event:" + r.events[0].ID, "item:101", "event:" + r.events[1].ID}
	if !slices.Equal(r.order[:5], wantOrder) {
		t.Errorf("order starts %v; want %v", r.order[:5], wantOrder)
	}

	again := read(t, "taobao", "testdata/taobao.csv")
	for i := range r.events {
		if r.events[i].ID != again.events[i].ID || r.events[i].SessionID != again.events[i].SessionID {
			t.Errorf("event %d differs across two reads", i)
		}
	}
}

// TestTaobaoUnsortedKeepsIDs checks that event ids do not depend on the
// order of rows, and that sessions still break on large jumps either way.
func TestTaobaoUnsortedKeepsIDs(t *testing.T) {
	rows := []string{"1,10,5,pv,1700010000", "1,11,5,pv,1700000000", "1,12,5,pv,1700000300", "1,13,5,buy,1700010100"}
	write := func(name string, lines []string) string {
		path := filepath.Join(t.TempDir(), name)
		content := ""
		for _, l := range lines {
			content += l + "\r\n" // Windows line ends must not change ids
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	shuffled := read(t, "taobao", write("shuffled.csv", rows))
	sorted := read(t, "taobao", write("sorted.csv", []string{rows[1], rows[2], rows[0], rows[3]}))
	idsOf := func(r *recorder) map[string]bool {
		m := map[string]bool{}
		for _, e := range r.events {
			m[e.ID] = true
		}
		return m
	}
	a, b := idsOf(shuffled), idsOf(sorted)
	for id := range a {
		if !b[id] {
			t.Errorf("id %s depends on row order", id)
		}
	}
	if len(a) != 4 || len(b) != 4 {
		t.Errorf("got %d and %d distinct ids; want 4", len(a), len(b))
	}
	byTime := map[int64]string{}
	for _, row := range rows {
		ts, _ := strconv.ParseInt(row[strings.LastIndexByte(row, ',')+1:], 10, 64)
		byTime[ts] = row
	}
	for _, e := range sorted.events {
		if e.ID != shop.StableID("taobao", byTime[e.Timestamp.Unix()]) {
			t.Errorf("event %v: id not the StableID of its line without the \\r\\n", e)
		}
	}
	var sessions []string
	for _, e := range shuffled.events {
		sessions = append(sessions, e.SessionID)
	}
	want := []string{"taobao-1-1700010000", "taobao-1-1700000000", "taobao-1-1700000000", "taobao-1-1700010100"}
	if !slices.Equal(sessions, want) {
		t.Errorf("sessions %v; want %v", sessions, want)
	}
}

// TestTaobaoDataset reads the real head of UserBehavior.csv.
func TestTaobaoDataset(t *testing.T) {
	path := filepath.Join(testenv.Datasets(t, "taobao-userbehavior-head"), "UserBehavior_head_814users.csv")
	c := readAll(t, "taobao", path)

	if c.events != 84287 || len(c.users) != 814 || len(c.items) != 55233 {
		t.Errorf("%d events, %d users, %d items; want 84,287, 814, 55,233", c.events, len(c.users), len(c.items))
	}
	wantTypes := map[shop.EventType]int{shop.View: 75693, shop.AddToCart: 4494, shop.Favorite: 2351, shop.Purchase: 1749}
	for typ, n := range wantTypes {
		if c.types[typ] != n {
			t.Errorf("%s: %d events; want %d", typ, c.types[typ], n)
		}
	}
	// The head has no line repeated word for word, so no event collapses.
	if len(c.eventIDs) != 84287 {
		t.Errorf("%d distinct event ids; want 84,287 (no duplicate lines in the head)", len(c.eventIDs))
	}
	t.Logf("distinct ids %d, collapsed duplicates %d, sessions %d, categories on %d items", len(c.eventIDs), c.events-len(c.eventIDs), len(c.sessions), c.withCategory)
	if len(c.skips) != 0 || c.orphanItems != 0 || c.orphanUsers != 0 {
		t.Errorf("%d skips %v, %d events before their item, %d before their user; want none", len(c.skips), c.skips, c.orphanItems, c.orphanUsers)
	}
	if c.withCategory != len(c.items) {
		t.Errorf("%d of %d items have a category; want all", c.withCategory, len(c.items))
	}
	// Every user has at least one session, and sessions belong to one user.
	if len(c.sessions) < len(c.users) || len(c.sessions) > c.events {
		t.Errorf("%d sessions for %d users and %d events", len(c.sessions), len(c.users), c.events)
	}
	if e := c.firstEvents[0]; e.UserID != "1" || e.ItemID != "2268318" || e.Type != shop.View || e.Timestamp.Unix() != 1511544070 {
		t.Errorf("first event %+v; want user 1 viewing 2268318 at 1511544070", e)
	}

	// The reader alone, without the checks above, must be fast.
	f, _ := Lookup("taobao")
	start := time.Now()
	if err := f.Read(context.Background(), path, &nullSink{}, nil); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	t.Logf("reader alone: %v", elapsed.Round(time.Millisecond))
	if elapsed > time.Second {
		t.Errorf("reading 84,287 rows took %v; want well under a second", elapsed)
	}
}

func BenchmarkTaobao(b *testing.B) {
	path := filepath.Join(testenv.Datasets(b, "taobao-userbehavior-head"), "UserBehavior_head_814users.csv")
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	f, _ := Lookup("taobao")
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for b.Loop() {
		var n nullSink
		if err := f.Read(context.Background(), path, &n, nil); err != nil {
			b.Fatal(err)
		}
		if n.events != 84287 {
			b.Fatalf("%d events", n.events)
		}
	}
}

// nullSink counts events and drops everything, to time the reader alone.
type nullSink struct{ events int }

func (n *nullSink) Item(context.Context, shop.Item) error { return nil }
func (n *nullSink) User(context.Context, shop.User) error { return nil }
func (n *nullSink) Event(context.Context, shop.Event) error {
	n.events++
	return nil
}
func (n *nullSink) Skip(context.Context, string, string) error { return nil }

// BenchmarkDatasets times every reader of a real dataset with a sink that
// drops everything.
func BenchmarkDatasets(b *testing.B) {
	for _, tt := range []struct{ format, dataset, file string }{
		{"taobao", "taobao-userbehavior-head", "UserBehavior_head_814users.csv"},
		{"movielens", "movielens-100k", ""},
		{"amazon-seqrec", "amazon-seqrec-s3rec", "Beauty.txt"},
		{"olist-products", "olist-partial", "olist_products_dataset.csv"},
	} {
		b.Run(tt.format, func(b *testing.B) {
			path := filepath.Join(testenv.Datasets(b, tt.dataset), tt.file)
			f, _ := Lookup(tt.format)
			b.ReportAllocs()
			for b.Loop() {
				if err := f.Read(context.Background(), path, &nullSink{}, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
