package store

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Counters and values are small, fast-changing state kept beside the data
// model: budget spend, frequency caps, statistics (counters) and short-lived
// records such as ad decisions and de-duplication marks (values). Both are
// keyed by a free-form string and may carry a deadline after which they read
// as absent; DeleteExpired removes what has lapsed. The Store methods are:
//
//	AddCounters(ctx, delta, counters) (added, err)  check-and-add under limits
//	GetCounters(ctx, keys) (values, err)
//	PutValue(ctx, key, data, expires, ifAbsent) (stored, err)
//	GetValue(ctx, key) (data, err)
//	DeleteExpired(ctx) (removed, err)

// MaxKey is the longest counter or value key, in bytes.
const MaxKey = 1024

// Counter names one counter of an AddCounters call.
type Counter struct {
	Key string
	// Limit caps the counter: an add never takes it above Limit. Zero or
	// less means no limit.
	Limit int64
	// Expires is when the counter lapses, from the store's clock: from
	// then on it reads as absent (zero) and DeleteExpired may remove it.
	// An add that changes the counter sets its deadline to Expires; the
	// zero time means never.
	Expires time.Time
}

// CheckKey refuses keys no backend can store: empty, longer than MaxKey
// bytes, with a NUL byte or not UTF-8. The error wraps ErrInvalid.
func CheckKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("key is empty: %w", ErrInvalid)
	case len(key) > MaxKey:
		return fmt.Errorf("key is %d bytes long; at most %d bytes are allowed: %w", len(key), MaxKey, ErrInvalid)
	case strings.IndexByte(key, 0) >= 0:
		return fmt.Errorf("key %q contains a NUL byte, which is not allowed: %w", key, ErrInvalid)
	case !utf8.ValidString(key):
		return fmt.Errorf("key %q is not valid UTF-8: %w", key, ErrInvalid)
	}
	return nil
}

// CheckCounters checks the arguments of AddCounters: valid, distinct keys
// and a delta that is not negative.
func CheckCounters(delta int64, cs []Counter) error {
	if delta < 0 {
		return fmt.Errorf("negative delta %d: %w", delta, ErrInvalid)
	}
	for i, c := range cs {
		if err := CheckKey(c.Key); err != nil {
			return err
		}
		for _, d := range cs[:i] {
			if d.Key == c.Key {
				return fmt.Errorf("key %q named twice: %w", c.Key, ErrInvalid)
			}
		}
	}
	return nil
}

// CounterAdd is what AddCounters adds to counters whose (live) values are
// cur: delta cut to keep every limited counter at most its limit, or 0
// when that is not positive. Backends share it.
func CounterAdd(delta int64, cs []Counter, cur []int64) int64 {
	n := delta
	for i, c := range cs {
		if c.Limit > 0 {
			n = min(n, c.Limit-cur[i])
		}
	}
	return max(n, 0)
}

// CounterStore is the part of Store that keeps counters and values (see
// the comment at the top of this file).
type CounterStore interface {
	// AddCounters adds n = min(delta, Limit−value for every limited
	// counter) to each of the counters in one atomic step, when n > 0, and
	// returns n; otherwise it changes nothing and returns 0. Absent or
	// lapsed counters count as 0. Concurrent adds, from any node of a
	// shared backend, never take a counter past its limit. Keys must be
	// distinct; a negative delta gives ErrInvalid.
	AddCounters(ctx context.Context, delta int64, counters []Counter) (added int64, err error)
	// GetCounters returns the live counters among keys; absent and lapsed
	// ones are left out of the map.
	GetCounters(ctx context.Context, keys []string) (map[string]int64, error)
	// PutValue stores data under key until expires (the zero time: for
	// ever). With ifAbsent it stores nothing while a live value is there;
	// stored says whether it wrote. The check and the write are atomic.
	PutValue(ctx context.Context, key string, data []byte, expires time.Time, ifAbsent bool) (stored bool, err error)
	// GetValue returns the live value under key, or ErrNotFound.
	GetValue(ctx context.Context, key string) ([]byte, error)
	// DeleteExpired removes the counters and values that have lapsed and
	// returns how many. Callers run it now and then.
	DeleteExpired(ctx context.Context) (removed int64, err error)
}
