package rules

import (
	"bytes"
	"context"
	"math"
	"slices"
	"testing"

	"github.com/shopmind/shopmind/internal/binfmt/binfmttest"
	"github.com/shopmind/shopmind/recommend"
	"github.com/shopmind/shopmind/recommend/internal/rectest"
	"github.com/shopmind/shopmind/shop"
)

// sameRules fails unless a and b hold the same rules, to the bit, in the
// same order, the same counts, and answer BoughtTogether alike.
func sameRules(t *testing.T, a, b *Rules) {
	t.Helper()
	bits := func(r Rule) [6]uint64 {
		return [6]uint64{uint64(r.Antecedent), uint64(r.Consequent), uint64(r.Count), math.Float64bits(r.Support), math.Float64bits(r.Confidence), math.Float64bits(r.Lift)}
	}
	if a.Len() != b.Len() || a.Baskets() != b.Baskets() || len(a.count) != len(b.count) || (a.All() == nil) != (b.All() == nil) {
		t.Fatalf("%d rules of %d baskets over %d items, want %d of %d over %d", b.Len(), b.Baskets(), len(b.count), a.Len(), a.Baskets(), len(a.count))
	}
	for i, r := range a.All() {
		if bits(r) != bits(b.All()[i]) {
			t.Fatalf("rule %d: %+v, want %+v", i, b.All()[i], r)
		}
	}
	for i := int32(-1); i <= int32(len(a.count)); i++ {
		if a.ItemCount(i) != b.ItemCount(i) {
			t.Fatalf("count of %d: %d, want %d", i, b.ItemCount(i), a.ItemCount(i))
		}
		for _, n := range []int{1, 3, 1000} {
			x, y := a.BoughtTogether(i, n), b.BoughtTogether(i, n)
			if !slices.EqualFunc(x, y, func(p, q Rule) bool { return bits(p) == bits(q) }) || (x == nil) != (y == nil) {
				t.Fatalf("BoughtTogether(%d, %d) = %+v, want %+v", i, n, y, x)
			}
		}
	}
}

func roundTrip(t *testing.T, r *Rules) []byte {
	t.Helper()
	data, err := r.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if len(data) != cap(data) {
		t.Errorf("artefact of %d bytes in a buffer of %d: the size is not computed ahead", len(data), cap(data))
	}
	var got Rules
	if err := got.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	sameRules(t, r, &got)
	again, err := got.MarshalBinary()
	if err != nil || !bytes.Equal(again, data) {
		t.Fatalf("marshalling the unmarshalled rules gives other bytes (err %v)", err)
	}
	return data
}

