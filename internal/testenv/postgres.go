package testenv

import (
	"context"
	"crypto/rand"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresSchema creates a schema with a random name on the
// SHOPMIND_TEST_POSTGRES server, drops it with everything in it when the
// test ends, and returns a store URL whose search_path is that schema, so
// that no test sees another's data or the leftovers of an earlier run.
// Without the variable the test skips (fails in CI).
func PostgresSchema(t testing.TB) string {
	t.Helper()
	base := PostgresURL(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("testenv: SHOPMIND_TEST_POSTGRES is not a URL: %v", err)
	}
	schema := "shopmind_test_" + strings.ToLower(rand.Text()[:16])
	PostgresExec(t, base, "CREATE SCHEMA "+schema)
	t.Cleanup(func() { PostgresExec(t, base, "DROP SCHEMA "+schema+" CASCADE") })
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// PostgresExec runs one statement on its own connection to rawURL and fails
// the test if it does not succeed within 30 seconds.
func PostgresExec(t testing.TB, rawURL, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, rawURL)
	if err != nil {
		t.Fatalf("testenv: connecting to the test PostgreSQL server: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("testenv: %s: %v", sql, err)
	}
}
