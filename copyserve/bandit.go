package copyserve

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/shopmind/shopmind/bandit"
	"github.com/shopmind/shopmind/copywriting"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// ArmsKind is the store kind of a brief's variants (one object per brief
// key), so every node serves the same texts under the same ids.
const ArmsKind = "copy-arms"

// Reward is what a variant is rewarded for, per send.
type Reward string

// The rewards.
const (
	RewardOpen       Reward = "open"
	RewardClick      Reward = "click"
	RewardConversion Reward = "conversion"
)

// BanditConfig tunes the bandit. Zero fields take defaults.
//
// Each send of a brief's copy picks one of its variants. Until every variant
// has MinSends sends, the one with fewest is sent; after that, with
// probability Explore a variant is drawn uniformly, and otherwise the one
// with the highest draw from its Beta posterior of reward per send,
// Beta(PriorSuccesses + successes, PriorFailures + sends − successes)
// (Thompson sampling).
type BanditConfig struct {
	Reward         Reward  // default RewardClick
	Variants       int     // variants generated for a new brief (default 3)
	Writer         string  // writer of new variants ("" for the service's default)
	MinSends       int64   // sends of each variant before the posterior decides (default 20; negative: none)
	Explore        float64 // share of sends drawn uniformly (default 0.02; negative: none)
	PriorSuccesses float64 // default 1
	PriorFailures  float64 // default 1
	// Seed makes the choices reproducible (tests, simulations); 0 seeds
	// from the system's randomness.
	Seed uint64
	// CacheTTL is how long a node keeps a brief's variants before reading
	// them again from the store (default 1 minute).
	CacheTTL time.Duration
	// EventTTL is how long an event type of a message is remembered to
	// count it once (default 30 days).
	EventTTL time.Duration
}

func (c BanditConfig) withDefaults() BanditConfig {
	if c.Reward == "" {
		c.Reward = RewardClick
	}
	if c.Variants <= 0 {
		c.Variants = 3
	}
	switch {
	case c.MinSends == 0:
		c.MinSends = 20
	case c.MinSends < 0:
		c.MinSends = 0
	}
	switch {
	case c.Explore == 0:
		c.Explore = 0.02
	case c.Explore < 0:
		c.Explore = 0
	}
	if c.PriorSuccesses <= 0 {
		c.PriorSuccesses = 1
	}
	if c.PriorFailures <= 0 {
		c.PriorFailures = 1
	}
	if c.CacheTTL <= 0 {
		c.CacheTTL = time.Minute
	}
	if c.EventTTL <= 0 {
		c.EventTTL = 30 * 24 * time.Hour
	}
	return c
}

// Check refuses a configuration the bandit cannot run.
func (c BanditConfig) Check() error {
	switch c.Reward {
	case "", RewardOpen, RewardClick, RewardConversion:
	default:
		return fmt.Errorf("%w: reward %q: use open, click or conversion", ErrInvalid, c.Reward)
	}
	if c.Explore >= 1 {
		return fmt.Errorf("%w: explore %g: give a share below 1", ErrInvalid, c.Explore)
	}
	return nil
}

// ArmStats counts what one variant got.
type ArmStats struct {
	Sends       int64 `json:"sends"`
	Opens       int64 `json:"opens"`
	Clicks      int64 `json:"clicks"`
	Conversions int64 `json:"conversions"`
}

// Successes is the count of reward r.
func (s ArmStats) Successes(r Reward) int64 {
	switch r {
	case RewardOpen:
		return s.Opens
	case RewardConversion:
		return s.Conversions
	}
	return s.Clicks
}

