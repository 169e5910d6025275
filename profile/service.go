package profile

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shopmind/shopmind/catalog"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// ErrNoProfile means the user has no events: none yet, or none since the
// user was deleted.
var ErrNoProfile = errors.New("no profile")

// ServiceConfig tunes the Service.
type ServiceConfig struct {
	Profile      Config
	PollInterval time.Duration // how often to look for new events without a Notify; default 200 ms
	RFMInterval  time.Duration // how often to recompute RFM quintiles and price bands; default 10 min
	CLVHorizon   int           // days over which customer value is summed; default 365
	Batch        int           // events asked for per feed call (backends may return fewer); default 1,000
	// Catalog is the catalogue view to share with other services; its owner
	// follows the item feed (catalog.Cache.Run). nil makes the service its
	// own, followed by Run every PollInterval.
	Catalog *catalog.Cache
}

func (c ServiceConfig) withDefaults() ServiceConfig {
	if c.PollInterval <= 0 {
		c.PollInterval = 200 * time.Millisecond
	}
	if c.RFMInterval <= 0 {
		c.RFMInterval = 10 * time.Minute
	}
	if c.CLVHorizon <= 0 {
		c.CLVHorizon = 365
	}
	if c.Batch <= 0 {
		c.Batch = store.MaxLimit
	}
	return c
}

// Service keeps every user's profile in memory by following the store's
// event feed (Store.EventsSince) and its deletion feed
// (Store.DeletionsSince). Every node builds the same profiles from the same
// feeds, so no node holds state another cannot rebuild. Reads call Sync
// first, so an event acknowledged by any node is reflected in the next
// profile read on every node, and so is a user's deletion.
type Service struct {
	b   *Builder
	st  store.Store
	cfg ServiceConfig
	log *slog.Logger
	now func() time.Time

	follow sync.Mutex // one feed reader at a time
	mu     sync.RWMutex
	users  map[string]*entry

	items    *catalog.Cache
	ownItems bool // items is the service's own: Run follows its feed

	applied     atomic.Int64 // seq of the last applied event
	deleted     atomic.Int64 // seq of the last applied deletion
	lagNanos    atomic.Int64 // age of the oldest event not yet applied at the last poll
	synced      atomic.Int64 // Unix nanos of the last successful Sync
	caughtUp    atomic.Bool  // the initial catch-up finished
	quintiles   atomic.Pointer[Quintiles]
	bands       atomic.Pointer[PriceBands]
	value       atomic.Pointer[ValueModel]
	wake        chan struct{}
	eventsTotal atomic.Int64
}

type entry struct {
	mu sync.Mutex
	p  *Profile
	// first is the seq of the earliest event folded into p. Events are
	// applied in seq order, so a deletion whose EventSeq is below it came
	// before everything p holds (see applyDeletion).
	first int64
}

// NewService returns a service over st; call Run to follow the feed.
func NewService(st store.Store, cfg ServiceConfig, log *slog.Logger) *Service {
	cfg = cfg.withDefaults()
	if log == nil {
		log = slog.Default()
	}
	items := cfg.Catalog
	if items == nil {
		items = catalog.New(st)
	}
	return &Service{
		b: NewBuilder(cfg.Profile), st: st, cfg: cfg, log: log, now: time.Now,
		users: make(map[string]*entry), items: items, ownItems: cfg.Catalog == nil, wake: make(chan struct{}, 1),
	}
}

// Catalog is the catalogue view the service reads.
func (s *Service) Catalog() *catalog.Cache { return s.items }

// Builder is the service's profile builder.
func (s *Service) Builder() *Builder { return s.b }

// Notify wakes the follower (the ingest path calls it after a commit).
func (s *Service) Notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run loads the catalogue, catches up with the feed and follows it until ctx
// ends, refreshing RFM quintiles on their schedule. A catalogue of the
// service's own follows the item feed every PollInterval.
func (s *Service) Run(ctx context.Context) error {
	start := time.Now()
	for wait := time.Second; ; wait = min(2*wait, 30*time.Second) {
		err := s.Sync(ctx)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return fmt.Errorf("profiles: initial catch-up: %w", err)
		}
		s.log.Warn("profiles: initial catch-up failed; retrying", "err", err, "in", wait)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
	s.caughtUp.Store(true)
	s.RefreshRFM()
	s.log.Info("profiles built", "users", s.Users(), "events", s.eventsTotal.Load(), "took", time.Since(start).Round(time.Millisecond))

	if s.ownItems {
		go func() { _ = s.items.Run(ctx, s.cfg.PollInterval, s.log) }()
	}
	poll := time.NewTicker(s.cfg.PollInterval)
	rfm := time.NewTicker(s.cfg.RFMInterval)
	defer poll.Stop()
	defer rfm.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-poll.C:
		case <-s.wake:
		case <-rfm.C:
			s.RefreshRFM()
			continue
		}
		if err := s.Sync(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("profiles: following the event feed", "err", err)
		}
	}
}

