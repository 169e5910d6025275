package fairness

import (
	"fmt"
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestGini(t *testing.T) {
	for _, c := range []struct {
		xs   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{0, 0, 0}, 0},
		{[]float64{5, 5, 5, 5}, 0},
		{[]float64{0, 0, 0, 7}, 0.75},   // (n−1)/n
		{[]float64{9, 0, 0, 0, 0}, 0.8}, // order does not matter
		{[]float64{1, 2, 3}, 2.0 / 9},   // Σ(2i−n−1)x/(nΣx) = (−2+0+6)/18
		{[]float64{1, 1, 0, 0}, 0.5},    // half the items share all
	} {
		if g := Gini(c.xs); !near(g, c.want) {
			t.Errorf("Gini(%v) = %v, want %v", c.xs, g, c.want)
		}
	}
}

func TestMeasure(t *testing.T) {
	cat := []Item{
		{ID: "a", Brand: "X", Popularity: 100},
		{ID: "b", Brand: "X", Popularity: 50},
		{ID: "c", Brand: "Y", Popularity: 10},
		{ID: "d", Brand: "Y", Popularity: 5},
		{ID: "e", Brand: "", Popularity: 1},
	}
	e := Measure(cat, map[string]float64{"a": 6, "c": 3, "e": 1})
	if e.CatalogueSize != 5 || e.ExposedItems != 3 || !near(e.Coverage, 0.6) || !near(e.Total, 10) {
		t.Fatalf("counts: %+v", e)
	}
	// Head: ⌈0.2·5⌉ = 1 item, "a"; the tail got 4 of 10.
	if e.HeadItems != 1 || !near(e.LongTailShare, 0.4) {
		t.Errorf("long tail: head %d share %v, want 1 and 0.4", e.HeadItems, e.LongTailShare)
	}
	if want := Gini([]float64{6, 0, 3, 0, 1}); !near(e.Gini, want) || e.Gini <= 0 {
		t.Errorf("gini %v, want %v over the whole catalogue", e.Gini, want)
	}
	if e.TopItem != "a" || !near(e.TopItemShare, 0.6) {
		t.Errorf("top item %s %v", e.TopItem, e.TopItemShare)
	}
	if len(e.Brands) != 3 || e.Brands[0].Key != "X" || !near(e.Brands[0].Share, 0.6) || e.Brands[2].Key != "(none)" {
		t.Errorf("brands %+v", e.Brands)
	}
	uniform := Measure(cat, map[string]float64{"a": 2, "b": 2, "c": 2, "d": 2, "e": 2})
	if !near(uniform.Gini, 0) || !near(uniform.Entropy, 1) || !near(uniform.Coverage, 1) || !near(uniform.LongTailShare, 0.8) {
		t.Errorf("uniform: %+v", uniform)
	}
}

func TestPositionWeightAndCount(t *testing.T) {
	if !near(PositionWeight(1), 1) || !near(PositionWeight(3), 0.5) {
		t.Fatalf("position weights %v %v", PositionWeight(1), PositionWeight(3))
	}
	c := map[string]float64{}
	Count(c, [][]string{{"a", "b", "c"}, {"b"}}, true)
	if !near(c["a"], 1) || !near(c["b"], 1+1/math.Log2(3)) || !near(c["c"], 0.5) {
		t.Errorf("weighted counts %v", c)
	}
}

