package ratelimit

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/shopmind/shopmind/internal/tcpproxy"
	"github.com/shopmind/shopmind/internal/testenv"
)

func TestMemoryRefills(t *testing.T) {
	l := NewMemory(2, 2)
	now := time.Unix(0, 0)
	l.now = func() time.Time { return now }
	ctx := context.Background()
	for range 2 {
		if ok, _ := l.Allow(ctx, "k"); !ok {
			t.Fatal("burst refused")
		}
	}
	ok, wait := l.Allow(ctx, "k")
	if ok || wait != 500*time.Millisecond {
		t.Fatalf("empty bucket: %v, wait %v; want refused, 500ms", ok, wait)
	}
	if ok, _ := l.Allow(ctx, "other"); !ok {
		t.Error("another key shares the bucket")
	}
	now = now.Add(500 * time.Millisecond)
	if ok, _ := l.Allow(ctx, "k"); !ok {
		t.Error("not refilled after 500ms at 2/s")
	}
	if ok, _ := l.Allow(ctx, "k"); ok {
		t.Error("refilled more than one token")
	}
}

// Two nodes on one Redis draw from one bucket per key.
func TestRedisSharesTheBucket(t *testing.T) {
	url := testenv.RedisURL(t)
	prefix := "shopmind-test:" + rand.Text()[:12] + ":rl:"
	ctx := t.Context()
	a, err := OpenRedis(ctx, url, prefix, 1, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := OpenRedis(ctx, url, prefix, 1, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	t.Cleanup(func() { a.rdb.Del(context.Background(), prefix+"k", prefix+"j") })
	allowed := 0
	for i := range 10 {
		l := a
		if i%2 == 1 {
			l = b
		}
		if ok, _ := l.Allow(ctx, "k"); ok {
			allowed++
		}
	}
	// 5 of burst, plus at most one refilled while the loop ran.
	if allowed < 5 || allowed > 6 {
		t.Errorf("%d of 10 requests allowed across two nodes, want 5 (the shared burst)", allowed)
	}
	ok, wait := a.Allow(ctx, "k")
	if ok && allowed == 5 {
		t.Error("over the shared burst and still allowed")
	}
	if !ok && (wait <= 0 || wait > time.Second) {
		t.Errorf("wait %v, want within a second at 1/s", wait)
	}
	if ok, _ := b.Allow(ctx, "j"); !ok {
		t.Error("another key is limited")
	}
	if a.Degraded() || b.Degraded() {
		t.Error("degraded with Redis up")
	}
	ttl := a.rdb.PTTL(ctx, prefix+"k").Val()
	if ttl <= 0 || ttl > 7*time.Second {
		t.Errorf("bucket key TTL %v; want it to lapse once full again (about 6 s)", ttl)
	}
}

// With Redis gone the limiter still limits, per node, and says so.
func TestRedisDownFallsBackToLocal(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 20 * time.Millisecond})
	defer rdb.Close()
	l := NewRedis(rdb, "x:", 1, 2, nil)
	ctx := t.Context()
	var allowed int
	for range 4 {
		if ok, _ := l.Allow(ctx, "k"); ok {
			allowed++
		}
	}
	if allowed != 2 || !l.Degraded() {
		t.Errorf("allowed %d of 4 (want the local burst, 2), degraded %v", allowed, l.Degraded())
	}
}

// A Redis that accepts connections but never answers: calls give up at
// their context's deadline, not after the client's read timeout (3 s), so
// Allow degrades to the local bucket within its own 50 ms.
func TestRedisHungFallsBackQuickly(t *testing.T) {
	hung := tcpproxy.Hung(t)
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := OpenRedis(ctx, "redis://"+hung, "x:", 1, 2, nil); err == nil || time.Since(start) > time.Second {
		t.Fatalf("OpenRedis on a hung server: %v after %v; want an error at the 200 ms deadline", err, time.Since(start))
	}
	opt, _ := redis.ParseURL("redis://" + hung)
	opt.ContextTimeoutEnabled, opt.MaxRetries = true, -1
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	l := NewRedis(rdb, "x:", 1, 2, nil)
	start = time.Now()
	ok, _ := l.Allow(t.Context(), "k")
	if took := time.Since(start); !ok || !l.Degraded() || took > time.Second {
		t.Errorf("hung Redis: allowed %v, degraded %v, took %v; want the local bucket within the 50 ms deadline", ok, l.Degraded(), took)
	}
}