// Ready reports whether the initial catch-up has finished.
func (s *Service) Ready() bool { return s.caughtUp.Load() }

// Sync applies every event stored so far, then every deletion. It is cheap
// when there is nothing new (one query per feed).
func (s *Service) Sync(ctx context.Context) error {
	s.follow.Lock()
	defer s.follow.Unlock()
	if !s.items.Loaded() {
		// One catalogue scan beats one lookup per item while catching up.
		if err := s.items.Sync(ctx); err != nil {
			return err
		}
	}
	for {
		evs, err := s.st.EventsSince(ctx, s.applied.Load(), s.cfg.Batch)
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			s.lagNanos.Store(0)
			break
		}
		if r := evs[0].ReceivedAt; !r.IsZero() {
			s.lagNanos.Store(int64(max(0, s.now().Sub(r))))
		}
		for i := range evs {
			if err := s.apply(ctx, &evs[i]); err != nil {
				return err
			}
		}
		s.applied.Store(evs[len(evs)-1].Seq)
		s.eventsTotal.Add(int64(len(evs)))
		// Backends may cap the page below Batch, so only an empty page
		// means caught up.
	}
	for {
		ds, err := s.st.DeletionsSince(ctx, s.deleted.Load(), s.cfg.Batch)
		if err != nil {
			return err
		}
		if len(ds) == 0 {
			s.synced.Store(s.now().UnixNano())
			return nil
		}
		for i := range ds {
			if err := s.applyDeletion(ctx, &ds[i]); err != nil {
				return err
			}
			s.deleted.Store(ds[i].Seq)
		}
	}
}

// applyDeletion forgets what the service learnt from a deleted user's
// events. The store removed the user's events with seq up to d.EventSeq;
// events with a larger seq are a new life and stay. The deletion is seen
// only after every event up to Applied, so the profile may already hold
// events of the new life (seq in d.EventSeq+1 .. Applied) next to the
// removed ones. Then the profile is rebuilt from the user's stored events
// in that range, in seq order; later events come through the event feed as
// usual. Events a later deletion removes are no longer stored, so they are
// not re-applied, and that deletion is applied next in any case.
//
// A profile whose earliest event came after the deletion (a node that
// started after it, or a deletion applied before) is left as it is, so
// catching up over old deletions costs no store reads.
func (s *Service) applyDeletion(ctx context.Context, d *store.Deletion) error {
	s.mu.RLock()
	en := s.users[d.UserID]
	s.mu.RUnlock()
	if en == nil {
		return nil // none of the user's events were applied
	}
	en.mu.Lock()
	first := en.first
	en.mu.Unlock()
	if first > d.EventSeq {
		return nil
	}
	applied := s.applied.Load()
	var life []shop.Event
	if applied > d.EventSeq {
		q := store.EventQuery{UserID: d.UserID, Limit: store.MaxLimit}
		for {
			page, next, err := s.st.UserEvents(ctx, q)
			if err != nil {
				return err
			}
			for _, e := range page {
				if e.Seq > d.EventSeq && e.Seq <= applied {
					life = append(life, e)
				}
			}
			if next == "" {
				break
			}
			q.Cursor = next
		}
	}
	var fresh *entry
	if len(life) > 0 {
		slices.SortFunc(life, func(a, b shop.Event) int { return cmp.Compare(a.Seq, b.Seq) })
		fresh = &entry{p: New(d.UserID), first: life[0].Seq}
		for i := range life {
			it, err := s.item(ctx, &life[i])
			if err != nil {
				return err
			}
			s.b.Apply(fresh.p, &life[i], it)
		}
	}
	s.mu.Lock()
	if fresh != nil {
		s.users[d.UserID] = fresh
	} else {
		delete(s.users, d.UserID)
	}
	s.mu.Unlock()
	return nil
}

// item returns the catalogue entry of the event's item, nil when it has none.
func (s *Service) item(ctx context.Context, e *shop.Event) (*shop.Item, error) {
	if e.ItemID == "" {
		return nil, nil
	}
	return s.items.Get(ctx, e.ItemID)
}

func (s *Service) apply(ctx context.Context, e *shop.Event) error {
	it, err := s.item(ctx, e)
	if err != nil {
		return err
	}
	s.mu.RLock()
	en := s.users[e.UserID]
	s.mu.RUnlock()
	if en == nil {
		s.mu.Lock()
		if en = s.users[e.UserID]; en == nil {
			en = &entry{p: New(e.UserID), first: e.Seq}
			s.users[e.UserID] = en
		}
		s.mu.Unlock()
	}
	en.mu.Lock()
	s.b.Apply(en.p, e, it)
	en.mu.Unlock()
	return nil
}

