package importer

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/shop"
)

func TestJSONLFixture(t *testing.T) {
	r := read(t, "jsonl", "testdata/events.jsonl")

	wantSkips(t, r.skips, []skipped{
		{"events.jsonl:7", `unknown field "colour" in event`},
		{"events.jsonl:8", "invalid JSON event"},
		{"events.jsonl:9", "not a JSON object"},
		{"events.jsonl:10", `exactly one non-null "item", "user" or "event"`},
		{"events.jsonl:11", "unexpected data after the JSON object"},
		{"events.jsonl:12", `unknown field "colour" in item: it has id, title`},
		{"events.jsonl:13", "not a JSON object"},
		{"events.jsonl:14", "invalid JSON event"},
	})

	if len(r.items) != 1 || r.items[0].ID != "sku-1" || r.items[0].Price != 4.5 || !slices.Equal(r.items[0].Category, []string{"Food", "Tea"}) {
		t.Errorf("items = %+v; want sku-1 with its price and category", r.items)
	}
	if len(r.users) != 1 || r.users[0].ID != "u1" || r.users[0].Attributes["tier"] != "gold" || !r.users[0].Consent[shop.Ads] {
		t.Errorf("users = %+v; want u1 with attributes and consent", r.users)
	}
	if len(r.events) != 5 {
		t.Fatalf("got %d events; want 5: %+v", len(r.events), r.events)
	}
	e := r.events
	if e[0].ID != "e1" || e[0].Context.Channel != "web" {
		t.Errorf("event 0 = %+v; want the given id e1 and its context", e[0])
	}
	// Lines 5 and 6 are one purchase, written differently (wrapped, other
	// key order and spacing, another time zone): they share one stable id.
	if e[1].ID != e[2].ID || !strings.HasPrefix(e[1].ID, "jsonl-") {
		t.Errorf("ids %q and %q; want one derived jsonl- id for the same event", e[1].ID, e[2].ID)
	}
	if e[1].Type != shop.Purchase || e[1].Quantity != 2 || !e[1].Timestamp.Equal(time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("event 1 = %+v", e[1])
	}
	if e[3].Type != shop.Search || e[3].Query != "green tea" || e[3].ID == e[1].ID {
		t.Errorf("event 3 = %+v", e[3])
	}
	if e[4].UserID != "u3" { // the last line ends in \r\n
		t.Errorf("event 4 = %+v; want the CRLF line parsed", e[4])
	}
	// Order: everything arrives in file order.
	wantOrder := []string{"event:e1", "item:sku-1", "user:u1", "event:" + e[1].ID, "event:" + e[2].ID}
	if !slices.Equal(r.order[:5], wantOrder) {
		t.Errorf("order = %v; want %v first", r.order[:5], wantOrder)
	}

	again := read(t, "jsonl", "testdata/events.jsonl")
	for i := range r.events {
		if r.events[i].ID != again.events[i].ID {
			t.Errorf("event %d: id %q then %q across two reads", i, r.events[i].ID, again.events[i].ID)
		}
	}
}

