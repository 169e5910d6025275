package knn

import (
	"bytes"
	"context"
	"math"
	"slices"
	"testing"

	"github.com/shopmind/shopmind/internal/binfmt/binfmttest"
	"github.com/shopmind/shopmind/recommend"
	"github.com/shopmind/shopmind/recommend/internal/rectest"
)

// planted is rectest.WeightedPlanted.
func planted(testing.TB) *recommend.Data { return rectest.WeightedPlanted() }

var histories = rectest.Histories

func fitted(t testing.TB, cfg Config, d *recommend.Data) *Model {
	t.Helper()
	m := New(cfg)
	if err := m.Fit(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	return m
}

// kept is the configuration MarshalBinary keeps (Workers is not).
func kept(m *Model) Config {
	c := m.Config()
	c.Workers = 0
	return c
}

func TestMarshalRoundTrip(t *testing.T) {
	d := planted(t)
	other := fitted(t, Config{K: 2}, tiny())
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"defaults", Config{}},
		{"settings off their defaults", Config{K: 7, Shrink: -1, RecencyHalfLife: 3, Binary: true, Workers: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := fitted(t, tc.cfg, d)
			data, err := m.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if len(data) != cap(data) {
				t.Errorf("artefact of %d bytes in a buffer of %d: the size is not computed ahead", len(data), cap(data))
			}
			t.Logf("%d items, %d neighbours: %d bytes", d.NumItems(), len(m.nbr), len(data))
			var got Model
			if err := got.UnmarshalBinary(data); err != nil {
				t.Fatal(err)
			}
			if kept(&got) != kept(m) || got.Config().Workers < 1 {
				t.Fatalf("config %+v, want %+v", got.Config(), m.Config())
			}
			sameScores(t, m, &got, d.NumItems(), histories(d))
			for i := int32(-1); i <= int32(d.NumItems()); i++ {
				if a, b := m.Neighbors(i, 1000), got.Neighbors(i, 1000); !slices.Equal(a, b) {
					t.Fatalf("neighbours of %d: %v before marshalling, %v after", i, a, b)
				}
			}
			again, err := got.MarshalBinary()
			if err != nil || !bytes.Equal(again, data) {
				t.Fatalf("marshalling the unmarshalled model gives other bytes (err %v)", err)
			}
			reused := *other
			if err := reused.UnmarshalBinary(data); err != nil {
				t.Fatal(err)
			}
			sameScores(t, m, &reused, d.NumItems(), histories(d))
		})
	}
}

func TestUnmarshalRejects(t *testing.T) {
	m := fitted(t, Config{Shrink: 1}, tiny())
	valid := binfmttest.MustMarshal(t, m)
	var got Model
	binfmttest.Corruptions(t, valid, got.UnmarshalBinary)
	if got.off != nil {
		t.Fatal("a refused artefact changed the model")
	}
	damage := func(change func(*Model)) []byte {
		c := *m
		c.off, c.nbr, c.pop = slices.Clone(m.off), slices.Clone(m.nbr), slices.Clone(m.pop)
		change(&c)
		return binfmttest.MustMarshal(t, &c)
	}
	patch := func(off int, v uint64) []byte { return binfmttest.Patch64(valid, off, v) }
	binfmttest.RejectsAll(t, map[string][]byte{
		"neighbour out of range":   damage(func(c *Model) { c.nbr[0] = 4 }),
		"its own neighbour":        damage(func(c *Model) { c.nbr[0] = 0 }),
		"decreasing offsets":       damage(func(c *Model) { c.off[2] = c.off[1] - 1 }),
		"popularity of 3 items":    damage(func(c *Model) { c.pop = c.pop[:3] }),
		"more than K neighbours":   damage(func(c *Model) { c.cfg.K = 1 }),
		"K 0":                      patch(5, 0),
		"huge slice length":        patch(5+8+4+8+1+8, 1<<62),
		"negative number of items": patch(5+8+4+8+1, math.MaxUint64),
	}, got.UnmarshalBinary, "corrupt")
	if _, err := New(Config{}).MarshalBinary(); err == nil {
		t.Error("an unfitted model was marshalled")
	}
	var zero Model
	if _, err := zero.MarshalBinary(); err == nil {
		t.Error("the zero model was marshalled")
	}
}

func FuzzUnmarshal(f *testing.F) {
	for _, cfg := range []Config{{Shrink: 1}, {K: 1, Binary: true, RecencyHalfLife: 2}} {
		data, err := fitted(f, cfg, tiny()).MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, in := range [][]byte{data, binfmttest.Reseal(data)} {
			var m Model
			if m.UnmarshalBinary(in) != nil {
				continue
			}
			out, err := m.MarshalBinary()
			if err != nil || !bytes.Equal(out, in) {
				t.Fatalf("an accepted artefact does not marshal back to itself (err %v)", err)
			}
			scores := make([]float32, m.numItems)
			var hist []recommend.Event
			for i := range int32(min(m.numItems, 4)) {
				hist = append(hist, recommend.Event{Item: i, Weight: 1})
				m.Neighbors(i, 3)
				m.Contribution(i, int32(m.numItems)-1-i)
			}
			m.Score(hist, scores)
		}
	})
}

