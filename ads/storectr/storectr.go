// Package storectr keeps the ads counters (package ads) in the store
// (package store), so that on a single node spend, frequency caps, creative
// statistics, decision records and event de-duplication survive a restart.
// Check-and-add operations (budget charges, frequency claims) are
// store.CounterStore.AddCounters, atomic in every backend; reads of many
// keys take one GetCounters call. With PostgreSQL several nodes may share
// them too, though Redis (package ads/redisctr) is the faster choice there.
//
// Keys, under a configurable prefix (default "ads:"), with each variable
// part length-prefixed ("<len>:<part>") so that no two names collide:
//
//	sd:D:C      a campaign's spend on day D, micro-units (lapses after 3 days)
//	st:C        a campaign's spend over its life
//	h?:D:C:H    a campaign's spend, impressions, clicks, conversions and capped
//	            charges (hs, hi, hc, hv, hx) in local hour H of day D (lapse after 3 days)
//	fq:D:U:C    impressions of campaign C to user U on day D (lapses after 2 days)
//	cr:i|c|v:K  impressions, clicks, conversions of creative key K
//	dec:ID      a decision record (lapses after its time to live)
//	seen:K      an event already counted (lapses after its time to live)
//
// A key the store cannot take (too long, not UTF-8) is replaced by a hash
// of it. Lapsed entries read as absent; Run deletes them now and then.
package storectr

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shopmind/shopmind/ads"
	"github.com/shopmind/shopmind/store"
)

// Counters implements ads.Counters on a store.
type Counters struct {
	st     store.CounterStore
	prefix string

	// Creative statistics feed prediction and exploration only, never a
	// hard limit, so they are cached for CreativeTTL (this node's own
	// additions show at once); budgets and caps are always read and
	// changed in the store.
	CreativeTTL time.Duration
	mu          sync.Mutex
	creatives   map[string]cachedStats
}

type cachedStats struct {
	s  ads.CreativeStats
	at time.Time
}

var _ ads.Counters = (*Counters)(nil)

// New returns counters in st whose keys start with prefix ("" means
// "ads:").
func New(st store.CounterStore, prefix string) *Counters {
	if prefix == "" {
		prefix = "ads:"
	}
	return &Counters{st: st, prefix: prefix, CreativeTTL: time.Second, creatives: map[string]cachedStats{}}
}

// How long daily counters live after their last change, as in redisctr.
const (
	dayTTL  = 3 * 24 * time.Hour
	freqTTL = 2 * 24 * time.Hour
)

// Run deletes lapsed counters and values (of every user of the store)
// every interval until ctx ends; errors are passed to onErr (may be nil).
func (c *Counters) Run(ctx context.Context, every time.Duration, onErr func(error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := c.st.DeleteExpired(ctx); err != nil && onErr != nil && ctx.Err() == nil {
				onErr(err)
			}
		}
	}
}

// key joins kind and parts into a store key.
func (c *Counters) key(kind string, parts ...string) string {
	n := len(c.prefix) + len(kind)
	for _, p := range parts {
		n += len(p) + 8
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(c.prefix)
	b.WriteString(kind)
	for _, p := range parts {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(len(p)))
		b.WriteByte(':')
		b.WriteString(p)
	}
	k := b.String()
	if store.CheckKey(k) != nil {
		sum := sha256.Sum256([]byte(k))
		k = c.prefix + "h:" + hex.EncodeToString(sum[:])
	}
	return k
}

func (c *Counters) dayKey(k ads.CampaignDay) string { return c.key("sd", k.Day, k.Campaign) }
func (c *Counters) totalKey(campaign string) string { return c.key("st", campaign) }
func (c *Counters) freqKey(user string, k ads.CampaignDay) string {
	return c.key("fq", k.Day, user, k.Campaign)
}

// Spend implements ads.Counters with one GetCounters call.
func (c *Counters) Spend(ctx context.Context, keys []ads.CampaignDay, daily, total []int64) error {
	if len(keys) == 0 {
		return nil
	}
	ks := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		ks = append(ks, c.dayKey(k), c.totalKey(k.Campaign))
	}
	vals, err := c.st.GetCounters(ctx, ks)
	if err != nil {
		return err
	}
	for i := range keys {
		daily[i], total[i] = vals[ks[2*i]], vals[ks[2*i+1]]
	}
	return nil
}