func TestDeliveryParity(t *testing.T) {
	p := DeliveryParity([]GroupDelivery{
		{Group: "f", Users: 40, Requests: 100, Impressions: 80, PriceSum: 8, Priced: 80},
		{Group: "m", Users: 30, Requests: 100, Impressions: 50, PriceSum: 10, Priced: 50},
		{Group: "x", Users: 3, Requests: 10, Impressions: 0},
	}, 10)
	if len(p.Groups) != 2 || len(p.Suppressed) != 1 || p.Suppressed[0] != "x" {
		t.Fatalf("groups %+v suppressed %v", p.Groups, p.Suppressed)
	}
	if p.Rate == nil || p.Rate.High != "f" || p.Rate.Low != "m" || !near(p.Rate.Difference, 0.3) || !near(p.Rate.Ratio, 0.625) {
		t.Errorf("rate gap %+v", p.Rate)
	}
	if p.Price == nil || p.Price.High != "m" || !near(p.Price.HighValue, 0.2) || !near(p.Price.Difference, 0.1) {
		t.Errorf("price gap %+v", p.Price)
	}
	if one := DeliveryParity([]GroupDelivery{{Group: "a", Users: 10, Requests: 1}}, 10); one.Rate != nil {
		t.Errorf("one group has no gap: %+v", one.Rate)
	}
}

// lists gives every user the same ranking: item i scores 1/(i+1), brand by
// i%brands.
func lists(users, items, brands int) [][]Candidate {
	out := make([][]Candidate, users)
	for u := range out {
		for i := range items {
			out[u] = append(out[u], Candidate{ID: fmt.Sprint("i", i), Brand: fmt.Sprint("b", i%brands), Score: 1 / float64(i+1)})
		}
	}
	return out
}

func TestRerankCapsItems(t *testing.T) {
	ls := lists(100, 40, 4)
	plain, _ := Rerank(ls, 5, Caps{})
	if plain[0][0] != "i0" || plain[99][4] != "i4" {
		t.Fatalf("without caps the order must stay: %v", plain[0])
	}
	out, breaches := Rerank(ls, 5, Caps{MaxItemShare: 0.05})
	counts := map[string]float64{}
	Count(counts, out, false)
	for id, c := range counts {
		if c > 0.05*500 {
			t.Errorf("item %s has %v of 500 slots, over the cap", id, c)
		}
	}
	if breaches != 0 {
		t.Errorf("%d breaches with enough candidates", breaches)
	}
	for u := range out {
		if len(out[u]) != 5 {
			t.Fatalf("user %d got %d items", u, len(out[u]))
		}
		seen := map[string]bool{}
		for _, id := range out[u] {
			if seen[id] {
				t.Fatalf("user %d got %s twice", u, id)
			}
			seen[id] = true
		}
	}
	// Caps spread exposure: Gini must fall.
	cat := make([]Item, 40)
	for i := range cat {
		cat[i] = Item{ID: fmt.Sprint("i", i)}
	}
	pc := map[string]float64{}
	Count(pc, plain, false)
	if g0, g1 := Measure(cat, pc).Gini, Measure(cat, counts).Gini; g1 >= g0 {
		t.Errorf("gini with caps %v not below %v", g1, g0)
	}
}

func TestRerankCapsBrandsAndReportsBreaches(t *testing.T) {
	out, _ := Rerank(lists(50, 40, 4), 4, Caps{MaxBrandShare: 0.25})
	b := map[string]int{}
	for _, l := range out {
		for _, id := range l {
			var i int
			fmt.Sscanf(id, "i%d", &i)
			b[fmt.Sprint("b", i%4)]++
		}
	}
	for k, v := range b {
		if v > 50 {
			t.Errorf("brand %s has %d of 200 slots", k, v)
		}
	}
	// One brand only: the cap cannot hold, every slot after the cap breaks it.
	_, breaches := Rerank(lists(10, 5, 1), 2, Caps{MaxBrandShare: 0.5})
	if breaches != 10 {
		t.Errorf("breaches %d, want 10", breaches)
	}
}

