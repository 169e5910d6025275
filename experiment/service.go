package experiment

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// Kind is the store object kind of experiment definitions.
const Kind = "experiment"

// ErrNotFound means no experiment has that id.
var ErrNotFound = errors.New("experiment not found")

// ErrExists means Create was given the id of an existing experiment.
var ErrExists = errors.New("experiment already exists")

// Config tunes the Service. Zero fields take defaults.
type Config struct {
	Now   func() time.Time // clock; default time.Now
	Batch int              // events asked for per feed call; default store.MaxLimit
	Tau   float64          // mSPRT mixing SD in pooled SDs; default DefaultTau
	// PollInterval is how often Run reads the feed; default 1 s.
	PollInterval time.Duration
}

// Service keeps experiment definitions in the store and answers
// assignments and results.
//
// Exposure logging: a user is in an experiment once the shop has logged an
// event carrying context.experiment = the experiment's id, in every arm,
// holdout included, at the point where the decision is made (the page
// rendered with or without the treatment, the message sent or held back).
// Its arm is always Assign's answer; an event whose context.variant names
// another arm counts as a mismatch in the results. Conversions are events
// of the experiment's conversion type at or after the first exposure and
// before End; the CUPED covariate is purchase revenue in the PrePeriodDays
// before the first exposure.
//
// Gathering: the service follows the store's event feed (EventsSince) and
// deletion feed with cursors, keeping in memory, per user, only exposure
// events and events of conversion types (purchases and any type an
// experiment converts on), so a results call reads only what is new in the
// feed and then walks the experiment's units. Every node rebuilds the same
// state from the store; nothing is kept only in one process.
type Service struct {
	st  store.Store
	cfg Config
	log *slog.Logger

	follow  sync.Mutex // one feed reader at a time
	mu      sync.RWMutex
	applied int64 // seq of the last applied event
	deleted int64 // seq of the last applied deletion
	kinds   map[shop.EventType]bool
	loaded  bool // kinds include every stored experiment's conversion type
	users   map[string][]record
	byExp   map[string]map[string]struct{}

	armsMu sync.Mutex
	arms   map[string]*armCache // by experiment id
}

// armCache remembers users' arms under one version of a definition, so
// repeated results calls do not hash every unit again.
type armCache struct {
	version int64
	arm     map[string]string
}

// record is one kept event of a user.
type record struct {
	seq        int64
	ts         time.Time
	typ        shop.EventType
	revenue    float64
	experiment string // context.experiment ("" if none)
	variant    string // context.variant
}

// NewService returns a service over st.
func NewService(st store.Store, cfg Config, log *slog.Logger) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Batch <= 0 {
		cfg.Batch = store.MaxLimit
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if log == nil {
		log = slog.Default()
	}
	s := &Service{st: st, cfg: cfg, log: log, arms: map[string]*armCache{}}
	s.reset(map[shop.EventType]bool{shop.Purchase: true})
	return s
}

func (s *Service) reset(kinds map[shop.EventType]bool) {
	s.kinds = kinds
	s.applied, s.deleted = 0, 0
	s.users = map[string][]record{}
	s.byExp = map[string]map[string]struct{}{}
}

// Create validates and saves a new experiment. Without an id one is made;
// without a salt a random one is chosen; without a start it starts now.
func (s *Service) Create(ctx context.Context, e Experiment) (Experiment, error) {
	if e.ID == "" {
		e.ID = "exp-" + randomHex(6)
	} else if checkID(e.ID) == "" {
		if _, err := s.st.GetObject(ctx, Kind, e.ID); err == nil {
			return Experiment{}, fmt.Errorf("experiment %q: %w; change it with PUT instead", e.ID, ErrExists)
		} else if !errors.Is(err, store.ErrNotFound) {
			return Experiment{}, fmt.Errorf("experiment: checking %q: %w", e.ID, err)
		}
	}
	if e.Salt == "" {
		e.Salt = randomHex(16)
	}
	now := s.cfg.Now().UTC()
	if e.Start.IsZero() {
		e.Start = now
	}
	e.CreatedAt, e.UpdatedAt = now, now
	e.Normalize()
	if err := e.Validate(); err != nil {
		return Experiment{}, err
	}
	return s.save(ctx, e)
}

// Update replaces experiment id with next, refusing changes CheckChange
// forbids. An empty salt keeps the stored one.
func (s *Service) Update(ctx context.Context, id string, next Experiment) (Experiment, error) {
	old, err := s.Get(ctx, id)
	if err != nil {
		return Experiment{}, err
	}
	next.ID = id
	if next.Salt == "" {
		next.Salt = old.Salt
	}
	if next.Start.IsZero() {
		next.Start = old.Start
	}
	next.CreatedAt, next.UpdatedAt = old.CreatedAt, s.cfg.Now().UTC()
	next.Normalize()
	if err := errors.Join(next.Validate(), CheckChange(&old, &next, s.cfg.Now())); err != nil {
		return Experiment{}, err
	}
	return s.save(ctx, next)
}

