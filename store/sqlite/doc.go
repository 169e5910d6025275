// Package sqlite is shopmind's embedded default store: items, users, events
// and objects in one SQLite file, through the pure-Go driver
// modernc.org/sqlite (no cgo). It owns that file's schema and its migrations.
//
// Importing the package registers the URL scheme "sqlite" with package store:
//
//	sqlite:///var/lib/shopmind/shopmind.db   an absolute path (three slashes)
//	sqlite:data/shopmind.db                  a path relative to the working directory
//
// Characters that URLs treat specially (space, '?', '#', '%') are written
// percent-encoded. The URL takes no parameters. Callers that already hold a
// file path use OpenPath. The parent directory is created when missing.
//
// # Durability and concurrency
//
// The database runs in WAL mode with synchronous=FULL: a Put or AppendEvents
// call that returned has been synced to disk and survives a power loss. All
// writes go through one connection (SQLite allows one writer at a time, and
// queuing in Go is cheaper than retrying on SQLITE_BUSY); reads go through a
// separate pool of query-only connections that run alongside the writer. When
// another process holds the file's write lock for longer than the busy
// timeout, calls fail with an error wrapping store.ErrUnavailable.
//
// # Layout
//
// Times are unix microseconds (UTC); attributes, consent, tags, category
// paths and event context are JSON text. Each distinct level of an item's
// category path has a row in item_categories, so filtering by category is an
// index lookup. Events are keyed by seq (INTEGER PRIMARY KEY AUTOINCREMENT,
// the change-feed position, never reused) with a unique index on the event id,
// and refer to users by uid, the users table's integer key; the index on
// (uid, ts, seq) serves UserEvents. Optional event fields are NULL when absent.
// Objects (small versioned documents) are BLOBs keyed by (kind, id) in the
// BINARY collation, so ListObjects pages in byte order of id; PutObject bumps
// the version with one upsert on the writer connection.
//
// AppendEvents looks up which ids are already stored, settles duplicates in
// Go (the first event with an id wins), creates missing users with INSERT OR
// IGNORE and inserts the new events with multi-row INSERTs, all in one
// transaction. The uids of users seen before are cached in memory.
//
// DeleteUser removes a user's events (through the per-user index) and row,
// lowers the event count and adds a row to the deletions table, in one
// transaction on the writer connection, so it is serialised with appends.
// It records the highest events.seq ever assigned (kept by sqlite_sequence)
// as the deletion's EventSeq, and makes AppendEvents forget the user's cached
// uid, which SQLite may hand to a user created later.
//
// The schema is versioned: numbered files under migrations/ are embedded in
// the binary and applied at open, each in its own transaction, and recorded in
// the schema_migrations table. A file written by a newer shopmind is refused.
package sqlite
