// Package store owns durable state: items, users and events, behind the one
// small Store interface that every backend implements. Backends register
// themselves by URL scheme and are chosen with Open.
//
// It knows the data model (package shop) and nothing above it: no HTTP, no
// models, no configuration files.
package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/shopmind/shopmind/shop"
)

// ErrNotFound is returned when the requested item or user does not exist.
var ErrNotFound = errors.New("not found")

// ErrInvalidCursor is returned by list methods for a cursor they did not issue.
var ErrInvalidCursor = errors.New("invalid cursor")

// ErrUnavailable wraps errors that mean the backend cannot be reached now
// (server down, connection refused); callers may retry later.
var ErrUnavailable = errors.New("store unavailable")

// Store is durable storage for the data model. All methods are safe for
// concurrent use. Entities passed in have already been validated (package
// shop); a backend only refuses what it cannot store.
//
// Contract shared by every backend (and checked by storetest):
//   - AppendEvents is atomic per call and returns only after the inserted rows
//     are durably committed. Its result has one entry per input event: true if
//     the event was stored now, false if an event with the same ID was already
//     stored (earlier or earlier in the same call). Stored events get a Seq,
//     strictly increasing in insertion order within one backend, and a
//     ReceivedAt. Users named by events are created if they do not exist.
//   - PutItems and PutUsers insert or replace whole entities (last write wins).
//     PutUsers keeps CreatedAt of an existing user.
//   - Get* return ErrNotFound (possibly wrapped) for missing ids; object kinds
//     and ids that CheckObjectKey refuses give ErrInvalid (wrapped).
//   - List methods page with opaque cursors: an empty next cursor means done;
//     a cursor the backend did not issue gives ErrInvalidCursor (wrapped).
//   - DeleteUser is atomic and serialised with AppendEvents: every event
//     with Seq <= the deletion's EventSeq was committed before it, every
//     event appended after it gets a larger Seq. Deletions get a Seq of
//     their own, strictly increasing and visible in that order, so a reader
//     following DeletionsSince never misses one.
type Store interface {
	// PutItems inserts or replaces items.
	PutItems(ctx context.Context, items []shop.Item) error
	// GetItem returns one item.
	GetItem(ctx context.Context, id string) (shop.Item, error)
	// DeleteItem removes an item; ErrNotFound if it did not exist.
	DeleteItem(ctx context.Context, id string) error
	// ListItems pages through items ordered by id.
	ListItems(ctx context.Context, q ItemQuery) (items []shop.Item, next string, err error)

	// PutUsers inserts or replaces users.
	PutUsers(ctx context.Context, users []shop.User) error
	// GetUser returns one user.
	GetUser(ctx context.Context, id string) (shop.User, error)
	// ListUsers pages through users ordered by id.
	ListUsers(ctx context.Context, cursor string, limit int) (users []shop.User, next string, err error)

	// AppendEvents stores events, absorbing duplicates by ID (see above).
	AppendEvents(ctx context.Context, events []shop.Event) (inserted []bool, err error)
	// UserEvents pages through one user's events, newest timestamp first.
	UserEvents(ctx context.Context, q EventQuery) (events []shop.Event, next string, err error)
	// EventsSince returns up to limit events with Seq > after, in Seq order:
	// the change feed that profiles, models and other nodes follow. A
	// backend may return fewer than limit (at most MaxLimit) while more
	// remain; only an empty answer means the reader has caught up.
	EventsSince(ctx context.Context, after int64, limit int) ([]shop.Event, error)

	// DeleteUser removes a user's row and all of their events in one
	// transaction and records the deletion in the deletion feed; see
	// Deletion. A user with neither a row nor events gives ErrNotFound and
	// records nothing; an id that CheckUserID refuses gives ErrInvalid.
	// Events appended for the user afterwards are stored as usual: a new
	// life that a later DeleteUser removes in turn.
	DeleteUser(ctx context.Context, id string) (Deletion, error)
	// DeletionsSince returns up to limit deletions with Seq > after, in Seq
	// order: the deletion feed, paged like EventsSince (a backend may return
	// fewer than limit while more remain; only an empty answer means the
	// reader has caught up).
	DeletionsSince(ctx context.Context, after int64, limit int) ([]Deletion, error)
	// ScrubDeletions blanks the user id of deletions stored before the
	// given time (their counts and times stay, as the audit trail): once
	// every node has followed a deletion, the feed need not name the user.
	// It returns how many deletions it blanked.
	ScrubDeletions(ctx context.Context, before time.Time) (int64, error)

	// PutObject stores a small document of a kind (segment definitions,
	// campaigns, experiments, model manifests) under id, replacing any
	// earlier one, and returns its new version (1 for a new object, then
	// increasing by one per put).
	PutObject(ctx context.Context, kind, id string, data []byte) (version int64, err error)
	// GetObject returns one object; ErrNotFound if absent.
	GetObject(ctx context.Context, kind, id string) (Object, error)
	// ListObjects pages through the objects of one kind ordered by id.
	ListObjects(ctx context.Context, kind, cursor string, limit int) (objs []Object, next string, err error)
	// DeleteObject removes an object; ErrNotFound if it did not exist.
	DeleteObject(ctx context.Context, kind, id string) error

	// Counters and values: see CounterStore.
	CounterStore
	// The consent history and feed: see ConsentLog.
	ConsentLog
	// The item change feed: see ItemFeed.
	ItemFeed
	// Named exclusive locks for electing one process: see Locker.
	Locker

	// Stats counts what is stored.
	Stats(ctx context.Context) (Stats, error)
	// Ping checks that the backend answers.
	Ping(ctx context.Context) error
	// Close releases the backend's resources.
	Close() error
}

