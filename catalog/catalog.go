// Package catalog owns the in-memory view of the shop's catalogue that the
// serving paths read: every item's category path, brand, price, stock, hidden
// flag and title, loaded from the store at start, reloaded on a schedule, read
// through on a miss and updated at once by local writes. It never keeps
// descriptions or attributes, so a large catalogue costs little memory.
//
// Every node builds the same view from the store; nothing here is state only
// one process can rebuild.
package catalog

import (
	"context"
	"errors"
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
	mu      sync.RWMutex
	items   map[string]*shop.Item
	missing map[string]time.Time
	loaded  atomic.Bool
	version atomic.Int64 // bumped on every change, so readers can tell
	at      atomic.Int64 // Unix nanos of the last full reload
}

// New returns an empty cache over st; call Reload before relying on Peek.
func New(st store.Store) *Cache {
	return &Cache{st: st, items: map[string]*shop.Item{}, missing: map[string]time.Time{}}
}

// Reload replaces the view with a full scan of the store.
func (c *Cache) Reload(ctx context.Context) error {
	fresh := map[string]*shop.Item{}
	cursor := ""
	for {
		page, next, err := c.st.ListItems(ctx, store.ItemQuery{Cursor: cursor, Limit: store.MaxLimit})
		if err != nil {
			return err
		}
		for i := range page {
			it := slim(page[i])
			fresh[it.ID] = &it
		}
		if next == "" {
			break
		}
		cursor = next
	}
	c.mu.Lock()
	c.items, c.missing = fresh, map[string]time.Time{}
	c.mu.Unlock()
	c.loaded.Store(true)
	c.at.Store(time.Now().UnixNano())
	c.version.Add(1)
	return nil
}

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
// once (other nodes see them at their next reload or miss).
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
