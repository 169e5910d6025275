// Package recserve owns serving recommendations: it trains the model bundle
// (package recommend/bundle) from the store and publishes it as a versioned
// artefact, loads the current artefact on every node and swaps it in
// atomically while requests continue, and answers requests — a user's
// recommendations, similar items, items bought together, next items for an
// anonymous session, popular items — from in-memory state only: the bundle,
// the profiles' recent histories (package profile) and the catalogue view
// (package catalog). Business rules (exclusions, category filters, boost and
// bury, diversity) and explanations are applied here.
package recserve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shopmind/shopmind/artefact"
	"github.com/shopmind/shopmind/catalog"
	"github.com/shopmind/shopmind/consent"
	"github.com/shopmind/shopmind/profile"
	"github.com/shopmind/shopmind/recommend/bundle"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// Kind is the artefact kind of the recommendation bundle.
const Kind = "recommend"

// Config tunes the service. Zero fields take defaults.
type Config struct {
	// Train makes this node a trainer: it trains when no model exists and
	// every TrainInterval (0: only on demand and at first start).
	Train         bool
	TrainInterval time.Duration
	// PollInterval is how often the node looks for a newer published
	// model (default 5 s).
	PollInterval time.Duration
	Keep         int // artefact versions kept (default 3)
	Bundle       bundle.Config
	Weights      shop.Weights // event weights (default shop.DefaultWeights)
	Rules        Rules
	MaxN         int // largest n a request may ask for (default 200)
	// BlockRefresh bounds how often the set of hidden and out-of-stock
	// items is rebuilt after catalogue changes (default 1 s).
	BlockRefresh time.Duration
}

func (c Config) withDefaults() Config {
	if c.PollInterval <= 0 {
		c.PollInterval = 5 * time.Second
	}
	if c.Keep <= 0 {
		c.Keep = 3
	}
	if c.Weights == nil {
		c.Weights = shop.MergeWeights(nil)
	}
	if c.MaxN <= 0 {
		c.MaxN = 200
	}
	if c.BlockRefresh <= 0 {
		c.BlockRefresh = time.Second
	}
	return c
}

// Service serves recommendations. Build it with New and start Run.
type Service struct {
	cfg      Config
	st       store.Store
	profiles *profile.Service
	cat      *catalog.Cache
	log      *slog.Logger
	now      func() time.Time

	consent *consent.Service // nil: everyone consents
	caps    cappers          // running exposure counts per cap setting

	cur      atomic.Pointer[loaded]
	training sync.Mutex // one training at a time on this node
	swaps    atomic.Int64
	lastErr  atomic.Pointer[string]
}

// New returns a service; profiles may be nil (then no user has history and
// every user gets non-personalised answers).
func New(st store.Store, profiles *profile.Service, cat *catalog.Cache, cfg Config, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	if cat == nil {
		cat = catalog.New(st)
	}
	return &Service{cfg: cfg.withDefaults(), st: st, profiles: profiles, cat: cat, log: log, now: time.Now}
}

// UseConsent makes ForUser answer users without personalization consent
// with non-personalised recommendations. Call it before serving.
func (s *Service) UseConsent(c *consent.Service) { s.consent = c }

// Model describes the model in force.
type Model struct {
	Version  string      `json:"version"`
	LoadedAt time.Time   `json:"loaded_at"`
	Info     bundle.Info `json:"info"`
}

// Current describes the model in force; ok is false before the first load.
func (s *Service) Current() (Model, bool) {
	l := s.cur.Load()
	if l == nil {
		return Model{}, false
	}
	return Model{Version: l.manifest.Version, LoadedAt: l.loadedAt, Info: l.b.Info}, true
}

// Swaps counts model swaps on this node.
func (s *Service) Swaps() int64 { return s.swaps.Load() }

// ModelAge is how long ago the model in force was trained (0 before any).
func (s *Service) ModelAge() time.Duration {
	l := s.cur.Load()
	if l == nil {
		return 0
	}
	return s.now().Sub(l.manifest.CreatedAt)
}