// ArmCounters keeps the variants' statistics and the memory of which
// message events were counted. All methods are safe for concurrent use.
// MemoryArmCounters serves one node; several nodes need a shared
// implementation (Redis, as ads/redisctr does for ads — not written yet).
type ArmCounters interface {
	// ArmStats writes the statistics of each variant id (zero if none).
	ArmStats(ctx context.Context, ids []string, out []ArmStats) error
	// AddArm adds d to a variant's statistics.
	AddArm(ctx context.Context, id string, d ArmStats) error
	// FirstTime reports whether key is seen for the first time within
	// ttl, and remembers it.
	FirstTime(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// Arm is one variant of a brief.
type Arm struct {
	ID       string `json:"id"`
	Text     string `json:"text"`
	Provider string `json:"provider"`
}

// Arms is a brief's variants as stored (kind ArmsKind, id = the brief key).
type Arms struct {
	ID       string            `json:"id"`
	Brief    copywriting.Brief `json:"brief"`
	Writer   string            `json:"writer"`
	Variants []Arm             `json:"variants"`
	Created  time.Time         `json:"created"`
}

// Served is one pick: the variant to send and the message id that the
// message's later events must carry in context.message_id.
type Served struct {
	ArmID     string `json:"arm_id"`     // the brief key: the set of variants the bandit chose among
	VariantID string `json:"variant_id"` // the chosen variant (also accepted as context.creative_id)
	MessageID string `json:"message_id"` // this send; put it on the message's events
	Text      string `json:"text"`
	Provider  string `json:"provider"`
	Explored  bool   `json:"explored"` // picked by warm-up or uniform exploration, not by the posterior
}

// Bandit serves a brief's variants by Thompson sampling and learns from
// message events. It is safe for concurrent use.
type Bandit struct {
	svc    *Service
	st     store.Store
	ctr    ArmCounters
	cfg    BanditConfig
	policy bandit.EpsilonGreedy // uniform share Explore around Thompson sampling
	log    *slog.Logger

	rmu sync.Mutex
	rng *mrand.Rand

	cmu      sync.Mutex
	cache    map[string]cachedArms
	inflight map[string]*armsCall
	now      func() time.Time
}

type cachedArms struct {
	arms Arms
	at   time.Time
}

type armsCall struct {
	done chan struct{}
	arms Arms
	err  error
}

// NewBandit builds a bandit generating variants with svc, keeping them in
// st and their statistics in ctr (nil: in memory).
func NewBandit(svc *Service, st store.Store, ctr ArmCounters, cfg BanditConfig, log *slog.Logger) (*Bandit, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if ctr == nil {
		ctr = NewMemoryArmCounters(0)
	}
	if log == nil {
		log = slog.Default()
	}
	seed := cfg.Seed
	if seed == 0 {
		seed = mrand.Uint64()
	}
	policy := bandit.EpsilonGreedy{Epsilon: cfg.Explore, Exploit: bandit.Thompson{Alpha: cfg.PriorSuccesses, Beta: cfg.PriorFailures}}
	return &Bandit{svc: svc, st: st, ctr: ctr, cfg: cfg, policy: policy, log: log, rng: mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		cache: map[string]cachedArms{}, inflight: map[string]*armsCall{}, now: time.Now}, nil
}

// Reward is what the bandit rewards.
func (b *Bandit) Reward() Reward { return b.cfg.Reward }

// BriefKey names a brief's variants: a hash of its canonical JSON form.
func BriefKey(br copywriting.Brief) string {
	if br.Offer != nil && !br.Offer.Until.IsZero() {
		o := *br.Offer
		o.Until = o.Until.UTC()
		br.Offer = &o
	}
	data, _ := json.Marshal(br) // struct fields in a fixed order, map keys sorted
	sum := sha256.Sum256(data)
	return "cb" + hex.EncodeToString(sum[:12])
}

func variantID(key, text string) string {
	sum := sha256.Sum256([]byte(text))
	return key + "." + hex.EncodeToString(sum[:4])
}

// Arms returns br's variants: from this node's cache, else the store, else
// generated once (Service.Generate, usable variants only) and stored.
// Two nodes generating the same new brief at once may store different
// texts; variant ids hash the text, so events of the variants overwritten
// are dropped rather than credited to other texts, and caches expire.
//
// n is how many variants a new brief gets (0: BanditConfig.Variants); it
// does not change the variants of a brief already stored.
func (b *Bandit) Arms(ctx context.Context, br copywriting.Brief, n int) (Arms, error) {
	if err := checkBrief(br); err != nil {
		return Arms{}, err
	}
	key := BriefKey(br)
	if a, ok := b.cached(key); ok {
		return a, nil
	}
	b.cmu.Lock()
	if c := b.inflight[key]; c != nil {
		b.cmu.Unlock()
		select {
		case <-c.done:
			return c.arms, c.err
		case <-ctx.Done():
			return Arms{}, ctx.Err()
		}
	}
	c := &armsCall{done: make(chan struct{})}
	b.inflight[key] = c
	b.cmu.Unlock()
	c.arms, c.err = b.loadOrCreate(ctx, key, br, n)
	b.cmu.Lock()
	delete(b.inflight, key)
	if c.err == nil {
		b.cache[key] = cachedArms{c.arms, b.now()}
	}
	b.cmu.Unlock()
	close(c.done)
	return c.arms, c.err
}

func (b *Bandit) cached(key string) (Arms, bool) {
	b.cmu.Lock()
	defer b.cmu.Unlock()
	c, ok := b.cache[key]
	if !ok || b.now().Sub(c.at) > b.cfg.CacheTTL {
		return Arms{}, false
	}
	return c.arms, true
}

// ErrUnknownArms means no variants are stored under a brief key.
var ErrUnknownArms = errors.New("no copy variants are stored under that key")

// StoredArms returns the variants stored under a brief key (cached), or
// ErrUnknownArms.
func (b *Bandit) StoredArms(ctx context.Context, key string) (Arms, error) {
	if a, ok := b.cached(key); ok {
		return a, nil
	}
	a, err := b.load(ctx, key)
	if err != nil {
		return Arms{}, err
	}
	b.cmu.Lock()
	b.cache[key] = cachedArms{a, b.now()}
	b.cmu.Unlock()
	return a, nil
}

func (b *Bandit) load(ctx context.Context, key string) (Arms, error) {
	obj, err := b.st.GetObject(ctx, ArmsKind, key)
	if errors.Is(err, store.ErrNotFound) {
		return Arms{}, fmt.Errorf("%w: %s", ErrUnknownArms, key)
	}
	if err != nil {
		return Arms{}, fmt.Errorf("reading copy variants %s: %w", key, err)
	}
	var a Arms
	if err := json.Unmarshal(obj.Data, &a); err != nil {
		return Arms{}, fmt.Errorf("copy variants %s: %w", key, err)
	}
	if len(a.Variants) == 0 {
		return Arms{}, fmt.Errorf("copy variants %s: none stored", key)
	}
	return a, nil
}

func (b *Bandit) loadOrCreate(ctx context.Context, key string, br copywriting.Brief, n int) (Arms, error) {
	a, err := b.load(ctx, key)
	if !errors.Is(err, ErrUnknownArms) {
		return a, err
	}
	if n == 0 {
		n = b.cfg.Variants
	}
	res, err := b.svc.Generate(ctx, br, n, b.cfg.Writer)
	if err != nil {
		return Arms{}, err
	}
	a = Arms{ID: key, Brief: br, Writer: res.Writer, Created: b.now().UTC()}
	seen := map[string]bool{}
	for _, v := range res.Variants {
		id := variantID(key, v.Text)
		if !v.OK || seen[id] {
			continue
		}
		seen[id] = true
		a.Variants = append(a.Variants, Arm{ID: id, Text: v.Text, Provider: v.Provider})
	}
	if len(a.Variants) == 0 {
		return Arms{}, copywriting.ErrNoUsableCopy
	}
	data, err := json.Marshal(a)
	if err != nil {
		return Arms{}, err
	}
	if _, err := b.st.PutObject(ctx, ArmsKind, key, data); err != nil {
		return Arms{}, fmt.Errorf("storing copy variants %s: %w", key, err)
	}
	return a, nil
}

// Stats returns the statistics of each of a's variants.
func (b *Bandit) Stats(ctx context.Context, a Arms) ([]ArmStats, error) {
	ids := make([]string, len(a.Variants))
	for i, v := range a.Variants {
		ids[i] = v.ID
	}
	out := make([]ArmStats, len(ids))
	if err := b.ctr.ArmStats(ctx, ids, out); err != nil {
		return nil, fmt.Errorf("copy statistics: %w", err)
	}
	return out, nil
}

// Serve picks a variant of br for one send and counts the send; n is as
// for Arms.
func (b *Bandit) Serve(ctx context.Context, br copywriting.Brief, n int) (Served, error) {
	a, err := b.Arms(ctx, br, n)
	if err != nil {
		return Served{}, err
	}
	stats, err := b.Stats(ctx, a)
	if err != nil {
		return Served{}, err
	}
	i, explored := b.Choose(stats)
	v := a.Variants[i]
	if err := b.ctr.AddArm(ctx, v.ID, ArmStats{Sends: 1}); err != nil {
		return Served{}, fmt.Errorf("copy statistics: %w", err)
	}
	var nonce [8]byte
	_, _ = rand.Read(nonce[:])
	return Served{ArmID: a.ID, VariantID: v.ID, MessageID: v.ID + "." + hex.EncodeToString(nonce[:]),
		Text: v.Text, Provider: v.Provider, Explored: explored}, nil
}

// Choose picks a variant index given their statistics (the policy of
// BanditConfig, built from package bandit: WarmUp, then EpsilonGreedy
// around Thompson); explored says whether warm-up or uniform exploration
// picked it.
func (b *Bandit) Choose(stats []ArmStats) (i int, explored bool) {
	b.rmu.Lock()
	defer b.rmu.Unlock()
	n := len(stats)
	if n == 1 {
		return 0, false
	}
	arms := make([]bandit.Arm, n)
	for j, s := range stats {
		arms[j] = bandit.Arm{Pulls: s.Sends, Reward: float64(s.Successes(b.cfg.Reward))}
	}
	if i, ok := bandit.WarmUp(arms, b.cfg.MinSends, b.rng); ok {
		return i, true
	}
	return b.policy.Pick(arms, b.rng)
}

// ShopEvent applies one stored event to the variant it names: message_open,
// message_click and purchase events carrying a served message id in
// context.message_id count an open, a click or a conversion, once per
// message and type; without a message id, a variant id in
// context.creative_id counts once per event (the store absorbs duplicate
// event ids before this hook). message_sent events are not counted: a send
// is counted when the variant is served. handled is false for events that
// are not copy's business.
func (b *Bandit) ShopEvent(ctx context.Context, e *shop.Event) (handled bool, err error) {
	var d ArmStats
	switch e.Type {
	case shop.MessageOpen:
		d.Opens = 1
	case shop.MessageClick:
		d.Clicks = 1
	case shop.Purchase:
		d.Conversions = 1
	default:
		return false, nil
	}
	variant, byMessage := "", false
	if _, v, ok := parseMessageID(e.Context.MessageID); ok {
		variant, byMessage = v, true
	} else if _, v, ok := parseVariantID(e.Context.CreativeID); ok {
		variant = v
	} else {
		return false, nil
	}
	key := variant[:strings.IndexByte(variant, '.')]
	a, err := b.StoredArms(ctx, key)
	if err != nil {
		return true, err
	}
	found := false
	for _, v := range a.Variants {
		found = found || v.ID == variant
	}
	if !found {
		return true, fmt.Errorf("copy variant %s is not one of the stored variants of %s", variant, key)
	}
	if byMessage {
		first, err := b.ctr.FirstTime(ctx, "copy:"+e.Context.MessageID+":"+string(e.Type), b.cfg.EventTTL)
		if err != nil {
			return true, err
		}
		if !first {
			return true, nil
		}
	}
	return true, b.ctr.AddArm(ctx, variant, d)
}

// ApplyShopEvents applies ShopEvent to each event of a stored batch (an
// ingest hook). An event that cannot be applied is logged, not refused.
func (b *Bandit) ApplyShopEvents(ctx context.Context, evs []shop.Event) {
	for i := range evs {
		if handled, err := b.ShopEvent(ctx, &evs[i]); handled && err != nil {
			b.log.Warn("copy event stored but not applied to its variant", "event", evs[i].ID,
				"message", evs[i].Context.MessageID, "creative", evs[i].Context.CreativeID, "err", err)
		}
	}
}

// parseVariantID splits "cb<24 hex>.<8 hex>".
func parseVariantID(s string) (key, variant string, ok bool) {
	k, h, found := strings.Cut(s, ".")
	if !found || len(k) != 26 || !strings.HasPrefix(k, "cb") || !isHex(k[2:]) || len(h) != 8 || !isHex(h) {
		return "", "", false
	}
	return k, s, true
}

// parseMessageID splits "<variant id>.<16 hex>".
func parseMessageID(s string) (key, variant string, ok bool) {
	i := strings.LastIndexByte(s, '.')
	if i < 0 || len(s)-i-1 != 16 || !isHex(s[i+1:]) {
		return "", "", false
	}
	return parseVariantID(s[:i])
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return s != ""
}

// MemoryArmCounters is ArmCounters in the memory of one process.
type MemoryArmCounters struct {
	mu    sync.Mutex
	stats map[string]*ArmStats

	smu       sync.Mutex
	max       int
	cur, prev map[string]time.Time // key → expiry, in two generations
	since     time.Time
	now       func() time.Time
}

// NewMemoryArmCounters returns empty counters remembering at most about
// maxKeys event keys (0: 1,000,000); beyond, the older half is forgotten
// early.
func NewMemoryArmCounters(maxKeys int) *MemoryArmCounters {
	if maxKeys <= 0 {
		maxKeys = 1_000_000
	}
	return &MemoryArmCounters{stats: map[string]*ArmStats{}, max: maxKeys, cur: map[string]time.Time{}, prev: map[string]time.Time{}, now: time.Now}
}

// ArmStats implements ArmCounters.
func (m *MemoryArmCounters) ArmStats(_ context.Context, ids []string, out []ArmStats) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, id := range ids {
		if s := m.stats[id]; s != nil {
			out[i] = *s
		} else {
			out[i] = ArmStats{}
		}
	}
	return nil
}

// AddArm implements ArmCounters.
func (m *MemoryArmCounters) AddArm(_ context.Context, id string, d ArmStats) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.stats[id]
	if s == nil {
		s = &ArmStats{}
		m.stats[id] = s
	}
	s.Sends += d.Sends
	s.Opens += d.Opens
	s.Clicks += d.Clicks
	s.Conversions += d.Conversions
	return nil
}

// FirstTime implements ArmCounters.
func (m *MemoryArmCounters) FirstTime(_ context.Context, key string, ttl time.Duration) (bool, error) {
	m.smu.Lock()
	defer m.smu.Unlock()
	now := m.now()
	if exp, ok := m.cur[key]; ok && now.Before(exp) {
		return false, nil
	}
	if exp, ok := m.prev[key]; ok && now.Before(exp) {
		return false, nil
	}
	if m.since.IsZero() {
		m.since = now
	}
	if now.Sub(m.since) >= ttl || len(m.cur) >= m.max/2 {
		m.prev, m.cur, m.since = m.cur, map[string]time.Time{}, now
	}
	m.cur[key] = now.Add(ttl)
	return true, nil
}
