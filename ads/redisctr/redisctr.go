// Package redisctr keeps the ads counters (package ads) in Redis, so that
// several nodes share budgets, frequency caps, creative statistics and
// decision records. Check-and-add operations (budget charges, frequency
// claims) are Lua scripts, which Redis runs atomically; reads of many keys
// go in one round trip (MGET or a pipeline).
//
// Keys, under a configurable prefix (default "shopmind:ads:"):
//
//	spend:{C}:D     a campaign's spend on day D, micro-units (expires after 3 days)
//	spend:{C}:total a campaign's spend over its life
//	hr:{C}:D        hash of a campaign's spend and events by local hour of day D (expires after 3 days)
//	freq:D:U        hash of campaign → impressions of user U on day D (expires after 2 days)
//	cr:K            hash i, c, v: impressions, clicks, conversions of creative key K
//	dec:ID          a decision record (expires after its time to live)
//	seen:K          an event already counted (expires after its time to live)
//
// The campaign id sits in a hash tag ({C}) so that both spend keys of a
// charge live in one slot of a Redis Cluster.
package redisctr

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/shopmind/shopmind/ads"
	"github.com/shopmind/shopmind/internal/redisx"
)

// Counters implements ads.Counters on a Redis client.
type Counters struct {
	rdb    redis.UniversalClient
	prefix string
}

var _ ads.Counters = (*Counters)(nil)

// New returns counters on rdb whose keys start with prefix ("" means
// "shopmind:ads:").
func New(rdb redis.UniversalClient, prefix string) *Counters {
	if prefix == "" {
		prefix = "shopmind:ads:"
	}
	return &Counters{rdb: rdb, prefix: prefix}
}

// Open connects to the Redis server at url (redis://[user:pass@]host:port/db
// or rediss:// for TLS) and checks that it answers. Calls honour their
// context's deadline, so that a server that hangs fails a call within it
// (ads.Fallback relies on that).
func Open(ctx context.Context, url, prefix string) (*Counters, error) {
	rdb, err := redisx.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	return New(rdb, prefix), nil
}

// Close closes the client.
func (c *Counters) Close() error { return c.rdb.Close() }

// Ping checks that Redis answers (ads.Fallback probes with it).
func (c *Counters) Ping(ctx context.Context) error { return c.rdb.Ping(ctx).Err() }

// Client returns the Redis client.
func (c *Counters) Client() redis.UniversalClient { return c.rdb }

const (
	dayTTL  = 3 * 24 * time.Hour
	freqTTL = 2 * 24 * time.Hour
)

func (c *Counters) dayKey(k ads.CampaignDay) string {
	return c.prefix + "spend:{" + k.Campaign + "}:" + k.Day
}

func (c *Counters) totalKey(campaign string) string {
	return c.prefix + "spend:{" + campaign + "}:total"
}

func (c *Counters) freqKey(day, user string) string { return c.prefix + "freq:" + day + ":" + user }

// Spend implements ads.Counters with one MGET.
func (c *Counters) Spend(ctx context.Context, keys []ads.CampaignDay, daily, total []int64) error {
	if len(keys) == 0 {
		return nil
	}
	ks := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		ks = append(ks, c.dayKey(k), c.totalKey(k.Campaign))
	}
	vals, err := c.rdb.MGet(ctx, ks...).Result()
	if err != nil {
		return err
	}
	for i := range keys {
		if daily[i], err = toInt(vals[2*i]); err != nil {
			return err
		}
		if total[i], err = toInt(vals[2*i+1]); err != nil {
			return err
		}
	}
	return nil
}

func toInt(v any) (int64, error) {
	switch x := v.(type) {
	case nil:
		return 0, nil
	case string:
		return strconv.ParseInt(x, 10, 64)
	case int64:
		return x, nil
	}
	return 0, fmt.Errorf("redisctr: unexpected value %T", v)
}

// charge adds min(amount, daily limit − day, total limit − total) when
// positive, in one atomic step. Limits <= 0 mean none.
var charge = redis.NewScript(`
local amount = tonumber(ARGV[1])
local dl = tonumber(ARGV[2])
local tl = tonumber(ARGV[3])
local day = tonumber(redis.call('GET', KEYS[1]) or '0')
local total = tonumber(redis.call('GET', KEYS[2]) or '0')
if dl > 0 and dl - day < amount then amount = dl - day end
if tl > 0 and tl - total < amount then amount = tl - total end
if amount <= 0 then return 0 end
redis.call('INCRBY', KEYS[1], amount)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('INCRBY', KEYS[2], amount)
return amount
`)

// Charge implements ads.Counters.
func (c *Counters) Charge(ctx context.Context, key ads.CampaignDay, amount, dailyLimit, totalLimit int64) (int64, error) {
	if amount <= 0 {
		return 0, nil
	}
	return charge.Run(ctx, c.rdb, []string{c.dayKey(key), c.totalKey(key.Campaign)},
		amount, dailyLimit, totalLimit, dayTTL.Milliseconds()).Int64()
}

