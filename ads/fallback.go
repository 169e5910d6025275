package ads

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// FallbackConfig tunes Fallback.
type FallbackConfig struct {
	// Timeout bounds each call to the shared counters (default 100 ms);
	// a call that takes longer counts as a failure.
	Timeout time.Duration
	// ProbeInterval is how often, at most, a degraded Fallback tries the
	// shared counters again (default 1 s).
	ProbeInterval time.Duration
	// BudgetShare is the share of a campaign's daily budget this node may
	// charge per degraded period (0 means the default, 0.05; negative:
	// nothing while degraded; see Fallback).
	BudgetShare float64
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Log receives the changes of state (default slog.Default()).
	Log *slog.Logger
}

// Fallback is Counters that answer from shared counters (Redis, for
// several nodes) and, while those fail, from counters in this process with
// conservative limits, so that ad decisions go on without a shared store.
//
// A degraded period starts when a call to the shared counters fails or
// takes longer than Timeout (the caller's own cancellation does not
// count) and ends when they answer a probe again; probes run at most every
// ProbeInterval, on the next call after it. While degraded:
//
//   - Budget: each charge of campaign C on day D is allowed only while this
//     node's charges to (C, D) in the period stay within
//     min(BudgetShare × daily limit, daily limit − the day's spend last read
//     from the shared counters). A campaign without a daily limit but with a
//     total one gets BudgetShare × (total limit − total last read). So N
//     nodes overspend a campaign by at most N × BudgetShare × its daily
//     budget per degraded period.
//   - Frequency: a capped campaign is shown to a user at most once per day
//     per node per period (stricter than the cap, as the counts of other
//     nodes are unknown: a user already at the cap elsewhere may get one
//     more impression from each node per period).
//   - Creative statistics read as what this node added in the period;
//     decision records and event de-duplication keys are kept locally, and
//     LoadDecision looks locally when the shared counters do not know an id.
//
// When the shared counters answer again, the period's charges, frequency
// claims and creative statistics are added to them before they serve
// again. If that replay fails half-way, the part already added may be added
// twice at the next recovery: spend and counts then read high, which errs on
// the side of spending less.
type Fallback struct {
	primary Counters
	cfg     FallbackConfig

	degraded  atomic.Bool
	nextProbe atomic.Int64 // unix nanoseconds

	pmu    sync.RWMutex
	period *Memory // this degraded period's charges, claims and creative deltas

	local *Memory // decision records and seen keys written while degraded

	kmu   sync.RWMutex
	known map[string]*knownSpend // campaign → spend last read from primary
}

type knownSpend struct {
	mu           sync.Mutex
	day          string
	daily, total int64
}

var _ Counters = (*Fallback)(nil)

// Pinger is implemented by shared counters that can be probed cheaply.
type Pinger interface {
	Ping(ctx context.Context) error
}

// NewFallback wraps primary.
func NewFallback(primary Counters, cfg FallbackConfig) *Fallback {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 100 * time.Millisecond
	}
	if cfg.ProbeInterval <= 0 {
		cfg.ProbeInterval = time.Second
	}
	if cfg.BudgetShare == 0 {
		cfg.BudgetShare = 0.05
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Fallback{primary: primary, cfg: cfg, local: NewMemory(MemoryConfig{Now: cfg.Now}),
		known: map[string]*knownSpend{}}
}

// Degraded reports whether calls are answered locally now.
func (f *Fallback) Degraded() bool { return f.degraded.Load() }

// usePrimary reports whether a call should go to the primary: always when
// healthy; while degraded only for the one caller that wins a due probe,
// and only once the probe and the replay of the period succeeded.
func (f *Fallback) usePrimary(ctx context.Context) bool {
	if !f.degraded.Load() {
		return true
	}
	now := f.cfg.Now().UnixNano()
	next := f.nextProbe.Load()
	if now < next || !f.nextProbe.CompareAndSwap(next, now+int64(f.cfg.ProbeInterval)) {
		return false
	}
	return f.recover(ctx)
}

