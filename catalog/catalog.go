// Package catalog owns the in-memory view of the shop's catalogue that the
// serving paths read: every item's category path, brand, price, stock, hidden
// flag and title, loaded from the store at start, kept fresh by following the
// store's item feed (Store.ItemsSince), read through on a miss and updated at
// once by local writes. It never keeps descriptions or attributes, so a large
// catalogue costs little memory.
//
// Every node builds the same view from the store; nothing here is state only
// one process can rebuild. A change written through any node is in every
// node's view after that node's next poll (Run), and the view reports how
// stale it may be (Lag, SinceSync).
package catalog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// missTTL is how long an id the store does not know is remembered as missing.
const missTTL = time.Minute

// Cache is the catalogue view. Its methods are safe for concurrent use.
type Cache struct {
	st      store.Store
	follow  sync.Mutex // one feed reader at a time
	mu      sync.RWMutex
	items   map[string]*shop.Item
	missing map[string]time.Time
	loaded  atomic.Bool
	version atomic.Int64 // bumped on every change, so readers can tell
	at      atomic.Int64 // Unix nanos of the last full reload
	seq     atomic.Int64 // item feed position applied
	synced  atomic.Int64 // Unix nanos of the last successful Sync or Reload
	lag     atomic.Int64 // nanos: age of the oldest change not yet applied at the last poll
	pruned  time.Time    // last sweep of expired missing ids; under follow
}

// New returns an empty cache over st; call Reload before relying on Peek.
func New(st store.Store) *Cache {
	return &Cache{st: st, items: map[string]*shop.Item{}, missing: map[string]time.Time{}}
}

// Reload replaces the view with a full scan of the store: the item feed
// read from its start, which holds every stored item's latest change once,
// so the view knows the feed position it reflects and Sync goes on from
// there.
func (c *Cache) Reload(ctx context.Context) error {
	c.follow.Lock()
	defer c.follow.Unlock()
	return c.reload(ctx)
}

// reload does Reload's work; c.follow is held.
func (c *Cache) reload(ctx context.Context) error {
	fresh := map[string]*shop.Item{}
	var after int64
	for {
		page, err := c.st.ItemsSince(ctx, after, store.MaxLimit)
		if err != nil {
			return fmt.Errorf("catalog: loading the catalogue: %w", err)
		}
		if len(page) == 0 {
			break
		}
		for _, ch := range page {
			if ch.Deleted || ch.Item == nil {
				delete(fresh, ch.ID)
				continue
			}
			it := slim(*ch.Item)
			fresh[it.ID] = &it
		}
		after = page[len(page)-1].Seq
	}
	c.mu.Lock()
	c.items, c.missing = fresh, map[string]time.Time{}
	c.mu.Unlock()
	c.seq.Store(after)
	c.loaded.Store(true)
	now := time.Now().UnixNano()
	c.at.Store(now)
	c.synced.Store(now)
	c.lag.Store(0)
	c.version.Add(1)
	return nil
}

// Sync applies every item change stored since the last Sync or Reload (a
// full Reload when the view was never loaded). It costs one query when
// nothing changed.
func (c *Cache) Sync(ctx context.Context) error {
	c.follow.Lock()
	defer c.follow.Unlock()
	if !c.loaded.Load() {
		return c.reload(ctx)
	}
	first := true
	for {
		page, err := c.st.ItemsSince(ctx, c.seq.Load(), store.MaxLimit)
		if err != nil {
			return fmt.Errorf("catalog: following the item feed: %w", err)
		}
		if first {
			first = false
			var lag time.Duration
			if len(page) > 0 && !page[0].At.IsZero() {
				lag = max(0, time.Since(page[0].At))
			}
			c.lag.Store(int64(lag))
		}
		if len(page) == 0 {
			break
		}
		now := time.Now()
		c.mu.Lock()
		for _, ch := range page {
			if ch.Deleted || ch.Item == nil {
				delete(c.items, ch.ID)
				c.missing[ch.ID] = now
				continue
			}
			it := slim(*ch.Item)
			c.items[it.ID] = &it
			delete(c.missing, it.ID)
		}
		c.mu.Unlock()
		c.seq.Store(page[len(page)-1].Seq)
		c.version.Add(1)
	}
	if now := time.Now(); now.Sub(c.pruned) >= missTTL {
		// Without periodic reloads, ids remembered as missing must expire
		// here, or unknown ids asked for would pile up.
		c.pruned = now
		c.mu.Lock()
		for id, at := range c.missing {
			if now.Sub(at) >= missTTL {
				delete(c.missing, id)
			}
		}
		c.mu.Unlock()
	}
	c.synced.Store(time.Now().UnixNano())
	return nil
}

