package ads

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shopmind/shopmind/audience"
	"github.com/shopmind/shopmind/consent"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// Kind is the store object kind of campaigns.
const Kind = "campaign"

// ErrNotFound means no campaign has that id.
var ErrNotFound = errors.New("campaign not found")

// ErrExists means Create was given the id of an existing campaign.
var ErrExists = errors.New("campaign already exists")

// Segments answers which saved segments a user belongs to; *audience.Service
// implements it.
type Segments interface {
	Memberships(ctx context.Context, userID string) ([]string, error)
}

// ServiceConfig tunes the Service. Zero fields take defaults.
type ServiceConfig struct {
	Engine Config
	// RefreshInterval is how often Run re-reads the campaigns, so changes
	// made on other nodes serve within it (default 5 s).
	RefreshInterval time.Duration
	// DecisionTTL is how long a decision's record is kept for its events
	// (default 7 days, a usual conversion window).
	DecisionTTL time.Duration
	// Profile returns a user's profile features for the models, without
	// I/O (nil: none).
	Profile func(user string) ProfileFeatures
}

// Event is an impression, click or conversion of the ad in Slot of a
// decision.
type Event struct {
	DecisionID string    `json:"decision_id"`
	Slot       int       `json:"slot"`
	Type       EventType `json:"type"`
}

// Service owns campaigns in the store and answers decisions and events
// through the Engine. Methods are safe for concurrent use.
type Service struct {
	cfg      ServiceConfig
	st       store.Store
	counters Counters
	segments Segments
	engine   *Engine
	log      *slog.Logger
	now      func() time.Time

	consent *consent.Service // nil: everyone consents

	trainer      atomic.Pointer[OnlinePredictor] // the model TrainModels learns, while it runs here
	modelVersion atomic.Value                    // string: the published ad model loaded
	mu           sync.Mutex                      // serialises Refresh
	hasTarget    atomic.Bool                     // some campaign targets segments
}

// NewService returns a service. counters nil means NewMemory (one node);
// pred nil means StatsPredictor; segments may be nil (then only requests
// that carry their segments match segment targeting).
func NewService(st store.Store, counters Counters, pred Predictor, segments Segments, cfg ServiceConfig, log *slog.Logger) *Service {
	if counters == nil {
		counters = NewMemory(MemoryConfig{})
	}
	if cfg.RefreshInterval <= 0 {
		cfg.RefreshInterval = 5 * time.Second
	}
	if cfg.DecisionTTL <= 0 {
		cfg.DecisionTTL = 7 * 24 * time.Hour
	}
	if log == nil {
		log = slog.Default()
	}
	now := cfg.Engine.Now
	if now == nil {
		now = time.Now
	}
	s := &Service{cfg: cfg, st: st, counters: counters, segments: segments,
		engine: NewEngine(counters, pred, cfg.Engine), log: log, now: now}
	s.modelVersion.Store("")
	return s
}

// UseConsent makes decisions for users without ads consent untargeted
// (Request.Untargeted). Call it before serving.
func (s *Service) UseConsent(c *consent.Service) { s.consent = c }

// Engine returns the service's engine.
func (s *Service) Engine() *Engine { return s.engine }

// Run loads the campaigns, then re-reads them every RefreshInterval until
// ctx ends.
func (s *Service) Run(ctx context.Context) error {
	if err := s.Refresh(ctx); err != nil && ctx.Err() == nil {
		s.log.Warn("ads: loading campaigns", "err", err)
	}
	if err := s.RefreshModel(ctx); err != nil && ctx.Err() == nil {
		s.log.Warn("ads: loading the published model", "err", err)
	}
	t := time.NewTicker(s.cfg.RefreshInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := s.Refresh(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("ads: reloading campaigns", "err", err)
			}
			// The models the elected trainer published (TrainModels).
			if err := s.RefreshModel(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("ads: loading the published model", "err", err)
			}
		}
	}
}

