package profile

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// itemCache holds the catalogue facts profiles need (category path, brand,
// price), loaded from the store at start, reloaded on a schedule and read
// through on a miss. Unknown items are remembered for a minute.
type itemCache struct {
	st      store.Store
	mu      sync.RWMutex
	items   map[string]*shop.Item
	missing map[string]time.Time
	loaded  atomic.Bool // a full reload has succeeded
}

func newItemCache(st store.Store) *itemCache {
	return &itemCache{st: st, items: map[string]*shop.Item{}, missing: map[string]time.Time{}}
}

func (c *itemCache) reload(ctx context.Context) error {
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
	return nil
}

// slim keeps what profiles read, so a large catalogue costs little memory.
func slim(it shop.Item) shop.Item {
	return shop.Item{ID: it.ID, Category: it.Category, Brand: it.Brand, Price: it.Price, Currency: it.Currency}
}

// get returns the item or nil if the store does not know it.
func (c *itemCache) get(ctx context.Context, id string) (*shop.Item, error) {
	c.mu.RLock()
	it, ok := c.items[id]
	miss, known := c.missing[id]
	c.mu.RUnlock()
	if ok {
		return it, nil
	}
	if known && time.Since(miss) < time.Minute {
		return nil, nil
	}
	got, err := c.st.GetItem(ctx, id)
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case errors.Is(err, store.ErrNotFound):
		c.missing[id] = time.Now()
		return nil, nil
	case err != nil:
		return nil, err
	}
	s := slim(got)
	c.items[id] = &s
	return &s, nil
}

func (c *itemCache) prices() []float64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]float64, 0, len(c.items))
	for _, it := range c.items {
		out = append(out, it.Price)
	}
	return out
}