func (s *Service) save(ctx context.Context, e Experiment) (Experiment, error) {
	e.Version = 0
	data, err := json.Marshal(e)
	if err != nil {
		return Experiment{}, err
	}
	v, err := s.st.PutObject(ctx, Kind, e.ID, data)
	if err != nil {
		return Experiment{}, fmt.Errorf("experiment: saving %q: %w", e.ID, err)
	}
	e.Version = v
	return e, nil
}

// Get returns one experiment.
func (s *Service) Get(ctx context.Context, id string) (Experiment, error) {
	if checkID(id) != "" {
		return Experiment{}, fmt.Errorf("experiment %q: %w", id, ErrNotFound)
	}
	o, err := s.st.GetObject(ctx, Kind, id)
	if errors.Is(err, store.ErrNotFound) {
		return Experiment{}, fmt.Errorf("experiment %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return Experiment{}, fmt.Errorf("experiment: reading %q: %w", id, err)
	}
	return decode(o)
}

func decode(o store.Object) (Experiment, error) {
	var e Experiment
	if err := json.Unmarshal(o.Data, &e); err != nil {
		return Experiment{}, fmt.Errorf("experiment %q is stored damaged: %w", o.ID, err)
	}
	e.ID, e.Version = o.ID, o.Version
	return e, nil
}

// List pages through experiments by id.
func (s *Service) List(ctx context.Context, cursor string, limit int) ([]Experiment, string, error) {
	objs, next, err := s.st.ListObjects(ctx, Kind, cursor, store.PageLimit(limit))
	if err != nil {
		return nil, "", fmt.Errorf("experiment: listing: %w", err)
	}
	out := make([]Experiment, 0, len(objs))
	for _, o := range objs {
		e, err := decode(o)
		if err != nil {
			return nil, "", err
		}
		out = append(out, e)
	}
	return out, next, nil
}

// Assignment is a user's arm in an experiment.
type Assignment struct {
	Experiment string `json:"experiment"`
	User       string `json:"user"`
	Arm        string `json:"arm"`
	InHoldout  bool   `json:"in_holdout"`
}

// Assign returns userID's arm in experiment id (no I/O beyond reading the
// definition).
func (s *Service) Assign(ctx context.Context, id, userID string) (Assignment, error) {
	e, err := s.Get(ctx, id)
	if err != nil {
		return Assignment{}, err
	}
	arm := Assign(&e, userID)
	return Assignment{Experiment: id, User: userID, Arm: arm, InHoldout: arm == HoldoutArm}, nil
}

// Results is the answer of GET /v1/experiments/{id}/results.
type Results struct {
	Experiment Experiment `json:"experiment"`
	Analysis
	// Mismatches counts units with an exposure whose context.variant names
	// another arm than their assignment (they are analysed in their
	// assigned arm).
	Mismatches int       `json:"variant_mismatches"`
	AsOfSeq    int64     `json:"as_of_seq"`
	ComputedAt time.Time `json:"computed_at"`
}

// Results reads what is new in the feed and analyses experiment id.
func (s *Service) Results(ctx context.Context, id string) (Results, error) {
	e, err := s.Get(ctx, id)
	if err != nil {
		return Results{}, err
	}
	if err := s.Sync(ctx, e.ConversionEvent); err != nil {
		return Results{}, fmt.Errorf("experiment: reading the event feed: %w", err)
	}
	units, mismatches, seq := s.units(&e)
	return Results{Experiment: e, Analysis: Analyze(&e, units, Options{Tau: s.cfg.Tau}),
		Mismatches: mismatches, AsOfSeq: seq, ComputedAt: s.cfg.Now().UTC()}, nil
}

// units builds the experiment's units from the kept records.
func (s *Service) units(e *Experiment) (units []Unit, mismatches int, seq int64) {
	s.armsMu.Lock() // one results computation per node at a time owns the cache
	defer s.armsMu.Unlock()
	cache := s.arms[e.ID]
	if cache == nil || cache.version != e.Version {
		cache = &armCache{version: e.Version, arm: map[string]string{}}
		s.arms[e.ID] = cache
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	pre := time.Duration(e.PrePeriodDays) * 24 * time.Hour
	inWindow := func(ts time.Time) bool { return !ts.Before(e.Start) && (e.End.IsZero() || ts.Before(e.End)) }
	for user := range s.byExp[e.ID] {
		recs := s.users[user]
		var first time.Time
		for _, r := range recs {
			if r.experiment == e.ID && inWindow(r.ts) && (first.IsZero() || r.ts.Before(first)) {
				first = r.ts
			}
		}
		if first.IsZero() {
			continue
		}
		arm, ok := cache.arm[user]
		if !ok {
			arm = Assign(e, user)
			cache.arm[user] = arm
		}
		u := Unit{User: user, Arm: arm}
		mismatch := false
		for _, r := range recs {
			if r.experiment == e.ID && r.variant != "" && r.variant != u.Arm && inWindow(r.ts) {
				mismatch = true
			}
			if r.typ == e.ConversionEvent && !r.ts.Before(first) && (e.End.IsZero() || r.ts.Before(e.End)) {
				u.Conversions++
				u.Revenue += r.revenue
			}
			if r.typ == shop.Purchase && r.ts.Before(first) && !r.ts.Before(first.Add(-pre)) {
				u.PreSpend += r.revenue
			}
		}
		if mismatch {
			mismatches++
		}
		units = append(units, u)
	}
	return units, mismatches, s.applied
}

// Run follows the feed every PollInterval until ctx ends, so a results
// call finds the state nearly current and reads only the last few events.
// Results are correct without it (they sync first).
func (s *Service) Run(ctx context.Context) error {
	t := time.NewTicker(s.cfg.PollInterval)
	defer t.Stop()
	for {
		if err := s.Sync(ctx, shop.Purchase); err != nil && ctx.Err() == nil {
			s.log.Warn("experiments: following the event feed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Sync applies every event and deletion stored so far, after making sure
// events of type conv are kept (if they were not, the state is rebuilt from
// the start of the feed).
func (s *Service) Sync(ctx context.Context, conv shop.EventType) error {
	s.follow.Lock()
	defer s.follow.Unlock()
	if !s.loaded || !s.kinds[conv] {
		kinds := map[shop.EventType]bool{shop.Purchase: true, conv: true}
		for cursor := ""; ; {
			objs, next, err := s.st.ListObjects(ctx, Kind, cursor, store.MaxLimit)
			if err != nil {
				return err
			}
			for _, o := range objs {
				if e, err := decode(o); err == nil && e.ConversionEvent.Valid() {
					kinds[e.ConversionEvent] = true
				}
			}
			if next == "" {
				break
			}
			cursor = next
		}
		s.mu.Lock()
		if s.loaded {
			s.log.Info("experiments: rebuilding from the start of the feed for a new conversion event type", "type", conv)
		}
		s.reset(kinds)
		s.loaded = true
		s.mu.Unlock()
	}
	for {
		evs, err := s.st.EventsSince(ctx, s.applied, s.cfg.Batch)
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			break
		}
		s.mu.Lock()
		for i := range evs {
			s.apply(&evs[i])
		}
		s.applied = evs[len(evs)-1].Seq
		s.mu.Unlock()
	}
	for {
		dels, err := s.st.DeletionsSince(ctx, s.deleted, store.MaxLimit)
		if err != nil {
			return err
		}
		if len(dels) == 0 {
			return nil
		}
		s.mu.Lock()
		for _, d := range dels {
			s.forget(d)
		}
		s.deleted = dels[len(dels)-1].Seq
		s.mu.Unlock()
	}
}

func (s *Service) apply(ev *shop.Event) {
	exp := ev.Context.Experiment
	if exp == "" && !s.kinds[ev.Type] {
		return
	}
	s.users[ev.UserID] = append(s.users[ev.UserID], record{seq: ev.Seq, ts: ev.Timestamp, typ: ev.Type,
		revenue: ev.Revenue, experiment: exp, variant: ev.Context.Variant})
	if exp != "" {
		set := s.byExp[exp]
		if set == nil {
			set = map[string]struct{}{}
			s.byExp[exp] = set
		}
		set[ev.UserID] = struct{}{}
	}
}

// forget drops a deleted user's events stored before the deletion.
func (s *Service) forget(d store.Deletion) {
	recs, ok := s.users[d.UserID]
	if !ok {
		return
	}
	for _, r := range recs {
		if r.experiment != "" {
			delete(s.byExp[r.experiment], d.UserID)
		}
	}
	kept := recs[:0]
	for _, r := range recs {
		if r.seq > d.EventSeq {
			kept = append(kept, r)
			if r.experiment != "" {
				s.byExp[r.experiment][d.UserID] = struct{}{}
			}
		}
	}
	if len(kept) == 0 {
		delete(s.users, d.UserID)
		return
	}
	s.users[d.UserID] = kept
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
