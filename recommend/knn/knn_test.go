package knn

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
	d, test := planted(1, 3000, 2000, 20, 8)
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
			hr := hitRate(m, d, test, 10)
			t.Logf("HR@10 = %.4f", hr)
			if hr < c.min {
				t.Fatalf("HR@10 = %.4f, want ≥ %.2f", hr, c.min)
			}
		})
	}
}

func TestDeterministicAcrossWorkers(t *testing.T) {
	d, _ := planted(2, 500, 300, 10, 6)
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
	d, _ := planted(3, 200, 100, 5, 5)
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
	d := sportsShape()
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
	d := readSeqRec(b, filepath.Join(testenv.Datasets(b, "amazon-seqrec-s3rec"), "Sports_and_Outdoors.txt"))
	b.ResetTimer()
	for b.Loop() {
		if err := New(Config{}).Fit(context.Background(), d); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(d.NumInteractions()), "interactions")
}

func BenchmarkScore(b *testing.B) {
	d := sportsShape()
	m := New(Config{})
	if err := m.Fit(context.Background(), d); err != nil {
		b.Fatal(err)
	}
	scores := make([]float32, d.NumItems())
	for b.Loop() {
		m.Score(d.Seqs[0], scores)
	}
}

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
