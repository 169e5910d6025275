package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shopmind/shopmind/internal/testenv"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
	"github.com/shopmind/shopmind/store/storetest"
)

// freshSchema returns a store URL on a schema of its own that is dropped
// when the test ends (see testenv.PostgresSchema).
func freshSchema(tb testing.TB) string {
	tb.Helper()
	return testenv.PostgresSchema(tb)
}

// admin runs one statement on its own plain connection.
func admin(tb testing.TB, rawURL, sql string) {
	tb.Helper()
	testenv.PostgresExec(tb, rawURL, sql)
}

// openStore opens a store on a fresh schema and closes it when the test ends.
func openStore(tb testing.TB) store.Store {
	tb.Helper()
	return openURL(tb, freshSchema(tb))
}

func openURL(tb testing.TB, rawURL string) store.Store {
	tb.Helper()
	s, err := store.Open(tb.Context(), rawURL, store.Options{})
	if err != nil {
		tb.Fatalf("store.Open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openStore(t) })
}

func BenchmarkAppendEvents(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) store.Store { return openStore(b) })
}

func TestSchemes(t *testing.T) {
	rawURL := freshSchema(t)
	for _, scheme := range []string{"postgresql", "POSTGRES"} {
		u, _ := url.Parse(rawURL)
		u.Scheme = scheme
		s := openURL(t, u.String())
		if err := s.Ping(t.Context()); err != nil {
			t.Errorf("Ping through %s://: %v", scheme, err)
		}
	}
}

// Several nodes starting at once on a new schema: the advisory lock makes
// them take turns, so all succeed and each migration is recorded once.
func TestMigrationsConcurrent(t *testing.T) {
	rawURL := freshSchema(t)
	const nodes = 3
	stores := make([]store.Store, nodes)
	errs := make([]error, nodes)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			stores[i], errs[i] = store.Open(t.Context(), rawURL, store.Options{})
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("node %d: Open: %v", i, err)
			continue
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	if t.Failed() {
		return
	}
	all, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(t.Context(), rawURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, _ := conn.Query(t.Context(), `SELECT version FROM schema_migrations ORDER BY version`)
	versions, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		t.Fatalf("reading schema_migrations: %v", err)
	}
	if len(versions) != len(all) {
		t.Errorf("schema_migrations holds versions %v, want each of the %d migrations once", versions, len(all))
	}
	// Every node works on the one schema.
	if _, err := stores[0].AppendEvents(t.Context(), []shop.Event{{ID: "e1", Type: shop.View, UserID: "u", ItemID: "i", Timestamp: time.Now()}}); err != nil {
		t.Fatalf("AppendEvents on node 0: %v", err)
	}
	for i, s := range stores {
		if st, err := s.Stats(t.Context()); err != nil || st.Events != 1 {
			t.Errorf("node %d: Stats = %+v, %v; want 1 event", i, st, err)
		}
	}
}

