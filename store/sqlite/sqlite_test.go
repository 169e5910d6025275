package sqlite_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
	"github.com/shopmind/shopmind/store/sqlite"
	"github.com/shopmind/shopmind/store/storetest"
)

func openAt(tb testing.TB, path string, opts store.Options) *sqlite.Store {
	tb.Helper()
	s, err := sqlite.OpenPath(tb.Context(), path, opts)
	if err != nil {
		tb.Fatalf("OpenPath(%s): %v", path, err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

func openTemp(tb testing.TB) store.Store {
	tb.Helper()
	return openAt(tb, filepath.Join(tb.TempDir(), "shopmind.db"), store.Options{})
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
}

func BenchmarkAppendEvents(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) store.Store { return openTemp(b) })
}

// rawDB opens the database file directly, to look at what the store wrote.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

type migrationRow struct {
	version   int
	name      string
	appliedAt int64
}

func migrationRows(t *testing.T, path string) []migrationRow {
	t.Helper()
	rows, err := rawDB(t, path).Query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
	if err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	defer rows.Close()
	var out []migrationRow
	for rows.Next() {
		var r migrationRow
		if err := rows.Scan(&r.version, &r.name, &r.appliedAt); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func TestMigrationsIdempotentOnReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shopmind.db")
	s, err := sqlite.OpenPath(t.Context(), path, store.Options{})
	if err != nil {
		t.Fatalf("first open: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	first := migrationRows(t, path)
	if len(first) == 0 || first[0].version != 1 || first[0].name != "0001_init" || first[0].appliedAt == 0 {
		t.Fatalf("schema_migrations after first open = %+v, want version 1 (0001_init) with its time", first)
	}
	for i := range 2 {
		s, err := sqlite.OpenPath(t.Context(), path, store.Options{})
		if err != nil {
			t.Fatalf("reopen %d: %v", i+1, err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
	if again := migrationRows(t, path); !slices.Equal(again, first) {
		t.Errorf("schema_migrations changed on reopen:\n before %+v\n after  %+v", first, again)
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shopmind.db")
	s, err := sqlite.OpenPath(t.Context(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, '0999_future', 0)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = sqlite.OpenPath(t.Context(), path, store.Options{})
	if err == nil || !strings.Contains(err.Error(), "999") || !strings.Contains(err.Error(), "newer shopmind") {
		t.Errorf("opening a database from a newer version: error = %v, want one naming version 999 and asking for a newer shopmind", err)
	}
}

func TestDataSurvivesReopen(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "sub", "dir", "shopmind.db") // parents are created
	clock := time.Date(2026, 5, 1, 12, 0, 0, 123456000, time.UTC)
	opts := store.Options{Now: func() time.Time { return clock }}

	s, err := sqlite.OpenPath(ctx, path, opts)
	if err != nil {
		t.Fatalf("OpenPath: %v", err)
	}
	stock := int64(3)
	item := shop.Item{ID: "sku-1", Title: "Tea", Category: []string{"Food", "Tea"}, Stock: &stock, Price: 9.5, Currency: "CNY"}
	user := shop.User{ID: "u-1", Attributes: map[string]any{"tier": "gold"}, Consent: map[shop.Purpose]bool{shop.Ads: true}}
	ev := shop.Event{ID: "e-1", Type: shop.Purchase, UserID: "u-2", ItemID: "sku-1", Quantity: 1, Revenue: 9.5, Currency: "CNY",
		Timestamp: time.Date(2026, 4, 30, 8, 0, 0, 42000, time.UTC), Context: shop.Context{Channel: "app"}}
	if err := s.PutItems(ctx, []shop.Item{item}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutUsers(ctx, []shop.User{user}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendEvents(ctx, []shop.Event{ev}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s = openAt(t, path, opts)
	got, err := s.GetItem(ctx, "sku-1")
	if err != nil || got.Title != "Tea" || got.Stock == nil || *got.Stock != 3 || !got.UpdatedAt.Equal(clock) {
		t.Errorf("GetItem after reopen = %+v, %v", got, err)
	}
	if cat, _, err := s.ListItems(ctx, store.ItemQuery{Category: "Tea"}); err != nil || len(cat) != 1 {
		t.Errorf("ListItems(Tea) after reopen = %d items, %v; want 1", len(cat), err)
	}
	u, err := s.GetUser(ctx, "u-1")
	if err != nil || u.Attributes["tier"] != "gold" || !u.Consent[shop.Ads] || !u.CreatedAt.Equal(clock) {
		t.Errorf("GetUser after reopen = %+v, %v", u, err)
	}
	if _, err := s.GetUser(ctx, "u-2"); err != nil {
		t.Errorf("GetUser(u-2), created by an event, after reopen: %v", err)
	}
	evs, err := s.EventsSince(ctx, 0, 10)
	if err != nil || len(evs) != 1 || evs[0].ID != "e-1" || !evs[0].Timestamp.Equal(ev.Timestamp) || !evs[0].ReceivedAt.Equal(clock) {
		t.Fatalf("EventsSince after reopen = %+v, %v", evs, err)
	}
	// Duplicates are recognised across reopen, and Seq keeps growing.
	res, err := s.AppendEvents(ctx, []shop.Event{ev, {ID: "e-2", Type: shop.View, UserID: "u-2", ItemID: "sku-1", Timestamp: ev.Timestamp}})
	if err != nil || !slices.Equal(res, []bool{false, true}) {
		t.Errorf("AppendEvents after reopen = %v, %v; want [false true]", res, err)
	}
	more, err := s.EventsSince(ctx, evs[0].Seq, 10)
	if err != nil || len(more) != 1 || more[0].ID != "e-2" {
		t.Errorf("EventsSince(%d) after reopen = %+v, %v; want e-2", evs[0].Seq, more, err)
	}
	st, err := s.Stats(ctx)
	if want := (store.Stats{Items: 1, Users: 2, Events: 2, LastSeq: more[0].Seq}); err != nil || st != want {
		t.Errorf("Stats after reopen = %+v, %v; want %+v", st, err, want)
	}
}

func TestBadPathSaysWhatToDo(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "plain-file")
	if err := os.WriteFile(file, []byte("not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
	notDB := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notDB, []byte(strings.Repeat("this is not a database\n", 200)), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, path string
		want       []string // all must appear in the error
	}{
		{"parent is a file", filepath.Join(file, "sub", "shopmind.db"), []string{file, "choose a path in a directory"}},
		{"path is a directory", dir, []string{"is a directory", filepath.Join(dir, "shopmind.db")}},
		{"file is not a database", notDB, []string{notDB, "shopmind SQLite database"}},
		{"empty", "", []string{"no database path", "shopmind.db"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := sqlite.OpenPath(t.Context(), c.path, store.Options{})
			if err == nil {
				s.Close()
				t.Fatalf("OpenPath(%q) succeeded, want an error", c.path)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("OpenPath(%q) error %q does not mention %q", c.path, err, w)
				}
			}
		})
	}
}

func TestOpenByURL(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()

	abs := filepath.Join(dir, "abs dir", "shop?#.db") // characters URLs and SQLite URIs treat specially
	s, err := store.Open(ctx, "sqlite://"+(&urlPath{abs}).escaped(), store.Options{})
	if err != nil {
		t.Fatalf("store.Open(absolute): %v", err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
	s.Close()
	if _, err := os.Stat(abs); err != nil {
		t.Errorf("database file not at %s: %v", abs, err)
	}

	t.Chdir(dir)
	s, err = store.Open(ctx, "sqlite:data/rel.db", store.Options{})
	if err != nil {
		t.Fatalf("store.Open(relative): %v", err)
	}
	s.Close()
	if _, err := os.Stat(filepath.Join(dir, "data", "rel.db")); err != nil {
		t.Errorf("relative database file not created: %v", err)
	}

	for _, bad := range []string{"sqlite://somehost/var/shop.db", "sqlite:///var/lib/", "sqlite:///tmp/x.db?cache=shared", "sqlite:"} {
		if s, err := store.Open(ctx, bad, store.Options{}); err == nil {
			s.Close()
			t.Errorf("store.Open(%q) succeeded, want an error", bad)
		} else if !strings.Contains(err.Error(), "sqlite:///") {
			t.Errorf("store.Open(%q) error %q does not show the accepted forms", bad, err)
		}
	}
}

// urlPath escapes a file path for the path part of a URL.
type urlPath struct{ p string }

func (u *urlPath) escaped() string {
	r := strings.NewReplacer("%", "%25", " ", "%20", "?", "%3F", "#", "%23")
	return r.Replace(filepath.ToSlash(u.p))
}

func TestWALAndDurability(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shopmind.db")
	openAt(t, path, store.Options{})
	var mode string
	if err := rawDB(t, path).QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
}
