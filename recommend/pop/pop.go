// Package pop owns the popularity baselines: Pop ranks items by how many
// training interactions they have, Trending by time-decayed interactions
// (recent ones count more, with a half-life). Both ignore the user's history,
// which makes them the floor every personalised model must beat and the
// fallback for users without history.
//
// The models are pure: Fit reads a recommend.Data, Score writes a slice; no
// I/O, no store. Score allocates nothing and is safe for concurrent use.
package pop

import (
	"context"
	"fmt"
	"math"

	"github.com/shopmind/shopmind/recommend"
)

// Pop scores every item by its number of training events (or the sum of
// their weights when Weighted is set). Equal counts are left equal:
// recommend.TopN and the evaluation break ties in favour of the lower index.
type Pop struct {
	// Weighted counts each event with its Weight instead of 1.
	Weighted bool
	counts   []float32
}

// New returns a popularity model counting events.
func New() *Pop { return &Pop{} }

// Name implements recommend.Recommender.
func (p *Pop) Name() string { return "pop" }

// Fit counts the events of d per item.
func (p *Pop) Fit(ctx context.Context, d *recommend.Data) error {
	p.counts = make([]float32, d.NumItems())
	for u, s := range d.Seqs {
		if u%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		for _, e := range s {
			if p.Weighted {
				p.counts[e.Item] += e.Weight
			} else {
				p.counts[e.Item]++
			}
		}
	}
	return nil
}

// Counts returns the fitted count of each item (shared; do not modify).
func (p *Pop) Counts() []float32 { return p.counts }

// Score writes each item's count; hist is ignored.
func (p *Pop) Score(_ []recommend.Event, scores []float32) {
	copy(scores, p.counts)
}

// Trending scores every item by its time-decayed interactions: an event at
// time t counts 2^(-(Now-t)/HalfLife). Now is the latest event time in the
// training data unless set. With an infinite half-life it equals Pop.
//
// With PerUser, an event's age is measured from the last event of its own
// user instead: for data whose times only order each user's events, such as
// the S3-Rec Amazon files (one day per position), where it weighs the end of
// every sequence, the recent past, most.
type Trending struct {
	HalfLife float64 // seconds; must be > 0
	Now      int64   // Unix seconds; 0 means the latest training event
	PerUser  bool    // age from the user's last event rather than from Now
	Weighted bool    // multiply by the event weight
	counts   []float32
}

// NewTrending returns a trending model with the given half-life in seconds.
func NewTrending(halfLife float64) *Trending { return &Trending{HalfLife: halfLife} }

// Name implements recommend.Recommender.
func (t *Trending) Name() string { return "trending" }

// Fit sums the decayed events of d per item.
func (t *Trending) Fit(ctx context.Context, d *recommend.Data) error {
	if !(t.HalfLife > 0) {
		return fmt.Errorf("trending: half-life must be positive, got %v", t.HalfLife)
	}
	now := t.Now
	if now == 0 {
		now = math.MinInt64
		for _, s := range d.Seqs {
			for _, e := range s {
				now = max(now, e.Time)
			}
		}
	}
	sums := make([]float64, d.NumItems())
	for u, s := range d.Seqs {
		if u%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		ref := now
		if t.PerUser {
			ref = math.MinInt64
			for _, e := range s {
				ref = max(ref, e.Time)
			}
		}
		for _, e := range s {
			age := float64(max(ref-e.Time, 0))
			w := math.Exp2(-age / t.HalfLife)
			if t.Weighted {
				w *= float64(e.Weight)
			}
			sums[e.Item] += w
		}
	}
	t.counts = make([]float32, len(sums))
	for i, v := range sums {
		t.counts[i] = float32(v)
	}
	return nil
}

// Score writes each item's decayed count; hist is ignored.
func (t *Trending) Score(_ []recommend.Event, scores []float32) {
	copy(scores, t.counts)
}