// ItemQuery selects a page of items.
type ItemQuery struct {
	Category string // items whose category path contains this level; "" for all
	Cursor   string // from the previous page's next cursor
	Limit    int    // page size; 0 means DefaultLimit, capped at MaxLimit
}

// EventQuery selects a page of one user's events.
type EventQuery struct {
	UserID string
	Type   shop.EventType // "" for all types
	Cursor string
	Limit  int
}

// Page sizes.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// PageLimit applies DefaultLimit and MaxLimit to a requested page size.
func PageLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultLimit
	case n > MaxLimit:
		return MaxLimit
	}
	return n
}

// Object is a stored document. Data is opaque to the store (callers keep
// JSON there); objects are meant to be small (kilobytes to a few megabytes).
type Object struct {
	Kind      string
	ID        string
	Data      []byte
	Version   int64
	UpdatedAt time.Time
}

// Stats counts stored entities.
type Stats struct {
	Items   int64 `json:"items"`
	Users   int64 `json:"users"`
	Events  int64 `json:"events"`
	LastSeq int64 `json:"last_seq"`
}

// Opener opens a backend from a parsed URL.
type Opener func(ctx context.Context, u *url.URL, opts Options) (Store, error)

// Options tune a backend; zero values are sensible defaults.
type Options struct {
	// Now is the clock used for ReceivedAt and UpdatedAt (tests fix it).
	Now func() time.Time
}

// Clock returns opts.Now or time.Now.
func (o Options) Clock() func() time.Time {
	if o.Now != nil {
		return o.Now
	}
	return time.Now
}

var (
	mu       sync.RWMutex
	backends = map[string]Opener{}
)

// Register makes a backend available under a URL scheme. Backends call it
// from init; registering a scheme twice panics.
func Register(scheme string, open Opener) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := backends[scheme]; dup {
		panic("store: scheme registered twice: " + scheme)
	}
	backends[scheme] = open
}

// Open opens the store named by rawURL, such as sqlite:///var/lib/shopmind/shop.db
// or postgres://user@host:5432/db. The backend's package must be imported
// (package storeall imports every backend).
func Open(ctx context.Context, rawURL string, opts Options) (Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("store URL %q: %w", rawURL, err)
	}
	mu.RLock()
	open, ok := backends[strings.ToLower(u.Scheme)]
	mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("store URL %q: unknown scheme %q; use one of %v", rawURL, u.Scheme, Schemes())
	}
	return open(ctx, u, opts)
}

// Schemes lists the registered URL schemes.
func Schemes() []string {
	mu.RLock()
	defer mu.RUnlock()
	s := make([]string, 0, len(backends))
	for k := range backends {
		s = append(s, k)
	}
	sort.Strings(s)
	return s
}
