// Package ann finds, among float32 item vectors, the items most similar to a
// query vector: the recommender's hot path (user vector → top items, item →
// similar items).
//
// Index is a Hierarchical Navigable Small World graph (Malkov & Yashunin,
// "Efficient and robust approximate nearest neighbor search using
// Hierarchical Navigable Small World graphs", 2016/2018): every item is a node
// of a proximity graph on layer 0 and, with geometrically falling
// probability, of sparser graphs on layers above it; a query descends
// greedily from the top layer and finishes with a bounded best-first search
// on layer 0. Exact is the brute-force scan with the same Search signature:
// the ground truth for recall, and the right choice for small catalogues.
//
// Both are pure: no I/O, no clock, no global state. Randomness (the layer of
// each node) comes from Config.Seed, so a single-threaded build is
// reproducible. After Add/Build return, Search and its variants are safe for
// concurrent use and take no locks; Add and Build must not run concurrently
// with each other or with a search.
//
// # Metrics
//
// Cosine normalises stored and query vectors and scores by their cosine.
// InnerProduct scores by the raw inner product q·x (ALS and other
// matrix-factorisation vectors, whose norms carry popularity), and the graph
// is built and searched with the inner product itself (ip-NSW, Morozov &
// Babenko 2018). The textbook reduction of maximum inner-product search to
// nearest neighbours — storing (x, √(Φ²−|x|²)) with Φ the largest norm — was
// measured (BenchmarkANN/als-ip-aug) and rejected: when norms spread
// (log-normal, as popularity makes them), the extra coordinate dominates
// most items, they become alike to the graph, and on 100k ALS-style vectors
// recall@10 was 0.69 at ef = 400 where the direct graph reaches 0.997 at
// ef = 40, visiting a quarter as many nodes.
//
// # Exclusions
//
// Every search takes exclude func(id int32) bool (nil for none); items for
// which it returns true are never returned, as in recommend.TopN. Excluded
// items still serve as stepping stones of the graph search, and the search
// keeps going until it holds ef items that are not excluded, so recall does
// not collapse when much of the catalogue is excluded. If the exclusions are
// so dense that the walk has visited a quarter of the catalogue (or 20·ef
// nodes, if more), the search finishes with an exact scan instead; either
// way it returns k items whenever at least k are not excluded.
//
// # Cost
//
// A node costs its vector (4·dim bytes), its layer-0 links (4·(2M+1) bytes)
// and a few bytes more: 43 MB for 100k items × 64 dims at M = 16. Each
// concurrent search keeps 2 bytes a node of visit marks, reused, never
// reallocated per search: Search allocates only its result, AppendSearch
// nothing.
package ann

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// Metric is the similarity an index ranks by; higher scores are better.
type Metric uint8

const (
	// Cosine ranks by the cosine of the angle between query and item; the
	// zero vector has cosine 0 with everything.
	Cosine Metric = 1
	// InnerProduct ranks by the inner product of query and item.
	InnerProduct Metric = 2
)

func (m Metric) String() string {
	switch m {
	case Cosine:
		return "cosine"
	case InnerProduct:
		return "inner-product"
	}
	return fmt.Sprintf("Metric(%d)", uint8(m))
}

func (m Metric) valid() bool { return m == Cosine || m == InnerProduct }

// Defaults for a zero Config field.
const (
	DefaultM              = 16
	DefaultEfConstruction = 200
	DefaultEfSearch       = 64
	DefaultExactBelow     = 1000
)

// Config tunes an Index. The zero value of every field means its default.
type Config struct {
	// M is the number of links a node gets on each layer above 0 when it is
	// inserted, and the most it keeps there; layer 0 keeps up to 2M. Larger M
	// means better recall for high intrinsic dimension at the cost of memory
	// and build time. Default 16.
	M int
	// EfConstruction is the width of the search that picks a new node's
	// neighbours. Default 200.
	EfConstruction int
	// EfSearch is the width of the layer-0 search of Search (at least k is
	// used): the recall/speed knob. Default 64.
	EfSearch int
	// Seed seeds the draw of node layers.
	Seed uint64
	// Workers is the number of goroutines Build inserts with; 0 means
	// GOMAXPROCS. With 1 the graph is a function of the seed and the input
	// alone; with more, of the goroutines' interleaving too (its quality is
	// the same).
	Workers int
	// ExactBelow: an index with at most this many items answers searches by
	// an exact scan (the graph is still kept, ready for growth). Default
	// 1000; negative means never.
	ExactBelow int
}

