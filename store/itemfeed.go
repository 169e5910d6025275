package store

import (
	"context"
	"time"

	"github.com/shopmind/shopmind/shop"
)

// ItemChange is one entry of the item feed (ItemsSince): an item was put or
// deleted. The feed keeps only the latest change of each item, so following
// it from 0 lists every stored item once, plus the ids deleted since.
type ItemChange struct {
	// Seq is the change's position in the item feed: strictly increasing,
	// never reused, independent of the other feeds' Seq.
	Seq int64  `json:"seq"`
	ID  string `json:"id"`
	// Deleted is true when the item no longer exists: the change was a
	// DeleteItem, or the item was deleted after it (that deletion then
	// follows later in the feed).
	Deleted bool `json:"deleted,omitempty"`
	// Item is the item as stored now; nil when Deleted.
	Item *shop.Item `json:"item,omitempty"`
	// At is when the change was stored (the store's clock, UTC).
	At time.Time `json:"at"`
}

// ItemFeed is the catalogue's change feed, which every node's catalogue
// view follows. PutItems and DeleteItem record a change per item in the
// same transaction, replacing that item's earlier change; changes become
// visible in Seq order, so a reader that remembers the last Seq it applied
// never misses one.
type ItemFeed interface {
	// ItemsSince returns up to limit changes with Seq > after, in Seq
	// order, paged like EventsSince (fewer than limit may come back while
	// more remain; only an empty answer means the reader has caught up).
	ItemsSince(ctx context.Context, after int64, limit int) ([]ItemChange, error)
}
