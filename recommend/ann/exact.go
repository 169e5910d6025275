package ann

import (
	"fmt"
	"math"
	"sync"

	"github.com/shopmind/shopmind/recommend"
)

// Exact answers searches by scoring every item: exact, O(n·dim) per query,
// and for a few thousand items as fast as the graph. It is the ground truth
// Index is measured against and the fallback for small catalogues. Its
// Search has Index's signature and semantics, with exact results.
// Concurrency is as for Index.
type Exact struct {
	dim    int
	metric Metric
	ids    []int32
	pos    map[int32]int32
	vecs   []float32 // node i at [i*dim, (i+1)*dim), normalised for Cosine
	pool   sync.Pool // *exactScratch
}

type exactScratch struct {
	q   []float32
	res minHeap
}

// NewExact returns an empty brute-force index; it panics if dim < 1 or the
// metric is unknown.
func NewExact(dim int, metric Metric) *Exact {
	if dim < 1 {
		panic(fmt.Sprintf("ann: dimension %d", dim))
	}
	if !metric.valid() {
		panic(fmt.Sprintf("ann: unknown metric %d", metric))
	}
	return &Exact{dim: dim, metric: metric, pos: make(map[int32]int32)}
}

// Len is the number of items.
func (x *Exact) Len() int { return len(x.ids) }

// Dim is the dimension of the vectors.
func (x *Exact) Dim() int { return x.dim }

// Metric is the similarity the index ranks by.
func (x *Exact) Metric() Metric { return x.metric }

// Add stores vec (copied) under item id; it panics as Index.Add does.
func (x *Exact) Add(id int32, vec []float32) {
	checkVec(vec, x.dim, -1)
	if _, dup := x.pos[id]; dup {
		panic(fmt.Sprintf("ann: item %d added twice", id))
	}
	x.add(id, vec)
}

func (x *Exact) add(id int32, vec []float32) {
	x.pos[id] = int32(len(x.ids))
	x.ids = append(x.ids, id)
	off := len(x.vecs)
	x.vecs = append(x.vecs, vec...)
	if x.metric == Cosine {
		normalize(x.vecs[off:])
	}
}

// Build stores vectors[i] under item id i; it panics as Index.Build does.
func (x *Exact) Build(vectors [][]float32) {
	if len(vectors) > math.MaxInt32 {
		panic("ann: too many vectors")
	}
	for i, v := range vectors {
		checkVec(v, x.dim, i)
		if _, dup := x.pos[int32(i)]; dup {
			panic(fmt.Sprintf("ann: item %d added twice", i))
		}
	}
	x.vecs = append(make([]float32, 0, len(x.vecs)+len(vectors)*x.dim), x.vecs...)
	for i, v := range vectors {
		x.add(int32(i), v)
	}
}

// Search returns the k items of highest score with q that exclude (nil for
// none) does not reject, by score descending, ties by item id.
func (x *Exact) Search(q []float32, k int, exclude func(id int32) bool) []recommend.Scored {
	if len(q) != x.dim {
		panic(fmt.Sprintf("ann: query has %d dimensions, index has %d", len(q), x.dim))
	}
	if k <= 0 || len(x.ids) == 0 {
		return nil
	}
	return x.AppendSearch(make([]recommend.Scored, 0, min(k, len(x.ids))), q, k, exclude)
}

// AppendSearch is Search appending to dst; with room in dst it allocates
// nothing.
func (x *Exact) AppendSearch(dst []recommend.Scored, q []float32, k int, exclude func(id int32) bool) []recommend.Scored {
	if len(q) != x.dim {
		panic(fmt.Sprintf("ann: query has %d dimensions, index has %d", len(q), x.dim))
	}
	if k <= 0 || len(x.ids) == 0 {
		return dst
	}
	s, _ := x.pool.Get().(*exactScratch)
	if s == nil {
		s = &exactScratch{}
	}
	s.q = append(s.q[:0], q...)
	if x.metric == Cosine {
		normalize(s.q)
	}
	s.res = s.res[:0]
	var allow func(int32) bool
	if exclude != nil {
		allow = func(node int32) bool { return !exclude(x.ids[node]) }
	}
	scanTopK(&s.res, s.q, x.vecs, len(x.ids), k, allow)
	dst = appendResults(dst, &s.res, x.ids, k)
	x.pool.Put(s)
	return dst
}