func TestOnlineDemotesOverExposed(t *testing.T) {
	o := NewOnline(Caps{MaxItemShare: 0.1}, 1000)
	cands := []Candidate{{ID: "a", Score: 3}, {ID: "b", Score: 2}, {ID: "c", Score: 1}}
	for i := 0; i < 5000; i++ {
		var cs []Candidate
		for k := range 30 {
			cs = append(cs, Candidate{ID: fmt.Sprint("t", (i+k)%30), Score: 0.5})
		}
		o.Rerank(append(append([]Candidate(nil), cands...), cs...), 1)
	}
	// "a" always comes first; once warm it is held near its cap.
	if s, _ := o.Share("a", ""); s > 0.11 || s < 0.05 {
		t.Errorf("share of a = %v, want about the cap 0.1", s)
	}
	// Deterministic: the same counts and candidates give the same order.
	o2 := NewOnline(Caps{MaxItemShare: 0.1}, 1000)
	for i := 0; i < 5000; i++ {
		var cs []Candidate
		for k := range 30 {
			cs = append(cs, Candidate{ID: fmt.Sprint("t", (i+k)%30), Score: 0.5})
		}
		o2.Rerank(append(append([]Candidate(nil), cands...), cs...), 1)
	}
	a, b := o.Rerank(cands, 2), o2.Rerank(cands, 2)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("not deterministic: %v vs %v", a, b)
		}
	}
	if len(a) != 3 {
		t.Fatalf("rerank must keep every candidate, got %v", a)
	}
}

func TestOnlineWarmupKeepsOrder(t *testing.T) {
	o := NewOnline(Caps{MaxItemShare: 0.01}, 0)
	cands := []Candidate{{ID: "a"}, {ID: "b"}}
	if got := o.Rerank(cands, 1); got[0].ID != "a" {
		t.Errorf("before warm-up the order must stay: %v", got)
	}
}

func TestCapsCheck(t *testing.T) {
	if (Caps{MaxItemShare: 1.5}).Check() == nil || (Caps{MaxBrandShare: -1}).Check() == nil {
		t.Error("caps out of range accepted")
	}
	if (Caps{}).On() || !(Caps{MaxBrandShare: 0.3}).On() {
		t.Error("On")
	}
}

func TestOnlineFillsLeastOverFirstAndRenormalises(t *testing.T) {
	o := NewOnline(Caps{MaxItemShare: 0.1}, 5)
	// Warm up on ten items served equally (each at its 0.1 share), then
	// push "a" far over.
	for i := range 3000 {
		o.Rerank([]Candidate{{ID: fmt.Sprint("w", i%10)}}, 1)
	}
	for range 40 {
		o.Record(Candidate{ID: "a"})
	}
	// Every candidate is now over the cap; the least over fills first.
	got := o.Order([]Candidate{{ID: "a"}, {ID: "w3"}}, 1)
	if got[0].ID != "w3" {
		t.Errorf("order %v: the item least over its cap should lead", got)
	}
	// 3040 slots at half-life 5 multiply the slot weight by 2^608: it is
	// renormalised on the way; shares stay finite and sum to one.
	sum := 0.0
	for i := range 10 {
		s, _ := o.Share(fmt.Sprint("w", i), "")
		sum += s
	}
	sa, _ := o.Share("a", "")
	if math.IsNaN(sum+sa) || !near(sum+sa, 1) {
		t.Errorf("shares sum to %v", sum+sa)
	}
}

// BenchmarkOnlineRerank is the serving cost of the cap for one answer of
// 10 from the 70 candidates recserve draws when rules reorder.
func BenchmarkOnlineRerank(b *testing.B) {
	o := NewOnline(Caps{MaxItemShare: 0.01, MaxBrandShare: 0.05}, 0)
	var lists [][]Candidate
	for u := range 64 {
		var l []Candidate
		for k := range 70 {
			i := (u*7 + k*k) % 5000
			l = append(l, Candidate{ID: fmt.Sprint("i", i), Brand: fmt.Sprint("b", i%200)})
		}
		lists = append(lists, l)
	}
	for i := range 2000 {
		o.Rerank(lists[i%len(lists)], 10)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		o.Rerank(lists[i%len(lists)], 10)
	}
}
