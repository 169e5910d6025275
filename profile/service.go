package profile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// ErrNoProfile means the user has no events yet.
var ErrNoProfile = errors.New("no profile")

// ServiceConfig tunes the Service.
type ServiceConfig struct {
	Profile      Config
	PollInterval time.Duration // how often to look for new events without a Notify; default 200 ms
	RFMInterval  time.Duration // how often to recompute RFM quintiles and price bands; default 10 min
	ItemRefresh  time.Duration // how often to reload the catalogue; default 5 min
	CLVHorizon   int           // days over which customer value is summed; default 365
	Batch        int           // events asked for per feed call (backends may return fewer); default 1,000
}

func (c ServiceConfig) withDefaults() ServiceConfig {
	if c.PollInterval <= 0 {
		c.PollInterval = 200 * time.Millisecond
	}
	if c.RFMInterval <= 0 {
		c.RFMInterval = 10 * time.Minute
	}
	if c.ItemRefresh <= 0 {
		c.ItemRefresh = 5 * time.Minute
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
// event feed (Store.EventsSince). Every node builds the same profiles from
// the same feed, so no node holds state another cannot rebuild. Reads call
// Sync first, so an event acknowledged by any node is reflected in the next
// profile read on every node.
type Service struct {
	b   *Builder
	st  store.Store
	cfg ServiceConfig
	log *slog.Logger
	now func() time.Time

	follow sync.Mutex // one feed reader at a time
	mu     sync.RWMutex
	users  map[string]*entry

	items *itemCache

	applied     atomic.Int64 // seq of the last applied event
	lagNanos    atomic.Int64 // age of the oldest event not yet applied at the last poll
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
}

// NewService returns a service over st; call Run to follow the feed.
func NewService(st store.Store, cfg ServiceConfig, log *slog.Logger) *Service {
	cfg = cfg.withDefaults()
	if log == nil {
		log = slog.Default()
	}
	return &Service{
		b: NewBuilder(cfg.Profile), st: st, cfg: cfg, log: log, now: time.Now,
		users: make(map[string]*entry), items: newItemCache(st), wake: make(chan struct{}, 1),
	}
}

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
// ends, refreshing RFM quintiles and the catalogue on their schedules.
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

	poll := time.NewTicker(s.cfg.PollInterval)
	rfm := time.NewTicker(s.cfg.RFMInterval)
	cat := time.NewTicker(s.cfg.ItemRefresh)
	defer poll.Stop()
	defer rfm.Stop()
	defer cat.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-poll.C:
		case <-s.wake:
		case <-rfm.C:
			s.RefreshRFM()
			continue
		case <-cat.C:
			if err := s.items.reload(ctx); err != nil {
				s.log.Warn("profiles: reloading the catalogue", "err", err)
			}
			continue
		}
		if err := s.Sync(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("profiles: following the event feed", "err", err)
		}
	}
}

// Ready reports whether the initial catch-up has finished.
func (s *Service) Ready() bool { return s.caughtUp.Load() }

// Sync applies every event stored so far. It is cheap when there is nothing
// new (one feed query).
func (s *Service) Sync(ctx context.Context) error {
	s.follow.Lock()
	defer s.follow.Unlock()
	if !s.items.loaded.Load() {
		// One catalogue scan beats one lookup per item while catching up.
		if err := s.items.reload(ctx); err != nil {
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
			return nil
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
}

func (s *Service) apply(ctx context.Context, e *shop.Event) error {
	var it *shop.Item
	if e.ItemID != "" {
		var err error
		if it, err = s.items.get(ctx, e.ItemID); err != nil {
			return err
		}
	}
	s.mu.RLock()
	en := s.users[e.UserID]
	s.mu.RUnlock()
	if en == nil {
		s.mu.Lock()
		if en = s.users[e.UserID]; en == nil {
			en = &entry{p: New(e.UserID)}
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

// Applied is the seq of the last event folded into the profiles.
func (s *Service) Applied() int64 { return s.applied.Load() }

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
	pb := ComputePriceBands(s.items.prices())
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
