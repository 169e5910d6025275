// Package ratelimit owns request rate limits: a token bucket per caller
// (rate tokens a second, up to burst), kept in this process's memory
// (Memory) or in Redis (Redis) so that every API node draws from one
// bucket per caller. When Redis does not answer, the Redis limiter falls
// back to a local bucket per node and says so (Degraded).
package ratelimit

import (
	"context"
	"math"
	"sync"
	"time"
)

// Limiter decides whether a caller may make one more request now; when not,
// wait is how long until a token is due.
type Limiter interface {
	Allow(ctx context.Context, key string) (ok bool, wait time.Duration)
	// Rate is the configured rate in requests a second.
	Rate() float64
}

// burstOf is the bucket size: burst, or one second's worth when not set.
func burstOf(rate float64, burst int) float64 {
	if burst < 1 {
		burst = max(1, int(math.Ceil(rate)))
	}
	return float64(burst)
}

// Memory is a token bucket per key in this process.
type Memory struct {
	rate, burst float64
	now         func() time.Time
	mu          sync.Mutex
	buckets     map[string]*bucket
	sweep       time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

// NewMemory returns a limiter of rate requests a second, up to burst at
// once (burst < 1: one second's worth).
func NewMemory(rate float64, burst int) *Memory {
	return &Memory{rate: rate, burst: burstOf(rate, burst), now: time.Now, buckets: map[string]*bucket{}}
}

// Rate implements Limiter.
func (l *Memory) Rate() float64 { return l.rate }

// Allow implements Limiter.
func (l *Memory) Allow(_ context.Context, key string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.sweep) > time.Minute {
		// Forget buckets that have refilled: they hold no state worth keeping.
		for k, b := range l.buckets {
			if now.Sub(b.at).Seconds()*l.rate >= l.burst {
				delete(l.buckets, k)
			}
		}
		l.sweep = now
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}