func TestMarshalRulesRoundTrip(t *testing.T) {
	d, _ := rectest.Planted(5, 400, 200, 8, 8)
	baskets := BasketsFromData(d, BasketConfig{})
	for _, cfg := range []Config{{}, DefaultConfig(), {MinCount: 2, MaxPerAntecedent: 5, Order: ByLift}} {
		r, err := Mine(context.Background(), baskets, d.NumItems(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		data := roundTrip(t, r)
		t.Logf("%+v: %d rules over %d items: %d bytes", cfg, r.Len(), d.NumItems(), len(data))
	}
	// No baskets, no items, and the small fixture.
	for _, c := range []struct {
		baskets [][]int32
		items   int
	}{{nil, 4}, {nil, 0}, {small, 4}} {
		r, err := Mine(context.Background(), c.baskets, c.items, Config{})
		if err != nil {
			t.Fatal(err)
		}
		roundTrip(t, r)
	}
	baskets, names := readGroceries(t)
	r, err := Mine(context.Background(), baskets, len(names), Config{MinSupport: 0.001, MinConfidence: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	data := roundTrip(t, r)
	t.Logf("Groceries: %d rules over %d items: %d bytes", r.Len(), len(names), len(data))
}

func TestMarshalRecommenderRoundTrip(t *testing.T) {
	d, _ := rectest.Planted(5, 400, 200, 8, 8)
	for u, s := range d.Seqs {
		for p := range s {
			if (u+p)%3 == 0 {
				s[p].Type = shop.View
			}
			s[p].Time = int64(p) * 3000
		}
	}
	hists := append([][]recommend.Event{nil, {{Item: 500, Type: shop.Purchase}}, {{Item: 2, Type: shop.AddToCart}}}, d.Seqs...)
	for _, m := range []*Recommender{
		NewRecommender(DefaultConfig(), BasketConfig{}),
		NewRecommender(Config{MinCount: 2, MinLift: 0.5, MaxPerAntecedent: 9, Order: ByLift}, BasketConfig{Types: []shop.EventType{shop.Purchase, shop.View}, Window: 7200}),
	} {
		if err := m.Fit(context.Background(), d); err != nil {
			t.Fatal(err)
		}
		data, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if len(data) != cap(data) {
			t.Errorf("artefact of %d bytes in a buffer of %d", len(data), cap(data))
		}
		t.Logf("%d rules: %d bytes", m.Rules().Len(), len(data))
		var got Recommender
		if err := got.UnmarshalBinary(data); err != nil {
			t.Fatal(err)
		}
		if got.cfg != m.cfg || !slices.Equal(got.basket.Types, m.basket.Types) || got.basket.Window != m.basket.Window {
			t.Fatalf("settings %+v %+v, want %+v %+v", got.cfg, got.basket, m.cfg, m.basket)
		}
		sameRules(t, m.Rules(), got.Rules())
		a, b := make([]float32, d.NumItems()), make([]float32, d.NumItems())
		for h, hist := range hists {
			m.Score(hist, a)
			got.Score(hist, b)
			for j := range a {
				if math.Float32bits(a[j]) != math.Float32bits(b[j]) {
					t.Fatalf("history %d, item %d: %v before marshalling, %v after", h, j, a[j], b[j])
				}
			}
		}
		again, err := got.MarshalBinary()
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("marshalling the unmarshalled recommender gives other bytes (err %v)", err)
		}
	}
}

func TestUnmarshalRulesRejects(t *testing.T) {
	r, err := Mine(context.Background(), small, 4, Config{})
	if err != nil {
		t.Fatal(err)
	}
	valid := binfmttest.MustMarshal(t, r)
	var got Rules
	binfmttest.Corruptions(t, valid, got.UnmarshalBinary)
	if got.off != nil {
		t.Fatal("a refused artefact changed the rules")
	}
	damage := func(change func(*Rules)) []byte {
		c := *r
		c.count, c.off, c.rules = slices.Clone(r.count), slices.Clone(r.off), slices.Clone(r.rules)
		change(&c)
		return binfmttest.MustMarshal(t, &c)
	}
	binfmttest.RejectsAll(t, map[string][]byte{
		"consequent out of range":       damage(func(c *Rules) { c.rules[0].Consequent = 4 }),
		"rule of an item to itself":     damage(func(c *Rules) { c.rules[0].Consequent = c.rules[0].Antecedent }),
		"pair count 0":                  damage(func(c *Rules) { c.rules[0].Count = 0 }),
		"pair count above item count":   damage(func(c *Rules) { c.rules[0].Count = 5 }),
		"item in more baskets than N":   damage(func(c *Rules) { c.count[3] = 6 }),
		"negative item count":           damage(func(c *Rules) { c.count[3] = -1 }),
		"negative number of baskets":    damage(func(c *Rules) { c.baskets = -1 }),
		"decreasing offsets":            damage(func(c *Rules) { c.off[2] = c.off[1] - 1 }),
		"offsets of another item count": damage(func(c *Rules) { c.off = c.off[:4] }),
	}, got.UnmarshalBinary, "corrupt")
	var zero Rules
	if _, err := zero.MarshalBinary(); err == nil {
		t.Error("the zero Rules were marshalled")
	}
	// Rules are not a recommender, nor the other way round.
	binfmttest.Rejects(t, "rules read as a recommender", valid, new(Recommender).UnmarshalBinary, "not a")
}

func TestUnmarshalRecommenderRejects(t *testing.T) {
	var d recommend.Data
	d.Items = []string{"a", "b", "c", "d"}
	for u, b := range small {
		var seq []recommend.Event
		for _, it := range b {
			seq = append(seq, recommend.Event{Item: it, Time: int64(u), Weight: 5, Type: shop.Purchase})
		}
		d.Seqs = append(d.Seqs, seq)
	}
	m := NewRecommender(Config{}, BasketConfig{})
	if _, err := m.MarshalBinary(); err == nil {
		t.Error("an unfitted recommender was marshalled")
	}
	if err := m.Fit(context.Background(), &d); err != nil {
		t.Fatal(err)
	}
	valid := binfmttest.MustMarshal(t, m)
	var got Recommender
	binfmttest.Corruptions(t, valid, got.UnmarshalBinary)
	if got.rules != nil {
		t.Fatal("a refused artefact changed the recommender")
	}
	const typesAt = 5 + 6*8
	patch := func(off int, v uint64) []byte { return binfmttest.Patch64(valid, off, v) }
	window := typesAt + 8 + 8 + len(shop.Purchase)
	binfmttest.RejectsAll(t, map[string][]byte{
		"no event types":   patch(typesAt, 0),
		"many event types": patch(typesAt, 1<<40),
		"window 0":         patch(window, 0),
		"huge type name":   patch(typesAt+8, 1<<50),
	}, got.UnmarshalBinary, "corrupt")
	binfmttest.Rejects(t, "a recommender read as rules", valid, new(Rules).UnmarshalBinary, "not a")
}

func FuzzUnmarshal(f *testing.F) {
	r, _ := Mine(context.Background(), small, 4, Config{})
	data, err := r.MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte(nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, in := range [][]byte{data, binfmttest.Reseal(data)} {
			var r Rules
			if r.UnmarshalBinary(in) != nil {
				continue
			}
			out, err := r.MarshalBinary()
			if err != nil || !bytes.Equal(out, in) {
				t.Fatalf("accepted rules do not marshal back to themselves (err %v)", err)
			}
			for i := range int32(len(r.count)) {
				r.BoughtTogether(i, 3)
			}
		}
	})
}