func (c Config) withDefaults() Config {
	if c.M <= 0 {
		c.M = DefaultM
	}
	if c.M < 2 {
		c.M = 2
	}
	if c.EfConstruction <= 0 {
		c.EfConstruction = DefaultEfConstruction
	}
	if c.EfConstruction < c.M {
		c.EfConstruction = c.M
	}
	if c.EfSearch <= 0 {
		c.EfSearch = DefaultEfSearch
	}
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	if c.ExactBelow == 0 {
		c.ExactBelow = DefaultExactBelow
	}
	return c
}

// maxLayer bounds the drawn layer; with M ≥ 2 a node reaches it with
// probability below 2⁻³¹.
const maxLayer = 31

// Index is an HNSW graph over item vectors. Create it with New.
type Index struct {
	dim    int    // dimensions
	metric Metric // how scores are computed
	cfg    Config // with defaults applied
	m0     int    // link capacity on layer 0 (2M)
	mult   float64
	rng    *rand.PCG

	ids    []int32           // node → (first) item id
	twins  map[int32][]int32 // node → further items with the identical vector
	multi  []bool            // node → has twins
	pos    map[int32]int32   // item id → node
	hashes map[uint64]int32  // hash of a node's stored vector → node
	levels []uint8           // node → top layer
	vecs   []float32         // node i at [i*dim, (i+1)*dim), unit length for Cosine
	links0 []int32           // layer 0: node i at [i*(m0+1)]: count, then up to m0 nodes
	upper  [][]int32         // layers 1..levels[i]: (M+1) ints each, count then nodes

	ep       int32 // entry point: a node on the top layer
	maxLevel int   // top layer; -1 when empty

	free []atomic.Pointer[scratch] // idle search scratch (see getScratch)
}

// New returns an empty index of dim-dimensional vectors. It panics if dim < 1
// or metric is unknown.
func New(dim int, metric Metric, cfg Config) *Index {
	if dim < 1 {
		panic(fmt.Sprintf("ann: dimension %d", dim))
	}
	if !metric.valid() {
		panic(fmt.Sprintf("ann: unknown metric %d", metric))
	}
	cfg = cfg.withDefaults()
	x := &Index{
		dim:      dim,
		metric:   metric,
		cfg:      cfg,
		m0:       2 * cfg.M,
		mult:     1 / math.Log(float64(cfg.M)),
		rng:      rand.NewPCG(cfg.Seed, 0x5eed_a11),
		pos:      make(map[int32]int32),
		twins:    make(map[int32][]int32),
		hashes:   make(map[uint64]int32),
		maxLevel: -1,
		free:     newFree(),
	}
	return x
}

// Len is the number of items in the index.
func (x *Index) Len() int { return len(x.pos) }

// Dim is the dimension of the index's vectors.
func (x *Index) Dim() int { return x.dim }

// Metric is the similarity the index ranks by.
func (x *Index) Metric() Metric { return x.metric }

// Config is the index's configuration with defaults applied.
func (x *Index) Config() Config { return x.cfg }

// SetEfSearch changes the default search width. Like Add, it must not run
// concurrently with a search.
func (x *Index) SetEfSearch(ef int) {
	if ef > 0 {
		x.cfg.EfSearch = ef
	}
}

// Add inserts vec (copied) under item id. It panics if id is already in the
// index, if len(vec) != Dim(), or if vec holds a NaN or an infinity.
//
// Items whose stored vectors are identical (for Cosine: after normalising,
// so all zero vectors are one) share one node of the graph. As separate
// nodes, many copies of one point fill each other's link lists and those of
// their neighbours, and the graph around them decays (measured: recall@10
// 0.67 with a third of 3,000 items identical); sharing, every copy is found
// together, for the price of a hash a vector.
func (x *Index) Add(id int32, vec []float32) {
	checkVec(vec, x.dim, -1)
	if _, dup := x.pos[id]; dup {
		panic(fmt.Sprintf("ann: item %d added twice", id))
	}
	if node, fresh := x.appendNode(id, vec); fresh {
		s := x.getScratch()
		x.insert(s, node, nil)
		x.putScratch(s)
	}
}