// Lag is how far behind the feed the profiles were at the last poll.
func (s *Service) Lag() time.Duration { return time.Duration(s.lagNanos.Load()) }

// SinceSync is the time since the last successful Sync: how stale this
// node's profiles may be. Negative before the first.
func (s *Service) SinceSync() time.Duration {
	n := s.synced.Load()
	if n == 0 {
		return -1
	}
	return s.now().Sub(time.Unix(0, n))
}

// Applied is the seq of the last event folded into the profiles.
func (s *Service) Applied() int64 { return s.applied.Load() }

// AppliedDeletions is the seq of the last deletion applied to the profiles.
func (s *Service) AppliedDeletions() int64 { return s.deleted.Load() }

// Users counts profiles.
func (s *Service) Users() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.users)
}

// View returns the user's profile as of now, after Sync. ErrNoProfile if the
// user has no events.
func (s *Service) View(ctx context.Context, userID string) (View, error) {
	if err := s.Sync(ctx); err != nil {
		return View{}, err
	}
	s.mu.RLock()
	en := s.users[userID]
	s.mu.RUnlock()
	if en == nil {
		return View{}, ErrNoProfile
	}
	en.mu.Lock()
	defer en.mu.Unlock()
	return s.b.View(en.p, s.context()), nil
}

// context is the read context in force now.
func (s *Service) context() *Context {
	return &Context{Now: s.now().Unix(), Quintiles: s.quintiles.Load(), Bands: s.bands.Load(), Value: s.value.Load()}
}

// ValueModel returns the customer-value model in force (nil until enough
// buyers exist).
func (s *Service) ValueModel() *ValueModel { return s.value.Load() }

// RFM returns the quintiles in force (nil before the first refresh).
func (s *Service) RFM() *Quintiles { return s.quintiles.Load() }

// RefreshRFM recomputes RFM quintiles over every profile, price bands over
// the catalogue, and refits the customer-value models.
func (s *Service) RefreshRFM() Quintiles {
	s.mu.RLock()
	ps := make([]*Profile, 0, len(s.users))
	for _, en := range s.users {
		en.mu.Lock()
		cp := *en.p // quintiles and value models read only scalar fields
		en.mu.Unlock()
		ps = append(ps, &cp)
	}
	s.mu.RUnlock()
	now := s.now().Unix()
	q := ComputeQuintiles(ps, now)
	s.quintiles.Store(&q)
	pb := ComputePriceBands(s.items.Prices())
	s.bands.Store(&pb)
	if m, err := FitValue(ps, now, s.cfg.CLVHorizon); err != nil {
		s.log.Info("profiles: no customer-value model yet", "reason", err)
	} else {
		s.value.Store(m)
	}
	return q
}

// With calls fn with the user's profile (under its lock) and the read
// context in force, after Sync. ErrNoProfile if the user has no events.
func (s *Service) With(ctx context.Context, userID string, fn func(p *Profile, c *Context)) error {
	if err := s.Sync(ctx); err != nil {
		return err
	}
	s.mu.RLock()
	en := s.users[userID]
	s.mu.RUnlock()
	if en == nil {
		return ErrNoProfile
	}
	c := s.context()
	en.mu.Lock()
	defer en.mu.Unlock()
	fn(en.p, c)
	return nil
}

// Each calls fn for every profile (under that profile's lock) with the read
// context in force, in user-id order, stopping when fn returns false.
func (s *Service) Each(fn func(p *Profile, ctx *Context) bool) {
	s.mu.RLock()
	ids := make([]string, 0, len(s.users))
	for id := range s.users {
		ids = append(ids, id)
	}
	s.mu.RUnlock()
	sort.Strings(ids)
	c := s.context()
	for _, id := range ids {
		s.mu.RLock()
		en := s.users[id]
		s.mu.RUnlock()
		en.mu.Lock()
		ok := fn(en.p, c)
		en.mu.Unlock()
		if !ok {
			return
		}
	}
}

// Peek calls fn with the user's profile as the service holds it now (under
// its lock), without syncing first, so it does no I/O: serving paths use it
// and accept the feed's lag (Lag). It reports false when the user has no
// profile.
func (s *Service) Peek(userID string, fn func(p *Profile)) bool {
	s.mu.RLock()
	en := s.users[userID]
	s.mu.RUnlock()
	if en == nil {
		return false
	}
	en.mu.Lock()
	defer en.mu.Unlock()
	fn(en.p)
	return true
}

// PeekView is View without syncing with the feed first, so it does no I/O;
// serving paths (ad decisions) use it and accept the feed's lag.
func (s *Service) PeekView(userID string) (View, bool) {
	s.mu.RLock()
	en := s.users[userID]
	s.mu.RUnlock()
	if en == nil {
		return View{}, false
	}
	c := s.context()
	en.mu.Lock()
	defer en.mu.Unlock()
	return s.b.View(en.p, c), true
}
