package seq

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

// settings are the exported fields that MarshalBinary keeps (Workers is not).
func settings(m *Model) [9]float64 {
	return [9]float64{float64(m.Window), m.Decay, m.Backward, m.Alpha, m.Beta, m.Recency, float64(m.MaxHist), m.Prior, m.Fresh}
}

func TestMarshalRoundTrip(t *testing.T) {
	d := planted(t)
	other := New()
	fit(t, other, 3, ev(0, 1, 2))
	for _, tc := range []struct {
		name string
		set  func(*Model)
	}{
		{"defaults", func(*Model) {}},
		{"all settings off their defaults", func(m *Model) {
			m.Window, m.Decay, m.Backward, m.Alpha, m.Beta = 3, 0.7, 0.5, 0.9, 0.4
			m.Recency, m.MaxHist, m.Prior, m.Fresh, m.Workers = 0.8, 4, 0.05, 0.9, 1
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := New()
			tc.set(m)
			if err := m.Fit(context.Background(), d); err != nil {
				t.Fatal(err)
			}
			data, err := m.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if len(data) != cap(data) {
				t.Errorf("artefact of %d bytes in a buffer of %d: the size is not computed ahead", len(data), cap(data))
			}
			t.Logf("%d items, %d links: %d bytes", d.NumItems(), m.NumLinks(), len(data))
			var got Model
			if err := got.UnmarshalBinary(data); err != nil {
				t.Fatal(err)
			}
			if settings(&got) != settings(m) || got.Workers != 0 {
				t.Fatalf("settings %+v, want %+v", settings(&got), settings(m))
			}
			sameScores(t, m, &got, d.NumItems(), histories(d))
			again, err := got.MarshalBinary()
			if err != nil || !bytes.Equal(again, data) {
				t.Fatalf("marshalling the unmarshalled model gives other bytes (err %v)", err)
			}
			// A fitted model of other data is replaced wholly.
			reused := *other
			if err := reused.UnmarshalBinary(data); err != nil {
				t.Fatal(err)
			}
			sameScores(t, m, &reused, d.NumItems(), histories(d))
		})
	}
}

func TestUnmarshalRejects(t *testing.T) {
	m := New()
	fit(t, m, 5, ev(0, 1, 2, 3), ev(0, 1, 4))
	valid := binfmttest.MustMarshal(t, m)
	var got Model
	binfmttest.Corruptions(t, valid, got.UnmarshalBinary)
	if got.rowPtr != nil {
		t.Fatal("a refused artefact changed the model")
	}

	// Consistent checksums over inconsistent contents.
	damage := func(change func(*Model)) []byte {
		c := *m
		c.rowPtr, c.cols, c.prior = slices.Clone(m.rowPtr), slices.Clone(m.cols), slices.Clone(m.prior)
		change(&c)
		return binfmttest.MustMarshal(t, &c)
	}
	binfmttest.RejectsAll(t, map[string][]byte{
		"target out of range":   damage(func(c *Model) { c.cols[0] = 5 }),
		"negative target":       damage(func(c *Model) { c.cols[1] = -1 }),
		"decreasing offsets":    damage(func(c *Model) { c.rowPtr[2] = c.rowPtr[1] - 1 }),
		"offsets past the end":  damage(func(c *Model) { c.rowPtr[5]++ }),
		"prior of another size": damage(func(c *Model) { c.prior = c.prior[:4] }),
		"window 0":              binfmttest.Patch64(valid, 5, 0),             // Window is the first field
		"huge slice length":     binfmttest.Patch64(valid, 5+9*8+8+4, 1<<62), // the length of the row offsets
	}, got.UnmarshalBinary, "corrupt")

	if _, err := New().MarshalBinary(); err == nil {
		t.Error("an unfitted model was marshalled")
	}
	var zero Model
	if _, err := zero.MarshalBinary(); err == nil {
		t.Error("the zero model was marshalled")
	}
	bad := *m
	bad.Recency = 0
	if _, err := bad.MarshalBinary(); err == nil {
		t.Error("a model with recency 0 was marshalled")
	}
}

func FuzzUnmarshal(f *testing.F) {
	m := New()
	fit(f, m, 5, ev(0, 1, 2, 3), ev(0, 1, 4))
	small, _ := m.MarshalBinary()
	m = New()
	m.Window, m.MaxHist = 2, 3
	fit(f, m, 9, ev(0, 1, 2, 3, 8), ev(0, 1, 4), ev(7, 6, 5, 4, 0))
	larger, _ := m.MarshalBinary()
	for _, seed := range [][]byte{small, larger, nil, {1}, {1, 's', 'e', 'q', ' '}, small[:len(small)/2]} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// The checksum stops almost every mutation at the door; resealed,
		// mutations reach the payload checks.
		for _, in := range [][]byte{data, binfmttest.Reseal(data)} {
			var m Model
			if m.UnmarshalBinary(in) != nil {
				continue
			}
			out, err := m.MarshalBinary()
			if err != nil || !bytes.Equal(out, in) {
				t.Fatalf("an accepted artefact does not marshal back to itself (err %v)", err)
			}
			scores := make([]float32, m.n)
			var hist []recommend.Event
			for i := range int32(min(m.n, 4)) {
				hist = append(hist, recommend.Event{Item: i, Weight: 1})
			}
			m.Score(hist, scores)
			for i := range int32(min(m.n, 4)) {
				m.Contribution(i, int32(m.n)-1-i)
			}
		}
	})
}

