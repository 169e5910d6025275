package als

import (
	"bufio"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/internal/testenv"
	"github.com/shopmind/shopmind/recommend"
	"github.com/shopmind/shopmind/shop"
)

// planted returns data where users belong to clusters and mostly consume
// their cluster's items (popularity-skewed within the cluster), with each
// user's last event held out as the test item.
func planted(seed uint64, users, items, clusters, perUser int) (train *recommend.Data, test []int32) {
	r := rand.New(rand.NewPCG(seed, 7))
	d := &recommend.Data{Items: make([]string, items), Users: make([]string, users), Seqs: make([][]recommend.Event, users)}
	for i := range d.Items {
		d.Items[i] = "i" + strconv.Itoa(i)
	}
	size := items / clusters
	test = make([]int32, users)
	for u := range users {
		d.Users[u] = "u" + strconv.Itoa(u)
		c := u % clusters
		seen := map[int32]bool{}
		var seq []recommend.Event
		for len(seq) < perUser+1 {
			var it int32
			if r.Float64() < 0.9 {
				f := r.Float64()
				it = int32(c*size + int(f*f*float64(size)))
			} else {
				it = int32(r.IntN(items))
			}
			if seen[it] {
				continue
			}
			seen[it] = true
			seq = append(seq, recommend.Event{Item: it, Time: int64(len(seq)), Weight: 1, Type: shop.Purchase})
		}
		test[u] = seq[perUser].Item
		d.Seqs[u] = seq[:perUser]
	}
	return d, test
}

// hitRate is HR@n of the held-out items, history excluded from the ranking.
func hitRate(m recommend.Recommender, d *recommend.Data, test []int32, n int) float64 {
	scores := make([]float32, d.NumItems())
	hits := 0
	for u, hist := range d.Seqs {
		m.Score(hist, scores)
		seen := map[int32]bool{}
		for _, e := range hist {
			seen[e.Item] = true
		}
		for _, s := range recommend.TopN(scores, n, func(i int32) bool { return seen[i] }) {
			if s.Item == test[u] {
				hits++
			}
		}
	}
	return float64(hits) / float64(len(test))
}

func TestPlantedQuality(t *testing.T) {
	d, test := planted(1, 3000, 2000, 20, 8)
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
			hr := hitRate(m, d, test, 10)
			t.Logf("HR@10 = %.4f", hr)
			if hr < c.min {
				t.Fatalf("HR@10 = %.4f, want ≥ %.2f", hr, c.min)
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	d, _ := planted(2, 500, 300, 10, 6)
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
	d, _ := planted(3, 200, 100, 5, 5)
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
	d, _ := planted(4, 200, 100, 5, 5)
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

// sportsShape is a synthetic data set of the shape of Amazon Sports (S3-Rec
// preprocessing): 35,598 users, 18,357 items, 296,337 interactions, every
// user with at least 5 items, popularity-skewed and clustered.
func sportsShape() *recommend.Data {
	const users, items, total, clusters = 35598, 18357, 296337, 200
	r := rand.New(rand.NewPCG(11, 12))
	lens := make([]int, users)
	for u := range lens {
		lens[u] = 5
	}
	for range total - 5*users {
		lens[r.IntN(users)]++
	}
	d := &recommend.Data{Items: make([]string, items), Users: make([]string, users), Seqs: make([][]recommend.Event, users)}
	for i := range d.Items {
		d.Items[i] = strconv.Itoa(i)
	}
	size := items / clusters
	for u := range users {
		d.Users[u] = strconv.Itoa(u)
		c := r.IntN(clusters)
		seq := make([]recommend.Event, lens[u])
		for i := range seq {
			var it int
			if r.Float64() < 0.7 {
				f := r.Float64()
				it = c*size + int(f*f*float64(size))
			} else {
				f := r.Float64()
				it = int(f * f * f * items)
			}
			seq[i] = recommend.Event{Item: int32(it), Time: int64(i), Weight: 5, Type: shop.Purchase}
		}
		d.Seqs[u] = seq
	}
	return d
}

// BenchmarkFitSportsShape is the speed target: 64 factors, 15 iterations on
// a data set of Amazon Sports' shape. Run with -benchtime 1x.
func BenchmarkFitSportsShape(b *testing.B) {
	d := sportsShape()
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
	d := readSeqRec(b, filepath.Join(testenv.Datasets(b, "amazon-seqrec-s3rec"), "Sports_and_Outdoors.txt"))
	b.ResetTimer()
	for b.Loop() {
		if err := New(Config{Factors: 64, Iterations: 15}).Fit(context.Background(), d); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(d.NumInteractions()), "interactions")
}

func BenchmarkScore(b *testing.B) {
	d := sportsShape()
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

// readSeqRec parses an S3-Rec sequence file ("user item item ...").
func readSeqRec(tb testing.TB, path string) *recommend.Data {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	d := &recommend.Data{}
	index := map[string]int32{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	t0 := time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		d.Users = append(d.Users, fields[0])
		seq := make([]recommend.Event, 0, len(fields)-1)
		for p, id := range fields[1:] {
			ix, ok := index[id]
			if !ok {
				ix = int32(len(d.Items))
				index[id] = ix
				d.Items = append(d.Items, id)
			}
			seq = append(seq, recommend.Event{Item: ix, Time: t0 + int64(p)*86400, Weight: 5, Type: shop.Purchase})
		}
		d.Seqs = append(d.Seqs, seq)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return d
}
