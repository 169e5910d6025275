package sqlite_test

import (
	"bytes"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
	"github.com/shopmind/shopmind/store/sqlite"
)

// UpdatedAt comes from Options.Now, in UTC, to the microsecond, and objects
// survive reopening the file.
func TestObjectsUseTheStoreClock(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "shopmind.db")
	clock := time.Date(2026, 5, 1, 20, 0, 0, 123456789, time.FixedZone("CST", 8*3600))
	opts := store.Options{Now: func() time.Time { return clock }}
	check := func(what string, o store.Object, version int64, data string) {
		t.Helper()
		want := clock.Truncate(time.Microsecond)
		if !o.UpdatedAt.Equal(want) || o.UpdatedAt.Location() != time.UTC {
			t.Errorf("%s: UpdatedAt = %s, want %s in UTC", what, o.UpdatedAt, want.UTC())
		}
		if o.Version != version || !bytes.Equal(o.Data, []byte(data)) {
			t.Errorf("%s: version %d data %q, want version %d data %q", what, o.Version, o.Data, version, data)
		}
	}

	s, err := sqlite.OpenPath(ctx, path, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutObject(ctx, "segment", "vip", []byte("v1")); err != nil {
		t.Fatal(err)
	}
	o, err := s.GetObject(ctx, "segment", "vip")
	if err != nil {
		t.Fatal(err)
	}
	check("GetObject", o, 1, "v1")
	clock = clock.Add(time.Hour + time.Nanosecond)
	if v, err := s.PutObject(ctx, "segment", "vip", []byte("v2")); err != nil || v != 2 {
		t.Fatalf("second PutObject = %d, %v; want version 2", v, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openAt(t, path, opts)
	objs, next, err := s.ListObjects(ctx, "segment", "", 10)
	if err != nil || len(objs) != 1 || next != "" {
		t.Fatalf("ListObjects after reopen = %d objects, next %q, %v; want 1", len(objs), next, err)
	}
	check("ListObjects after reopen", objs[0], 2, "v2")
	if v, err := s.PutObject(ctx, "segment", "vip", []byte("v3")); err != nil || v != 3 {
		t.Errorf("PutObject after reopen = %d, %v; want version 3", v, err)
	}
}

// A file written before objects existed (schema version 1) is brought up to
// date on open and keeps its data, which DeleteUser can then remove.
func TestUpgradeFromVersion1(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "shopmind.db")
	v1, err := os.ReadFile(filepath.Join("migrations", "0001_init.sql"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`,
		string(v1),
		`INSERT INTO schema_migrations (version, name, applied_at) VALUES (1, '0001_init', 1)`,
		`INSERT INTO items (id, title, updated_at) VALUES ('kept', 'Tea', 0)`,
		`INSERT INTO users (id, created_at, updated_at) VALUES ('old', 0, 0)`,
		`INSERT INTO users (id, consent, created_at, updated_at) VALUES ('agreed', '{"personalization":false,"ads":true}', 0, 0)`,
		`INSERT INTO events (id, type, uid, ts, received_at) VALUES ('e-old', 'view', (SELECT uid FROM users WHERE id = 'old'), 0, 0)`,
		`UPDATE counters SET value = 1 WHERE name = 'events'`,
	} {
		if _, err := db.Exec(q); err != nil {
			db.Close()
			t.Fatalf("building a version 1 database: %v", err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s := openAt(t, path, store.Options{})
	if it, err := s.GetItem(ctx, "kept"); err != nil || it.Title != "Tea" {
		t.Errorf("GetItem after the upgrade = %+v, %v", it, err)
	}
	if v, err := s.PutObject(ctx, "segment", "vip", []byte("{}")); err != nil || v != 1 {
		t.Errorf("PutObject after the upgrade = %d, %v; want version 1", v, err)
	}
	var names []string
	for _, r := range migrationRows(t, path) {
		names = append(names, r.name)
	}
	if want := []string{"0001_init", "0002_objects", "0003_deletions", "0004_counters", "0005_consent", "0006_item_changes"}; !slices.Equal(names, want) {
		t.Errorf("schema_migrations after the upgrade = %v, want %v", names, want)
	}
	// Items stored before the item feed existed are its start.
	if feed, err := s.ItemsSince(ctx, 0, 10); err != nil || len(feed) != 1 || feed[0].ID != "kept" ||
		feed[0].Deleted || feed[0].Item == nil || feed[0].Item.Title != "Tea" {
		t.Errorf("ItemsSince after the upgrade = %+v, %v; want the put of kept", feed, err)
	}
	// The consent of users stored before the history existed is its start.
	if h, err := s.ConsentHistory(ctx, "agreed"); err != nil || len(h) != 2 ||
		h[0].Purpose != shop.Ads || h[0].State != store.ConsentGranted || h[1].State != store.ConsentRefused {
		t.Errorf("ConsentHistory after the upgrade = %+v, %v; want ads granted, personalization refused", h, err)
	}
	if _, err := s.DeleteUser(ctx, "agreed"); err != nil {
		t.Fatal(err)
	}
	if d, err := s.DeleteUser(ctx, "old"); err != nil || d.Events != 1 || d.EventSeq != 1 {
		t.Errorf("DeleteUser of a user stored before the upgrade = %+v, %v; want 1 event, EventSeq 1", d, err)
	}
	if st, err := s.Stats(ctx); err != nil || st.Users != 0 || st.Events != 0 {
		t.Errorf("Stats after the deletion = %+v, %v; want no users or events", st, err)
	}
}
