package recserve_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/shopmind/shopmind/catalog"
	"github.com/shopmind/shopmind/recommend"
	"github.com/shopmind/shopmind/recommend/bundle"
	"github.com/shopmind/shopmind/recserve"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
	"github.com/shopmind/shopmind/store/sqlite"
	"github.com/shopmind/shopmind/synth"
)

// bigShop trains a bundle on a synthetic shop of 100,000 items and 20,000
// users (about 600,000 events) and installs it in a service whose
// catalogue view holds every item.
func bigShop(b *testing.B) (*recserve.Service, [][]string) {
	b.Helper()
	sh, err := synth.Generate(synth.Config{Seed: 1, Users: 20000, Items: 100000, Days: 28})
	if err != nil {
		b.Fatal(err)
	}
	d := &recommend.Data{}
	items := map[string]int32{}
	for _, it := range sh.Items {
		items[it.ID] = int32(len(d.Items))
		d.Items = append(d.Items, it.ID)
		d.Meta = append(d.Meta, it)
	}
	users := map[string]int32{}
	w := shop.MergeWeights(nil)
	for _, e := range sh.Events {
		if e.ItemID == "" || w.Of(e.Type) <= 0 {
			continue
		}
		u, ok := users[e.UserID]
		if !ok {
			u = int32(len(d.Users))
			users[e.UserID] = u
			d.Users = append(d.Users, e.UserID)
			d.Seqs = append(d.Seqs, nil)
		}
		d.Seqs[u] = append(d.Seqs[u], recommend.Event{Item: items[e.ItemID], Time: e.Timestamp.Unix(), Weight: float32(w.Of(e.Type)), Type: e.Type})
	}
	for _, s := range d.Seqs {
		slices.SortStableFunc(s, func(a, b recommend.Event) int { return cmp.Compare(a.Time, b.Time) })
	}
	bun, err := bundle.Train(b.Context(), d, bundle.Config{NoContent: true}, nil)
	if err != nil {
		b.Fatal(err)
	}
	st, err := sqlite.OpenPath(b.Context(), filepath.Join(b.TempDir(), "s.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if err := st.PutItems(b.Context(), sh.Items); err != nil {
		b.Fatal(err)
	}
	cat := catalog.New(st)
	if err := cat.Reload(b.Context()); err != nil {
		b.Fatal(err)
	}
	svc := recserve.New(st, nil, cat, recserve.Config{Rules: recserve.DefaultRules()}, nil)
	svc.Install(bun, "bench")
	// Histories: the last 20 item events of users with at least 5.
	var hists [][]string
	for _, s := range d.Seqs {
		if len(s) < 5 {
			continue
		}
		var h []string
		for _, e := range s[max(0, len(s)-20):] {
			h = append(h, d.Items[e.Item])
		}
		hists = append(hists, h)
	}
	return svc, hists
}

// BenchmarkRecommend100k measures one recommendation (10 items, history of
// up to 20 events, business rules on) on a 100,000-item catalogue and
// reports its p50/p99 latency; the baseline is a dense 64-factor dot
// product over every item plus the same top-10 selection, the usual
// matrix-factorisation serving path without an index.
func BenchmarkRecommend100k(b *testing.B) {
	svc, hists := bigShop(b)
	rng := rand.New(rand.NewPCG(1, 2))
	b.Run("session", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		for i := 0; b.Loop(); i++ {
			h := hists[rng.IntN(len(hists))]
			start := time.Now()
			res, err := svc.Session(b.Context(), h, recserve.Request{N: 10})
			lat = append(lat, time.Since(start))
			if err != nil || len(res.Items) != 10 {
				b.Fatalf("Session = %d items, %v", len(res.Items), err)
			}
		}
		report(b, lat)
	})
	b.Run("explain", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		for b.Loop() {
			h := hists[rng.IntN(len(hists))]
			start := time.Now()
			if _, err := svc.Session(b.Context(), h, recserve.Request{N: 10, Explain: true, Rules: &recserve.Rules{ExcludeSeen: true, MMR: 0.7}}); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(start))
		}
		report(b, lat)
	})
	b.Run("cold", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		for b.Loop() {
			start := time.Now()
			if _, err := svc.ForUser(b.Context(), "nobody", recserve.Request{N: 10}); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(start))
		}
		report(b, lat)
	})
	b.Run("baseline-dense-mf", func(b *testing.B) {
		const n, k = 100000, 64
		f := make([]float32, n*k)
		for i := range f {
			f[i] = rng.Float32()
		}
		u := make([]float32, k)
		scores := make([]float32, n)
		lat := make([]time.Duration, 0, b.N)
		for b.Loop() {
			for i := range u {
				u[i] = rng.Float32()
			}
			start := time.Now()
			for i := range n {
				row := f[i*k : (i+1)*k]
				var s float32
				for j, v := range row {
					s += v * u[j]
				}
				scores[i] = s
			}
			recommend.TopN(scores, 10, nil)
			lat = append(lat, time.Since(start))
		}
		report(b, lat)
	})
}

func report(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) }
	b.ReportMetric(q(0.5), "p50-µs")
	b.ReportMetric(q(0.99), "p99-µs")
	_ = fmt.Sprint()
}