// Build inserts vectors[i] under item id i for every i, like as many calls to
// Add but on Config.Workers goroutines, and then renumbers the graph's nodes
// in breadth-first order so that neighbours sit close in memory (searches
// get faster by about a quarter; results do not change). It panics, before
// changing the index, if an id is already present or a vector is malformed
// (see Add).
func (x *Index) Build(vectors [][]float32) {
	if len(vectors) > math.MaxInt32 {
		panic("ann: too many vectors")
	}
	for i, v := range vectors {
		checkVec(v, x.dim, i)
		if _, dup := x.pos[int32(i)]; dup {
			panic(fmt.Sprintf("ann: item %d added twice", i))
		}
	}
	first := int32(len(x.ids))
	x.grow(len(vectors))
	for i, v := range vectors {
		x.appendNode(int32(i), v)
	}
	end := int32(len(x.ids))
	if first == end {
		return
	}
	if x.maxLevel < 0 {
		// The first node becomes the entry point on its own.
		s := x.getScratch()
		x.insert(s, first, nil)
		x.putScratch(s)
		first++
	}
	workers := min(x.cfg.Workers, int(end-first))
	if workers <= 1 || end-first < 1000 {
		s := x.getScratch()
		for node := first; node < end; node++ {
			x.insert(s, node, nil)
		}
		x.putScratch(s)
	} else {
		b := &builder{locks: make([]sync.Mutex, end)}
		var next atomic.Int32
		next.Store(first)
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				s := newScratch(int(end))
				for {
					node := next.Add(1) - 1
					if node >= end {
						return
					}
					x.insert(s, node, b)
				}
			})
		}
		wg.Wait()
	}
	x.reorder()
}

// builder holds the locks of a parallel build: one per node, guarding its
// link lists, and one for the entry point and top layer.
type builder struct {
	locks []sync.Mutex
	top   sync.Mutex
}

// grow reserves room for n more nodes.
func (x *Index) grow(n int) {
	if n <= 0 {
		return
	}
	total := len(x.ids) + n
	if cap(x.ids) < total {
		x.ids = append(make([]int32, 0, total), x.ids...)
		x.levels = append(make([]uint8, 0, total), x.levels...)
		x.upper = append(make([][]int32, 0, total), x.upper...)
		x.multi = append(make([]bool, 0, total), x.multi...)
		x.vecs = append(make([]float32, 0, total*x.dim), x.vecs...)
		x.links0 = append(make([]int32, 0, total*(x.m0+1)), x.links0...)
	}
}

// appendNode stores vec under id: as a new node, not yet linked, with its
// layer drawn (fresh); or, when a node already holds the identical vector,
// as that node's twin.
func (x *Index) appendNode(id int32, vec []float32) (node int32, fresh bool) {
	off := len(x.vecs)
	x.vecs = append(x.vecs, vec...)
	v := x.vecs[off:]
	if x.metric == Cosine {
		normalize(v)
	}
	h := hashVec(v)
	if twin, ok := x.hashes[h]; ok && equal(x.vec(twin), v) {
		x.vecs = x.vecs[:off]
		x.twins[twin] = append(x.twins[twin], id)
		x.multi[twin] = true
		x.pos[id] = twin
		return twin, false
	} else if !ok {
		x.hashes[h] = int32(len(x.ids))
	}
	node = int32(len(x.ids))
	x.ids = append(x.ids, id)
	x.multi = append(x.multi, false)
	x.pos[id] = node
	level := int(-math.Log(1-x.uniform()) * x.mult)
	level = min(level, maxLayer)
	x.levels = append(x.levels, uint8(level))
	var up []int32
	if level > 0 {
		up = make([]int32, level*(x.cfg.M+1))
	}
	x.upper = append(x.upper, up)
	n := len(x.links0)
	x.links0 = slices.Grow(x.links0, x.m0+1)[:n+x.m0+1]
	clear(x.links0[n:])
	return node, true
}

// hashVec hashes a vector's values (FNV-1a over the bits, −0 taken as 0).
func hashVec(v []float32) uint64 {
	h := uint64(14695981039346656037)
	for _, f := range v {
		if f == 0 {
			f = 0
		}
		b := math.Float32bits(f)
		for range 4 {
			h ^= uint64(b & 0xff)
			h *= 1099511628211
			b >>= 8
		}
	}
	return h
}

