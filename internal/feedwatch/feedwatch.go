// Package feedwatch owns the staleness bound of a node's feed followers
// (profiles, consent, the catalogue view): it exports how long each has gone
// without a successful poll to /metrics and tells readiness when one has
// fallen further behind than the bound allows.
//
// Every follower polls its feed every feed_poll_interval, so an acknowledged
// change is visible on every node within that interval plus one poll's
// work; a follower whose last successful poll is older than Bound is not
// keeping that promise (the store is unreachable or the follower stalled).
package feedwatch

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopmind/shopmind/telemetry"
)

// Follower is one feed follower. SinceSync is the time since its last
// successful poll, negative before the first.
type Follower struct {
	Name      string // metric-safe: lower case letters and underscores
	SinceSync func() time.Duration
}

// Watch watches a node's followers. Build it with New.
type Watch struct {
	bound     time.Duration
	start     time.Time
	followers []Follower
	now       func() time.Time
}

// BoundFactor times the poll interval is how long a follower may go
// without a successful poll before the node is not ready.
const BoundFactor = 10

// New watches followers that poll every interval; the bound is BoundFactor
// intervals, and at least one second so that one slow poll does not flap
// readiness.
func New(interval time.Duration, followers ...Follower) *Watch {
	return &Watch{bound: max(BoundFactor*interval, time.Second), start: time.Now(), followers: followers, now: time.Now}
}

// Bound is how long a follower may go without a successful poll.
func (w *Watch) Bound() time.Duration { return w.bound }

// Age is how long f has gone without a successful poll; before its first,
// the time since the watch began.
func (w *Watch) Age(f Follower) time.Duration {
	if d := f.SinceSync(); d >= 0 {
		return d
	}
	return w.now().Sub(w.start)
}

// Check returns an error naming every follower whose last successful poll
// is older than the bound; nil when all keep it.
func (w *Watch) Check() error {
	var late []string
	for _, f := range w.followers {
		if age := w.Age(f); age > w.bound {
			late = append(late, fmt.Sprintf("%s (%s)", f.Name, age.Round(time.Millisecond)))
		}
	}
	if len(late) == 0 {
		return nil
	}
	return fmt.Errorf("feed followers without a successful poll for longer than %s: %s (is the store reachable?)", w.bound, strings.Join(late, ", "))
}

// Register adds a gauge shopmind_<name>_feed_since_sync_seconds per
// follower to m.
func (w *Watch) Register(m *telemetry.Metrics) {
	for _, f := range w.followers {
		m.GaugeFunc("shopmind_"+f.Name+"_feed_since_sync_seconds",
			"Time since "+strings.ReplaceAll(f.Name, "_", " ")+" last read "+"its change feed successfully (staleness bound: feed_poll_interval).",
			func() float64 { return w.Age(f).Seconds() })
	}
}