func TestReopenKeepsData(t *testing.T) {
	rawURL := freshSchema(t)
	s, err := store.Open(t.Context(), rawURL, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutItems(t.Context(), []shop.Item{{ID: "kept"}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openURL(t, rawURL)
	if _, err := s.GetItem(t.Context(), "kept"); err != nil {
		t.Errorf("GetItem after reopening: %v", err)
	}
}

// Needs no server: nothing listens on port 1.
func TestUnavailable(t *testing.T) {
	_, err := store.Open(t.Context(), "postgres://shopmind@127.0.0.1:1/shop?sslmode=disable&connect_timeout=5", store.Options{})
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Open on a closed port: error = %v, want one wrapping store.ErrUnavailable", err)
	}
	t.Log(err)
}

func TestMissingSchema(t *testing.T) {
	u, err := url.Parse(testenv.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", "shopmind_test_no_such_schema")
	u.RawQuery = q.Encode()
	_, err = store.Open(t.Context(), u.String(), store.Options{})
	if err == nil || errors.Is(err, store.ErrUnavailable) || !errors.Is(err, errNoSchema) {
		t.Fatalf("Open with a search_path naming no schema: error = %v, want errNoSchema", err)
	}
}

func TestBadPoolParameter(t *testing.T) {
	for _, v := range []string{"0", "-1", "many"} {
		_, err := store.Open(t.Context(), "postgres://127.0.0.1/db?pool_max_conns="+v, store.Options{})
		if err == nil {
			t.Errorf("pool_max_conns=%s: Open succeeded", v)
		}
	}
}

// The server dropping every connection (restart, failover, an operator's
// pg_terminate_backend) costs at most one failed call, reported as
// unavailable; the store then reconnects by itself.
func TestRecoversFromDroppedConnections(t *testing.T) {
	rawURL := freshSchema(t)
	u, _ := url.Parse(rawURL)
	q := u.Query()
	app := "shopmind_test_" + u.Query().Get("search_path")
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	s := openURL(t, u.String())
	ctx := t.Context()
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	admin(t, rawURL, fmt.Sprintf(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '%s'`, app))

	if err := s.Ping(ctx); err != nil && !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("first call after the server dropped the connection: error = %v, want nil or ErrUnavailable", err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("second call after the server dropped the connection: %v", err)
	}
	// A connection idle for over a second is checked before use (pgxpool), so the first call
	// after a quiet spell does not fail.
	admin(t, rawURL, fmt.Sprintf(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '%s'`, app))
	time.Sleep(time.Second + 100*time.Millisecond) // pgxpool pings connections idle over 1 s
	if _, err := s.Stats(ctx); err != nil {
		t.Errorf("first call after an idle spell in which the server dropped the connection: %v", err)
	}
}

// Writers appending concurrently while a reader follows EventsSince: the
// reader must see every event exactly once, which needs seq values to become
// visible in order (see appendLockSQL).
func TestFeedFollowerMissesNothing(t *testing.T) {
	s := openStore(t)
	ctx := t.Context()
	const (
		writers = 4
		batches = 25
		batch   = 20
	)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				evs := make([]shop.Event, batch)
				for i := range evs {
					evs[i] = shop.Event{ID: fmt.Sprintf("w%d-b%d-%d", w, b, i), Type: shop.View,
						UserID: fmt.Sprintf("u%d", i), ItemID: "sku", Timestamp: time.Now()}
				}
				if _, err := s.AppendEvents(ctx, evs); err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	seen := map[string]bool{}
	var after int64
	follow := func() {
		for {
			page, err := s.EventsSince(ctx, after, 50)
			if err != nil {
				t.Fatalf("EventsSince(%d): %v", after, err)
			}
			if len(page) == 0 {
				return
			}
			for _, e := range page {
				if seen[e.ID] {
					t.Fatalf("event %q seen twice", e.ID)
				}
				seen[e.ID] = true
			}
			after = page[len(page)-1].Seq
		}
	}
	for finished := false; !finished; {
		select {
		case <-done:
			finished = true
		default:
		}
		follow()
	}
	if want := writers * batches * batch; len(seen) != want {
		t.Errorf("the follower saw %d events, want %d", len(seen), want)
	}
}

// A cursor of one list is refused by the other, and so is a damaged one.
func TestCursorsRefuseOtherLists(t *testing.T) {
	s := openStore(t)
	ctx := t.Context()
	listItems := func(c string) error { _, _, err := s.ListItems(ctx, store.ItemQuery{Cursor: c}); return err }
	userEvents := func(c string) error {
		_, _, err := s.UserEvents(ctx, store.EventQuery{UserID: "u", Cursor: c})
		return err
	}
	listObjects := func(c string) error { _, _, err := s.ListObjects(ctx, "segment", c, 0); return err }
	itemC, eventC, objectC := itemCursor("x"), eventCursor(time.Now(), 1), objectCursor("segment", "x")
	cases := []struct {
		name   string
		call   func(string) error
		cursor string
	}{
		{"ListItems with a UserEvents cursor", listItems, eventC},
		{"UserEvents with a ListItems cursor", userEvents, itemC},
		{"ListItems with a damaged cursor", listItems, itemC[1:]},
		{"UserEvents with a damaged cursor", userEvents, eventC[:len(eventC)-3]},
		{"ListItems with a ListObjects cursor", listItems, objectC},
		{"UserEvents with a ListObjects cursor", userEvents, objectC},
		{"ListObjects with a ListItems cursor", listObjects, itemC},
		{"ListObjects with a ListItems cursor naming the kind", listObjects, itemCursor("segment\x00x")},
		{"ListObjects with a UserEvents cursor", listObjects, eventC},
		{"ListObjects with a cursor of another kind", listObjects, objectCursor("segments", "x")},
		{"ListObjects with a cursor without an id", listObjects, objectCursor("segment", "")},
		{"ListObjects with a cursor without a kind", listObjects, encodeCursor(objectCursorTag, "x")},
		{"ListObjects with a damaged cursor", listObjects, objectC[:len(objectC)-2]},
	}
	for _, c := range cases {
		if err := c.call(c.cursor); !errors.Is(err, store.ErrInvalidCursor) {
			t.Errorf("%s: error = %v, want ErrInvalidCursor", c.name, err)
		}
	}
}

func TestClosedStore(t *testing.T) {
	s := openStore(t)
	s.Close()
	if err := s.Ping(t.Context()); err == nil {
		t.Error("Ping after Close succeeded")
	}
}

func TestMigrationFilesParse(t *testing.T) {
	all, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range all {
		if m.version != i+1 {
			t.Errorf("migration %s has version %d, want %d: versions run 1, 2, 3... without gaps", m.name, m.version, i+1)
		}
	}
}

// AppendEvents is atomic: when the server refuses one event (PostgreSQL text
// cannot hold a NUL byte), nothing of the call is stored, not even its users,
// and the error is not mistaken for unavailability.
func TestAppendIsAtomic(t *testing.T) {
	s := openStore(t)
	ctx := t.Context()
	in := []shop.Event{
		{ID: "ok", Type: shop.View, UserID: "u-ok", ItemID: "sku", Timestamp: time.Now()},
		{ID: "bad", Type: shop.Review, UserID: "u-bad", ItemID: "sku", Timestamp: time.Now(), Text: "nul \x00 byte"},
	}
	res, err := s.AppendEvents(ctx, in)
	if err == nil {
		t.Fatalf("AppendEvents with a NUL byte in a review = %v, want an error", res)
	}
	if errors.Is(err, store.ErrUnavailable) {
		t.Errorf("a refused value was reported as unavailability: %v", err)
	}
	t.Log(err)
	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st != (store.Stats{}) {
		t.Errorf("after a failed AppendEvents, Stats = %+v, want nothing stored", st)
	}
	// The failed call left the connection and the append lock usable.
	if res, err := s.AppendEvents(ctx, in[:1]); err != nil || !res[0] {
		t.Errorf("AppendEvents after a failed one = %v, %v; want [true]", res, err)
	}
}

// Deleters running at once on several connections while a reader follows
// DeletionsSince: the append lock makes deletion seq values visible in
// order, so the reader sees every deletion exactly once.
func TestDeletionFeedFollowerMissesNothing(t *testing.T) {
	s := openStore(t)
	ctx := t.Context()
	const deleters, each = 3, 10
	var users []shop.User
	for i := range deleters * each {
		users = append(users, shop.User{ID: fmt.Sprintf("u%02d", i)})
	}
	if err := s.PutUsers(ctx, users); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for d := range deleters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if _, err := s.DeleteUser(ctx, users[d*each+i].ID); err != nil {
					t.Errorf("deleter %d: %v", d, err)
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	seen := map[string]bool{}
	var after int64
	follow := func() {
		for {
			page, err := s.DeletionsSince(ctx, after, 4)
			if err != nil {
				t.Fatalf("DeletionsSince(%d): %v", after, err)
			}
			if len(page) == 0 {
				return
			}
			for _, d := range page {
				if seen[d.UserID] {
					t.Fatalf("deletion of %q seen twice", d.UserID)
				}
				seen[d.UserID] = true
			}
			after = page[len(page)-1].Seq
		}
	}
	for finished := false; !finished; {
		select {
		case <-done:
			finished = true
		default:
		}
		follow()
	}
	if len(seen) != len(users) {
		t.Errorf("the follower saw %d deletions, want %d", len(seen), len(users))
	}
}
