// Package storetest owns the conformance suite for store backends: one set of
// tests that every implementation of store.Store must pass, and one benchmark
// of event ingestion, so that all backends behave alike.
//
// A backend's own test calls Run with a function that opens a fresh, empty
// store for every subtest and arranges its cleanup with t.Cleanup:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store {
//			s, err := Open(t.Context(), t.TempDir()+"/shop.db")
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// Besides the contract written in package store, the suite pins down a few
// details that callers rely on and that the contract leaves implicit:
//   - Slices and maps that are empty may come back as nil; Attributes come back
//     as JSON would decode them (numbers as float64).
//   - Timestamps (Event.Timestamp, ReceivedAt, UpdatedAt, CreatedAt) come back
//     in UTC with microsecond precision.
//   - List pages are full except the last, and the last non-empty page already
//     carries an empty next cursor. A made-up cursor, or one from another
//     list, gives store.ErrInvalidCursor.
//   - Items are listed in byte order of their ids (as Go compares strings),
//     not in a locale's collation order.
//   - A later entry wins when one PutItems or PutUsers call names an id twice.
//   - A page Limit of 0 or less means store.DefaultLimit; larger limits are
//     capped at store.MaxLimit.
//   - Users created by AppendEvents get CreatedAt set; existing users are left
//     untouched.
//   - Category filtering matches whole levels exactly, never substrings, and
//     lists an item once even when a level repeats in its path.
//   - Object data is returned byte for byte, whatever the bytes; an empty or
//     nil payload may come back as nil or empty. Concurrent puts of one object
//     each get their own version, and a deleted object starts again at 1.
//   - Objects are listed in byte order of their ids within a kind. A cursor of
//     one kind given to ListObjects of another gives store.ErrInvalidCursor.
//   - Object kinds and ids of up to 256 bytes are accepted; an empty one, a
//     longer one, or one with a NUL byte or invalid UTF-8 is refused by every
//     object method with an error that names the kind or id and what is wrong
//     (and wraps none of the store's sentinel errors).
//   - DeleteUser leaves other users, their events and their Seq values as
//     they were; EventsSince then skips the removed Seqs. EventSeq is the
//     highest Seq of any event stored before, so it never goes back, even
//     when the newest events were the ones removed. After a deletion Stats.LastSeq
//     lies between the largest stored Seq and that EventSeq.
//   - Counter and value keys of up to store.MaxKey bytes are accepted; an
//     empty one, a longer one, or one with a NUL byte or invalid UTF-8 gives
//     store.ErrInvalid. Values are returned byte for byte; an empty one may
//     come back as nil. Deadlines use the store's clock (here the real one).
package storetest

import (
	"testing"

	"github.com/shopmind/shopmind/store"
)

// Run runs the conformance suite against the backend that open creates. open
// must return a new, empty store each time it is called; it is called once per
// subtest with that subtest's t.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	t.Helper()
	suites := []struct {
		name string
		run  func(t *testing.T, open func(t *testing.T) store.Store)
	}{
		{"Items", testItems},
		{"Users", testUsers},
		{"Events", testEvents},
		{"Stats", testStats},
		{"Objects", testObjects},
		{"Concurrency", testConcurrency},
		{"Deletions", testDeletions},
		{"Counters", testCounters},
		{"Consent", testConsent},
		{"ItemFeed", testItemFeed},
		{"ScrubDeletions", testScrubDeletions},
		{"Locks", testLocks},
	}
	for _, s := range suites {
		t.Run(s.name, func(t *testing.T) { s.run(t, open) })
	}
}