// Refresh reads every campaign from the store and installs the
// non-archived ones in the engine.
func (s *Service) Refresh(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []Campaign
	cursor := ""
	for {
		objs, next, err := s.st.ListObjects(ctx, Kind, cursor, store.MaxLimit)
		if err != nil {
			return fmt.Errorf("ads: listing campaigns: %w", err)
		}
		for _, o := range objs {
			c, err := decode(o)
			if err != nil {
				s.log.Warn("ads: skipping a damaged campaign", "id", o.ID, "err", err)
				continue
			}
			if c.Status != Archived {
				all = append(all, c)
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	s.hasTarget.Store(slices.ContainsFunc(all, func(c Campaign) bool { return c.Targeting.Segments != nil }))
	return s.engine.SetCampaigns(all)
}

func decode(o store.Object) (Campaign, error) {
	c, err := Decode(o.Data)
	if err != nil {
		return Campaign{}, fmt.Errorf("campaign %q is stored damaged: %w", o.ID, err)
	}
	c.ID, c.Version = o.ID, o.Version
	return c, nil
}

// Validate normalises and validates c against the saved segments in the
// store, without saving it.
func (s *Service) Validate(ctx context.Context, c *Campaign) error {
	c.Normalize()
	known := map[string]bool{}
	for _, id := range c.Targeting.Segments {
		if id == "" || known[id] || store.CheckObjectKey(audience.Kind, id) != nil {
			continue
		}
		_, err := s.st.GetObject(ctx, audience.Kind, id)
		switch {
		case err == nil:
			known[id] = true
		case !errors.Is(err, store.ErrNotFound):
			return fmt.Errorf("ads: checking segment %q: %w", id, err)
		}
	}
	return c.Validate(s.now(), func(id string) bool { return known[id] })
}

// Create validates and saves a new campaign; without an id one is made.
func (s *Service) Create(ctx context.Context, c Campaign) (Campaign, error) {
	if c.ID == "" {
		c.ID = newID()
	} else if _, err := s.st.GetObject(ctx, Kind, c.ID); err == nil {
		return Campaign{}, fmt.Errorf("campaign %q: %w; replace it instead", c.ID, ErrExists)
	} else if !errors.Is(err, store.ErrNotFound) {
		return Campaign{}, err
	}
	now := s.now().UTC()
	c.CreatedAt, c.UpdatedAt = now, now
	return s.save(ctx, c)
}

// Replace validates and saves c under id, creating it if absent (its
// creation time is kept otherwise).
func (s *Service) Replace(ctx context.Context, id string, c Campaign) (Campaign, error) {
	c.ID = id
	now := s.now().UTC()
	c.CreatedAt, c.UpdatedAt = now, now
	if old, err := s.Get(ctx, id); err == nil {
		c.CreatedAt = old.CreatedAt
	} else if !errors.Is(err, ErrNotFound) {
		return Campaign{}, err
	}
	return s.save(ctx, c)
}

func (s *Service) save(ctx context.Context, c Campaign) (Campaign, error) {
	if err := s.Validate(ctx, &c); err != nil {
		return Campaign{}, err
	}
	c.Version = 0
	data, err := Encode(&c)
	if err != nil {
		return Campaign{}, err
	}
	v, err := s.st.PutObject(ctx, Kind, c.ID, data)
	if err != nil {
		return Campaign{}, fmt.Errorf("ads: saving campaign %q: %w", c.ID, err)
	}
	c.Version = v
	if err := s.Refresh(ctx); err != nil {
		s.log.Warn("ads: reloading campaigns after a change", "err", err)
	}
	return c, nil
}

// Get returns one campaign.
func (s *Service) Get(ctx context.Context, id string) (Campaign, error) {
	if store.CheckObjectKey(Kind, id) != nil {
		return Campaign{}, fmt.Errorf("campaign %q: %w", id, ErrNotFound)
	}
	o, err := s.st.GetObject(ctx, Kind, id)
	if errors.Is(err, store.ErrNotFound) {
		return Campaign{}, fmt.Errorf("campaign %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return Campaign{}, err
	}
	return decode(o)
}

// List pages through campaigns by id.
func (s *Service) List(ctx context.Context, cursor string, limit int) ([]Campaign, string, error) {
	objs, next, err := s.st.ListObjects(ctx, Kind, cursor, store.PageLimit(limit))
	if err != nil {
		return nil, "", err
	}
	out := make([]Campaign, 0, len(objs))
	for _, o := range objs {
		c, err := decode(o)
		if err != nil {
			return nil, "", err
		}
		out = append(out, c)
	}
	return out, next, nil
}

// Delete removes a campaign; it stops serving at once on this node and
// within RefreshInterval on others. Its counters stay until they expire.
func (s *Service) Delete(ctx context.Context, id string) error {
	if store.CheckObjectKey(Kind, id) != nil {
		return fmt.Errorf("campaign %q: %w", id, ErrNotFound)
	}
	err := s.st.DeleteObject(ctx, Kind, id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("campaign %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return err
	}
	if err := s.Refresh(ctx); err != nil {
		s.log.Warn("ads: reloading campaigns after a deletion", "err", err)
	}
	return nil
}

// Decide answers a request and keeps the decision's record for its
// events. The user's segments are looked up when the request carries none
// and some campaign targets segments.
func (s *Service) Decide(ctx context.Context, req Request) (*Decision, error) {
	if req.User != "" && !s.consent.Allowed(req.User, shop.Ads) {
		// Contextual ads only: segment-targeted campaigns cannot match, and
		// the models see neither the user nor their profile. Frequency
		// caps still count the user: they protect them.
		req.Untargeted, req.Segments, req.Profile = true, []string{}, ProfileFeatures{}
	}
	if req.Segments == nil && s.segments != nil && req.User != "" {
		if s.hasTarget.Load() {
			segs, err := s.segments.Memberships(ctx, req.User)
			if err != nil {
				s.log.Warn("ads: reading segment memberships; serving untargeted campaigns only", "user", req.User, "err", err)
				segs = []string{}
			}
			req.Segments = segs
		}
	}
	if req.User != "" && s.cfg.Profile != nil && !req.Untargeted {
		req.Profile = s.cfg.Profile(req.User)
	}
	// From here on the user is a pseudonym: frequency counters, decision
	// records and the online models never hold the shop's user id.
	req.User = Pseudonym(req.User)
	d, err := s.engine.Decide(ctx, &req)
	if err != nil {
		return nil, err
	}
	if len(d.Ads) > 0 {
		data, err := json.Marshal(d.Record)
		if err != nil {
			return nil, err
		}
		if err := s.counters.SaveDecision(ctx, d.ID, data, s.cfg.DecisionTTL); err != nil {
			return nil, fmt.Errorf("ads: keeping the decision: %w", err)
		}
	}
	return d, nil
}

// Record returns a kept decision record.
func (s *Service) Record(ctx context.Context, decisionID string) (*Record, error) {
	data, err := s.counters.LoadDecision(ctx, decisionID)
	if err != nil {
		return nil, err
	}
	var rec Record
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Errorf("ads: decision %s is stored damaged: %w", decisionID, err)
	}
	return &rec, nil
}

// Event applies an impression, click or conversion. Each (decision, slot,
// type) counts once: a repeated event returns duplicate true and changes
// nothing.
func (s *Service) Event(ctx context.Context, ev Event) (out Outcome, duplicate bool, err error) {
	switch ev.Type {
	case Impression, Click, Conversion:
	default:
		return Outcome{}, false, &InvalidError{Field: "type", Msg: fmt.Sprintf("%q is not an event type; use impression, click or conversion", ev.Type)}
	}
	rec, err := s.Record(ctx, ev.DecisionID)
	if err != nil {
		return Outcome{}, false, err
	}
	if ev.Slot < 0 || ev.Slot >= len(rec.Ads) {
		return Outcome{}, false, &InvalidError{Field: "slot", Msg: fmt.Sprintf("decision %s has no slot %d (it served %d ads)", rec.ID, ev.Slot, len(rec.Ads))}
	}
	first, err := s.counters.FirstTime(ctx, fmt.Sprintf("%s/%d/%s", ev.DecisionID, ev.Slot, ev.Type), s.cfg.DecisionTTL)
	if err != nil {
		return Outcome{}, false, err
	}
	if !first {
		return Outcome{}, true, nil
	}
	out, err = s.engine.Feedback(ctx, rec, ev.Slot, ev.Type)
	if err == nil {
		s.countHour(ctx, rec, ev.Slot, ev.Type, out)
		if fl, ok := s.counters.(FeedbackLog); ok {
			// The elected trainer learns from every node's feedback.
			if lerr := fl.LogFeedback(ctx, Feedback{DecisionID: ev.DecisionID, Slot: ev.Slot, Type: ev.Type}); lerr != nil {
				s.log.Warn("ads: logging feedback for the shared models", "err", lerr)
			}
		}
	}
	return out, false, err
}

func newID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "cmp-" + hex.EncodeToString(b[:])
}

// Pseudonym is the name the ad system knows a user by (in frequency
// counters, decision records and the models' user feature): a SHA-256 of
// the user id, so that none of those stores holds the id itself, and
// deleting a user leaves nothing there that names them. The frequency
// counters expire within two days and decision records after
// ServiceConfig.DecisionTTL. "" stays "" (an anonymous request).
func Pseudonym(user string) string {
	if user == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("shopmind ads user\x00" + user))
	return "p" + hex.EncodeToString(sum[:12])
}

// EraseUser removes what the ad system learned from a deleted user: the
// online models' weights of their user feature and its crosses. Their
// frequency counters and decision records only know a pseudonym and lapse
// on their own (see Pseudonym). It returns how many weights it reset.
func (s *Service) EraseUser(_ context.Context, user string) (int64, error) {
	if user == "" {
		return 0, nil
	}
	var n int
	if op, ok := s.engine.Predictor().(*OnlinePredictor); ok {
		n += op.Forget(Pseudonym(user), s.engine.Campaigns())
	}
	if tp := s.trainer.Load(); tp != nil {
		n += tp.Forget(Pseudonym(user), s.engine.Campaigns())
	}
	return int64(n), nil
}