// Frequency implements ads.Counters: one HMGET per distinct day, in one
// pipeline.
func (c *Counters) Frequency(ctx context.Context, user string, keys []ads.CampaignDay, out []int64) error {
	if len(keys) == 0 {
		return nil
	}
	byDay := map[string][]int{}
	for i, k := range keys {
		byDay[k.Day] = append(byDay[k.Day], i)
	}
	pipe := c.rdb.Pipeline()
	cmds := make(map[string]*redis.SliceCmd, len(byDay))
	for day, idx := range byDay {
		fields := make([]string, len(idx))
		for j, i := range idx {
			fields[j] = keys[i].Campaign
		}
		cmds[day] = pipe.HMGet(ctx, c.freqKey(day, user), fields...)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return err
	}
	for day, idx := range byDay {
		vals := cmds[day].Val()
		for j, i := range idx {
			var err error
			if j >= len(vals) {
				out[i] = 0
			} else if out[i], err = toInt(vals[j]); err != nil {
				return err
			}
		}
	}
	return nil
}

var claim = redis.NewScript(`
local n = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local limit = tonumber(ARGV[2])
if limit > 0 and n >= limit then return 0 end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`)

// ClaimFrequency implements ads.Counters.
func (c *Counters) ClaimFrequency(ctx context.Context, user string, key ads.CampaignDay, limit int64) (bool, error) {
	n, err := claim.Run(ctx, c.rdb, []string{c.freqKey(key.Day, user)}, key.Campaign, limit, freqTTL.Milliseconds()).Int64()
	return n == 1, err
}

// Creatives implements ads.Counters with one pipeline of HMGETs.
func (c *Counters) Creatives(ctx context.Context, ids []string, out []ads.CreativeStats) error {
	if len(ids) == 0 {
		return nil
	}
	pipe := c.rdb.Pipeline()
	cmds := make([]*redis.SliceCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.HMGet(ctx, c.prefix+"cr:"+id, "i", "c", "v")
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return err
	}
	for i, cmd := range cmds {
		vals := cmd.Val()
		var s ads.CreativeStats
		var err error
		if len(vals) == 3 {
			if s.Impressions, err = toInt(vals[0]); err == nil {
				if s.Clicks, err = toInt(vals[1]); err == nil {
					s.Conversions, err = toInt(vals[2])
				}
			}
		}
		if err != nil {
			return err
		}
		out[i] = s
	}
	return nil
}

// AddCreative implements ads.Counters.
func (c *Counters) AddCreative(ctx context.Context, id string, d ads.CreativeStats) error {
	key := c.prefix + "cr:" + id
	pipe := c.rdb.Pipeline()
	if d.Impressions != 0 {
		pipe.HIncrBy(ctx, key, "i", d.Impressions)
	}
	if d.Clicks != 0 {
		pipe.HIncrBy(ctx, key, "c", d.Clicks)
	}
	if d.Conversions != 0 {
		pipe.HIncrBy(ctx, key, "v", d.Conversions)
	}
	if pipe.Len() == 0 {
		return nil
	}
	_, err := pipe.Exec(ctx)
	return err
}

// SaveDecision implements ads.Counters.
func (c *Counters) SaveDecision(ctx context.Context, id string, data []byte, ttl time.Duration) error {
	return c.rdb.Set(ctx, c.prefix+"dec:"+id, data, ttl).Err()
}

// LoadDecision implements ads.Counters.
func (c *Counters) LoadDecision(ctx context.Context, id string) ([]byte, error) {
	b, err := c.rdb.Get(ctx, c.prefix+"dec:"+id).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ads.ErrUnknownDecision
	}
	return b, err
}

// FirstTime implements ads.Counters with SET NX.
func (c *Counters) FirstTime(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	err := c.rdb.SetArgs(ctx, c.prefix+"seen:"+key, 1, redis.SetArgs{Mode: "NX", TTL: ttl}).Err()
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, redis.Nil):
		return false, nil
	}
	return false, err
}

// DeleteAll deletes every key under the prefix (tests clean up with it).
func (c *Counters) DeleteAll(ctx context.Context) error {
	var cursor uint64
	for {
		keys, next, err := c.rdb.Scan(ctx, cursor, c.prefix+"*", 500).Result()
		if err != nil {
			return err
		}
		if len(keys) > 0 {
			if err := c.rdb.Unlink(ctx, keys...).Err(); err != nil {
				return err
			}
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}

// maxLogged bounds the feedback list: beyond it the oldest entries go (a
// trainer that does not run would otherwise grow it without end).
const maxLogged = 1 << 20

// LogFeedback implements ads.FeedbackLog with a Redis list.
func (c *Counters) LogFeedback(ctx context.Context, f ads.Feedback) error {
	key := c.prefix + "learn"
	pipe := c.rdb.Pipeline()
	pipe.RPush(ctx, key, f.String())
	pipe.LTrim(ctx, key, -maxLogged, -1)
	_, err := pipe.Exec(ctx)
	return err
}

// TakeFeedback implements ads.FeedbackLog: LPOP with a count, oldest first.
func (c *Counters) TakeFeedback(ctx context.Context, max int) ([]ads.Feedback, error) {
	vals, err := c.rdb.LPopCount(ctx, c.prefix+"learn", max).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := make([]ads.Feedback, 0, len(vals))
	for _, v := range vals {
		f, err := ads.ParseFeedback(v)
		if err != nil {
			continue // a damaged entry teaches nothing
		}
		out = append(out, f)
	}
	return out, nil
}
