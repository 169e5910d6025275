package postgres

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// UpdatedAt comes from Options.Now, in UTC, to the microsecond.
func TestObjectsUseTheStoreClock(t *testing.T) {
	ctx := t.Context()
	clock := time.Date(2026, 5, 1, 20, 0, 0, 123456789, time.FixedZone("CST", 8*3600))
	s, err := store.Open(ctx, freshSchema(t), store.Options{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
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
	objs, _, err := s.ListObjects(ctx, "segment", "", 10)
	if err != nil || len(objs) != 1 {
		t.Fatalf("ListObjects = %d objects, %v; want 1", len(objs), err)
	}
	check("ListObjects", objs[0], 2, "v2")
}

// A schema made before objects existed (version 1) is brought up to date on
// open and keeps its data, which DeleteUser can then remove.
func TestUpgradeFromVersion1(t *testing.T) {
	ctx := t.Context()
	rawURL := freshSchema(t)
	v1, err := os.ReadFile(filepath.Join("migrations", "0001_init.sql"))
	if err != nil {
		t.Fatal(err)
	}
	admin(t, rawURL, `CREATE TABLE schema_migrations (
		version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`)
	admin(t, rawURL, string(v1))
	admin(t, rawURL, `INSERT INTO schema_migrations (version, name) VALUES (1, '0001_init')`)
	admin(t, rawURL, `INSERT INTO items (id, title, updated_at) VALUES ('kept', 'Tea', now())`)
	admin(t, rawURL, `INSERT INTO users (id, created_at, updated_at) VALUES ('old', now(), now())`)
	admin(t, rawURL, `INSERT INTO users (id, consent, created_at, updated_at) VALUES ('agreed', '{"personalization":false,"ads":true}', now(), now())`)
	admin(t, rawURL, `INSERT INTO events (id, type, user_id, ts, received_at) VALUES ('e-old', 'view', 'old', now(), now())`)
	admin(t, rawURL, `UPDATE event_totals SET events = 1`)

	s := openURL(t, rawURL)
	if it, err := s.GetItem(ctx, "kept"); err != nil || it.Title != "Tea" {
		t.Errorf("GetItem after the upgrade = %+v, %v", it, err)
	}
	if v, err := s.PutObject(ctx, "segment", "vip", []byte("{}")); err != nil || v != 1 {
		t.Errorf("PutObject after the upgrade = %d, %v; want version 1", v, err)
	}
	conn, err := pgx.Connect(ctx, rawURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, _ := conn.Query(ctx, `SELECT name FROM schema_migrations ORDER BY version`)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
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

// Object calls on connections the server dropped fail at most once, as
// unavailable, and then work again; on a closed store they fail without
// claiming the server is down.
func TestObjectsWhenConnectionsDrop(t *testing.T) {
	rawURL := freshSchema(t)
	u, _ := url.Parse(rawURL)
	q := u.Query()
	app := "shopmind_test_obj_" + q.Get("search_path")
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	s := openURL(t, u.String())
	ctx := t.Context()
	if _, err := s.PutObject(ctx, "segment", "vip", []byte("v1")); err != nil {
		t.Fatal(err)
	}
	calls := []struct {
		name string
		call func() error
	}{
		{"PutObject", func() error { _, err := s.PutObject(ctx, "segment", "vip", []byte("v")); return err }},
		{"GetObject", func() error { _, err := s.GetObject(ctx, "segment", "vip"); return err }},
		{"ListObjects", func() error { _, _, err := s.ListObjects(ctx, "segment", "", 0); return err }},
	}
	for _, c := range calls {
		admin(t, rawURL, fmt.Sprintf(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '%s'`, app))
		if err := c.call(); err != nil && !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s after the server dropped the connection: error = %v, want nil or ErrUnavailable", c.name, err)
		}
		if err := c.call(); err != nil {
			t.Errorf("%s again after the server dropped the connection: %v", c.name, err)
		}
	}

	s.Close()
	_, err := s.PutObject(ctx, "segment", "vip", []byte("late"))
	if err == nil || errors.Is(err, store.ErrUnavailable) {
		t.Errorf("PutObject on a closed store: error = %v, want errClosed", err)
	}
}

// A lock whose connection dies is reported lost, and another process can
// take it.
func TestLockLostWithItsConnection(t *testing.T) {
	ctx := t.Context()
	rawURL := freshSchema(t)
	s := openURL(t, rawURL)
	l, held, err := s.TryLock(ctx, "trainer")
	if err != nil || !held {
		t.Fatalf("TryLock = %v, %v", held, err)
	}
	defer l.Release()
	pid := l.(*pgLock).conn.Conn().PgConn().PID()
	admin(t, rawURL, fmt.Sprintf(`SELECT pg_terminate_backend(%d)`, pid))
	select {
	case <-l.Lost():
	case <-time.After(3 * lockPing):
		t.Fatal("the lock was not reported lost after its connection died")
	}
	l2, held, err := s.TryLock(ctx, "trainer")
	if err != nil || !held {
		t.Fatalf("TryLock after the holder's connection died = %v, %v; want held", held, err)
	}
	l2.Release()
}
