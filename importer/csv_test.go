package importer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/shop"
)

func TestCSVFixture(t *testing.T) {
	r := read(t, "csv", "testdata/events.csv")

	wantSkips(t, r.skips, []skipped{
		{"events.csv:4", `column timestamp: "yesterday" is neither an RFC 3339 time`},
		{"events.csv:5", "has 4 cells; the header has 10"},
		{"events.csv:6", `column revenue: "twelve" is not a number`},
		{"events.csv:8", `bad CSV at line 8 column 12: bare " in non-quoted-field`},
	})
	if len(r.events) != 4 {
		t.Fatalf("got %d events; want 4: %+v", len(r.events), r.events)
	}
	e := r.events
	if e[0].Type != shop.View || e[0].Context.Channel != "web" || !e[0].Timestamp.Equal(time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("event 0 = %+v", e[0])
	}
	p := e[1]
	if p.Type != shop.Purchase || p.Revenue != 12.5 || p.Currency != "EUR" || p.Quantity != 2 ||
		p.Context.Channel != "app" || p.Context.CampaignID != "spring" || p.Text != `said "great", twice` ||
		!p.Timestamp.Equal(time.Unix(1793527200, 0)) {
		t.Errorf("event 1 = %+v", p)
	}
	// Row 7 repeats row 3 cell for cell: a genuine duplicate, same id.
	if e[2].ID != p.ID || !strings.HasPrefix(p.ID, "csv-") || e[0].ID == p.ID {
		t.Errorf("ids %q, %q, %q; want rows 3 and 7 alike and row 2 different", e[0].ID, p.ID, e[2].ID)
	}
	// The quoted cell spans two lines; the row after the broken one is read.
	if e[3].Type != shop.Review || e[3].Text != "two\nlines" || e[3].Timestamp.Nanosecond() != 250_000_000 {
		t.Errorf("event 3 = %+v", e[3])
	}

	again := read(t, "csv", "testdata/events.csv")
	for i := range r.events {
		if r.events[i].ID != again.events[i].ID {
			t.Errorf("event %d: id %q then %q across two reads", i, r.events[i].ID, again.events[i].ID)
		}
	}
}

func TestCSVHeader(t *testing.T) {
	tests := []struct {
		name, content string
		err           []string // parts of the error; none means success
	}{
		{"unknown columns", "type,user_id,colour,Size\nview,u,red,L\n", []string{`"colour", "size"`, "rename or remove", "campaign_id"}},
		{"missing type", "user_id,item_id\nu,i\n", []string{"no type column"}},
		{"missing user", "type,item_id\nview,i\n", []string{"no user_id column"}},
		{"duplicate", "type,user_id,type\nview,u,view\n", []string{`"type" appear more than once`}},
		{"empty file", "", []string{"is empty", "type,user_id"}},
		{"byte order mark and case", "\ufeffType, USER_ID ,item_id\nview,u,i\n", nil},
		{"all columns", strings.Join(csvColumns, ",") + "\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.csv")
			if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			f, _ := Lookup("csv")
			var r recorder
			err := f.Read(context.Background(), path, &r, nil)
			if tt.err == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error; events %+v", r.events)
			}
			for _, w := range tt.err {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if len(r.order) != 0 {
				t.Errorf("sink got %v despite a bad header", r.order)
			}
		})
	}
}

// TestCSVStableIDIgnoresColumnOrder checks that ids hash the cells in the
// canonical column order, so a re-export with other column order is absorbed.
func TestCSVStableIDIgnoresColumnOrder(t *testing.T) {
	files := map[string]string{
		"a.csv": "type,user_id,item_id,timestamp\nview,u,i,1700000000\n",
		"b.csv": "timestamp,item_id,user_id,type,channel\n1700000000,i,u,view,\n",
		"c.csv": "type,user_id,item_id,timestamp\nview,u,i,1700000001\n",
	}
	ids := map[string]string{}
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		r := read(t, "csv", path)
		if len(r.events) != 1 {
			t.Fatalf("%s: %+v", name, r.skips)
		}
		ids[name] = r.events[0].ID
	}
	if ids["a.csv"] != ids["b.csv"] || ids["a.csv"] == ids["c.csv"] {
		t.Errorf("ids %v; want a and b alike, c different", ids)
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2026-11-01T10:00:00Z", time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC), true},
		{"2026-11-01T18:00:00+08:00", time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC), true},
		{"2026-11-01T10:00:00.5Z", time.Date(2026, 11, 1, 10, 0, 0, 5e8, time.UTC), true},
		{"1793527200", time.Unix(1793527200, 0), true},
		{" 1793527200 ", time.Unix(1793527200, 0), true},
		{"1793527200.125", time.Unix(1793527200, 125e6), true},
		{"-1.5", time.Unix(-1, -5e8), true},
		{"2026-11-01", time.Time{}, false},
		{"2026-11-01 10:00:00", time.Time{}, false},
		{"1e9", time.Time{}, false},
		{"12.", time.Time{}, true}, // "12." is 12 seconds
		{".5", time.Time{}, false},
		{"1.1234567891", time.Time{}, false},
	}
	for _, tt := range tests {
		got, err := parseTime(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("parseTime(%q) error %v; want ok=%v", tt.in, err, tt.ok)
			continue
		}
		if tt.ok && !tt.want.IsZero() && !got.Equal(tt.want) {
			t.Errorf("parseTime(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}
