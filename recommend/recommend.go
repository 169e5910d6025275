// Package recommend owns the recommendation models' common ground: training
// data in index space, the Recommender contract every model implements, and
// helpers to pick the top n of a score vector. Models live in subpackages
// (recommend/pop, recommend/ease, ...); each is pure — no I/O, no store, no
// HTTP — and trainable and testable on slices.
//
// It imports only the data model (package shop) and the standard library.
package recommend

import (
	"context"
	"math"
	"sort"

	"github.com/shopmind/shopmind/shop"
)

// Event is one interaction in index space.
type Event struct {
	Item   int32          // index into Data.Items
	Time   int64          // Unix seconds; sequences are ordered by it
	Weight float32        // interest weight of the event's type (shop.Weights)
	Type   shop.EventType // what happened
}

// Data is training data: for every user, their events in time order.
// Users and Items map indexes to the shop's ids. Meta, when not nil, holds the
// catalogue entry of each item (same index), for content-based models.
type Data struct {
	Users []string
	Items []string
	Seqs  [][]Event
	Meta  []shop.Item
}

// NumItems is len(d.Items).
func (d *Data) NumItems() int { return len(d.Items) }

// NumInteractions counts events over all users.
func (d *Data) NumInteractions() int {
	n := 0
	for _, s := range d.Seqs {
		n += len(s)
	}
	return n
}

// Recommender is the contract of every model.
//
// Fit trains on d and may be called once; it must honour ctx cancellation in
// long loops and must not keep references into d.Seqs that it later mutates.
// Score writes, for a user whose (time-ordered) history is hist, a score for
// every item into scores (len(scores) == d.NumItems() of the data it was
// fitted on); higher is better. hist may hold items the model never saw in
// training only as indexes < NumItems; it may be empty (a new user), in which
// case the model scores what it can (popular items, say) or leaves zeros.
// Score must be safe for concurrent use after Fit returns and must not
// allocate per call beyond what it documents.
type Recommender interface {
	Name() string
	Fit(ctx context.Context, d *Data) error
	Score(hist []Event, scores []float32)
}

// Explainer is implemented by models whose score of an item is a sum over the history's items.
//
// Contribution(from, to) is the term one event of item from adds to the
// score of item to when that event is the most recent of the history and
// has full weight (each model says what full weight is); models scale it by
// the event's position and weight as their Score documents. It is 0 when
// from does not lead to to, for items out of range and before Fit, and may
// be negative where the model's weights may. Contribution must be safe for
// concurrent use after Fit and cheap (a lookup, not a scoring pass).
type Explainer interface {
	Contribution(from, to int32) float32
}

// Explain names the history event to cite for item ("viewed X", "bought with
// Y"): it returns the index into hist of the event whose item contributes
// most to item by m.Contribution, and that contribution. Ties go to the later
// event. Events of non-positive weight are skipped: seq, ease and knn let
// them add nothing or subtract. It returns −1 and 0 when no event contributes
// a positive amount. Explain does not weigh an event's position or weight,
// which Explainer does not expose, nor know a model's history cut-off: pass
// the history the model scored (MaxHist most recent events, say).
func Explain(m Explainer, hist []Event, item int32) (histIndex int, contribution float32) {
	histIndex = -1
	for k, e := range hist {
		if !(e.Weight > 0) {
			continue
		}
		if c := m.Contribution(e.Item, item); c > 0 && c >= contribution {
			histIndex, contribution = k, c
		}
	}
	return histIndex, contribution
}

// Scored is one item with its score.
type Scored struct {
	Item  int32
	Score float32
}

// TopN returns the n highest-scoring items in descending score order (ties by
// lower index), skipping items for which exclude returns true (exclude may be
// nil) and items scored -Inf.
func TopN(scores []float32, n int, exclude func(item int32) bool) []Scored {
	if n <= 0 {
		return nil
	}
	h := make([]Scored, 0, n+1)
	for i, s := range scores {
		if math.IsInf(float64(s), -1) || (exclude != nil && exclude(int32(i))) {
			continue
		}
		if len(h) == n && !better(Scored{int32(i), s}, h[0]) {
			continue
		}
		h = append(h, Scored{int32(i), s})
		up(h, len(h)-1)
		if len(h) > n {
			h[0] = h[len(h)-1]
			h = h[:len(h)-1]
			down(h, 0)
		}
	}
	sort.Slice(h, func(a, b int) bool { return better(h[a], h[b]) })
	return h
}

// better orders by score descending, then index ascending.
func better(a, b Scored) bool {
	if a.Score != b.Score {
		return a.Score > b.Score
	}
	return a.Item < b.Item
}

// The heap keeps the worst of the kept items at h[0].
func up(h []Scored, i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !better(h[p], h[i]) {
			break
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func down(h []Scored, i int) {
	for {
		l, w := 2*i+1, i
		if l < len(h) && better(h[w], h[l]) {
			w = l
		}
		if r := l + 1; r < len(h) && better(h[w], h[r]) {
			w = r
		}
		if w == i {
			return
		}
		h[w], h[i] = h[i], h[w]
		i = w
	}
}
