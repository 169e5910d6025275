package ann

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/shopmind/shopmind/recommend"
)

// The benchmarks measure the index against exact search on 100,000 items ×
// 64 dimensions (ANN_BENCH_N, ANN_BENCH_DIM; ANN_BENCH_Q queries, default
// 500), on four sets:
//
//	gauss       standard normal vectors, cosine: no structure at all
//	clustered   a mixture of 100 Gaussians (σ = 0.5 around N(0,1) centres),
//	            cosine: the shape of real item embeddings
//	als-ip      ALS-style factors — clustered directions, log-normal norms —
//	            searched by inner product with user-like queries
//	als-ip-aug  the same through the textbook MIPS→NN reduction (x ↦ (x,
//	            √(Φ²−|x|²)), q ↦ (q, 0)), kept to show why the index does not
//	            use it
//
// BenchmarkANN/<set>/ef=<ef> times single queries in its b.N loop (ns/op,
// allocs/op), and once per set and ef measures, query by query over the
// whole query set, the index and exact search back to back — so that both
// see the same machine load — reporting recall@10, both query rates, the
// speed-up, p50/p99 latency and the share of the catalogue scored on layer
// 0 (visited-%); build time (Config defaults: M 16, efConstruction 200,
// GOMAXPROCS workers) and the index's size (index-MB) come with every line.
// BenchmarkExact/<set> times exact search alone.
//
//	go test ./recommend/ann/ -run '^$' -bench . -benchtime 2000x -timeout 60m

func benchEnv(k string, d int) int {
	if v, err := strconv.Atoi(os.Getenv(k)); err == nil && v > 0 {
		return v
	}
	return d
}

type fixture struct {
	name    string
	metric  Metric
	items   [][]float32
	queries [][]float32 // as the index takes them
	exactQ  [][]float32 // as exact search takes them
	exact   *Exact
	index   *Index
	truth   [][]recommend.Scored
	build   time.Duration
	indexMB float64
	workers int
}

var (
	fixturesMu sync.Mutex
	fixtures   = map[string]*fixture{}
	pairs      = map[string]map[string]float64{}
)

func getFixture(b *testing.B, name string) *fixture {
	fixturesMu.Lock()
	defer fixturesMu.Unlock()
	if f, ok := fixtures[name]; ok {
		return f
	}
	n, dim, nq := benchEnv("ANN_BENCH_N", 100000), benchEnv("ANN_BENCH_DIM", 64), benchEnv("ANN_BENCH_Q", 500)
	mix := newMixture(100, dim, 0.5, 7)
	f := &fixture{name: name, metric: Cosine}
	switch name {
	case "gauss":
		f.items, f.queries = gaussian(n, dim, 1), gaussian(nq, dim, 2)
	case "clustered":
		f.items, f.queries = mix.draw(n, 3), mix.draw(nq, 4)
	case "als-ip", "als-ip-aug":
		f.metric = InnerProduct
		f.items, f.queries = alsItems(mix, n, 5), mix.draw(nq, 6)
	default:
		b.Fatalf("no set %q", name)
	}
	f.exact = NewExact(dim, f.metric)
	f.exact.Build(f.items)
	f.truth = groundTruth(f.exact, f.queries, 10)
	f.exactQ = f.queries

	items := f.items
	if name == "als-ip-aug" {
		items, f.queries = augment(f.items, f.queries)
	}
	f.index = New(len(items[0]), f.metric, Config{Seed: 1})
	start := time.Now()
	f.index.Build(items)
	f.build = time.Since(start)
	f.indexMB = float64(f.index.memBytes()) / (1 << 20)
	f.workers = f.index.cfg.Workers
	b.Logf("%s: %d items × %d dims, built in %v on %d goroutines, index %.1f MB",
		name, n, dim, f.build.Round(time.Millisecond), f.workers, f.indexMB)
	fixtures[name] = f
	return f
}

// augment applies the MIPS→NN reduction: every item gets a last coordinate
// √(Φ²−|x|²), every query a zero.
func augment(items, queries [][]float32) ([][]float32, [][]float32) {
	var phi float64
	for _, v := range items {
		phi = max(phi, sqnorm(v))
	}
	ai := make([][]float32, len(items))
	for i, v := range items {
		ai[i] = append(slices.Clone(v), float32(math.Sqrt(max(0, phi-sqnorm(v)))))
	}
	aq := make([][]float32, len(queries))
	for i, q := range queries {
		aq[i] = append(slices.Clone(q), 0)
	}
	return ai, aq
}

var benchSets = []string{"clustered", "als-ip", "gauss", "als-ip-aug"}

func benchEfs(set string) []int {
	switch set {
	case "gauss":
		return []int{64, 200, 400, 800, 1600}
	case "als-ip-aug":
		return []int{64, 400, 1600}
	}
	return []int{10, 20, 40, 64, 100, 200}
}

