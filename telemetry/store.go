package telemetry

import (
	"context"
	"errors"
	"time"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// Store wraps s so that every operation's latency is recorded.
func (m *Metrics) Store(s store.Store) store.Store { return &timedStore{s: s, m: m} }

type timedStore struct {
	s store.Store
	m *Metrics
}

func (t *timedStore) done(op string, start time.Time, err error) {
	if errors.Is(err, store.ErrNotFound) {
		err = nil // a miss is an answer, not a failure
	}
	t.m.observeStore(op, start, err)
}

func (t *timedStore) PutItems(ctx context.Context, items []shop.Item) error {
	start := time.Now()
	err := t.s.PutItems(ctx, items)
	t.done("put_items", start, err)
	return err
}

func (t *timedStore) GetItem(ctx context.Context, id string) (it shop.Item, err error) {
	start := time.Now()
	it, err = t.s.GetItem(ctx, id)
	t.done("get_item", start, err)
	return it, err
}

func (t *timedStore) DeleteItem(ctx context.Context, id string) error {
	start := time.Now()
	err := t.s.DeleteItem(ctx, id)
	t.done("delete_item", start, err)
	return err
}

func (t *timedStore) ListItems(ctx context.Context, q store.ItemQuery) ([]shop.Item, string, error) {
	start := time.Now()
	items, next, err := t.s.ListItems(ctx, q)
	t.done("list_items", start, err)
	return items, next, err
}

func (t *timedStore) PutUsers(ctx context.Context, users []shop.User) error {
	start := time.Now()
	err := t.s.PutUsers(ctx, users)
	t.done("put_users", start, err)
	return err
}

func (t *timedStore) GetUser(ctx context.Context, id string) (shop.User, error) {
	start := time.Now()
	u, err := t.s.GetUser(ctx, id)
	t.done("get_user", start, err)
	return u, err
}

func (t *timedStore) AppendEvents(ctx context.Context, events []shop.Event) ([]bool, error) {
	start := time.Now()
	ins, err := t.s.AppendEvents(ctx, events)
	t.done("append_events", start, err)
	return ins, err
}

func (t *timedStore) UserEvents(ctx context.Context, q store.EventQuery) ([]shop.Event, string, error) {
	start := time.Now()
	evs, next, err := t.s.UserEvents(ctx, q)
	t.done("user_events", start, err)
	return evs, next, err
}

func (t *timedStore) EventsSince(ctx context.Context, after int64, limit int) ([]shop.Event, error) {
	start := time.Now()
	evs, err := t.s.EventsSince(ctx, after, limit)
	t.done("events_since", start, err)
	return evs, err
}

func (t *timedStore) DeleteUser(ctx context.Context, id string) (store.Deletion, error) {
	start := time.Now()
	d, err := t.s.DeleteUser(ctx, id)
	t.done("delete_user", start, err)
	return d, err
}

func (t *timedStore) DeletionsSince(ctx context.Context, after int64, limit int) ([]store.Deletion, error) {
	start := time.Now()
	ds, err := t.s.DeletionsSince(ctx, after, limit)
	t.done("deletions_since", start, err)
	return ds, err
}

func (t *timedStore) TryLock(ctx context.Context, name string) (store.Lock, bool, error) {
	return t.s.TryLock(ctx, name)
}

func (t *timedStore) ScrubDeletions(ctx context.Context, before time.Time) (int64, error) {
	start := time.Now()
	n, err := t.s.ScrubDeletions(ctx, before)
	t.done("scrub_deletions", start, err)
	return n, err
}

func (t *timedStore) ListUsers(ctx context.Context, cursor string, limit int) ([]shop.User, string, error) {
	start := time.Now()
	us, next, err := t.s.ListUsers(ctx, cursor, limit)
	t.done("list_users", start, err)
	return us, next, err
}

func (t *timedStore) ConsentSince(ctx context.Context, after int64, limit int) ([]store.ConsentChange, error) {
	start := time.Now()
	cs, err := t.s.ConsentSince(ctx, after, limit)
	t.done("consent_since", start, err)
	return cs, err
}

func (t *timedStore) ItemsSince(ctx context.Context, after int64, limit int) ([]store.ItemChange, error) {
	start := time.Now()
	cs, err := t.s.ItemsSince(ctx, after, limit)
	t.done("items_since", start, err)
	return cs, err
}

func (t *timedStore) ConsentHistory(ctx context.Context, userID string) ([]store.ConsentChange, error) {
	start := time.Now()
	cs, err := t.s.ConsentHistory(ctx, userID)
	t.done("consent_history", start, err)
	return cs, err
}

func (t *timedStore) PutObject(ctx context.Context, kind, id string, data []byte) (int64, error) {
	start := time.Now()
	v, err := t.s.PutObject(ctx, kind, id, data)
	t.done("put_object", start, err)
	return v, err
}

func (t *timedStore) GetObject(ctx context.Context, kind, id string) (store.Object, error) {
	start := time.Now()
	o, err := t.s.GetObject(ctx, kind, id)
	t.done("get_object", start, err)
	return o, err
}

func (t *timedStore) ListObjects(ctx context.Context, kind, cursor string, limit int) ([]store.Object, string, error) {
	start := time.Now()
	objs, next, err := t.s.ListObjects(ctx, kind, cursor, limit)
	t.done("list_objects", start, err)
	return objs, next, err
}

func (t *timedStore) DeleteObject(ctx context.Context, kind, id string) error {
	start := time.Now()
	err := t.s.DeleteObject(ctx, kind, id)
	t.done("delete_object", start, err)
	return err
}

func (t *timedStore) AddCounters(ctx context.Context, delta int64, cs []store.Counter) (int64, error) {
	start := time.Now()
	n, err := t.s.AddCounters(ctx, delta, cs)
	t.done("add_counters", start, err)
	return n, err
}

func (t *timedStore) GetCounters(ctx context.Context, keys []string) (map[string]int64, error) {
	start := time.Now()
	m, err := t.s.GetCounters(ctx, keys)
	t.done("get_counters", start, err)
	return m, err
}

func (t *timedStore) PutValue(ctx context.Context, key string, data []byte, expires time.Time, ifAbsent bool) (bool, error) {
	start := time.Now()
	ok, err := t.s.PutValue(ctx, key, data, expires, ifAbsent)
	t.done("put_value", start, err)
	return ok, err
}

func (t *timedStore) GetValue(ctx context.Context, key string) ([]byte, error) {
	start := time.Now()
	b, err := t.s.GetValue(ctx, key)
	t.done("get_value", start, err)
	return b, err
}

func (t *timedStore) DeleteExpired(ctx context.Context) (int64, error) {
	start := time.Now()
	n, err := t.s.DeleteExpired(ctx)
	t.done("delete_expired", start, err)
	return n, err
}

func (t *timedStore) Stats(ctx context.Context) (store.Stats, error) {
	start := time.Now()
	st, err := t.s.Stats(ctx)
	t.done("stats", start, err)
	return st, err
}

func (t *timedStore) Ping(ctx context.Context) error {
	start := time.Now()
	err := t.s.Ping(ctx)
	t.done("ping", start, err)
	return err
}

func (t *timedStore) Close() error { return t.s.Close() }
