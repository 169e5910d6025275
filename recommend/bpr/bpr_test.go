package bpr

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/shopmind/shopmind/internal/testenv"
	"github.com/shopmind/shopmind/recommend"
	"github.com/shopmind/shopmind/recommend/internal/rectest"
)

func TestPlantedQuality(t *testing.T) {
	d, test := rectest.Planted(1, 3000, 2000, 20, 8)
	// Uniform random ranking: 10/2000 = 0.005; a cluster oracle without
	// popularity is about 0.9·10/100 = 0.09, with it about 0.25.
	cases := []struct {
		name string
		cfg  Config
		min  float64
	}{
		{"fold-in mean", Config{Factors: 32, Epochs: 30, Seed: 1}, 0.15},
		{"fold-in SGD", Config{Factors: 32, Epochs: 30, Seed: 1, FoldInSteps: 10}, 0.15},
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

func TestDeterministic(t *testing.T) {
	d, _ := rectest.Planted(2, 500, 300, 10, 6)
	fit := func(seed uint64) *Model {
		m := New(Config{Factors: 16, Epochs: 5, Seed: seed, FoldInSteps: 10})
		if err := m.Fit(context.Background(), d); err != nil {
			t.Fatal(err)
		}
		return m
	}
	a, b, c := fit(3), fit(3), fit(4)
	for i := range a.item {
		if a.item[i] != b.item[i] {
			t.Fatalf("factor %d differs between runs with one seed", i)
		}
	}
	same := true
	for i := range a.item {
		same = same && a.item[i] == c.item[i]
	}
	if same {
		t.Fatal("a different seed gave identical factors")
	}
	// Fold-in is a pure function of the history.
	s1, s2 := make([]float32, d.NumItems()), make([]float32, d.NumItems())
	a.Score(d.Seqs[7], s1)
	a.Score(d.Seqs[8], s2)
	a.Score(d.Seqs[7], s2)
	for i := range s1 {
		if s1[i] != s2[i] {
			t.Fatalf("score %d differs between two calls with the same history", i)
		}
	}
}

func TestEdgeCases(t *testing.T) {
	d, _ := rectest.Planted(3, 200, 100, 5, 5)
	m := New(Config{Factors: 8, Epochs: 2})
	scores := make([]float32, d.NumItems())
	m.Score(nil, scores) // unfitted: zeros, no panic
	if err := m.Fit(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	m.Score(nil, scores)
	for i, s := range scores {
		if s != m.bias[i] {
			t.Fatalf("empty history should score the item biases; item %d: %v vs %v", i, s, m.bias[i])
		}
	}
	v := make([]float32, m.Dim())
	if m.FoldIn([]recommend.Event{{Item: 4, Weight: 1}, {Item: 4, Weight: -1}}, v) {
		t.Fatal("a history summing to zero weight must not fold in")
	}
	if len(m.ItemVectors()) != d.NumItems() || len(m.UserVectors()) != len(d.Users) || len(m.ItemBiases()) != d.NumItems() {
		t.Fatal("vector views have the wrong shape")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
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
	// A user who has every item leaves no negative to sample.
	all := &recommend.Data{Items: []string{"a", "b"}, Seqs: [][]recommend.Event{{{Item: 0, Weight: 1}, {Item: 1, Weight: 1}}}}
	if err := New(Config{Epochs: 3}).Fit(context.Background(), all); err != nil {
		t.Fatal(err)
	}
}

func TestScoreDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	d, _ := rectest.Planted(4, 200, 100, 5, 5)
	m := New(Config{Factors: 16, Epochs: 2})
	if err := m.Fit(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	scores := make([]float32, d.NumItems())
	m.Score(d.Seqs[0], scores) // warm the pool
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
	m := New(Config{Epochs: 1})
	if err := m.Fit(context.Background(), d); err != nil {
		b.Fatal(err)
	}
	scores := make([]float32, d.NumItems())
	for b.Loop() {
		m.Score(d.Seqs[0], scores)
	}
}
