package bpr

import (
	"bufio"
	"context"
	"errors"
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

func TestPlantedQuality(t *testing.T) {
	d, test := planted(1, 3000, 2000, 20, 8)
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
	d, _ := planted(3, 200, 100, 5, 5)
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
	d, _ := planted(4, 200, 100, 5, 5)
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
	m := New(Config{Epochs: 1})
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
