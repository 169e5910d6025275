package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
)

// dsn builds the driver's connection string for path. Every connection gets
// the busy timeout, foreign keys, synchronous=FULL and in-memory temporary
// storage. The writer has a large page cache, so that a batch of events never
// spills to the WAL before it commits, and checkpoints every 10,000 pages (the
// hot index pages are rewritten by every batch; checkpointing less often
// copies each of them once per checkpoint rather than once per few batches);
// its transactions start with BEGIN IMMEDIATE so that they never have to
// upgrade a read lock. Readers are query-only.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "temp_store(MEMORY)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
		q.Add("_pragma", "cache_size(-16384)") // KiB
	} else {
		q.Add("_pragma", "cache_size(-65536)") // KiB
		q.Add("_pragma", "wal_autocheckpoint(10000)")
		q.Add("_pragma", "journal_size_limit(67108864)")
		q.Set("_txlock", "immediate")
	}
	// A file: URI with the path escaped, so that '?' or '#' in a file name
	// cannot be taken for the start of parameters.
	u := url.URL{Path: filepath.ToSlash(path)}
	return "file:" + u.EscapedPath() + "?" + q.Encode()
}

// pageSize is the page size of new database files. 8 KiB rather than
// SQLite's 4 KiB halves the pages a batch of events dirties in the per-user
// index while that index is small, and with them the WAL frames (two write
// calls each) every commit writes; PostgreSQL uses the same size.
const pageSize = 8192

// useWAL sets the page size of a new file (it cannot change once the file is
// in WAL mode) and switches the database to write-ahead logging, a lasting
// property of the file: readers then run alongside the writer.
func useWAL(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, fmt.Sprintf("PRAGMA page_size = %d", pageSize)); err != nil {
		return wrap("set page size", err)
	}
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode); err != nil {
		return wrap("switch to WAL mode", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("the file system refused WAL mode (journal mode stays %q); put the database on a local disk, not a network share", mode)
	}
	return nil
}