// fail records a failed primary call; it reports whether the caller should
// answer locally (false: the caller's context ended, return the error).
func (f *Fallback) fail(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	if f.degraded.Load() {
		return true
	}
	f.pmu.Lock()
	if !f.degraded.Load() {
		f.period = NewMemory(MemoryConfig{MaxDecisions: 1, Now: f.cfg.Now})
		f.nextProbe.Store(f.cfg.Now().Add(f.cfg.ProbeInterval).UnixNano())
		f.degraded.Store(true)
		f.cfg.Log.Warn("ad counters: the shared counters do not answer; deciding on local, conservative limits until they do",
			"err", err, "budget_share", f.cfg.BudgetShare)
	}
	f.pmu.Unlock()
	return true
}

// recover probes the primary and replays the degraded period into it.
func (f *Fallback) recover(ctx context.Context) bool {
	ctx = context.WithoutCancel(ctx)
	if p, ok := f.primary.(Pinger); ok {
		pctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
		err := p.Ping(pctx)
		cancel()
		if err != nil {
			return false
		}
	}
	f.pmu.Lock()
	defer f.pmu.Unlock()
	if !f.degraded.Load() {
		return true
	}
	rctx, cancel := context.WithTimeout(ctx, 20*f.cfg.Timeout)
	defer cancel()
	if err := f.replay(rctx, f.period); err != nil {
		f.cfg.Log.Warn("ad counters: the shared counters answer again but replaying the degraded period failed; staying local", "err", err)
		return false
	}
	f.period = nil
	f.degraded.Store(false)
	f.cfg.Log.Info("ad counters: the shared counters answer again; local charges and counts added to them")
	return true
}

// replay adds what m counted to the primary.
func (f *Fallback) replay(ctx context.Context, m *Memory) error {
	if m == nil {
		return nil
	}
	if err := f.replayHours(ctx, m); err != nil {
		return err
	}
	m.mu.RLock()
	for campaign, e := range m.spend {
		e.mu.Lock()
		for day, amount := range e.days {
			if _, err := f.primary.Charge(ctx, CampaignDay{campaign, day}, amount, 0, 0); err != nil {
				e.mu.Unlock()
				m.mu.RUnlock()
				return err
			}
		}
		e.mu.Unlock()
	}
	m.mu.RUnlock()
	for i := range m.freq {
		s := &m.freq[i]
		s.mu.Lock()
		for day, counts := range s.days {
			for k, n := range counts {
				for range n {
					if _, err := f.primary.ClaimFrequency(ctx, k.user, CampaignDay{k.campaign, day}, 0); err != nil {
						s.mu.Unlock()
						return err
					}
				}
			}
		}
		s.mu.Unlock()
	}
	m.cmu.RLock()
	defer m.cmu.RUnlock()
	for id, e := range m.creatives {
		d := CreativeStats{Impressions: e.imp.Load(), Clicks: e.clk.Load(), Conversions: e.conv.Load()}
		if err := f.primary.AddCreative(ctx, id, d); err != nil {
			return err
		}
	}
	return nil
}

// withPeriod runs fn on the degraded period's counters; it reports false
// when the period ended meanwhile (the caller then goes to the primary).
func (f *Fallback) withPeriod(fn func(m *Memory)) bool {
	f.pmu.RLock()
	defer f.pmu.RUnlock()
	if f.period == nil {
		return false
	}
	fn(f.period)
	return true
}

func (f *Fallback) timeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, f.cfg.Timeout)
}

func (f *Fallback) remember(keys []CampaignDay, daily, total []int64) {
	for i, k := range keys {
		f.kmu.RLock()
		e := f.known[k.Campaign]
		f.kmu.RUnlock()
		if e == nil {
			f.kmu.Lock()
			if e = f.known[k.Campaign]; e == nil {
				e = &knownSpend{}
				f.known[k.Campaign] = e
			}
			f.kmu.Unlock()
		}
		e.mu.Lock()
		if k.Day >= e.day {
			e.day, e.daily, e.total = k.Day, daily[i], total[i]
		}
		e.mu.Unlock()
	}
}

