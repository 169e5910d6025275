package ann

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/shopmind/shopmind/recommend"
)

// recallCase builds an index over items and checks recall@10 against exact
// search for queries.
func recallCase(t *testing.T, metric Metric, items, queries [][]float32, cfg Config, ef int, want float64) *Index {
	t.Helper()
	ex := NewExact(len(items[0]), metric)
	ex.Build(items)
	ix := New(len(items[0]), metric, cfg)
	ix.Build(items)
	truth := groundTruth(ex, queries, 10)
	got := make([][]recommend.Scored, len(queries))
	for i, q := range queries {
		got[i] = ix.SearchEf(q, 10, ef, nil)
	}
	r := recallAt(truth, got)
	t.Logf("%s n=%d dim=%d ef=%d: recall@10 %.4f", metric, len(items), len(items[0]), ef, r)
	if r < want {
		t.Errorf("recall@10 %.4f < %.2f", r, want)
	}
	return ix
}

// Sizes: 20k × 32 normally, 3k with -short.
func recallSize() int {
	if testing.Short() {
		return 3000
	}
	return 20000
}

// heavy skips a test under the race detector, which slows it twentyfold and
// is here for the concurrency tests; the test runs in every other mode.
func heavy(t *testing.T) {
	if raceEnabled {
		t.Skip("heavy; run without -race")
	}
}

func TestRecallClustered(t *testing.T) {
	heavy(t)
	n := recallSize()
	mix := newMixture(100, 32, 0.5, 11)
	recallCase(t, Cosine, mix.draw(n, 12), mix.draw(300, 13), Config{Seed: 1, Workers: 2}, 0, 0.95)
}

func TestRecallInnerProduct(t *testing.T) {
	heavy(t)
	n := recallSize()
	mix := newMixture(100, 32, 0.5, 21)
	recallCase(t, InnerProduct, alsItems(mix, n, 22), mix.draw(300, 23), Config{Seed: 2, Workers: 2}, 0, 0.95)
}

// Random Gaussian vectors have no structure for a graph to exploit; the
// index still reaches the target recall, with a wider search (10k items, to
// keep the test short).
func TestRecallGaussian(t *testing.T) {
	heavy(t)
	n := recallSize() / 2
	recallCase(t, Cosine, gaussian(n, 32, 31), gaussian(300, 32, 32), Config{Seed: 3, Workers: 2}, 400, 0.95)
}

// Items added one by one after a bulk build are found as well as the rest.
func TestRecallAfterAdd(t *testing.T) {
	heavy(t)
	n := recallSize() / 3
	mix := newMixture(50, 16, 0.5, 41)
	items := mix.draw(n, 42)
	ix := New(16, Cosine, Config{Seed: 4})
	ix.Build(items[:n/2])
	for i := n / 2; i < n; i++ {
		ix.Add(int32(i), items[i])
	}
	ex := NewExact(16, Cosine)
	ex.Build(items)
	queries := mix.draw(200, 43)
	got := make([][]recommend.Scored, len(queries))
	for i, q := range queries {
		got[i] = ix.Search(q, 10, nil)
	}
	if r := recallAt(groundTruth(ex, queries, 10), got); r < 0.95 {
		t.Errorf("recall@10 %.4f after incremental adds", r)
	}
}

