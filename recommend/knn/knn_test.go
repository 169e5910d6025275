package knn

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"testing"

	"github.com/shopmind/shopmind/internal/testenv"
	"github.com/shopmind/shopmind/recommend"
	"github.com/shopmind/shopmind/recommend/internal/rectest"
)

// tiny is three users over four items, weights chosen to be checked by hand:
//
//	u0: a(1) b(2)       u1: a(2) b(1) c(1)       u2: c(3) d(1) a(-1) a(-1)
//
// so a = (1, 2, 0) (u2's sum −2 is dropped), b = (2, 1, 0), c = (0, 1, 3),
// d = (0, 0, 1).
func tiny() *recommend.Data {
	ev := func(item int32, w float32) recommend.Event { return recommend.Event{Item: item, Weight: w} }
	return &recommend.Data{
		Items: []string{"a", "b", "c", "d"},
		Users: []string{"u0", "u1", "u2"},
		Seqs: [][]recommend.Event{
			{ev(0, 1), ev(1, 2)},
			{ev(0, 2), ev(1, 1), ev(2, 1)},
			{ev(2, 3), ev(3, 1), ev(0, -1), ev(0, -1)},
		},
	}
}

func TestSimilarityByHand(t *testing.T) {
	sq := math.Sqrt
	cases := []struct {
		name   string
		cfg    Config
		a, b   int32
		want   float64
		binary bool
	}{
		// a·b = 1·2 + 2·1 = 4, ‖a‖ = ‖b‖ = √5.
		{"a-b shrink 1", Config{Shrink: 1}, 0, 1, 4 / (5 + 1.0), false},
		{"a-b no shrink", Config{Shrink: -1}, 0, 1, 4 / 5.0, false},
		// a·c = 2·1 = 2, ‖c‖ = √10.
		{"a-c shrink 1", Config{Shrink: 1}, 0, 2, 2 / (sq(5)*sq(10) + 1), false},
		// c·d = 3, ‖d‖ = 1.
		{"c-d shrink 2", Config{Shrink: 2}, 2, 3, 3 / (sq(10) + 2), false},
		// binary: a = (1,1,0), c = (0,1,1): 1 / (√2·√2 + 1).
		{"a-c binary", Config{Shrink: 1, Binary: true}, 0, 2, 1 / 3.0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := New(c.cfg)
			if err := m.Fit(context.Background(), tiny()); err != nil {
				t.Fatal(err)
			}
			got := -1.0
			for _, s := range m.Neighbors(c.a, 10) {
				if s.Item == c.b {
					got = float64(s.Score)
				}
			}
			if math.Abs(got-c.want) > 1e-6 {
				t.Fatalf("sim(%d,%d) = %v, want %v", c.a, c.b, got, c.want)
			}
		})
	}
	// a and d share no user: not neighbours. K = 1 keeps only the best.
	m := New(Config{K: 1, Shrink: 1})
	if err := m.Fit(context.Background(), tiny()); err != nil {
		t.Fatal(err)
	}
	if n := m.Neighbors(0, 5); len(n) != 1 || n[0].Item != 1 {
		t.Fatalf("K=1 neighbours of a: %+v, want only b", n)
	}
	if m.Neighbors(9, 5) != nil || m.Neighbors(-1, 5) != nil {
		t.Fatal("out-of-range items have no neighbours")
	}
}

func TestScoreRecency(t *testing.T) {
	m := New(Config{Shrink: 1, RecencyHalfLife: 1})
	if err := m.Fit(context.Background(), tiny()); err != nil {
		t.Fatal(err)
	}
	scores := make([]float32, 4)
	// History: d then b. b is the latest (factor 1), d one event older (½).
	m.Score([]recommend.Event{{Item: 3, Weight: 1}, {Item: 1, Weight: 1}}, scores)
	simBA, simDC := 4/6.0, 3/(math.Sqrt(10)+1)
	simBC := 1 / (math.Sqrt(5)*math.Sqrt(10) + 1)
	want := []float64{simBA, 0, 0.5*simDC + simBC, 0}
	for i := range want {
		if math.Abs(float64(scores[i])-want[i]) > 1e-6 {
			t.Fatalf("scores %v, want %v", scores, want)
		}
	}
	m.Score(nil, scores)
	if scores[0] != 1 { // a has the most users (2)
		t.Fatalf("empty history should score popularity, got %v", scores)
	}
}