func BenchmarkANN(b *testing.B) {
	for _, set := range benchSets {
		b.Run(set, func(b *testing.B) {
			for _, ef := range benchEfs(set) {
				b.Run(fmt.Sprintf("ef=%d", ef), func(b *testing.B) {
					f := getFixture(b, set)
					m := f.paired(ef)
					dst := make([]recommend.Scored, 0, 10)
					b.ReportAllocs()
					i := 0
					for b.Loop() {
						dst = f.index.AppendSearch(dst[:0], f.queries[i%len(f.queries)], 10, ef, nil)
						i++
					}
					for _, k := range []string{"recall@10", "qps", "exact-qps", "speedup", "p50-µs", "p99-µs", "visited-%", "build-s", "index-MB"} {
						b.ReportMetric(m[k], k)
					}
				})
			}
		})
	}
}

// paired measures, once per set and ef, the index and exact search query
// by query, back to back, alternating which goes first.
func (f *fixture) paired(ef int) map[string]float64 {
	key := fmt.Sprintf("%s/%d", f.name, ef)
	fixturesMu.Lock()
	defer fixturesMu.Unlock()
	if m, ok := pairs[key]; ok {
		return m
	}
	nq := len(f.queries)
	got := make([][]recommend.Scored, nq)
	lat := make([]time.Duration, nq)
	var tIndex, tExact time.Duration
	visits := 0
	dst := make([]recommend.Scored, 0, 10)
	s := f.index.getScratch()
	for i, q := range f.queries {
		runIndex := func() {
			t := time.Now()
			got[i] = f.index.search(s, nil, f.index.query(s, q), 10, ef, nil)
			lat[i] = time.Since(t)
			tIndex += lat[i]
			visits += s.visits
		}
		runExact := func() {
			t := time.Now()
			dst = f.exact.AppendSearch(dst[:0], f.exactQ[i], 10, nil)
			tExact += time.Since(t)
		}
		if i%2 == 0 {
			runIndex()
			runExact()
		} else {
			runExact()
			runIndex()
		}
	}
	f.index.putScratch(s)
	slices.Sort(lat)
	m := map[string]float64{
		"recall@10": recallAt(f.truth, got),
		"qps":       float64(nq) / tIndex.Seconds(),
		"exact-qps": float64(nq) / tExact.Seconds(),
		"speedup":   tExact.Seconds() / tIndex.Seconds(),
		"p50-µs":    float64(lat[nq/2].Nanoseconds()) / 1e3,
		"p99-µs":    float64(lat[nq*99/100].Nanoseconds()) / 1e3,
		"visited-%": 100 * float64(visits) / float64(nq) / float64(f.index.Len()),
		"build-s":   f.build.Seconds(),
		"index-MB":  f.indexMB,
	}
	pairs[key] = m
	return m
}

// memBytes is the index's memory: its arrays exactly, its maps at an
// estimated 16 bytes an entry.
func (x *Index) memBytes() int {
	n := 4*cap(x.ids) + cap(x.multi) + cap(x.levels) + 4*cap(x.vecs) + 4*cap(x.links0) + 24*cap(x.upper)
	for _, u := range x.upper {
		n += 4 * cap(u)
	}
	for _, t := range x.twins {
		n += 24 + 4*cap(t)
	}
	return n + 16*(len(x.pos)+len(x.hashes)+len(x.twins))
}

func BenchmarkExact(b *testing.B) {
	for _, set := range []string{"clustered", "als-ip", "gauss"} {
		b.Run(set, func(b *testing.B) {
			f := getFixture(b, set)
			dst := make([]recommend.Scored, 0, 10)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				dst = f.exact.AppendSearch(dst[:0], f.queries[i%len(f.queries)], 10, nil)
				i++
			}
		})
	}
}

// BenchmarkSearchParallel measures throughput with every CPU searching one
// index at its default width.
func BenchmarkSearchParallel(b *testing.B) {
	f := getFixture(b, "clustered")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		dst := make([]recommend.Scored, 0, 10)
		i := 0
		for pb.Next() {
			dst = f.index.AppendSearch(dst[:0], f.queries[i%len(f.queries)], 10, 0, nil)
			i++
		}
	})
}

// BenchmarkSearchFiltered measures a search that excludes half the
// catalogue (every odd item, as "already bought or out of stock" would).
func BenchmarkSearchFiltered(b *testing.B) {
	f := getFixture(b, "clustered")
	excl := func(id int32) bool { return id%2 == 1 }
	dst := make([]recommend.Scored, 0, 10)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		dst = f.index.AppendSearch(dst[:0], f.queries[i%len(f.queries)], 10, 0, excl)
		i++
	}
}