// A single-threaded build is a function of the seed and the input, through
// Build or one Add at a time.
func TestDeterministic(t *testing.T) {
	heavy(t)
	mix := newMixture(20, 8, 0.5, 51)
	items := mix.draw(1500, 52)
	enc := func(ix *Index) []byte {
		b, err := ix.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a := New(8, Cosine, Config{Seed: 9, Workers: 1})
	a.Build(items)
	b := New(8, Cosine, Config{Seed: 9, Workers: 1})
	b.Build(items)
	c := New(8, Cosine, Config{Seed: 9})
	e := New(8, Cosine, Config{Seed: 9})
	for i, v := range items {
		c.Add(int32(i), v)
		e.Add(int32(i), v)
	}
	if !bytes.Equal(enc(a), enc(b)) {
		t.Error("two builds with one seed differ")
	}
	if !bytes.Equal(enc(c), enc(e)) {
		t.Error("two series of Add with one seed differ")
	}
	// Build is Add one by one, then the renumbering.
	c.reorder()
	if !bytes.Equal(enc(a), enc(c)) {
		t.Error("Build and Add one by one differ")
	}
	d := New(8, Cosine, Config{Seed: 10, Workers: 1})
	d.Build(items)
	if bytes.Equal(enc(a), enc(d)) {
		t.Error("different seeds gave the same graph")
	}
}

// Renumbering the nodes changes where they live, never what a search finds.
func TestReorderKeepsResults(t *testing.T) {
	heavy(t)
	mix := newMixture(20, 16, 0.5, 55)
	items := mix.draw(2000, 56)
	for _, metric := range []Metric{Cosine, InnerProduct} {
		a := New(16, metric, Config{Seed: 5, ExactBelow: -1})
		b := New(16, metric, Config{Seed: 5, ExactBelow: -1})
		for i, v := range items {
			a.Add(int32(i), v)
			b.Add(int32(i), v)
		}
		b.reorder()
		if a.ep == b.ep && a.ids[1] == b.ids[1] && a.ids[2] == b.ids[2] {
			t.Fatal("reorder did not renumber")
		}
		excl := func(id int32) bool { return id%3 == 0 }
		for i, q := range mix.draw(100, 57) {
			if ra, rb := a.Search(q, 10, nil), b.Search(q, 10, nil); !slices.Equal(ra, rb) {
				t.Fatalf("%s query %d: %v vs %v", metric, i, ra, rb)
			}
			if ra, rb := a.Search(q, 10, excl), b.Search(q, 10, excl); !slices.Equal(ra, rb) {
				t.Fatalf("%s query %d filtered: %v vs %v", metric, i, ra, rb)
			}
		}
		for id := int32(0); id < 50; id++ {
			if ra, rb := a.Similar(id, 5, nil), b.Similar(id, 5, nil); !slices.Equal(ra, rb) {
				t.Fatalf("%s Similar(%d): %v vs %v", metric, id, ra, rb)
			}
		}
	}
}

func TestExclude(t *testing.T) {
	heavy(t)
	mix := newMixture(30, 16, 0.5, 61)
	items := mix.draw(5000, 62)
	queries := mix.draw(100, 63)
	for _, metric := range []Metric{Cosine, InnerProduct} {
		ix := New(16, metric, Config{Seed: 5, ExactBelow: -1})
		ix.Build(items)
		ex := NewExact(16, metric)
		ex.Build(items)
		for _, keep := range []int{2, 10, 100, 1000} { // keep 1 item in keep
			excl := func(id int32) bool { return id%int32(keep) != 0 }
			remaining := (len(items) + keep - 1) / keep
			var truth, got [][]recommend.Scored
			for _, q := range queries {
				k := 10
				r := ix.Search(q, k, excl)
				for _, s := range r {
					if excl(s.Item) {
						t.Fatalf("%s keep 1/%d: returned excluded item %d", metric, keep, s.Item)
					}
				}
				if want := min(k, remaining); len(r) != want {
					t.Fatalf("%s keep 1/%d: %d results, want %d", metric, keep, len(r), want)
				}
				truth = append(truth, ex.Search(q, k, excl))
				got = append(got, r)
			}
			if rc := recallAt(truth, got); rc < 0.95 {
				t.Errorf("%s keep 1/%d: recall@10 %.4f", metric, keep, rc)
			}
		}
		// Everything excluded: nothing comes back.
		if r := ix.Search(queries[0], 10, func(int32) bool { return true }); len(r) != 0 {
			t.Errorf("all excluded: %v", r)
		}
		// k beyond what is left: all of it comes back.
		excl := func(id int32) bool { return id >= 7 }
		if r := ix.Search(queries[0], 50, excl); len(r) != 7 {
			t.Errorf("7 left, k=50: %d results", len(r))
		}
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	heavy(t)
	mix := newMixture(20, 12, 0.5, 71)
	items := mix.draw(3000, 72)
	for _, metric := range []Metric{Cosine, InnerProduct} {
		ix := New(12, metric, Config{Seed: 6, Workers: 1, ExactBelow: -1, EfSearch: 30})
		ix.Build(items[:2500])
		data, err := ix.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var back Index
		if err := back.UnmarshalBinary(data); err != nil {
			t.Fatal(err)
		}
		if back.Len() != ix.Len() || back.Dim() != 12 || back.Metric() != metric || back.Config().EfSearch != 30 {
			t.Fatalf("header: len %d dim %d metric %v", back.Len(), back.Dim(), back.Metric())
		}
		again, _ := back.MarshalBinary()
		if !bytes.Equal(data, again) {
			t.Fatal("re-encoding differs")
		}
		for i, q := range mix.draw(50, 73) {
			excl := func(id int32) bool { return id%3 == 0 }
			if a, b := ix.Search(q, 10, nil), back.Search(q, 10, nil); !slices.Equal(a, b) {
				t.Fatalf("query %d: %v vs %v", i, a, b)
			}
			if a, b := ix.SearchEf(q, 7, 80, excl), back.SearchEf(q, 7, 80, excl); !slices.Equal(a, b) {
				t.Fatalf("query %d filtered: %v vs %v", i, a, b)
			}
		}
		// Both grow the same way: the generator state travelled too.
		for i := 2500; i < 3000; i++ {
			ix.Add(int32(i), items[i])
			back.Add(int32(i), items[i])
		}
		a, _ := ix.MarshalBinary()
		b, _ := back.MarshalBinary()
		if !bytes.Equal(a, b) {
			t.Fatal("indexes grew apart after the round trip")
		}
	}
	// The empty index round-trips too.
	empty := New(4, Cosine, Config{})
	data, _ := empty.MarshalBinary()
	var back Index
	if err := back.UnmarshalBinary(data); err != nil || back.Len() != 0 || back.Search(make([]float32, 4), 3, nil) != nil {
		t.Fatalf("empty: %v", err)
	}
	back.Add(1, []float32{1, 0, 0, 0})
	if r := back.Search([]float32{1, 0, 0, 0}, 3, nil); len(r) != 1 || r[0].Item != 1 {
		t.Fatalf("after add to unmarshalled empty: %v", r)
	}
}

// Corrupt data is refused with an error; it never panics, and whatever is
// accepted can be searched.
func TestUnmarshalCorrupt(t *testing.T) {
	heavy(t)
	mix := newMixture(5, 6, 0.5, 81)
	ix := New(6, InnerProduct, Config{Seed: 7, M: 4, ExactBelow: -1})
	ix.Build(mix.draw(300, 82))
	data, _ := ix.MarshalBinary()
	var x Index
	for n := 0; n < len(data); n += 1 + n/50 {
		if err := x.UnmarshalBinary(data[:n]); err == nil {
			t.Fatalf("truncated to %d bytes: accepted", n)
		}
	}
	if err := x.UnmarshalBinary(append(slices.Clip(data), 0)); err == nil {
		t.Fatal("trailing byte accepted")
	}
	r := rand.New(rand.NewPCG(8, 8))
	q := make([]float32, 6)
	q[0] = 1
	for range 2000 {
		bad := slices.Clone(data)
		for range 1 + r.IntN(3) {
			bad[r.IntN(len(bad))] ^= byte(1 << r.IntN(8))
		}
		var y Index
		if y.UnmarshalBinary(bad) == nil {
			y.Search(q, 5, nil)
			y.Search(q, 5, func(id int32) bool { return id%2 == 0 })
		}
	}
}

// Concurrent searches, with and without exclusions, all see the answers a
// lone search sees. Run with -race.
func TestConcurrentSearch(t *testing.T) {
	mix := newMixture(10, 8, 0.5, 91)
	items := mix.draw(1500, 92)
	queries := mix.draw(64, 93)
	ix := New(8, Cosine, Config{Seed: 10, M: 8, ExactBelow: -1, Workers: 2})
	ix.Build(items)
	excl := func(id int32) bool { return id%4 == 1 }
	want := make([][]recommend.Scored, len(queries))
	wantX := make([][]recommend.Scored, len(queries))
	for i, q := range queries {
		want[i] = ix.Search(q, 10, nil)
		wantX[i] = ix.Search(q, 10, excl)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 8 {
		wg.Go(func() {
			for rep := range 20 {
				i := (g*7 + rep) % len(queries)
				if got := ix.Search(queries[i], 10, nil); !slices.Equal(got, want[i]) {
					errs <- "unfiltered result differs"
					return
				}
				if got := ix.Search(queries[i], 10, excl); !slices.Equal(got, wantX[i]) {
					errs <- "filtered result differs"
					return
				}
				ix.Similar(int32(i), 5, nil)
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

func TestEmpty(t *testing.T) {
	ix := New(3, Cosine, Config{})
	ex := NewExact(3, Cosine)
	q := []float32{1, 2, 3}
	if ix.Len() != 0 || ix.Search(q, 5, nil) != nil || ix.Similar(0, 5, nil) != nil {
		t.Error("empty index answered")
	}
	if ex.Len() != 0 || ex.Search(q, 5, nil) != nil {
		t.Error("empty exact index answered")
	}
	ix.Build(nil)
	if ix.Len() != 0 {
		t.Error("Build(nil) added items")
	}
}

// k beyond Len returns every item once, in order, on both paths.
func TestKBeyondLen(t *testing.T) {
	mix := newMixture(3, 4, 0.5, 101)
	items := mix.draw(40, 102)
	for _, exactBelow := range []int{0, -1} {
		ix := New(4, InnerProduct, Config{Seed: 11, ExactBelow: exactBelow})
		ix.Build(items)
		r := ix.Search(items[0], 100, nil)
		if len(r) != 40 {
			t.Fatalf("k=100 over 40 items: %d results", len(r))
		}
		seen := map[int32]bool{}
		for i, s := range r {
			if seen[s.Item] {
				t.Fatalf("item %d twice", s.Item)
			}
			seen[s.Item] = true
			if i > 0 && s.Score > r[i-1].Score {
				t.Fatal("not in descending order")
			}
		}
		if ix.Search(items[0], 0, nil) != nil || ix.Search(items[0], -1, nil) != nil {
			t.Error("k <= 0 answered")
		}
	}
}

// Exact agrees with recommend.TopN over the scores it implies, ties included.
func TestExactMatchesTopN(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 12))
	for _, metric := range []Metric{Cosine, InnerProduct} {
		items := make([][]float32, 503)
		for i := range items {
			items[i] = []float32{float32(r.IntN(3)), float32(r.IntN(3)), float32(r.IntN(3)), float32(r.IntN(3)), float32(r.IntN(3))}
		}
		ex := NewExact(5, metric)
		ex.Build(items)
		for range 20 {
			q := []float32{float32(r.IntN(3) - 1), float32(r.IntN(3)), 1, float32(r.IntN(2)), 0}
			excl := func(id int32) bool { return id%5 == 2 }
			scores := make([]float32, len(items))
			qq := slices.Clone(q)
			if metric == Cosine {
				normalize(qq)
			}
			for i := range items {
				scores[i] = dot1(qq, ex.vecs[i*5:(i+1)*5])
			}
			for _, k := range []int{1, 10, 600} {
				want := recommend.TopN(scores, k, excl)
				got := ex.Search(q, k, excl)
				if !slices.Equal(got, want) {
					t.Fatalf("%s k=%d:\n got %v\nwant %v", metric, k, got, want)
				}
			}
		}
	}
}

// Many copies of one vector: all are found, none twice, and the graph
// around them stays navigable.
func TestDuplicateVectors(t *testing.T) {
	heavy(t)
	mix := newMixture(10, 8, 0.5, 111)
	items := mix.draw(3000, 112)
	dup := items[0]
	for i := 0; i < 3000; i += 3 {
		items[i] = dup
	}
	for _, metric := range []Metric{Cosine, InnerProduct} {
		ix := New(8, metric, Config{Seed: 12, ExactBelow: -1})
		ix.Build(items)
		r := ix.Search(dup, 20, nil)
		if len(r) != 20 {
			t.Fatalf("%s: %d results", metric, len(r))
		}
		seen := map[int32]bool{}
		for _, s := range r {
			if seen[s.Item] {
				t.Fatalf("%s: item %d twice", metric, s.Item)
			}
			seen[s.Item] = true
			if metric == Cosine && s.Item%3 != 0 {
				t.Fatalf("%s: item %d is not a copy but outranks one", metric, s.Item)
			}
		}
		// Excluding the copies still finds the rest.
		ex := NewExact(8, metric)
		ex.Build(items)
		queries := mix.draw(50, 113)
		var truth, got [][]recommend.Scored
		for _, q := range queries {
			truth = append(truth, ex.Search(q, 10, nil))
			got = append(got, ix.Search(q, 10, nil))
		}
		if rc := recallAt(truth, got); rc < 0.95 {
			t.Errorf("%s with duplicates: recall@10 %.4f", metric, rc)
		}
		if s := ix.Similar(0, 5, nil); len(s) != 5 || slices.ContainsFunc(s, func(x recommend.Scored) bool { return x.Item == 0 }) {
			t.Errorf("%s: Similar(0) = %v", metric, s)
		}
	}
}

func TestZeroVectorCosine(t *testing.T) {
	mix := newMixture(4, 6, 0.5, 121)
	items := mix.draw(1500, 122)
	zero := make([]float32, 6)
	items[7] = zero
	items[700] = zero
	ix := New(6, Cosine, Config{Seed: 13, ExactBelow: -1})
	ix.Build(items)
	// A zero query scores everything 0 and still returns k items.
	r := ix.Search(zero, 10, nil)
	if len(r) != 10 {
		t.Fatalf("zero query: %d results", len(r))
	}
	for _, s := range r {
		if s.Score != 0 {
			t.Fatalf("zero query scored %v", s)
		}
	}
	// The zero items score 0 against any query and are ranked as such.
	all := ix.Search(items[1], 1500, nil)
	for _, s := range all {
		if (s.Item == 7 || s.Item == 700) && s.Score != 0 {
			t.Fatalf("zero item scored %v", s)
		}
		if math.IsNaN(float64(s.Score)) {
			t.Fatal("NaN score")
		}
	}
	ex := NewExact(6, Cosine)
	ex.Build(items)
	if r := ex.Search(zero, 3, nil); len(r) != 3 || r[0].Score != 0 {
		t.Fatalf("exact zero query: %v", r)
	}
}

func TestSimilar(t *testing.T) {
	heavy(t)
	mix := newMixture(20, 8, 0.3, 131)
	items := mix.draw(4000, 132)
	ix := New(8, Cosine, Config{Seed: 14})
	ix.Build(items)
	ex := NewExact(8, Cosine)
	ex.Build(items)
	var truth, got [][]recommend.Scored
	for id := int32(0); id < 100; id++ {
		s := ix.Similar(id, 10, nil)
		if len(s) != 10 || slices.ContainsFunc(s, func(x recommend.Scored) bool { return x.Item == id }) {
			t.Fatalf("Similar(%d) = %v", id, s)
		}
		truth = append(truth, ex.Search(items[id], 11, func(x int32) bool { return x == id })[:10])
		got = append(got, s)
	}
	if r := recallAt(truth, got); r < 0.95 {
		t.Errorf("Similar recall@10 %.4f", r)
	}
	if ix.Similar(99999, 10, nil) != nil {
		t.Error("Similar of an unknown item answered")
	}
}

func TestPanics(t *testing.T) {
	mustPanic := func(name, want string, f func()) {
		t.Helper()
		defer func() {
			r := recover()
			if r == nil {
				t.Errorf("%s: no panic", name)
				return
			}
			if s, _ := r.(string); !strings.Contains(s, want) {
				t.Errorf("%s: panic %v, want %q", name, r, want)
			}
		}()
		f()
	}
	ix := New(2, Cosine, Config{})
	ix.Add(5, []float32{1, 2})
	mustPanic("dup id", "twice", func() { ix.Add(5, []float32{1, 2}) })
	mustPanic("dim", "dimensions", func() { ix.Add(6, []float32{1}) })
	mustPanic("nan", "NaN", func() { ix.Add(6, []float32{float32(math.NaN()), 1}) })
	mustPanic("query dim", "dimensions", func() { ix.Search([]float32{1}, 1, nil) })
	mustPanic("build dup", "twice", func() { ix.Build([][]float32{{1, 1}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, {1, 1}}) })
	if ix.Len() != 1 {
		t.Error("a refused Build changed the index")
	}
	mustPanic("metric", "metric", func() { New(2, 0, Config{}) })
	mustPanic("dim0", "dimension", func() { New(0, Cosine, Config{}) })
	mustPanic("exact dup", "twice", func() {
		ex := NewExact(2, InnerProduct)
		ex.Add(1, []float32{1, 1})
		ex.Add(1, []float32{1, 1})
	})
}

// A search allocates nothing beyond its result; AppendSearch into a slice
// with room allocates nothing at all.
func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	mix := newMixture(10, 16, 0.5, 141)
	items := mix.draw(3000, 142)
	ix := New(16, InnerProduct, Config{Seed: 15, ExactBelow: -1})
	ix.Build(items)
	ex := NewExact(16, InnerProduct)
	ex.Build(items)
	q := items[5]
	dst := make([]recommend.Scored, 0, 10)
	excl := func(id int32) bool { return id%2 == 0 }
	ix.AppendSearch(dst, q, 10, 0, excl) // warm the pool
	cases := map[string]func(){
		"AppendSearch":          func() { ix.AppendSearch(dst[:0], q, 10, 0, nil) },
		"AppendSearch filtered": func() { ix.AppendSearch(dst[:0], q, 10, 0, excl) },
		"Exact.AppendSearch":    func() { ex.AppendSearch(dst[:0], q, 10, excl) },
	}
	for name, f := range cases {
		if a := testing.AllocsPerRun(200, f); a != 0 {
			t.Errorf("%s: %.1f allocs per search", name, a)
		}
	}
	if a := testing.AllocsPerRun(200, func() { ix.Search(q, 10, nil) }); a > 1 {
		t.Errorf("Search: %.1f allocs per search", a)
	}
}
