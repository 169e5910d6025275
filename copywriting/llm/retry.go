package llm

import (
	"context"
	"errors"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/openai/openai-go/v3"
)

// classify reports whether err is worth another attempt (429, 5xx, 408,
// transport errors and per-attempt timeouts), whether it says the endpoint
// is unavailable (what the breaker counts), and the server's Retry-After
// wait when it sent one.
func classify(err error, now time.Time) (retry, unavailable bool, after time.Duration, hasAfter bool) {
	var apiErr *openai.Error
	if errors.As(err, &apiErr) {
		code := apiErr.StatusCode
		if code == http.StatusTooManyRequests || code >= 500 || code == http.StatusRequestTimeout {
			if apiErr.Response != nil {
				after, hasAfter = retryAfter(apiErr.Response.Header, now)
			}
			return true, true, after, hasAfter
		}
		return false, false, 0, false
	}
	var te *transportError
	if errors.As(err, &te) {
		return true, true, 0, false
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true, true, 0, false
	}
	return false, false, 0, false
}

// transportError marks a failure to reach the endpoint or to read its
// answer in time: the connection failed, the attempt timed out, the stream
// broke before its first chunk.
type transportError struct{ err error }

func (e *transportError) Error() string { return e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// retryAfter reads Retry-After (delta seconds or an HTTP date) and the
// retry-after-ms extension some OpenAI-compatible servers send.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if h == nil {
		return 0, false
	}
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 && !math.IsInf(ms, 0) {
			return time.Duration(ms * float64(time.Millisecond)), true
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s < 0 || math.IsNaN(s) || math.IsInf(s, 0) {
			return 0, false
		}
		return time.Duration(s * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// backoff is exponential backoff with full jitter: a uniform wait in
// [0, min(max, base·2^attempt)). rnd returns a number in [0, 1).
func backoff(attempt int, base, max time.Duration, rnd func() float64) time.Duration {
	ceil := float64(base) * math.Pow(2, float64(attempt))
	if ceil > float64(max) || math.IsInf(ceil, 0) {
		ceil = float64(max)
	}
	return time.Duration(rnd() * ceil)
}

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