// Run loads the current model (training one first on a trainer node when
// none exists), then polls for new versions and, on a trainer, retrains on
// schedule, until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	if err := s.Refresh(ctx); err != nil && !errors.Is(err, artefact.ErrNone) {
		s.log.Warn("recommendations: loading the current model", "err", err)
	}
	if s.cfg.Train && s.cur.Load() == nil {
		s.trainLogged(ctx)
	}
	poll := time.NewTicker(s.cfg.PollInterval)
	defer poll.Stop()
	var train <-chan time.Time
	if s.cfg.Train && s.cfg.TrainInterval > 0 {
		t := time.NewTicker(s.cfg.TrainInterval)
		defer t.Stop()
		train = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-poll.C:
			if err := s.Refresh(ctx); err != nil && !errors.Is(err, artefact.ErrNone) && ctx.Err() == nil {
				s.log.Warn("recommendations: looking for a new model", "err", err)
			}
		case <-train:
			s.trainLogged(ctx)
		}
	}
}

// TrainLoop is the trainer's work: train and publish when no model is
// published yet, then every TrainInterval (never, when 0), until ctx ends.
// A cluster runs it on one elected process (package leader); the others
// only Run (poll and swap) with Train unset.
func (s *Service) TrainLoop(ctx context.Context) error {
	if _, err := artefact.Current(ctx, s.st, Kind); errors.Is(err, artefact.ErrNone) {
		s.trainLogged(ctx)
	} else if err != nil && ctx.Err() == nil {
		s.log.Warn("recommendations: looking for a published model", "err", err)
	}
	if s.cfg.TrainInterval <= 0 {
		<-ctx.Done()
		return nil
	}
	t := time.NewTicker(s.cfg.TrainInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			s.trainLogged(ctx)
		}
	}
}

func (s *Service) trainLogged(ctx context.Context) {
	m, err := s.Train(ctx, nil)
	switch {
	case errors.Is(err, bundle.ErrNoData):
		s.log.Info("recommendations: nothing to train on yet; serving catalogue and popularity fallbacks")
	case err != nil && ctx.Err() == nil:
		msg := err.Error()
		s.lastErr.Store(&msg)
		s.log.Warn("recommendations: training failed; the previous model stays in force", "err", err)
	case err == nil:
		s.log.Info("recommendations: trained and published", "version", m.Version, "bytes", m.Size)
	}
}

// Refresh loads the published model if it is newer than the one in force.
func (s *Service) Refresh(ctx context.Context) error {
	m, err := artefact.Current(ctx, s.st, Kind)
	if err != nil {
		return err
	}
	if l := s.cur.Load(); l != nil && l.manifest.Version >= m.Version {
		return nil
	}
	data, err := artefact.Load(ctx, s.st, m)
	if err != nil {
		return err
	}
	b, err := bundle.Unmarshal(data)
	if err != nil {
		return fmt.Errorf("recommendations: model %s: %w", m.Version, err)
	}
	// The model knows the items catalogued when it was trained; bring the
	// catalogue view up to the item feed so none of them looks deleted on
	// this node.
	if err := s.cat.Sync(ctx); err != nil {
		return fmt.Errorf("recommendations: syncing the catalogue for model %s: %w", m.Version, err)
	}
	s.install(b, m)
	return nil
}

// install swaps b in. Requests in flight keep the bundle they started with.
func (s *Service) install(b *bundle.Bundle, m artefact.Manifest) {
	l := newLoaded(b, m, s.now())
	for {
		old := s.cur.Load()
		if old != nil && old.manifest.Version >= m.Version {
			return
		}
		if s.cur.CompareAndSwap(old, l) {
			break
		}
	}
	s.swaps.Add(1)
	s.log.Info("recommendations: model in force", "version", m.Version, "items", b.NumItems(), "parts", b.Info.Parts)
}

// MaxN is the largest n a request may ask for.
func (s *Service) MaxN() int { return s.cfg.MaxN }

// Rules returns the configured business rules (a copy).
func (s *Service) Rules() Rules {
	r := s.cfg.Rules
	r.Boosts = append([]Boost(nil), r.Boosts...)
	return r
}
