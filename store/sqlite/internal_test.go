package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

func TestConnectionSettings(t *testing.T) {
	s, err := OpenPath(t.Context(), filepath.Join(t.TempDir(), "x.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	check := func(db *sql.DB, pragma, want string) {
		t.Helper()
		var got string
		if err := db.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil || got != want {
			t.Errorf("PRAGMA %s = %q, %v; want %q", pragma, got, err, want)
		}
	}
	w, r := s.writer, s.reader
	check(w, "journal_mode", "wal")
	check(w, "synchronous", "2") // FULL
	check(w, "page_size", fmt.Sprint(pageSize))
	check(w, "foreign_keys", "1")
	check(w, "busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	check(r, "synchronous", "2")
	check(r, "query_only", "1")
	if _, err := s.reader.Exec("DELETE FROM items"); err == nil {
		t.Error("a reader connection could write")
	}
	if got := s.writer.Stats().MaxOpenConnections; got != 1 {
		t.Errorf("writer pool allows %d connections, want 1", got)
	}
}

func TestWrapMarksBusyAsUnavailable(t *testing.T) {
	cases := []struct {
		code        int
		unavailable bool
		hint        string
	}{
		{sqlite3.SQLITE_BUSY, true, "retry later"},
		{sqlite3.SQLITE_BUSY | 2<<8, true, "retry later"}, // an extended busy code
		{sqlite3.SQLITE_LOCKED, true, "retry later"},
		{sqlite3.SQLITE_FULL, false, "free disk space"},
		{sqlite3.SQLITE_READONLY, false, "writable"},
		{sqlite3.SQLITE_CONSTRAINT, false, ""},
	}
	for _, c := range cases {
		err := wrap("append events", codedErr(c.code))
		if got := errors.Is(err, store.ErrUnavailable); got != c.unavailable {
			t.Errorf("wrap(code %d): errors.Is(ErrUnavailable) = %v, want %v (%v)", c.code, got, c.unavailable, err)
		}
		if !strings.Contains(err.Error(), "append events") || !strings.Contains(err.Error(), c.hint) {
			t.Errorf("wrap(code %d) = %q, want the operation and %q", c.code, err, c.hint)
		}
		var ce codedErr
		if !errors.As(err, &ce) {
			t.Errorf("wrap(code %d) lost the driver error", c.code)
		}
	}
}

type codedErr int

func (e codedErr) Error() string { return fmt.Sprintf("sqlite error %d", int(e)) }
func (e codedErr) Code() int     { return int(e) }

func TestCursors(t *testing.T) {
	for _, id := range []string{"a", "商品/1:2", strings.Repeat("x", 256)} {
		got, err := parseItemCursor(itemCursor(id))
		if err != nil || got != id {
			t.Errorf("item cursor round trip of %q = %q, %v", id, got, err)
		}
	}
	ts, seq, err := parseEventCursor(eventCursor(-5, 1<<62))
	if err != nil || ts != -5 || seq != 1<<62 {
		t.Errorf("event cursor round trip = %d, %d, %v", ts, seq, err)
	}
	bad := []string{"", "%%%", encodeCursor("i1:", ""), eventCursor(1, 2), encodeCursor("e1:", "1"), encodeCursor("e1:", "x:1")}
	for _, c := range bad[:4] {
		if _, err := parseItemCursor(c); !errors.Is(err, store.ErrInvalidCursor) {
			t.Errorf("parseItemCursor(%q) error = %v, want ErrInvalidCursor", c, err)
		}
	}
	for _, c := range append(bad[:3], itemCursor("a"), bad[4], bad[5]) {
		if _, _, err := parseEventCursor(c); !errors.Is(err, store.ErrInvalidCursor) {
			t.Errorf("parseEventCursor(%q) error = %v, want ErrInvalidCursor", c, err)
		}
	}

	for _, key := range [][2]string{{"segment", "a"}, {"商品", "商品/1:2"}, {strings.Repeat("k", 256), strings.Repeat("x", 256)}} {
		got, err := parseObjectCursor(key[0], objectCursor(key[0], key[1]))
		if err != nil || got != key[1] {
			t.Errorf("object cursor round trip of %q = %q, %v", key, got, err)
		}
	}
	for _, c := range []string{"", "%%%", objectCursor("segments", "a"), objectCursor("segmen", "a"), objectCursor("segment", ""),
		encodeCursor(objectCursorTag, "segment"), itemCursor("segment\x00a"), eventCursor(1, 2)} {
		if _, err := parseObjectCursor("segment", c); !errors.Is(err, store.ErrInvalidCursor) {
			t.Errorf("parseObjectCursor(segment, %q) error = %v, want ErrInvalidCursor", c, err)
		}
	}
	if _, err := parseItemCursor(objectCursor("segment", "a")); !errors.Is(err, store.ErrInvalidCursor) {
		t.Errorf("parseItemCursor of an object cursor: error = %v, want ErrInvalidCursor", err)
	}
}

// A batch whose users were resolved from the cache before DeleteUser
// removed one of them must not store events under the deleted uid; and
// uids read by an append that committed before a deletion must not be
// remembered after it.
func TestDeleteUserInvalidatesKnownUsers(t *testing.T) {
	s, err := OpenPath(t.Context(), filepath.Join(t.TempDir(), "x.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	ev := func(id, user string) shop.Event {
		return shop.Event{ID: id, Type: shop.View, UserID: user, ItemID: "sku", Timestamp: time.Now()}
	}
	if _, err := s.AppendEvents(ctx, []shop.Event{ev("e1", "w"), ev("e2", "u")}); err != nil {
		t.Fatal(err)
	}
	// Resolved while u is cached, stored after u is deleted.
	evs := []shop.Event{ev("e3", "u")}
	b := s.newBatch(evs)
	if len(b.missing) != 0 {
		t.Fatalf("u is not in the cache after an append: missing %v", b.missing)
	}
	if _, err := s.DeleteUser(ctx, "u"); err != nil {
		t.Fatal(err)
	}
	// u had the largest uid, so SQLite hands it to the next new user: a
	// stale uid would file e3 under v.
	if _, err := s.AppendEvents(ctx, []shop.Event{ev("e4", "v")}); err != nil {
		t.Fatal(err)
	}
	if err := s.appendBatch(ctx, b, make([]bool, len(evs))); err != nil {
		t.Fatal(err)
	}
	for user, want := range map[string]string{"u": "e3", "v": "e4"} {
		got, _, err := s.UserEvents(ctx, store.EventQuery{UserID: user})
		if err != nil || len(got) != 1 || got[0].ID != want {
			t.Errorf("UserEvents(%s) = %+v, %v; want only %s", user, got, err, want)
		}
	}

	// An append's uids, read before a deletion, are not cached after it.
	gen := s.known.generation()
	s.known.forget("w")
	s.known.add(gen, []string{"w"}, map[string]int64{"w": 12345})
	if missing, _ := s.known.resolve([]string{"w"}, map[string]int64{}); len(missing) != 1 {
		t.Error("a uid read before the user was forgotten was cached")
	}
}
