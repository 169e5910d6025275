// Package rectest holds the fixtures the recommender packages' tests share:
// planted-cluster data with held-out items, HR@n over them, a synthetic
// dataset of Amazon Sports' shape, and a reader of the S3-Rec sequence files.
// It is imported by tests only.
package rectest

import (
	"bufio"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/recommend"
	"github.com/shopmind/shopmind/shop"
)

// Planted returns data where users belong to clusters and mostly consume
// their cluster's items (popularity-skewed within the cluster), with each
// user's last event held out as the test item.
func Planted(seed uint64, users, items, clusters, perUser int) (train *recommend.Data, test []int32) {
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

// HitRate is HR@n of the held-out items, history excluded from the ranking.
func HitRate(m recommend.Recommender, d *recommend.Data, test []int32, n int) float64 {
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

// SportsShape is a synthetic data set of the shape of Amazon Sports (S3-Rec
// preprocessing): 35,598 users, 18,357 items, 296,337 interactions, every
// user with at least 5 items, popularity-skewed and clustered.
func SportsShape() *recommend.Data {
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

// ReadSeqRec parses an S3-Rec sequence file ("user item item ...").
func ReadSeqRec(tb testing.TB, path string) *recommend.Data {
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

// WeightedPlanted is the planted-cluster fixture of the marshalling tests
// (seed 5, 400 users, 200 items, 8 clusters, 8 events each) with event
// weights 1 to 5, so that weight scaling in Score is exercised.
func WeightedPlanted() *recommend.Data {
	d, _ := Planted(5, 400, 200, 8, 8)
	for u, s := range d.Seqs {
		for p := range s {
			s[p].Weight = float32(1 + (u+p)%5)
		}
	}
	return d
}

// Histories are d's users' histories and a few odd ones: empty, unknown
// items only, non-positive weights, one event.
func Histories(d *recommend.Data) [][]recommend.Event {
	h := [][]recommend.Event{nil, {{Item: int32(d.NumItems()) + 5, Weight: 5}}, {{Item: 3, Weight: 0}, {Item: 4, Weight: -2}}, {{Item: 7, Weight: 2}}}
	return append(h, d.Seqs...)
}
