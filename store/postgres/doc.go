// Package postgres owns the PostgreSQL backend of package store: the schema
// and its versioned migrations, and the SQL that stores and reads items,
// users, events and objects, so that several API nodes can share one
// database.
//
// Importing the package registers the URL schemes postgres and postgresql
// with store.Open. The URL is handed to pgx as given, so libpq parameters and
// server settings work, for example
//
//	postgres://shopmind@db:5432/shop?sslmode=require&search_path=shopmind
//
// Connections come from a pgxpool pool, which reads its own parameters such
// as pool_max_conns (default here: the larger of 4 and the number of CPUs).
//
// Opening a store brings the schema named by search_path up to date. The
// migrations run in one transaction under an advisory lock, so nodes that
// start together apply each migration exactly once.
//
// Objects are bytea keyed by (kind, id) in the "C" collation. PutObject is
// one INSERT ... ON CONFLICT DO UPDATE, so concurrent puts of an object, from
// any node, get consecutive versions.
//
// Appends to the event log are serialized by a transaction-level advisory
// lock. Seq values therefore become visible in increasing order, and a reader
// following EventsSince never misses an event.
//
// DeleteUser takes the same lock and removes the user's events and row and
// records the deletion in one statement, so deletions are ordered with
// appends: the recorded EventSeq is the feed position at the deletion, and
// deletion seq values, too, become visible in increasing order for readers
// of DeletionsSince.
package postgres
