package ads

import (
	"context"
	"errors"
	"hash/maphash"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// CampaignDay names a campaign's counters for one calendar day in the
// campaign's time zone ("2006-01-02").
type CampaignDay struct {
	Campaign string
	Day      string
}

// CreativeStats counts what one creative got over its life.
type CreativeStats struct {
	Impressions int64
	Clicks      int64
	Conversions int64
}

// ErrUnknownDecision means no decision record has that id (never made, or
// expired).
var ErrUnknownDecision = errors.New("unknown or expired decision id")

// Counters is the shared, fast-changing state of delivery: spend per
// campaign per day and in total (micro-units), impressions, clicks and
// conversions per creative, frequency per (user, campaign, day), decision
// records and event de-duplication. All methods are safe for concurrent
// use; Memory serves one node, package ads/redisctr several.
type Counters interface {
	// Spend writes the day's and the total spend of each key.
	Spend(ctx context.Context, keys []CampaignDay, daily, total []int64) error
	// Charge adds amount to the key's day and total spend atomically, but
	// never takes either past its limit (limit <= 0: none): it adds
	// min(amount, dailyLimit-day, totalLimit-total), or nothing when that
	// is not positive, and returns what it added. So concurrent charges
	// can never overspend.
	Charge(ctx context.Context, key CampaignDay, amount, dailyLimit, totalLimit int64) (charged int64, err error)

	// Frequency writes how many impressions user has been served from
	// each key's campaign on its day.
	Frequency(ctx context.Context, user string, keys []CampaignDay, out []int64) error
	// ClaimFrequency counts one more impression for user if that keeps the
	// count at most limit, atomically; ok says whether it did.
	ClaimFrequency(ctx context.Context, user string, key CampaignDay, limit int64) (ok bool, err error)

	// Creatives writes the statistics of each creative id (zero if none).
	Creatives(ctx context.Context, ids []string, out []CreativeStats) error
	// AddCreative adds d to a creative's statistics.
	AddCreative(ctx context.Context, id string, d CreativeStats) error

	// SaveDecision keeps a decision record for ttl; LoadDecision returns
	// it, or ErrUnknownDecision.
	SaveDecision(ctx context.Context, id string, data []byte, ttl time.Duration) error
	LoadDecision(ctx context.Context, id string) ([]byte, error)
	// FirstTime reports whether key is seen for the first time within
	// ttl, and remembers it (events use it to count each one once).
	FirstTime(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// MemoryConfig bounds what Memory keeps.
type MemoryConfig struct {
	// MaxDecisions bounds the decision records and event keys kept
	// (default 1,000,000 each); beyond it the oldest half is dropped even
	// before its time to live.
	MaxDecisions int
	// Now is the clock for time to live (default time.Now).
	Now func() time.Time
}

// Memory is Counters in the memory of one process. Daily counters of the
// last three days seen are kept.
type Memory struct {
	cfg MemoryConfig

	mu    sync.RWMutex
	spend map[string]*spendEntry

	cmu       sync.RWMutex
	creatives map[string]*creativeEntry

	seed  maphash.Seed
	freq  [64]freqShard
	recs  ttlMap[[]byte]
	first ttlMap[struct{}]
	learn memoryLog
	hours hourTable
}

// LogFeedback implements FeedbackLog.
func (m *Memory) LogFeedback(_ context.Context, f Feedback) error {
	m.learn.log(f)
	return nil
}

// TakeFeedback implements FeedbackLog.
func (m *Memory) TakeFeedback(_ context.Context, max int) ([]Feedback, error) {
	return m.learn.take(max), nil
}

type spendEntry struct {
	mu    sync.Mutex
	days  map[string]int64
	total int64
}

type creativeEntry struct{ imp, clk, conv atomic.Int64 }

type freqKey struct{ user, campaign string }

type freqShard struct {
	mu   sync.Mutex
	days map[string]map[freqKey]int64
	_    [40]byte // keep shards on separate cache lines
}

// NewMemory returns empty in-memory counters.
func NewMemory(cfg MemoryConfig) *Memory {
	if cfg.MaxDecisions <= 0 {
		cfg.MaxDecisions = 1_000_000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	m := &Memory{cfg: cfg, spend: map[string]*spendEntry{}, creatives: map[string]*creativeEntry{}, seed: maphash.MakeSeed()}
	m.recs.init(cfg.MaxDecisions)
	m.first.init(cfg.MaxDecisions)
	return m
}

const keepDays = 3

func (m *Memory) entry(campaign string, create bool) *spendEntry {
	m.mu.RLock()
	e := m.spend[campaign]
	m.mu.RUnlock()
	if e != nil || !create {
		return e
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if e = m.spend[campaign]; e == nil {
		e = &spendEntry{days: map[string]int64{}}
		m.spend[campaign] = e
	}
	return e
}

// Spend implements Counters.
func (m *Memory) Spend(_ context.Context, keys []CampaignDay, daily, total []int64) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for i, k := range keys {
		e := m.spend[k.Campaign]
		if e == nil {
			daily[i], total[i] = 0, 0
			continue
		}
		e.mu.Lock()
		daily[i], total[i] = e.days[k.Day], e.total
		e.mu.Unlock()
	}
	return nil
}

// Charge implements Counters.
func (m *Memory) Charge(_ context.Context, key CampaignDay, amount, dailyLimit, totalLimit int64) (int64, error) {
	if amount <= 0 {
		return 0, nil
	}
	e := m.entry(key.Campaign, true)
	e.mu.Lock()
	defer e.mu.Unlock()
	day := e.days[key.Day]
	if dailyLimit > 0 {
		amount = min(amount, dailyLimit-day)
	}
	if totalLimit > 0 {
		amount = min(amount, totalLimit-e.total)
	}
	if amount <= 0 {
		return 0, nil
	}
	if _, ok := e.days[key.Day]; !ok && len(e.days) >= keepDays {
		dropOldest(e.days)
	}
	e.days[key.Day] = day + amount
	e.total += amount
	return amount, nil
}

// dropOldest deletes the smallest day key ("2006-01-02" sorts by date).
func dropOldest[V any](days map[string]V) {
	keys := make([]string, 0, len(days))
	for k := range days {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	delete(days, keys[0])
}

func (m *Memory) shard(user string) *freqShard {
	return &m.freq[maphash.String(m.seed, user)%uint64(len(m.freq))]
}

// Frequency implements Counters.
func (m *Memory) Frequency(_ context.Context, user string, keys []CampaignDay, out []int64) error {
	s := m.shard(user)
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, k := range keys {
		out[i] = s.days[k.Day][freqKey{user, k.Campaign}]
	}
	return nil
}

// ClaimFrequency implements Counters.
func (m *Memory) ClaimFrequency(_ context.Context, user string, key CampaignDay, limit int64) (bool, error) {
	s := m.shard(user)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.days == nil {
		s.days = map[string]map[freqKey]int64{}
	}
	d := s.days[key.Day]
	if d == nil {
		if len(s.days) >= keepDays {
			dropOldest(s.days)
		}
		d = map[freqKey]int64{}
		s.days[key.Day] = d
	}
	k := freqKey{user, key.Campaign}
	if limit > 0 && d[k] >= limit {
		return false, nil
	}
	d[k]++
	return true, nil
}

// Creatives implements Counters.
func (m *Memory) Creatives(_ context.Context, ids []string, out []CreativeStats) error {
	m.cmu.RLock()
	defer m.cmu.RUnlock()
	for i, id := range ids {
		if e := m.creatives[id]; e != nil {
			out[i] = CreativeStats{Impressions: e.imp.Load(), Clicks: e.clk.Load(), Conversions: e.conv.Load()}
		} else {
			out[i] = CreativeStats{}
		}
	}
	return nil
}

// AddCreative implements Counters.
func (m *Memory) AddCreative(_ context.Context, id string, d CreativeStats) error {
	m.cmu.RLock()
	e := m.creatives[id]
	m.cmu.RUnlock()
	if e == nil {
		m.cmu.Lock()
		if e = m.creatives[id]; e == nil {
			e = &creativeEntry{}
			m.creatives[id] = e
		}
		m.cmu.Unlock()
	}
	e.imp.Add(d.Impressions)
	e.clk.Add(d.Clicks)
	e.conv.Add(d.Conversions)
	return nil
}

// SaveDecision implements Counters.
func (m *Memory) SaveDecision(_ context.Context, id string, data []byte, ttl time.Duration) error {
	m.recs.put(id, append([]byte(nil), data...), m.cfg.Now(), ttl)
	return nil
}

// LoadDecision implements Counters.
func (m *Memory) LoadDecision(_ context.Context, id string) ([]byte, error) {
	d, ok := m.recs.get(id, m.cfg.Now())
	if !ok {
		return nil, ErrUnknownDecision
	}
	return d, nil
}

// FirstTime implements Counters.
func (m *Memory) FirstTime(_ context.Context, key string, ttl time.Duration) (bool, error) {
	return m.first.putNew(key, struct{}{}, m.cfg.Now(), ttl), nil
}

// ttlMap keeps entries for at least their time to live and at most
// about twice as long, in two generations: entries go into the current
// map; when it is older than the time to live or holds half the maximum,
// it becomes the previous one and the previous one is dropped.
type ttlMap[V any] struct {
	mu        sync.Mutex
	max       int
	cur, prev map[string]ttlEntry[V]
	since     time.Time
}

type ttlEntry[V any] struct {
	v   V
	exp time.Time
}

func (t *ttlMap[V]) init(max int) {
	t.max = max
	t.cur, t.prev = map[string]ttlEntry[V]{}, map[string]ttlEntry[V]{}
}

func (t *ttlMap[V]) rotate(now time.Time, ttl time.Duration) {
	if t.since.IsZero() {
		t.since = now
	}
	if now.Sub(t.since) >= ttl || len(t.cur) >= t.max/2 {
		t.prev, t.cur, t.since = t.cur, map[string]ttlEntry[V]{}, now
	}
}

func (t *ttlMap[V]) lookup(k string, now time.Time) (V, bool) {
	if e, ok := t.cur[k]; ok && now.Before(e.exp) {
		return e.v, true
	}
	if e, ok := t.prev[k]; ok && now.Before(e.exp) {
		return e.v, true
	}
	var zero V
	return zero, false
}

func (t *ttlMap[V]) put(k string, v V, now time.Time, ttl time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.rotate(now, ttl)
	t.cur[k] = ttlEntry[V]{v, now.Add(ttl)}
}

func (t *ttlMap[V]) putNew(k string, v V, now time.Time, ttl time.Duration) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.lookup(k, now); ok {
		return false
	}
	t.rotate(now, ttl)
	t.cur[k] = ttlEntry[V]{v, now.Add(ttl)}
	return true
}

func (t *ttlMap[V]) get(k string, now time.Time) (V, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.lookup(k, now)
}