// TestContributionMatchesScore: Contribution is the similarity Neighbors
// lists, 0 for every item not listed. For a one-event history of weight w
// whose item has neighbours, Score is w·Contribution to the bit (Score starts
// from zeros and the event is the latest, so recency decay is 1). Score −
// Score(empty history) does not rank like Contribution here: an empty
// history scores popularity, which a history with neighbours replaces rather
// than adds to; items without neighbours score popularity either way. For a
// longer history of weight-1 events without decay, Score is the sum of the
// events' contributions, up to rounding.
func TestContributionMatchesScore(t *testing.T) {
	d := planted(t)
	n := d.NumItems()
	for _, cfg := range []Config{{K: 20}, {K: 20, Binary: true, RecencyHalfLife: 2}} {
		m := fitted(t, cfg, d)
		one := make([]float32, n)
		links := 0
		for from := range int32(n) {
			nb := m.Neighbors(from, n)
			const w = 3
			m.Score([]recommend.Event{{Item: from, Weight: w}}, one)
			for to := range int32(n) {
				c := m.Contribution(from, to)
				want := float32(0)
				if k := slices.IndexFunc(nb, func(s recommend.Scored) bool { return s.Item == to }); k >= 0 {
					want = nb[k].Score
				}
				if c != want {
					t.Fatalf("Contribution(%d, %d) = %v, Neighbors says %v", from, to, c, want)
				}
				wc := w * c
				if cfg.Binary {
					wc = c
				}
				if len(nb) > 0 && one[to] != wc {
					t.Fatalf("%+v: Contribution(%d, %d) = %v, one-event score %v", cfg, from, to, c, one[to])
				}
				if c != 0 {
					links++
				}
			}
		}
		if links != len(m.nbr) {
			t.Errorf("%d neighbours stored, %d non-zero contributions", len(m.nbr), links)
		}
	}

	m := fitted(t, Config{K: 20}, d)
	scores := make([]float32, n)
	for u, hist := range d.Seqs[:50] {
		hist = slices.Clone(hist)
		for p := range hist {
			hist[p].Weight = 1
		}
		m.Score(hist, scores)
		for to := range int32(n) {
			var sum float64
			for _, e := range hist {
				sum += float64(m.Contribution(e.Item, to))
			}
			if math.Abs(float64(scores[to])-sum) > 1e-5*(1+sum) {
				t.Fatalf("user %d, item %d: score %v, sum of contributions %v", u, to, scores[to], sum)
			}
		}
	}
}

func TestExplain(t *testing.T) {
	d := planted(t)
	m := fitted(t, Config{K: 20}, d)
	var _ recommend.Explainer = m
	scores := make([]float32, d.NumItems())
	explained := 0
	for _, hist := range d.Seqs[:80] {
		m.Score(hist, scores)
		for _, s := range recommend.TopN(scores, 5, nil) {
			k, c := recommend.Explain(m, hist, s.Item)
			best, bestK := float32(0), -1
			for p, e := range hist {
				if x := m.Contribution(e.Item, s.Item); x > 0 && x >= best {
					best, bestK = x, p
				}
			}
			if k != bestK || c != best {
				t.Fatalf("Explain = %d, %v; the largest contribution is %v at %d", k, c, best, bestK)
			}
			if k >= 0 {
				explained++
				if slices.IndexFunc(m.Neighbors(hist[k].Item, 20), func(x recommend.Scored) bool { return x.Item == s.Item }) < 0 {
					t.Fatalf("Explain names %d, which does not list %d among its neighbours", hist[k].Item, s.Item)
				}
			}
		}
	}
	if explained < 300 {
		t.Fatalf("only %d of 400 recommendations explained", explained)
	}
}

// sameScores fails unless a and b score every history bit for bit alike.
func sameScores(t *testing.T, a, b recommend.Recommender, n int, hists [][]recommend.Event) {
	t.Helper()
	sa, sb := make([]float32, n), make([]float32, n)
	for h, hist := range hists {
		a.Score(hist, sa)
		b.Score(hist, sb)
		for j := range sa {
			if math.Float32bits(sa[j]) != math.Float32bits(sb[j]) {
				t.Fatalf("history %d, item %d: %v before marshalling, %v after", h, j, sa[j], sb[j])
			}
		}
	}
}

func cmpF(a, b float32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