// TestContributionByHand checks Contribution on the weights of
// TestTransitionWeights (window 2, decay 0.5, forward only, raw counts).
func TestContributionByHand(t *testing.T) {
	m := New()
	m.Window, m.Decay, m.Backward, m.Alpha, m.Beta, m.Prior = 2, 0.5, 0, 0, 0, 0
	fit(t, m, 5, ev(0, 1, 2, 3), ev(0, 1, 4))
	want := map[[2]int32]float32{{0, 1}: 2, {0, 2}: 0.5, {0, 4}: 0.5, {2, 3}: 1, {1, 2}: 1, {1, 3}: 0.5, {1, 4}: 1}
	for from := int32(-1); from <= 6; from++ {
		for to := int32(-1); to <= 6; to++ {
			if got := m.Contribution(from, to); got != want[[2]int32{from, to}] {
				t.Errorf("Contribution(%d, %d) = %v, want %v", from, to, got, want[[2]int32{from, to}])
			}
		}
	}
	if New().Contribution(0, 1) != 0 {
		t.Error("an unfitted model contributes")
	}
}

// TestContributionMatchesScore: for a one-event history of full weight (the
// largest training weight), Score is the prior plus the event's row, so
// Score − Score(empty history) is Contribution: to the bit with Prior 0
// (both start from zeros), within a float32 rounding of the prior
// otherwise, and the two rank items alike wherever contributions differ by
// more than that rounding. For a longer history with Recency 1 and no
// MaxHist, leaving out one event lowers every score by that event's
// Contribution, up to rounding.
func TestContributionMatchesScore(t *testing.T) {
	d := planted(t)
	n := d.NumItems()
	for _, prior := range []float64{0, 0.01} {
		m := New()
		m.Prior = prior
		if err := m.Fit(context.Background(), d); err != nil {
			t.Fatal(err)
		}
		empty, one := make([]float32, n), make([]float32, n)
		m.Score(nil, empty)
		for from := range int32(n) {
			m.Score([]recommend.Event{{Item: from, Weight: m.maxW}}, one)
			type pair struct{ c, delta float32 }
			ps := make([]pair, n)
			for to := range int32(n) {
				c, delta := m.Contribution(from, to), one[to]-empty[to]
				tol := float32(0)
				if prior > 0 {
					tol = 1e-6 * (one[to] + empty[to])
				}
				if math.Abs(float64(c-delta)) > float64(tol) {
					t.Fatalf("prior %v: Contribution(%d, %d) = %v, score difference %v", prior, from, to, c, delta)
				}
				ps[to] = pair{c, delta}
			}
			slices.SortFunc(ps, func(a, b pair) int { return -cmpF(a.c, b.c) })
			for k := 1; k < n; k++ {
				if ps[k].c < ps[k-1].c-1e-5 && !(ps[k].delta < ps[k-1].delta) {
					t.Fatalf("prior %v, from %d: contributions %v > %v but score differences %v ≤ %v", prior, from, ps[k-1].c, ps[k].c, ps[k-1].delta, ps[k].delta)
				}
			}
		}
	}

	m := New()
	m.Recency, m.MaxHist = 1, 0
	if err := m.Fit(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	full, less := make([]float32, n), make([]float32, n)
	for u, hist := range d.Seqs[:50] {
		hist = slices.Clone(hist)
		for p := range hist {
			hist[p].Weight = m.maxW
		}
		m.Score(hist, full)
		for k := range hist {
			m.Score(slices.Delete(slices.Clone(hist), k, k+1), less)
			for to := range int32(n) {
				c := m.Contribution(hist[k].Item, to)
				if diff := full[to] - less[to]; math.Abs(float64(diff-c)) > 1e-5*(1+float64(full[to])) {
					t.Fatalf("user %d, event %d, item %d: leaving the event out lowers the score by %v, Contribution %v", u, k, to, diff, c)
				}
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

// TestExplain: Explain names the event with the largest Contribution, the
// later one on ties, and with Recency 1 it is the event whose removal lowers
// the item's score most.
func TestExplain(t *testing.T) {
	d := planted(t)
	n := d.NumItems()
	m := New()
	m.Recency, m.MaxHist = 1, 0
	if err := m.Fit(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	var _ recommend.Explainer = m
	full, less := make([]float32, n), make([]float32, n)
	explained := 0
	for _, hist := range d.Seqs[:80] {
		// Explain weighs neither weight nor position: give every event
		// full weight and make position irrelevant (Recency 1).
		hist = slices.Clone(hist)
		for p := range hist {
			hist[p].Weight = m.maxW
		}
		m.Score(hist, full)
		for _, s := range recommend.TopN(full, 5, nil) {
			k, c := recommend.Explain(m, hist, s.Item)
			best, bestK := float32(0), -1
			for p, e := range hist {
				if x := m.Contribution(e.Item, s.Item); e.Weight > 0 && x > 0 && x >= best {
					best, bestK = x, p
				}
			}
			if k != bestK || c != best {
				t.Fatalf("Explain = %d, %v; the largest contribution is %v at %d", k, c, best, bestK)
			}
			if k < 0 {
				continue
			}
			explained++
			// The drop of the item's score without each event: the
			// explained one's is the largest, up to rounding.
			drop := func(p int) float32 {
				m.Score(slices.Delete(slices.Clone(hist), p, p+1), less)
				return full[s.Item] - less[s.Item]
			}
			dk := drop(k)
			for p := range hist {
				if dp := drop(p); dp > dk+1e-5 {
					t.Fatalf("Explain names event %d (drop %v) but leaving out event %d lowers the score by %v", k, dk, p, dp)
				}
			}
		}
	}
	if explained < 100 {
		t.Fatalf("only %d recommendations explained", explained)
	}
}