// lastKnown returns the spend of key last read from the primary (0 for a
// day not read).
func (f *Fallback) lastKnown(key CampaignDay) (daily, total int64) {
	f.kmu.RLock()
	e := f.known[key.Campaign]
	f.kmu.RUnlock()
	if e == nil {
		return 0, 0
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.day == key.Day {
		daily = e.daily
	}
	return daily, e.total
}

// Spend implements Counters; while degraded it answers the spend last read
// plus this node's charges in the period.
func (f *Fallback) Spend(ctx context.Context, keys []CampaignDay, daily, total []int64) error {
	if f.usePrimary(ctx) {
		c, cancel := f.timeout(ctx)
		err := f.primary.Spend(c, keys, daily, total)
		cancel()
		if err == nil {
			f.remember(keys, daily, total)
			return nil
		}
		if !f.fail(ctx, err) {
			return err
		}
	}
	if !f.withPeriod(func(m *Memory) { m.Spend(ctx, keys, daily, total) }) {
		return f.Spend(ctx, keys, daily, total)
	}
	for i, k := range keys {
		kd, kt := f.lastKnown(k)
		daily[i] += kd
		total[i] += kt
	}
	return nil
}

// Charge implements Counters; see Fallback for the limits while degraded.
func (f *Fallback) Charge(ctx context.Context, key CampaignDay, amount, dailyLimit, totalLimit int64) (int64, error) {
	if amount <= 0 {
		return 0, nil
	}
	if f.usePrimary(ctx) {
		c, cancel := f.timeout(ctx)
		n, err := f.primary.Charge(c, key, amount, dailyLimit, totalLimit)
		cancel()
		if err == nil || !f.fail(ctx, err) {
			return n, err
		}
	}
	dl, tl, ok := f.allowance(key, dailyLimit, totalLimit)
	if !ok {
		return 0, nil
	}
	var n int64
	if !f.withPeriod(func(m *Memory) { n, _ = m.Charge(ctx, key, amount, dl, tl) }) {
		return f.Charge(ctx, key, amount, dailyLimit, totalLimit)
	}
	return n, nil
}

// allowance returns the limits on the period's charges of key (0: none);
// ok is false when nothing may be charged.
func (f *Fallback) allowance(key CampaignDay, dailyLimit, totalLimit int64) (dl, tl int64, ok bool) {
	if dailyLimit <= 0 && totalLimit <= 0 {
		return 0, 0, true
	}
	if f.cfg.BudgetShare < 0 {
		return 0, 0, false
	}
	kd, kt := f.lastKnown(key)
	if dailyLimit > 0 {
		dl = min(max(1, int64(f.cfg.BudgetShare*float64(dailyLimit))), dailyLimit-kd)
		if dl <= 0 {
			return 0, 0, false
		}
	}
	if totalLimit > 0 {
		tl = totalLimit - kt
		if dailyLimit <= 0 {
			tl = min(tl, max(1, int64(f.cfg.BudgetShare*float64(tl))))
		}
		if tl <= 0 {
			return 0, 0, false
		}
	}
	return dl, tl, true
}

// Frequency implements Counters; while degraded it answers this node's
// counts in the period.
func (f *Fallback) Frequency(ctx context.Context, user string, keys []CampaignDay, out []int64) error {
	if f.usePrimary(ctx) {
		c, cancel := f.timeout(ctx)
		err := f.primary.Frequency(c, user, keys, out)
		cancel()
		if err == nil || !f.fail(ctx, err) {
			return err
		}
	}
	if !f.withPeriod(func(m *Memory) { m.Frequency(ctx, user, keys, out) }) {
		return f.Frequency(ctx, user, keys, out)
	}
	return nil
}

// ClaimFrequency implements Counters; while degraded a capped campaign gets
// at most one impression per user and day in the period.
func (f *Fallback) ClaimFrequency(ctx context.Context, user string, key CampaignDay, limit int64) (bool, error) {
	if f.usePrimary(ctx) {
		c, cancel := f.timeout(ctx)
		ok, err := f.primary.ClaimFrequency(c, user, key, limit)
		cancel()
		if err == nil || !f.fail(ctx, err) {
			return ok, err
		}
	}
	local := limit
	if local > 0 {
		local = 1
	}
	var ok bool
	if !f.withPeriod(func(m *Memory) { ok, _ = m.ClaimFrequency(ctx, user, key, local) }) {
		return f.ClaimFrequency(ctx, user, key, limit)
	}
	return ok, nil
}

// Creatives implements Counters; while degraded it answers what this node
// added in the period.
func (f *Fallback) Creatives(ctx context.Context, ids []string, out []CreativeStats) error {
	if f.usePrimary(ctx) {
		c, cancel := f.timeout(ctx)
		err := f.primary.Creatives(c, ids, out)
		cancel()
		if err == nil || !f.fail(ctx, err) {
			return err
		}
	}
	if !f.withPeriod(func(m *Memory) { m.Creatives(ctx, ids, out) }) {
		return f.Creatives(ctx, ids, out)
	}
	return nil
}

// AddCreative implements Counters.
func (f *Fallback) AddCreative(ctx context.Context, id string, d CreativeStats) error {
	if f.usePrimary(ctx) {
		c, cancel := f.timeout(ctx)
		err := f.primary.AddCreative(c, id, d)
		cancel()
		if err == nil || !f.fail(ctx, err) {
			return err
		}
	}
	if !f.withPeriod(func(m *Memory) { m.AddCreative(ctx, id, d) }) {
		return f.AddCreative(ctx, id, d)
	}
	return nil
}

// SaveDecision implements Counters.
func (f *Fallback) SaveDecision(ctx context.Context, id string, data []byte, ttl time.Duration) error {
	if f.usePrimary(ctx) {
		c, cancel := f.timeout(ctx)
		err := f.primary.SaveDecision(c, id, data, ttl)
		cancel()
		if err == nil || !f.fail(ctx, err) {
			return err
		}
	}
	return f.local.SaveDecision(ctx, id, data, ttl)
}

// LoadDecision implements Counters: records kept locally while degraded
// are found after recovery too.
func (f *Fallback) LoadDecision(ctx context.Context, id string) ([]byte, error) {
	if f.usePrimary(ctx) {
		c, cancel := f.timeout(ctx)
		data, err := f.primary.LoadDecision(c, id)
		cancel()
		if err == nil {
			return data, nil
		}
		if !errors.Is(err, ErrUnknownDecision) && !f.fail(ctx, err) {
			return nil, err
		}
	}
	return f.local.LoadDecision(ctx, id)
}

// FirstTime implements Counters; while degraded keys are remembered
// locally (an event seen only while degraded and sent again after recovery
// counts twice).
func (f *Fallback) FirstTime(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if f.usePrimary(ctx) {
		c, cancel := f.timeout(ctx)
		ok, err := f.primary.FirstTime(c, key, ttl)
		cancel()
		if err == nil || !f.fail(ctx, err) {
			return ok, err
		}
	}
	return f.local.FirstTime(ctx, key, ttl)
}

// LogFeedback implements FeedbackLog through the primary when it keeps a
// log; while degraded the feedback is kept locally and given back by
// TakeFeedback on this node.
func (f *Fallback) LogFeedback(ctx context.Context, fb Feedback) error {
	if pl, ok := f.primary.(FeedbackLog); ok && f.usePrimary(ctx) {
		c, cancel := f.timeout(ctx)
		err := pl.LogFeedback(c, fb)
		cancel()
		if err == nil || !f.fail(ctx, err) {
			return err
		}
	}
	return f.local.LogFeedback(ctx, fb)
}

// TakeFeedback implements FeedbackLog: what this node kept while degraded
// first, then the primary's log.
func (f *Fallback) TakeFeedback(ctx context.Context, max int) ([]Feedback, error) {
	out, _ := f.local.TakeFeedback(ctx, max)
	pl, ok := f.primary.(FeedbackLog)
	if !ok || len(out) == max || !f.usePrimary(ctx) {
		return out, nil
	}
	c, cancel := f.timeout(ctx)
	more, err := pl.TakeFeedback(c, max-len(out))
	cancel()
	if err != nil {
		f.fail(ctx, err)
		return out, nil
	}
	return append(out, more...), nil
}