// Run loads the view if it is not loaded and follows the item feed every
// interval until ctx ends, logging (not returning) store errors so that a
// store outage does not stop the node (once per outage); SinceSync then
// grows.
func (c *Cache) Run(ctx context.Context, interval time.Duration, log *slog.Logger) error {
	if interval <= 0 {
		interval = DefaultPollInterval
	}
	if log == nil {
		log = slog.Default()
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	var failingSince time.Time // logged once per outage, not every poll
	for {
		switch err := c.Sync(ctx); {
		case err != nil && ctx.Err() == nil && failingSince.IsZero():
			failingSince = time.Now()
			log.Warn("catalog: following the item feed failed; retrying every poll (the view goes stale meanwhile)", "err", err, "every", interval)
		case err == nil && !failingSince.IsZero():
			log.Info("catalog: following the item feed again", "after", time.Since(failingSince).Round(time.Millisecond))
			failingSince = time.Time{}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// DefaultPollInterval is Run's interval when none is given.
const DefaultPollInterval = 200 * time.Millisecond

// Lag is the age of the oldest item change that was not yet applied when
// the last Sync started (0 when the view was up to date).
func (c *Cache) Lag() time.Duration { return time.Duration(c.lag.Load()) }

// SinceSync is the time since the last successful Sync or Reload; a
// negative duration before the first.
func (c *Cache) SinceSync() time.Duration {
	n := c.synced.Load()
	if n == 0 {
		return -1
	}
	return time.Since(time.Unix(0, n))
}

// Seq is the item feed position the view reflects.
func (c *Cache) Seq() int64 { return c.seq.Load() }

// Loaded reports whether a full reload has succeeded.
func (c *Cache) Loaded() bool { return c.loaded.Load() }

// ReloadedAt is the time of the last full reload (zero before the first).
func (c *Cache) ReloadedAt() time.Time {
	if n := c.at.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}

// Version changes whenever the view does.
func (c *Cache) Version() int64 { return c.version.Load() }

// slim keeps what the serving paths read.
func slim(it shop.Item) shop.Item {
	out := shop.Item{ID: it.ID, Title: it.Title, Category: it.Category, Brand: it.Brand, Price: it.Price,
		Currency: it.Currency, Stock: it.Stock, Tags: it.Tags, Language: it.Language, Hidden: it.Hidden, UpdatedAt: it.UpdatedAt}
	if len(out.Title) > 200 {
		out.Title = truncate(out.Title, 200)
	}
	return out
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// Peek returns the item without any I/O, or nil when the view does not hold
// it. The item is shared: do not modify it.
func (c *Cache) Peek(id string) *shop.Item {
	c.mu.RLock()
	it := c.items[id]
	c.mu.RUnlock()
	return it
}

// Get returns the item, reading through to the store on a miss; nil (and no
// error) when the store does not know it. The item is shared: do not modify.
func (c *Cache) Get(ctx context.Context, id string) (*shop.Item, error) {
	c.mu.RLock()
	it, ok := c.items[id]
	miss, known := c.missing[id]
	c.mu.RUnlock()
	if ok {
		return it, nil
	}
	if known && time.Since(miss) < missTTL {
		return nil, nil
	}
	got, err := c.st.GetItem(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		c.mu.Lock()
		c.missing[id] = time.Now()
		c.mu.Unlock()
		return nil, nil
	case err != nil:
		return nil, err
	}
	s := slim(got)
	c.mu.Lock()
	c.items[id] = &s
	delete(c.missing, id)
	c.mu.Unlock()
	c.version.Add(1)
	return &s, nil
}

// Put records items this node has just written, so its own reads see them at
// once (other nodes see them at their next Sync).
func (c *Cache) Put(items ...shop.Item) {
	c.mu.Lock()
	for i := range items {
		s := slim(items[i])
		c.items[s.ID] = &s
		delete(c.missing, s.ID)
	}
	c.mu.Unlock()
	c.version.Add(1)
}

// Forget drops an item this node has just deleted.
func (c *Cache) Forget(id string) {
	c.mu.Lock()
	delete(c.items, id)
	c.missing[id] = time.Now()
	c.mu.Unlock()
	c.version.Add(1)
}

// Len is the number of items held.
func (c *Cache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.items)
}

// Each calls fn for every item held (in no particular order) until fn returns
// false. fn must not call back into the cache's writers.
func (c *Cache) Each(fn func(it *shop.Item) bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, it := range c.items {
		if !fn(it) {
			return
		}
	}
}

// Prices lists every item's price.
func (c *Cache) Prices() []float64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]float64, 0, len(c.items))
	for _, it := range c.items {
		out = append(out, it.Price)
	}
	return out
}
