// Package consent keeps every user's consent in memory by following the
// store's consent feed (Store.ConsentSince) and deletion feed, so that the
// serving paths (recommendations, ads, copy, next actions, the assistant)
// enforce consent without a store read, on every node alike.
//
// The policy: a purpose the user granted is allowed and one they refused is
// not; a purpose never asked is allowed unless it is one of the required
// purposes (config consent_required; by default marketing messages and LLM
// processing), which need an explicit grant.
package consent

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// DefaultRequired are the purposes that need an explicit grant unless
// configured otherwise.
var DefaultRequired = []shop.Purpose{shop.MarketingMessages, shop.LLMProcessing}

// Service answers consent questions from memory. Build it with New, call
// Run (or Sync) to follow the feeds.
type Service struct {
	st       store.Store
	required map[shop.Purpose]bool
	poll     time.Duration
	log      *slog.Logger

	follow  sync.Mutex // one feed reader at a time
	mu      sync.RWMutex
	users   map[string]map[shop.Purpose]store.ConsentState
	applied atomic.Int64 // seq of the last applied consent change
	deleted atomic.Int64 // seq of the last applied deletion
	ready   atomic.Bool
	synced  atomic.Int64 // Unix nanos of the last successful Sync
	onDel   []func(ctx context.Context, userID string)
}

// OnDeletion registers fn to be called for every user deletion this node
// follows in the store's deletion feed (after the consent is forgotten), so
// that in-memory state other parts keep of the user goes on every node.
// Call it before Run.
func (s *Service) OnDeletion(fn func(ctx context.Context, userID string)) {
	s.onDel = append(s.onDel, fn)
}

// New returns a service over st. required lists the purposes that need an
// explicit grant (nil: DefaultRequired); poll is how often Run looks for
// changes (default 200 ms).
func New(st store.Store, required []shop.Purpose, poll time.Duration, log *slog.Logger) *Service {
	if required == nil {
		required = DefaultRequired
	}
	if poll <= 0 {
		poll = 200 * time.Millisecond
	}
	if log == nil {
		log = slog.Default()
	}
	s := &Service{st: st, required: map[shop.Purpose]bool{}, poll: poll, log: log,
		users: map[string]map[shop.Purpose]store.ConsentState{}}
	for _, p := range required {
		s.required[p] = true
	}
	return s
}

// Allowed reports whether userID's data may be used for purpose p. It reads
// memory only; a nil service allows everything.
func (s *Service) Allowed(userID string, p shop.Purpose) bool {
	if s == nil {
		return true
	}
	switch s.State(userID, p) {
	case store.ConsentGranted:
		return true
	case store.ConsentRefused:
		return false
	}
	return !s.required[p]
}

// State is what userID said about p as far as this node has followed the
// feed (ConsentUnset when never asked).
func (s *Service) State(userID string, p shop.Purpose) store.ConsentState {
	s.mu.RLock()
	st, ok := s.users[userID][p]
	s.mu.RUnlock()
	if !ok {
		return store.ConsentUnset
	}
	return st
}

// Required reports whether p needs an explicit grant.
func (s *Service) Required(p shop.Purpose) bool { return s.required[p] }

// Ready reports whether the first catch-up finished.
func (s *Service) Ready() bool { return s.ready.Load() }

// Applied is the seq of the last consent change applied.
func (s *Service) Applied() int64 { return s.applied.Load() }

// Run follows the feeds until ctx ends, logging (not returning) store
// errors so that a store outage does not stop the node.
func (s *Service) Run(ctx context.Context) error {
	t := time.NewTicker(s.poll)
	defer t.Stop()
	for {
		if err := s.Sync(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("consent: following the feed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Sync applies every consent change stored so far, then every deletion.
func (s *Service) Sync(ctx context.Context) error {
	s.follow.Lock()
	defer s.follow.Unlock()
	for {
		cs, err := s.st.ConsentSince(ctx, s.applied.Load(), store.MaxLimit)
		if err != nil {
			return err
		}
		if len(cs) == 0 {
			break
		}
		s.mu.Lock()
		for _, c := range cs {
			s.set(c)
		}
		s.mu.Unlock()
		s.applied.Store(cs[len(cs)-1].Seq)
	}
	for {
		ds, err := s.st.DeletionsSince(ctx, s.deleted.Load(), store.MaxLimit)
		if err != nil {
			return err
		}
		if len(ds) == 0 {
			break
		}
		for _, d := range ds {
			if err := s.forget(ctx, d.UserID); err != nil {
				return err
			}
			if d.UserID != "" {
				for _, fn := range s.onDel {
					fn(ctx, d.UserID)
				}
			}
			s.deleted.Store(d.Seq)
		}
	}
	s.ready.Store(true)
	s.synced.Store(time.Now().UnixNano())
	return nil
}

// SinceSync is the time since the last successful Sync: how stale this
// node's consent may be. Negative before the first.
func (s *Service) SinceSync() time.Duration {
	n := s.synced.Load()
	if n == 0 {
		return -1
	}
	return time.Since(time.Unix(0, n))
}

// set applies one change; s.mu is held.
func (s *Service) set(c store.ConsentChange) {
	m := s.users[c.UserID]
	if m == nil {
		m = map[shop.Purpose]store.ConsentState{}
		s.users[c.UserID] = m
	}
	if c.State == store.ConsentUnset {
		delete(m, c.Purpose)
		if len(m) == 0 {
			delete(s.users, c.UserID)
		}
		return
	}
	m[c.Purpose] = c.State
}

// forget drops a deleted user's consent. The deletion removed the user's
// history, so what the store still holds for them is a new life (changes
// after the deletion): the state is rebuilt from it, up to what this node
// has applied; later changes come through the feed.
func (s *Service) forget(ctx context.Context, userID string) error {
	life, err := s.st.ConsentHistory(ctx, userID)
	if err != nil {
		return err
	}
	applied := s.applied.Load()
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.users, userID)
	for _, c := range life {
		if c.Seq <= applied {
			s.set(c)
		}
	}
	return nil
}
