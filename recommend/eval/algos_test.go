package eval

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/shopmind/shopmind/recommend"
	"github.com/shopmind/shopmind/recommend/rules"
	"github.com/shopmind/shopmind/shop"
)

// catalogue is a tiny shop: 60 items in 6 categories (with titles, brands
// and tags), 150 users who mostly stay in one category, with views, carts,
// purchases and the odd removal from the cart, an hour apart.
func catalogue() *recommend.Data {
	const nItems, nCats, nUsers = 60, 6, 150
	r := rand.New(rand.NewPCG(11, 12))
	cats := []string{"Shoes", "Tents", "Lamps", "Teas", "Books", "Bikes"}
	d := &recommend.Data{}
	for i := range nItems {
		c := i % nCats
		d.Items = append(d.Items, fmt.Sprintf("it%d", i))
		d.Meta = append(d.Meta, shop.Item{
			ID:       fmt.Sprintf("it%d", i),
			Title:    fmt.Sprintf("%s model %c", cats[c], 'a'+rune(i/nCats)),
			Category: []string{"Shop", cats[c]},
			Brand:    fmt.Sprintf("brand%d", i%4),
			Tags:     []string{strings.ToLower(cats[c])},
		})
	}
	types := []shop.EventType{shop.View, shop.View, shop.AddToCart, shop.Purchase, shop.Rating, shop.RemoveFromCart}
	for u := range nUsers {
		d.Users = append(d.Users, fmt.Sprintf("u%d", u))
		home := u % nCats
		var s []recommend.Event
		for p := range 4 + r.IntN(8) {
			c := home
			if r.IntN(5) == 0 {
				c = r.IntN(nCats)
			}
			typ := types[r.IntN(len(types))]
			s = append(s, recommend.Event{Item: int32(c + nCats*r.IntN(nItems/nCats)), Time: int64(p) * 3600,
				Weight: float32(shop.DefaultWeights[typ]), Type: typ})
		}
		d.Seqs = append(d.Seqs, s)
	}
	return d
}

// TestEveryAlgorithmQuick runs every registered algorithm at its defaults on
// a tiny shop with a catalogue, under both protocols: each must fit, and
// every metric must be finite and in [0, 1].
func TestEveryAlgorithmQuick(t *testing.T) {
	ctx := context.Background()
	sp := LeaveLastOut(catalogue())
	for _, refit := range []bool{false, true} {
		r := NewRunner("shop", sp, Algorithms())
		r.Quick, r.Refit = true, refit
		rep := &Report{Dataset: "shop", K: 10}
		names, err := r.expand([]string{"all"}, rep)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(names, AlgoNames()) || len(rep.Notes) != 0 {
			t.Fatalf("all = %v, notes %q; want every algorithm on a 60-item catalogue", names, rep.Notes)
		}
		for _, n := range names {
			res, err := r.Run(ctx, n)
			if err != nil {
				t.Fatalf("%s: %v", n, err)
			}
			t.Logf("refit %-5v %-10s test HR@10 %.3f NDCG@10 %.3f coverage %.2f", refit, n, res.Test.HR[1], res.Test.NDCG[1], res.Test.Coverage)
			if res.Trials != 1 {
				t.Errorf("%s: %d trials in a quick run", n, res.Trials)
			}
			for phase, m := range map[string]Metrics{"valid": res.Valid, "test": res.Test} {
				if m.Users != sp.NumUsers() {
					t.Errorf("%s %s: %d users, want %d", n, phase, m.Users, sp.NumUsers())
				}
				vals := map[string]float64{"MRR": m.MRR, "coverage": m.Coverage}
				for i, k := range Ks {
					vals[fmt.Sprint("HR@", k)], vals[fmt.Sprint("NDCG@", k)] = m.HR[i], m.NDCG[i]
				}
				for name, v := range vals {
					if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v > 1 {
						t.Errorf("%s %s (refit %v): %s = %v", n, phase, refit, name, v)
					}
				}
				if m.HR[0] > m.HR[1] || m.HR[1] > m.HR[2] || m.NDCG[0] > m.NDCG[1] || m.NDCG[1] > m.NDCG[2] {
					t.Errorf("%s %s: HR %v NDCG %v not increasing in K", n, phase, m.HR, m.NDCG)
				}
			}
			if math.IsNaN(res.TrainSeconds) || res.TrainSeconds < 0 {
				t.Errorf("%s: train seconds %v", n, res.TrainSeconds)
			}
		}
	}
}

