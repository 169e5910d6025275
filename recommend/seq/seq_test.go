package seq

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/shopmind/shopmind/recommend"
)

func ev(items ...int32) []recommend.Event {
	s := make([]recommend.Event, len(items))
	for p, i := range items {
		s[p] = recommend.Event{Item: i, Time: int64(p), Weight: 5}
	}
	return s
}

func fit(t testing.TB, m *Model, n int, seqs ...[]recommend.Event) {
	t.Helper()
	d := &recommend.Data{Items: make([]string, n), Users: make([]string, len(seqs)), Seqs: seqs}
	if err := m.Fit(context.Background(), d); err != nil {
		t.Fatal(err)
	}
}

// weights returns row i of the fitted model as a dense slice.
func weights(m *Model, i int) []float64 {
	out := make([]float64, m.n)
	for t := m.rowPtr[i]; t < m.rowPtr[i+1]; t++ {
		out[m.cols[t]] = float64(m.vals[t])
	}
	return out
}

func TestTransitionWeights(t *testing.T) {
	tests := []struct {
		name   string
		set    func(m *Model)
		row0   []float64 // weights from item 0 to items 0..4
		row2   []float64
		margin float64
	}{
		{
			name: "window 1, forward only, raw counts",
			set:  func(m *Model) { m.Window, m.Backward, m.Alpha = 1, 0, 0 },
			row0: []float64{0, 2, 0, 0, 0}, row2: []float64{0, 0, 0, 1, 0},
		},
		{
			name: "window 2 with decay 0.5",
			set:  func(m *Model) { m.Window, m.Decay, m.Backward, m.Alpha = 2, 0.5, 0, 0 },
			row0: []float64{0, 2, 0.5, 0, 0.5}, row2: []float64{0, 0, 0, 1, 0},
		},
		{
			name: "backward at 0.5",
			set:  func(m *Model) { m.Window, m.Backward, m.Alpha = 1, 0.5, 0 },
			row0: []float64{0, 2, 0, 0, 0}, row2: []float64{0, 0.5, 0, 1, 0},
		},
		{
			name: "alpha 1 gives probabilities",
			set:  func(m *Model) { m.Window, m.Decay, m.Backward, m.Alpha = 2, 0.5, 0, 1 },
			row0: []float64{0, 2 / 3.0, 0.5 / 3, 0, 0.5 / 3}, row2: []float64{0, 0, 0, 1, 0},
		},
		{
			name: "beta damps popular targets",
			// item 1 occurs 2 times, item 4 once
			set:  func(m *Model) { m.Window, m.Decay, m.Backward, m.Alpha, m.Beta = 2, 0.5, 0, 0, 1 },
			row0: []float64{0, 1, 0.5, 0, 0.5}, row2: []float64{0, 0, 0, 1, 0},
		},
		{
			name: "fresh weighs recent pairs more",
			// pair 0→1 has 2 events after it for user 1, 1 for user 2
			set:  func(m *Model) { m.Window, m.Backward, m.Alpha, m.Fresh = 1, 0, 0, 0.5 },
			row0: []float64{0, 0.25 + 0.5, 0, 0, 0}, row2: []float64{0, 0, 0, 1, 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New()
			m.Prior, m.Beta = 0, 0
			tt.set(m)
			fit(t, m, 5, ev(0, 1, 2, 3), ev(0, 1, 4))
			for _, c := range []struct {
				i    int
				want []float64
			}{{0, tt.row0}, {2, tt.row2}} {
				got := weights(m, c.i)
				for j := range got {
					if math.Abs(got[j]-c.want[j]) > 1e-6 {
						t.Fatalf("row %d = %v want %v", c.i, got, c.want)
					}
				}
			}
		})
	}
}

func TestScoreRecencyAndPrior(t *testing.T) {
	m := New()
	m.Window, m.Backward, m.Alpha, m.Beta, m.Recency, m.Prior = 1, 0, 0, 0, 0.5, 0.01
	fit(t, m, 4, ev(0, 1), ev(0, 1), ev(2, 3))
	scores := make([]float32, 4)
	m.Score(ev(0, 2), scores)
	// last item 2 → 3 (weight 1), item 0 → 1 (2 pairs, weight 0.5); prior:
	// counts 2, 2, 1, 1 over max 2.
	want := []float64{0.01, 2*0.5 + 0.01, 0.005, 1 + 0.005}
	for j := range want {
		if math.Abs(float64(scores[j])-want[j]) > 1e-6 {
			t.Fatalf("scores %v want %v", scores, want)
		}
	}
	m.MaxHist = 1
	m.Score(ev(0, 2), scores)
	if math.Abs(float64(scores[1])-0.01) > 1e-6 {
		t.Errorf("MaxHist 1 still scores the older item: %v", scores)
	}
	// Unknown items and an empty history score the prior alone.
	m.Score([]recommend.Event{{Item: 99, Weight: 5}}, scores)
	m.Score(nil, scores)
	if scores[0] != 0.01 {
		t.Errorf("empty history: %v", scores)
	}
}

func TestChainIsPredicted(t *testing.T) {
	var seqs [][]recommend.Event
	for u := range 40 {
		seqs = append(seqs, ev(int32(u%20), int32((u+1)%20), int32((u+2)%20)))
	}
	m := New()
	fit(t, m, 20, seqs...)
	scores := make([]float32, 20)
	for i := range int32(20) {
		m.Score(ev(i), scores)
		if top := recommend.TopN(scores, 1, nil); top[0].Item != (i+1)%20 {
			t.Fatalf("after %d the model predicts %d", i, top[0].Item)
		}
	}
}

func TestInvalidSettings(t *testing.T) {
	for _, set := range []func(*Model){
		func(m *Model) { m.Window = 0 },
		func(m *Model) { m.Decay = 0 },
		func(m *Model) { m.Backward = 2 },
		func(m *Model) { m.Recency = 0 },
		func(m *Model) { m.Fresh = 1.5 },
		func(m *Model) { m.Alpha = math.NaN() },
	} {
		m := New()
		set(m)
		d := &recommend.Data{Items: []string{"a"}, Users: []string{"u"}, Seqs: [][]recommend.Event{ev(0)}}
		if err := m.Fit(context.Background(), d); err == nil {
			t.Errorf("%+v was accepted", m)
		}
	}
}

func BenchmarkScore(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	const n = 20000
	var seqs [][]recommend.Event
	for range 30000 {
		var s []int32
		for range 5 + r.IntN(10) {
			s = append(s, int32(r.IntN(n)))
		}
		seqs = append(seqs, ev(s...))
	}
	m := New()
	fit(b, m, n, seqs...)
	scores := make([]float32, n)
	hist := seqs[0]
	for b.Loop() {
		m.Score(hist, scores)
	}
}
