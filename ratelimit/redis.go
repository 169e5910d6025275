package ratelimit

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/shopmind/shopmind/internal/redisx"
)

// takeScript is one token bucket in a Redis hash: refill by the time since
// the last take (the server's clock, so that nodes' clocks do not matter),
// take one token if there is one, and let the key lapse once the bucket
// would be full again. It answers {allowed, milliseconds to wait}.
var takeScript = redis.NewScript(`
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1])
local at = tonumber(b[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
tokens = math.min(burst, tokens + math.max(0, now - at) / 1000 * rate)
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) / rate * 1000)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return {allowed, wait}
`)

// Redis is a token bucket per key shared by every node through Redis. When
// a call to Redis fails it answers from a local Memory bucket instead (per
// node, so the cluster may admit up to nodes × rate while Redis is down)
// and Degraded reports true until Redis answers again.
type Redis struct {
	rdb         redis.UniversalClient
	prefix      string
	rate, burst float64
	timeout     time.Duration
	local       *Memory
	degraded    atomic.Bool
	log         *slog.Logger
}

// NewRedis returns a limiter on rdb whose keys start with prefix.
func NewRedis(rdb redis.UniversalClient, prefix string, rate float64, burst int, log *slog.Logger) *Redis {
	if log == nil {
		log = slog.Default()
	}
	return &Redis{rdb: rdb, prefix: prefix, rate: rate, burst: burstOf(rate, burst), timeout: 50 * time.Millisecond,
		local: NewMemory(rate, burst), log: log}
}

// OpenRedis connects to the Redis server at url and checks that it answers.
func OpenRedis(ctx context.Context, url, prefix string, rate float64, burst int, log *slog.Logger) (*Redis, error) {
	// The client's calls honour their context's deadline (Allow gives each
	// 50 ms), so a Redis that hangs rather than refuses degrades to the
	// local bucket at once instead of after the client's read timeout.
	rdb, err := redisx.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	return NewRedis(rdb, prefix, rate, burst, log), nil
}

// Close closes the client.
func (l *Redis) Close() error { return l.rdb.Close() }

// Rate implements Limiter.
func (l *Redis) Rate() float64 { return l.rate }

// Degraded reports whether the last decision came from the local fallback.
func (l *Redis) Degraded() bool { return l.degraded.Load() }

// Allow implements Limiter.
func (l *Redis) Allow(ctx context.Context, key string) (bool, time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	res, err := takeScript.Run(ctx, l.rdb, []string{l.prefix + key}, l.rate, l.burst).Int64Slice()
	if err != nil || len(res) != 2 {
		if !l.degraded.Swap(true) {
			l.log.Warn("rate limits: Redis does not answer; limiting per node until it does", "err", err)
		}
		return l.local.Allow(ctx, key)
	}
	if l.degraded.Swap(false) {
		l.log.Info("rate limits: Redis answers again; limits are shared")
	}
	return res[0] == 1, time.Duration(res[1]) * time.Millisecond
}
