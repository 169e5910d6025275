package als

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/shopmind/shopmind/internal/testenv"
	"github.com/shopmind/shopmind/recommend"
	"github.com/shopmind/shopmind/recommend/internal/rectest"
)

func TestPlantedQuality(t *testing.T) {
	d, test := rectest.Planted(1, 3000, 2000, 20, 8)
	cases := []struct {
		name string
		cfg  Config
		min  float64
	}{
		{"32 factors, 10 sweeps", Config{Factors: 32, Iterations: 10}, 0.15},
		{"one CG step", Config{Factors: 32, Iterations: 10, CGSteps: 1}, 0.12},
	}
	// Uniform random ranking: 10/2000 = 0.005; a perfect cluster oracle
	// without popularity is about 0.9·10/100 = 0.09.
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
	fit := func(cfg Config) *Model {
		m := New(cfg)
		if err := m.Fit(context.Background(), d); err != nil {
			t.Fatal(err)
		}
		return m
	}
	a := fit(Config{Factors: 16, Iterations: 5, Seed: 3, Workers: 1})
	b := fit(Config{Factors: 16, Iterations: 5, Seed: 3, Workers: 2})
	c := fit(Config{Factors: 16, Iterations: 5, Seed: 4, Workers: 2})
	for i := range a.item {
		if a.item[i] != b.item[i] {
			t.Fatalf("factor %d differs between 1 and 2 workers: %v vs %v", i, a.item[i], b.item[i])
		}
	}
	same := true
	for i := range a.item {
		same = same && a.item[i] == c.item[i]
	}
	if same {
		t.Fatal("a different seed gave identical factors")
	}
}

// The CG solver run to k steps from zero and the Cholesky fold-in solve the
// same system; both must agree with the residual computed directly.
func TestSolversAgree(t *testing.T) {
	const k, n = 8, 50
	r := rand.New(rand.NewPCG(5, 5))
	y := make([]float32, n*k)
	for i := range y {
		y[i] = float32(r.NormFloat64())
	}
	m := New(Config{Factors: k, Alpha: 3, Lambda: 0.5})
	m.item, m.numItems = y, n
	m.gram = gram64(y, k, 0.5)
	hist := []recommend.Event{{Item: 3, Weight: 1}, {Item: 7, Weight: 2}, {Item: 3, Weight: 1}, {Item: 9, Weight: -1}, {Item: 11, Weight: 0.5}}
	chol := make([]float32, k)
	if !m.FoldIn(hist, chol) {
		t.Fatal("fold-in failed")
	}
	g32 := make([]float32, k*k)
	gramInto(g32, y, k, 0.5, 2)
	cg := make([]float32, k)
	// Summed weights: item 3 → 2, item 7 → 2, item 11 → 0.5; item 9 dropped.
	cgSolve(cg, y, k, g32, []int32{3, 7, 11}, []float32{3 * 2, 3 * 2, 3 * 0.5}, 3*k, newCGScratch(k))
	for i := range k {
		if math.Abs(float64(chol[i]-cg[i])) > 1e-3*(1+math.Abs(float64(chol[i]))) {
			t.Fatalf("component %d: cholesky %v, cg %v", i, chol, cg)
		}
	}
	if m.FoldIn([]recommend.Event{{Item: 9, Weight: -1}}, chol) {
		t.Fatal("a history of only negative weight must not fold in")
	}
}

func TestEdgeCases(t *testing.T) {
	d, _ := rectest.Planted(3, 200, 100, 5, 5)
	m := New(Config{Factors: 8, Iterations: 2})
	scores := make([]float32, d.NumItems())
	m.Score(nil, scores) // unfitted: zeros, no panic
	if err := m.Fit(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	m.Score(nil, scores)
	if top := recommend.TopN(scores, 1, nil); top[0].Score != 1 {
		t.Fatalf("empty history should score popularity scaled to 1, top %+v", top)
	}
	if len(m.ItemVectors()) != d.NumItems() || len(m.ItemVectors()[0]) != m.Dim() || len(m.UserVectors()) != len(d.Users) {
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
}

func TestScoreDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	d, _ := rectest.Planted(4, 200, 100, 5, 5)
	m := New(Config{Factors: 16, Iterations: 2})
	if err := m.Fit(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	scores := make([]float32, d.NumItems())
	m.Score(d.Seqs[0], scores) // warm the pools
	if a := testing.AllocsPerRun(100, func() { m.Score(d.Seqs[0], scores) }); a > 0 {
		t.Fatalf("Score allocates %.1f times per call", a)
	}
}

// BenchmarkFitSportsShape is the speed target: 64 factors, 15 iterations on
// a data set of Amazon Sports' shape. Run with -benchtime 1x.
func BenchmarkFitSportsShape(b *testing.B) {
	d := rectest.SportsShape()
	b.ResetTimer()
	for b.Loop() {
		if err := New(Config{Factors: 64, Iterations: 15}).Fit(context.Background(), d); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(d.NumInteractions()), "interactions")
}

// BenchmarkFitSports fits the real Amazon Sports sequences (shared data set)
// with 64 factors and 15 iterations.
func BenchmarkFitSports(b *testing.B) {
	d := rectest.ReadSeqRec(b, filepath.Join(testenv.Datasets(b, "amazon-seqrec-s3rec"), "Sports_and_Outdoors.txt"))
	b.ResetTimer()
	for b.Loop() {
		if err := New(Config{Factors: 64, Iterations: 15}).Fit(context.Background(), d); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(d.NumInteractions()), "interactions")
}

func BenchmarkScore(b *testing.B) {
	d := rectest.SportsShape()
	m := New(Config{Factors: 64, Iterations: 1})
	if err := m.Fit(context.Background(), d); err != nil {
		b.Fatal(err)
	}
	scores := make([]float32, d.NumItems())
	hist := d.Seqs[0]
	for b.Loop() {
		m.Score(hist, scores)
	}
}
