package recommend

import (
	"cmp"
	"slices"

	"github.com/shopmind/shopmind/shop"
)

// Builder gathers catalogue items and events into Data in index space: the
// one place where shop ids become item and user indices for training.
type Builder struct {
	weights      shop.Weights
	unknownItems bool
	d            Data
	items, users map[string]int32
}

// NewBuilder returns an empty builder. weights gives each event type its
// weight (events of weight 0 or less are left out); with unknownItems an
// event naming an item not added yet adds it with bare metadata, otherwise
// such an event is left out.
func NewBuilder(weights shop.Weights, unknownItems bool) *Builder {
	if weights == nil {
		weights = shop.MergeWeights(nil)
	}
	return &Builder{weights: weights, unknownItems: unknownItems, items: map[string]int32{}, users: map[string]int32{}}
}

// AddItem adds a catalogue item (once per id).
func (b *Builder) AddItem(it shop.Item) {
	if _, ok := b.items[it.ID]; ok {
		return
	}
	b.items[it.ID] = int32(len(b.d.Items))
	b.d.Items = append(b.d.Items, it.ID)
	b.d.Meta = append(b.d.Meta, it)
}

// AddEvent adds one event to its user's sequence.
func (b *Builder) AddEvent(e *shop.Event) {
	w := b.weights.Of(e.Type)
	if e.ItemID == "" || w <= 0 {
		return
	}
	it, ok := b.items[e.ItemID]
	if !ok {
		if !b.unknownItems {
			return
		}
		b.AddItem(shop.Item{ID: e.ItemID})
		it = b.items[e.ItemID]
	}
	u, ok := b.users[e.UserID]
	if !ok {
		u = int32(len(b.d.Users))
		b.users[e.UserID] = u
		b.d.Users = append(b.d.Users, e.UserID)
		b.d.Seqs = append(b.d.Seqs, nil)
	}
	b.d.Seqs[u] = append(b.d.Seqs[u], Event{Item: it, Time: e.Timestamp.Unix(), Weight: float32(w), Type: e.Type})
}

// Data returns what was added, each user's events in time order (events of
// one time keep the order they were added in).
func (b *Builder) Data() *Data {
	for _, s := range b.d.Seqs {
		slices.SortStableFunc(s, func(a, b Event) int { return cmp.Compare(a.Time, b.Time) })
	}
	return &b.d
}
