package api

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// limiter is a token bucket per API key (or per client address without
// keys): rate tokens a second, up to burst. It is per node; a cluster shares
// the rate by configuring each node with its share.
type limiter struct {
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

func newLimiter(rate float64, burst int) *limiter {
	if burst < 1 {
		burst = max(1, int(math.Ceil(rate)))
	}
	return &limiter{rate: rate, burst: float64(burst), now: time.Now, buckets: map[string]*bucket{}}
}

// allow takes a token for key; when none is left it says how long until
// one is.
func (l *limiter) allow(key string) (bool, time.Duration) {
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

// rateKey names the caller for rate limiting: a fingerprint of its key, or
// its address when the server runs without keys.
func rateKey(r *http.Request) string {
	if k := keyFingerprint(r); k != "loopback" {
		return k
	}
	if k := r.Header.Get("X-API-Key"); k != "" && k != "undefined" {
		return "x:" + k
	}
	return "addr:" + r.RemoteAddr
}

// limited answers 429 with Retry-After when the caller is over its rate.
func (s *Server) limited(w http.ResponseWriter, r *http.Request) bool {
	if s.limit == nil {
		return false
	}
	ok, wait := s.limit.allow(rateKey(r))
	if ok {
		return false
	}
	secs := int(math.Ceil(wait.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	writeProblem(w, http.StatusTooManyRequests, "rate-limited",
		"this key is over its rate of "+strconv.FormatFloat(s.limit.rate, 'g', -1, 64)+" requests a second; retry after "+strconv.Itoa(max(secs, 1))+" s")
	return true
}