func equal(a, b []float32) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// allowed reports whether node holds an item that exclude lets through.
func (x *Index) allowed(node int32, exclude func(int32) bool) bool {
	if exclude == nil || !exclude(x.ids[node]) {
		return true
	}
	if x.multi[node] {
		for _, id := range x.twins[node] {
			if !exclude(id) {
				return true
			}
		}
	}
	return false
}

// uniform draws from [0, 1) with the index's generator.
func (x *Index) uniform() float64 {
	return float64(x.rng.Uint64()<<11>>11) / (1 << 53)
}

func (x *Index) vec(node int32) []float32 {
	off := int(node) * x.dim
	return x.vecs[off : off+x.dim : off+x.dim]
}

// sims appends to out the scores of q against nodes: four at a time with
// dot4x, which keeps four independent add chains and four cache-miss streams
// in flight, and pads a last group of two or three by repeating vectors.
// The scores equal dot1's bit for bit.
func (x *Index) sims(q []float32, nodes []int32, out []float32) []float32 {
	var o [4]float32
	i := 0
	for ; i+4 <= len(nodes); i += 4 {
		dot4x(q, x.vec(nodes[i]), x.vec(nodes[i+1]), x.vec(nodes[i+2]), x.vec(nodes[i+3]), &o)
		out = append(out, o[0], o[1], o[2], o[3])
	}
	switch len(nodes) - i {
	case 1:
		out = append(out, dot1(q, x.vec(nodes[i])))
	case 2:
		a, b := x.vec(nodes[i]), x.vec(nodes[i+1])
		dot4x(q, a, b, a, b, &o)
		out = append(out, o[0], o[1])
	case 3:
		a, b, c := x.vec(nodes[i]), x.vec(nodes[i+1]), x.vec(nodes[i+2])
		dot4x(q, a, b, c, a, &o)
		out = append(out, o[0], o[1], o[2])
	}
	return out
}

// closerToAny reports whether v scores above thr with any of rs, scoring
// four at a time and stopping at the first group that does.
func (x *Index) closerToAny(v []float32, rs []cand, thr float32) bool {
	var o [4]float32
	for len(rs) >= 4 {
		dot4x(v, x.vec(rs[0].node), x.vec(rs[1].node), x.vec(rs[2].node), x.vec(rs[3].node), &o)
		if o[0] > thr || o[1] > thr || o[2] > thr || o[3] > thr {
			return true
		}
		rs = rs[4:]
	}
	switch len(rs) {
	case 1:
		return dot1(v, x.vec(rs[0].node)) > thr
	case 2:
		a, b := x.vec(rs[0].node), x.vec(rs[1].node)
		dot4x(v, a, b, a, b, &o)
	case 3:
		a, b, c := x.vec(rs[0].node), x.vec(rs[1].node), x.vec(rs[2].node)
		dot4x(v, a, b, c, a, &o)
	default:
		return false
	}
	return o[0] > thr || o[1] > thr || o[2] > thr
}

// list is the link list of node on layer lc: count at [0], links after.
func (x *Index) list(node int32, lc int) []int32 {
	if lc == 0 {
		off := int(node) * (x.m0 + 1)
		return x.links0[off : off+x.m0+1 : off+x.m0+1]
	}
	off := (lc - 1) * (x.cfg.M + 1)
	return x.upper[node][off : off+x.cfg.M+1 : off+x.cfg.M+1]
}

// links returns the neighbours of node on layer lc. During a parallel build
// (b != nil) it copies them into s.nb under the node's lock.
func (x *Index) links(s *scratch, node int32, lc int, b *builder) []int32 {
	l := x.list(node, lc)
	if b == nil {
		return l[1 : 1+l[0]]
	}
	mu := &b.locks[node]
	mu.Lock()
	s.nb = append(s.nb[:0], l[1:1+l[0]]...)
	mu.Unlock()
	return s.nb
}

func (x *Index) capacity(lc int) int {
	if lc == 0 {
		return x.m0
	}
	return x.cfg.M
}