func TestPlantedQuality(t *testing.T) {
	d, test := rectest.Planted(1, 3000, 2000, 20, 8)
	// Uniform random ranking: 10/2000 = 0.005; a cluster oracle without
	// popularity is about 0.9·10/100 = 0.09, with it about 0.25.
	cases := []struct {
		name string
		cfg  Config
		min  float64
	}{
		{"defaults", Config{}, 0.15},
		{"K 20", Config{K: 20}, 0.15},
		{"recency", Config{RecencyHalfLife: 4}, 0.15},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := New(c.cfg)
			if err := m.Fit(context.Background(), d); err != nil {
				t.Fatal(err)
			}
			hr := rectest.HitRate(m, d, test, 10)
			t.Logf("HR@10 = %.4f", hr)
			if hr < c.min {
				t.Fatalf("HR@10 = %.4f, want ≥ %.2f", hr, c.min)
			}
		})
	}
}

func TestDeterministicAcrossWorkers(t *testing.T) {
	d, _ := rectest.Planted(2, 500, 300, 10, 6)
	var models []*Model
	for _, w := range []int{1, 2, 3} {
		m := New(Config{K: 30, Workers: w})
		if err := m.Fit(context.Background(), d); err != nil {
			t.Fatal(err)
		}
		models = append(models, m)
	}
	for _, m := range models[1:] {
		if !equal(m.nbr, models[0].nbr) || !equal(m.sim, models[0].sim) || !equal(m.off, models[0].off) {
			t.Fatal("neighbour tables differ with the number of workers")
		}
	}
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestEdgeCases(t *testing.T) {
	scores := make([]float32, 4)
	New(Config{}).Score([]recommend.Event{{Item: 1, Weight: 1}}, scores) // unfitted: no panic
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d, _ := rectest.Planted(3, 200, 100, 5, 5)
	if err := New(Config{}).Fit(ctx, d); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled fit: %v", err)
	}
	bad := &recommend.Data{Items: []string{"a"}, Seqs: [][]recommend.Event{{{Item: 1, Weight: 1}}}}
	if err := New(Config{}).Fit(context.Background(), bad); err == nil {
		t.Fatal("an item index out of range must fail")
	}
	if err := New(Config{}).Fit(context.Background(), &recommend.Data{}); err == nil {
		t.Fatal("no items must fail")
	}
	m := New(Config{})
	if err := m.Fit(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	scores = make([]float32, d.NumItems())
	if a := testing.AllocsPerRun(100, func() { m.Score(d.Seqs[0], scores) }); a > 0 {
		t.Fatalf("Score allocates %.1f times per call", a)
	}
}

func BenchmarkFitSportsShape(b *testing.B) {
	d := rectest.SportsShape()
	b.ResetTimer()
	for b.Loop() {
		if err := New(Config{}).Fit(context.Background(), d); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(d.NumInteractions()), "interactions")
}

// BenchmarkFitSports fits the real Amazon Sports sequences (shared data set)
// with the defaults.
func BenchmarkFitSports(b *testing.B) {
	d := rectest.ReadSeqRec(b, filepath.Join(testenv.Datasets(b, "amazon-seqrec-s3rec"), "Sports_and_Outdoors.txt"))
	b.ResetTimer()
	for b.Loop() {
		if err := New(Config{}).Fit(context.Background(), d); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(d.NumInteractions()), "interactions")
}

func BenchmarkScore(b *testing.B) {
	d := rectest.SportsShape()
	m := New(Config{})
	if err := m.Fit(context.Background(), d); err != nil {
		b.Fatal(err)
	}
	scores := make([]float32, d.NumItems())
	for b.Loop() {
		m.Score(d.Seqs[0], scores)
	}
}