// Charge implements ads.Counters: one AddCounters over the day's and the
// total counter, each under its limit.
func (c *Counters) Charge(ctx context.Context, key ads.CampaignDay, amount, dailyLimit, totalLimit int64) (int64, error) {
	if amount <= 0 {
		return 0, nil
	}
	return c.st.AddCounters(ctx, amount, []store.Counter{
		{Key: c.dayKey(key), Limit: dailyLimit, Expires: time.Now().Add(dayTTL)},
		{Key: c.totalKey(key.Campaign), Limit: totalLimit},
	})
}

// Frequency implements ads.Counters with one GetCounters call.
func (c *Counters) Frequency(ctx context.Context, user string, keys []ads.CampaignDay, out []int64) error {
	if len(keys) == 0 {
		return nil
	}
	ks := make([]string, len(keys))
	for i, k := range keys {
		ks[i] = c.freqKey(user, k)
	}
	vals, err := c.st.GetCounters(ctx, ks)
	if err != nil {
		return err
	}
	for i, k := range ks {
		out[i] = vals[k]
	}
	return nil
}

// ClaimFrequency implements ads.Counters: one AddCounters of 1 under the
// limit.
func (c *Counters) ClaimFrequency(ctx context.Context, user string, key ads.CampaignDay, limit int64) (bool, error) {
	n, err := c.st.AddCounters(ctx, 1, []store.Counter{{Key: c.freqKey(user, key), Limit: limit, Expires: time.Now().Add(freqTTL)}})
	return n == 1, err
}

// creativeFields name a creative's three counters.
var creativeFields = [3]string{"cr:i", "cr:c", "cr:v"}

// Creatives implements ads.Counters: statistics read within CreativeTTL
// come from the cache, the rest with one GetCounters call.
func (c *Counters) Creatives(ctx context.Context, ids []string, out []ads.CreativeStats) error {
	if len(ids) == 0 {
		return nil
	}
	now := time.Now()
	var miss []int
	c.mu.Lock()
	for i, id := range ids {
		if e, ok := c.creatives[id]; ok && now.Sub(e.at) < c.CreativeTTL {
			out[i] = e.s
		} else {
			miss = append(miss, i)
		}
	}
	c.mu.Unlock()
	if len(miss) == 0 {
		return nil
	}
	ks := make([]string, 0, 3*len(miss))
	for _, i := range miss {
		for _, f := range creativeFields {
			ks = append(ks, c.key(f, ids[i]))
		}
	}
	vals, err := c.st.GetCounters(ctx, ks)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.creatives) > 100_000 {
		clear(c.creatives)
	}
	for j, i := range miss {
		out[i] = ads.CreativeStats{Impressions: vals[ks[3*j]], Clicks: vals[ks[3*j+1]], Conversions: vals[ks[3*j+2]]}
		c.creatives[ids[i]] = cachedStats{s: out[i], at: now}
	}
	return nil
}

// AddCreative implements ads.Counters: one AddCounters per statistic that
// changes (an event usually changes one). Statistics only grow; a negative
// one is refused.
func (c *Counters) AddCreative(ctx context.Context, id string, d ads.CreativeStats) error {
	for i, n := range [3]int64{d.Impressions, d.Clicks, d.Conversions} {
		if n < 0 {
			return fmt.Errorf("storectr: creative %q: negative statistics %+v", id, d)
		}
		if n == 0 {
			continue
		}
		if _, err := c.st.AddCounters(ctx, n, []store.Counter{{Key: c.key(creativeFields[i], id)}}); err != nil {
			return err
		}
	}
	c.mu.Lock()
	if e, ok := c.creatives[id]; ok {
		e.s.Impressions += d.Impressions
		e.s.Clicks += d.Clicks
		e.s.Conversions += d.Conversions
		c.creatives[id] = e
	}
	c.mu.Unlock()
	return nil
}

// expiry is the deadline of something kept for ttl (none if ttl <= 0, as
// in Redis).
func expiry(ttl time.Duration) time.Time {
	if ttl <= 0 {
		return time.Time{}
	}
	return time.Now().Add(ttl)
}

// SaveDecision implements ads.Counters.
func (c *Counters) SaveDecision(ctx context.Context, id string, data []byte, ttl time.Duration) error {
	_, err := c.st.PutValue(ctx, c.key("dec", id), data, expiry(ttl), false)
	return err
}

// LoadDecision implements ads.Counters.
func (c *Counters) LoadDecision(ctx context.Context, id string) ([]byte, error) {
	b, err := c.st.GetValue(ctx, c.key("dec", id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ads.ErrUnknownDecision
	}
	return b, err
}

// FirstTime implements ads.Counters with a put-if-absent.
func (c *Counters) FirstTime(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	return c.st.PutValue(ctx, c.key("seen", key), nil, expiry(ttl), true)
}