// insert links node into the graph: the paper's INSERT. Its vector and layer
// are already stored.
func (x *Index) insert(s *scratch, node int32, b *builder) {
	s.fit(len(x.ids))
	q := x.vec(node)
	level := int(x.levels[node])

	if b != nil {
		b.top.Lock()
	}
	ep, top := x.ep, x.maxLevel
	if top < 0 {
		x.ep, x.maxLevel = node, level
	}
	if b != nil {
		b.top.Unlock()
	}
	if top < 0 {
		return
	}

	epSim := dot1(q, x.vec(ep))
	for lc := top; lc > level; lc-- {
		ep, epSim = x.greedy(s, q, ep, epSim, lc, b)
	}
	for lc := min(top, level); lc >= 0; lc-- {
		x.searchLayer(s, q, ep, epSim, x.cfg.EfConstruction, lc, b, nil, 0)
		// Candidates, most similar first, without the node itself (a
		// concurrent insert may already have linked to it).
		s.w = s.w[:0]
		for len(s.res) > 0 {
			if c := s.res.pop(); c.node != node {
				s.w = append(s.w, c)
			}
		}
		if len(s.w) == 0 {
			continue
		}
		reverse(s.w)
		ep, epSim = s.w[0].node, s.w[0].sim
		s.sel = x.selectNeighbors(s.w, x.cfg.M, s.sel[:0], &s.pruned)

		l := x.list(node, lc)
		if b != nil {
			b.locks[node].Lock()
		}
		l[0] = int32(len(s.sel))
		for i, c := range s.sel {
			l[1+i] = c.node
		}
		if b != nil {
			b.locks[node].Unlock()
		}
		for _, c := range s.sel {
			x.connect(s, c.node, node, c.sim, lc, b)
		}
	}

	if level > top {
		if b != nil {
			b.top.Lock()
		}
		if level > x.maxLevel {
			x.ep, x.maxLevel = node, level
		}
		if b != nil {
			b.top.Unlock()
		}
	}
}

// connect adds the link e → node (similarity sim) on layer lc, shrinking
// e's list with the neighbour heuristic if it is full.
func (x *Index) connect(s *scratch, e, node int32, sim float32, lc int, b *builder) {
	if b != nil {
		b.locks[e].Lock()
		defer b.locks[e].Unlock()
	}
	l := x.list(e, lc)
	n := int(l[0])
	for _, o := range l[1 : 1+n] {
		if o == node {
			return
		}
	}
	if c := x.capacity(lc); n < c {
		l[1+n] = node
		l[0]++
		return
	}
	s.sims2 = x.sims(x.vec(e), l[1:1+n], s.sims2[:0])
	s.w2 = append(s.w2[:0], cand{sim, node})
	for i, o := range l[1 : 1+n] {
		s.w2 = append(s.w2, cand{s.sims2[i], o})
	}
	sortDesc(s.w2)
	s.sel2 = x.selectNeighbors(s.w2, x.capacity(lc), s.sel2[:0], &s.pruned)
	l[0] = int32(len(s.sel2))
	for i, c := range s.sel2 {
		l[1+i] = c.node
	}
}

// selectNeighbors is the paper's neighbour-selection heuristic: walking the
// candidates from most to least similar to the base, it keeps a candidate
// only if it is more similar to the base than to every neighbour already
// kept, so the links spread in all directions instead of piling into the
// nearest cluster. Discarded candidates then fill any room left
// (keepPrunedConnections), which keeps nodes in dense or duplicated regions
// reachable.
func (x *Index) selectNeighbors(cands []cand, m int, out []cand, pruned *[]cand) []cand {
	if len(cands) <= m {
		return append(out, cands...)
	}
	*pruned = (*pruned)[:0]
	for _, c := range cands {
		if len(out) >= m {
			break
		}
		if !x.closerToAny(x.vec(c.node), out, c.sim) {
			out = append(out, c)
		} else {
			*pruned = append(*pruned, c)
		}
	}
	for _, c := range *pruned {
		if !keepPruned || len(out) >= m {
			break
		}
		out = append(out, c)
	}
	return out
}

// keepPruned: after the heuristic, fill a list up to capacity with the
// candidates it discarded (the paper's keepPrunedConnections). Measured on
// 100k clustered and ALS-style vectors it neither helps nor hurts the
// recall/work curve; it keeps lists full, which keeps dense regions
// connected.
const keepPruned = true

func reverse(a []cand) {
	for i, j := 0, len(a)-1; i < j; i, j = i+1, j-1 {
		a[i], a[j] = a[j], a[i]
	}
}

// sortDesc sorts a short candidate list by similarity, most similar first.
func sortDesc(a []cand) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j].sim > a[j-1].sim; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}
