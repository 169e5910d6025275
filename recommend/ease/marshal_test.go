package ease

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

func fitted(t testing.TB, m *Model, d *recommend.Data) *Model {
	t.Helper()
	if err := m.Fit(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	return m
}

// settings are the exported fields that MarshalBinary keeps (Workers is not).
func settings(m *Model) [5]float64 {
	return [5]float64{m.Lambda, float64(m.Neighbours), m.Recency, float64(m.MaxHist), float64(m.MaxDenseItems)}
}

func TestMarshalRoundTrip(t *testing.T) {
	d := planted(t)
	other := fitted(t, New(1, 2), randomData(1, 30, 10))
	for _, tc := range []struct {
		name string
		m    *Model
	}{
		{"exact", New(10, 0)},
		{"pruned", New(10, 20)},
		{"exact, settings off their defaults", &Model{Lambda: 3, Recency: 0.8, MaxHist: 5, MaxDenseItems: 1000, Workers: 1}},
		{"pruned, settings off their defaults", &Model{Lambda: 30, Neighbours: 7, Recency: 0.5, MaxHist: 3, Workers: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := fitted(t, tc.m, d)
			data, err := m.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if len(data) != cap(data) {
				t.Errorf("artefact of %d bytes in a buffer of %d: the size is not computed ahead", len(data), cap(data))
			}
			t.Logf("%d items, %d weights: %d bytes", d.NumItems(), m.NumWeights(), len(data))
			got := new(Model)
			if err := got.UnmarshalBinary(data); err != nil {
				t.Fatal(err)
			}
			if settings(got) != settings(m) || got.Workers != 0 {
				t.Fatalf("settings %v, want %v", settings(got), settings(m))
			}
			sameScores(t, m, got, d.NumItems(), histories(d))
			again, err := got.MarshalBinary()
			if err != nil || !bytes.Equal(again, data) {
				t.Fatalf("marshalling the unmarshalled model gives other bytes (err %v)", err)
			}
			// A fitted model of other data, and of the other solver, is
			// replaced wholly.
			reused := *other
			if err := reused.UnmarshalBinary(data); err != nil {
				t.Fatal(err)
			}
			sameScores(t, m, &reused, d.NumItems(), histories(d))
			// WithRecency copies marshal as models of their own.
			half := m.WithRecency(0.5)
			data, err = half.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if err := got.UnmarshalBinary(data); err != nil || got.Recency != 0.5 {
				t.Fatalf("recency %v, err %v", got.Recency, err)
			}
			sameScores(t, half, got, d.NumItems(), histories(d))
		})
	}
}

func TestUnmarshalRejects(t *testing.T) {
	d := randomData(2, 60, 12)
	for _, m := range []*Model{fitted(t, New(5, 0), d), fitted(t, New(5, 3), d)} {
		valid := binfmttest.MustMarshal(t, m)
		var got Model
		binfmttest.Corruptions(t, valid, got.UnmarshalBinary)
		if got.dense != nil || got.rowPtr != nil {
			t.Fatal("a refused artefact changed the model")
		}
		patch := func(off int, v uint64) []byte { return binfmttest.Patch64(valid, off, v) }
		const settingsEnd = 5 + 5*8
		cases := map[string][]byte{
			"lambda 0":           patch(5, 0),
			"lambda NaN":         patch(5, math.Float64bits(math.NaN())),
			"recency 2":          patch(5+16, math.Float64bits(2)),
			"negative items":     patch(settingsEnd, math.MaxUint64),
			"another item count": patch(settingsEnd, 11),
			"huge slice length":  patch(settingsEnd+8+4+1, 1<<62),
			"unknown solver": func() []byte {
				data := slices.Clone(valid)
				data[settingsEnd+8+4] = 7
				return binfmttest.Reseal(data)
			}(),
		}
		if m.dense == nil {
			damage := func(change func(*Model)) []byte {
				c := *m
				c.rowPtr, c.cols = slices.Clone(m.rowPtr), slices.Clone(m.cols)
				change(&c)
				return binfmttest.MustMarshal(t, &c)
			}
			cases["target out of range"] = damage(func(c *Model) { c.cols[0] = 12 })
			cases["row not ascending"] = damage(func(c *Model) { c.cols[0], c.cols[1] = c.cols[1], c.cols[0] })
			cases["decreasing offsets"] = damage(func(c *Model) { c.rowPtr[2] = c.rowPtr[1] - 1 })
		}
		binfmttest.RejectsAll(t, cases, got.UnmarshalBinary, "corrupt")
	}
	if _, err := New(5, 0).MarshalBinary(); err == nil {
		t.Error("an unfitted model was marshalled")
	}
	var zero Model
	if _, err := zero.MarshalBinary(); err == nil {
		t.Error("the zero model was marshalled")
	}
}

func FuzzUnmarshal(f *testing.F) {
	d := randomData(3, 40, 8)
	for _, m := range []*Model{New(5, 0), New(5, 3)} {
		data, err := fitted(f, m, d).MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
	f.Add([]byte(nil))
	f.Add([]byte{1, 'e', 'a', 's', 'e'})
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

// TestContribution: Contribution is B — the dense matrix, or the pruned
// rows with zeros elsewhere — and 0 out of range or before Fit.
func TestContribution(t *testing.T) {
	d := planted(t)
	n := int32(d.NumItems())
	exact, pruned := fitted(t, New(10, 0), d), fitted(t, New(10, 20), d)
	nonzero := 0
	for from := int32(-1); from <= n; from++ {
		for to := int32(-1); to <= n; to++ {
			want := float32(0)
			if from >= 0 && from < n && to >= 0 && to < n {
				want = exact.dense[int(from)*int(n)+int(to)]
			}
			if got := exact.Contribution(from, to); got != want {
				t.Fatalf("exact: Contribution(%d, %d) = %v, want %v", from, to, got, want)
			}
			if pruned.Contribution(from, to) != 0 {
				nonzero++
			}
		}
	}
	if nonzero != pruned.NumWeights() {
		t.Errorf("the pruned model has %d weights, %d non-zero contributions", pruned.NumWeights(), nonzero)
	}
	for i := range n {
		for t2 := pruned.rowPtr[i]; t2 < pruned.rowPtr[i+1]; t2++ {
			if got := pruned.Contribution(i, pruned.cols[t2]); got != pruned.vals[t2] {
				t.Fatalf("pruned: Contribution(%d, %d) = %v, want %v", i, pruned.cols[t2], got, pruned.vals[t2])
			}
		}
	}
	if New(10, 0).Contribution(0, 1) != 0 || New(10, 5).Contribution(0, 1) != 0 {
		t.Error("an unfitted model contributes")
	}
}

// TestContributionMatchesScore: Score starts from zeros and adds B's rows,
// so for a one-event history of full weight (the largest training weight)
// Score − Score(empty history) = Score is Contribution to the bit, for
// every item, and ranks items alike. For a longer history with Recency 1
// and no MaxHist, leaving out one event lowers every score by that event's
// Contribution, up to rounding.
func TestContributionMatchesScore(t *testing.T) {
	d := planted(t)
	n := d.NumItems()
	for _, m := range []*Model{fitted(t, New(10, 0), d), fitted(t, New(10, 20), d)} {
		empty, one := make([]float32, n), make([]float32, n)
		m.Score(nil, empty)
		if slices.ContainsFunc(empty, func(s float32) bool { return s != 0 }) {
			t.Fatal("an empty history scores")
		}
		for from := range int32(n) {
			m.Score([]recommend.Event{{Item: from, Weight: m.maxW}}, one)
			for to := range int32(n) {
				if c := m.Contribution(from, to); c != one[to]-empty[to] {
					t.Fatalf("neighbours %d: Contribution(%d, %d) = %v, score %v", m.Neighbours, from, to, c, one[to])
				}
			}
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
					if diff := full[to] - less[to]; math.Abs(float64(diff-c)) > 1e-5*(1+math.Abs(float64(full[to]))) {
						t.Fatalf("user %d, event %d, item %d: leaving the event out lowers the score by %v, Contribution %v", u, k, to, diff, c)
					}
				}
			}
		}
	}
}

// TestExplain: Explain names the event with the largest positive
// Contribution, and with Recency 1 and equal weights it is the event whose
// removal lowers the item's score most.
func TestExplain(t *testing.T) {
	d := planted(t)
	n := d.NumItems()
	m := fitted(t, New(10, 20), d)
	var _ recommend.Explainer = m
	full, less := make([]float32, n), make([]float32, n)
	explained := 0
	for _, hist := range d.Seqs[:80] {
		hist = slices.Clone(hist)
		for p := range hist {
			hist[p].Weight = m.maxW
		}
		m.Score(hist, full)
		for _, s := range recommend.TopN(full, 5, nil) {
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
			if k < 0 {
				continue
			}
			explained++
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