// TestJSONLLines covers single lines: what becomes of each.
func TestJSONLLines(t *testing.T) {
	tests := []struct {
		name, line string
		kind       string // "event", "item", "user" or "skip"
		reason     string // for skips, a part of the reason
	}{
		{"bare event", `{"type":"view","user_id":"u","item_id":"i","timestamp":"2026-01-01T00:00:00Z"}`, "event", ""},
		{"wrapped event", `{"event":{"type":"view","user_id":"u"}}`, "event", ""},
		{"item", `{"item":{"id":"i","tags":["a"],"stock":3}}`, "item", ""},
		{"user", `{"user":{"id":"u"}}`, "user", ""},
		{"unknown event field", `{"type":"view","usr_id":"u"}`, "skip", `unknown field "usr_id"`},
		{"unknown nested field", `{"type":"view","context":{"chanel":"web"}}`, "skip", `unknown field "chanel"`},
		{"unknown item field", `{"item":{"id":"i","colour":"red"}}`, "skip", `unknown field "colour"`},
		{"capitalised wrapper", `{"Item":{"id":"i"}}`, "skip", `unknown field "Item" in event`},
		{"unknown user field", `{"user":{"id":"u","name":"Ann"}}`, "skip", `unknown field "name" in user: it has id, attributes and consent`},
		{"unknown key beside wrapper", `{"item":{"id":"i"},"note":"x"}`, "skip", `unknown field "note" in line: it has one key`},
		{"wrapped event unknown field", `{"event":{"type":"view","colour":"red"}}`, "skip", `unknown field "colour" in event`},
		{"bad consent", `{"user":{"id":"u","consent":{"ads":"yes"}}}`, "skip", "invalid JSON user"},
		{"null wrapper", `{"item":null}`, "skip", "found 0"},
		{"two wrappers", `{"item":{"id":"i"},"event":{"type":"view"}}`, "skip", "found 2"},
		{"wrong type", `{"type":"view","quantity":"two"}`, "skip", "quantity"},
		{"bad time", `{"type":"view","timestamp":"yesterday"}`, "skip", "yesterday"},
		{"array", `[{"type":"view"}]`, "skip", "not a JSON object"},
		{"string", `"view"`, "skip", "not a JSON object"},
		{"two objects", `{"type":"view"}{"type":"view"}`, "skip", "after the JSON object"},
		{"truncated", `{"type":"view","user_id":"u`, "skip", "invalid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.jsonl")
			if err := os.WriteFile(path, []byte(tt.line+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			r := read(t, "jsonl", path)
			if len(r.order) != 1 || !strings.HasPrefix(r.order[0], tt.kind+":") {
				t.Fatalf("got %v (skips %v); want one %s", r.order, r.skips, tt.kind)
			}
			if tt.kind == "skip" {
				wantSkips(t, r.skips, []skipped{{"x.jsonl:1", tt.reason}})
			}
			if tt.kind == "event" && r.events[0].ID == "" {
				t.Errorf("event without id got none")
			}
		})
	}
}

// TestJSONLStableID checks which differences change a derived id.
func TestJSONLStableID(t *testing.T) {
	id := func(line string) string {
		path := filepath.Join(t.TempDir(), "x.jsonl")
		if err := os.WriteFile(path, []byte(line), 0o644); err != nil {
			t.Fatal(err)
		}
		r := read(t, "jsonl", path)
		if len(r.events) != 1 {
			t.Fatalf("%s: %v", line, r.skips)
		}
		return r.events[0].ID
	}
	base := id(`{"type":"view","user_id":"u","item_id":"i","timestamp":"2026-01-01T08:00:00Z"}`)
	same := []string{
		`{"item_id":"i","user_id":"u","type":"view","timestamp":"2026-01-01T08:00:00Z"}`,
		`{"type":"view","user_id":"u","item_id":"i","timestamp":"2026-01-01T16:00:00+08:00"}`,
		`{"id":"","type":"view","user_id":"u","item_id":"i","timestamp":"2026-01-01T08:00:00Z","seq":7}`,
		`{"event":{"type":"view","user_id":"u","item_id":"i","timestamp":"2026-01-01T08:00:00Z"}}`,
	}
	for _, line := range same {
		if got := id(line); got != base {
			t.Errorf("%s: id %s; want %s as for the same event", line, got, base)
		}
	}
	differ := []string{
		`{"type":"view","user_id":"u","item_id":"i","timestamp":"2026-01-01T08:00:01Z"}`,
		`{"type":"click","user_id":"u","item_id":"i","timestamp":"2026-01-01T08:00:00Z"}`,
		`{"type":"view","user_id":"u","item_id":"i","timestamp":"2026-01-01T08:00:00Z","session_id":"s"}`,
	}
	for _, line := range differ {
		if got := id(line); got == base {
			t.Errorf("%s: id %s equals that of another event", line, got)
		}
	}
	if got := id(`{"id":"mine","type":"view"}`); got != "mine" {
		t.Errorf("given id replaced by %q", got)
	}
}