// TestSpacesAreWellFormed checks every search space: a default first, no
// repeated values, quick runs keeping exactly the defaults.
func TestSpacesAreWellFormed(t *testing.T) {
	sp := LeaveLastOut(catalogue())
	r := NewRunner("shop", sp, Algorithms())
	for _, a := range r.Algos {
		full, quick := a.Space(r.env(sp.Train)), a.Space(&Env{Quick: true, r: r, data: sp.Train})
		if len(full) != len(quick) {
			t.Errorf("%s: quick space %v, full %v", a.Name, quick, full)
			continue
		}
		for i, p := range full {
			if len(p.Values) == 0 || len(slices.Compact(slices.Sorted(slices.Values(p.Values)))) != len(p.Values) {
				t.Errorf("%s: %s values %v", a.Name, p.Name, p.Values)
			}
			if q := quick[i]; q.Name != p.Name || len(q.Values) != 1 || q.Values[0] != p.Values[0] {
				t.Errorf("%s: quick %+v, full %+v", a.Name, q, p)
			}
			if p.ScoreOnly && a.Adjust == nil {
				t.Errorf("%s: score-only %s without Adjust", a.Name, p.Name)
			}
		}
	}
}

// TestContentLeftOutWithoutCatalogue: content is left out, named or not,
// when no item has catalogue content.
func TestContentLeftOutWithoutCatalogue(t *testing.T) {
	d := catalogue()
	for i := range d.Meta {
		d.Meta[i] = shop.Item{ID: d.Meta[i].ID}
	}
	for _, meta := range [][]shop.Item{nil, d.Meta} {
		d.Meta = meta
		r := NewRunner("shop", LeaveLastOut(d), Algorithms())
		rep := &Report{}
		names, err := r.expand([]string{"content", "pop"}, rep)
		if err != nil || !slices.Equal(names, []string{"pop"}) {
			t.Fatalf("content,pop → %v, %v; want pop only", names, err)
		}
		if len(rep.Notes) != 1 || !strings.HasPrefix(rep.Notes[0], "content left out: the dataset has no catalogue content") {
			t.Errorf("notes %q", rep.Notes)
		}
		if _, err := r.expand([]string{"content"}, &Report{}); err == nil || !strings.Contains(err.Error(), "no catalogue content") {
			t.Errorf("content alone: %v; want an error giving the reason", err)
		}
	}
}

// TestRulesBasketsTakeEveryPositiveInteraction: a view, a cart and a rating
// put items in a basket; a removal from the cart and an ad impression do
// not. The window is in days; −1 makes one basket per user.
func TestRulesBasketsTakeEveryPositiveInteraction(t *testing.T) {
	ev := func(item int32, day float64, typ shop.EventType) recommend.Event {
		return recommend.Event{Item: item, Time: int64(day * 86400), Weight: float32(shop.DefaultWeights[typ]), Type: typ}
	}
	d := &recommend.Data{Items: make([]string, 6), Seqs: [][]recommend.Event{{
		ev(0, 0, shop.View), ev(1, 0.5, shop.AddToCart), ev(2, 0.6, shop.RemoveFromCart), ev(3, 0.7, shop.AdImpression),
		ev(4, 3, shop.Rating), ev(5, 3.2, shop.Purchase),
	}}}
	for _, tt := range []struct {
		days float64
		want [][]int32
	}{
		{1, [][]int32{{0, 1}, {4, 5}}},
		{7, [][]int32{{0, 1, 4, 5}}},
		{-1, [][]int32{{0, 1, 4, 5}}},
	} {
		got := rules.BasketsFromData(d, rulesBaskets(tt.days))
		if !slices.EqualFunc(got, tt.want, slices.Equal) {
			t.Errorf("window %v days: baskets %v, want %v", tt.days, got, tt.want)
		}
	}
}
