package ann

import (
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"

	"github.com/shopmind/shopmind/recommend"
)

// scratch is the per-search working memory, kept between searches so that
// a search allocates nothing: the visited marks, the two heaps, the prepared query and
// the build's candidate lists.
type scratch struct {
	visited []uint16 // node → epoch of the search that last visited it
	epoch   uint16
	visits  int     // nodes the last searchLayer evaluated
	touch   float32 // sink of touch

	cand maxHeap
	res  minHeap
	q    []float32

	nb               []int32   // link copy during a parallel build
	batch            []int32   // unvisited links of the node being expanded
	sims             []float32 // their similarities
	sims2            []float32 // similarities of a node to its links (build)
	w, w2, sel, sel2 []cand
	pruned           []cand
}

func newScratch(n int) *scratch {
	s := &scratch{}
	s.fit(n)
	return s
}

// fit makes room for visit marks of n nodes.
func (s *scratch) fit(n int) {
	if len(s.visited) < n {
		s.visited = make([]uint16, n+n/4)
		s.epoch = 0
	}
}

// next starts a new visit generation; marks of older ones are stale.
func (s *scratch) next() {
	s.epoch++
	if s.epoch == 0 {
		clear(s.visited)
		s.epoch = 1
	}
}

// touch reads one element of every cache line of the nodes' vectors, all
// loads independent of each other, so that the memory system fetches them
// all at once before the dot products need them: Go has no prefetch
// instruction, and this buys the same: 10–20 % off a search over a
// catalogue that does not fit in cache. The sum is kept (in scratch.touch)
// only so that the compiler cannot drop the loads.
func (x *Index) touch(nodes []int32) float32 {
	var acc float32
	for _, e := range nodes {
		v := x.vec(e)
		for j := 0; j < len(v); j += 16 {
			acc += v[j]
		}
	}
	return acc
}

// newFree makes the index's shelf of idle scratch: two per CPU.
func newFree() []atomic.Pointer[scratch] {
	return make([]atomic.Pointer[scratch], 2*runtime.GOMAXPROCS(0))
}

// getScratch takes an idle scratch off the shelf, or makes one. The shelf
// is a few atomic slots rather than a sync.Pool because a pool is emptied by
// every second garbage collection, and a scratch's visit marks (2 bytes a
// node) are worth keeping; taking and returning is one atomic swap each, no
// lock.
func (x *Index) getScratch() *scratch {
	for i := range x.free {
		if x.free[i].Load() != nil {
			if s := x.free[i].Swap(nil); s != nil {
				s.fit(len(x.ids))
				return s
			}
		}
	}
	return newScratch(len(x.ids))
}

// putScratch shelves s, or drops it if the shelf is full.
func (x *Index) putScratch(s *scratch) {
	for i := range x.free {
		if x.free[i].CompareAndSwap(nil, s) {
			return
		}
	}
}

// greedy walks layer lc from ep to a local optimum of similarity to q: the
// descent through the upper layers (the paper's SEARCH-LAYER with ef = 1).
func (x *Index) greedy(s *scratch, q []float32, ep int32, epSim float32, lc int, b *builder) (int32, float32) {
	for changed := true; changed; {
		changed = false
		nb := x.links(s, ep, lc, b)
		s.touch += x.touch(nb)
		s.sims = x.sims(q, nb, s.sims[:0])
		for i, e := range nb {
			if sim := s.sims[i]; sim > epSim {
				ep, epSim, changed = e, sim, true
			}
		}
	}
	return ep, epSim
}

// searchLayer is the paper's SEARCH-LAYER: a best-first walk of layer lc
// from ep that leaves in s.res the ef nodes most similar to q among those it
// met and exclude lets through. The walk stops when the best unexpanded node
// is no better than the worst of ef results, so while exclusions keep the
// result set short it keeps walking (through excluded nodes too). With
// budget > 0 it gives up, returning false, once it has evaluated more than
// budget nodes.
func (x *Index) searchLayer(s *scratch, q []float32, ep int32, epSim float32, ef, lc int, b *builder, exclude func(int32) bool, budget int) bool {
	s.next()
	s.cand = s.cand[:0]
	s.res = s.res[:0]
	visited, epoch := s.visited, s.epoch
	visited[ep] = epoch
	s.cand.push(cand{epSim, ep})
	if x.allowed(ep, exclude) {
		s.res.push(cand{epSim, ep})
	}
	visits := 1
	for len(s.cand) > 0 {
		c := s.cand.pop()
		if len(s.res) >= ef && c.sim <= s.res[0].sim {
			break
		}
		// Gather the unvisited neighbours first and score them four at a
		// time (see sims).
		batch := s.batch[:0]
		for _, e := range x.links(s, c.node, lc, b) {
			if visited[e] != epoch {
				visited[e] = epoch
				batch = append(batch, e)
			}
		}
		s.batch = batch
		visits += len(batch)
		s.touch += x.touch(batch)
		sims := x.sims(q, batch, s.sims[:0])
		s.sims = sims
		for i, e := range batch {
			sim := sims[i]
			if len(s.res) < ef || sim > s.res[0].sim {
				s.cand.push(cand{sim, e})
				if x.allowed(e, exclude) {
					s.res.push(cand{sim, e})
					if len(s.res) > ef {
						s.res.pop()
					}
				}
			}
		}
		if budget > 0 && visits > budget {
			s.visits = visits
			return false
		}
	}
	s.visits = visits
	return true
}

// query copies q, normalised for Cosine, into the scratch.
func (x *Index) query(s *scratch, q []float32) []float32 {
	if len(q) != x.dim {
		panic(fmt.Sprintf("ann: query has %d dimensions, index has %d", len(q), x.dim))
	}
	s.q = append(s.q[:0], q...)
	if x.metric == Cosine {
		normalize(s.q)
	}
	return s.q
}

// Search returns the k items most similar to q (len(q) == Dim()) that
// exclude (nil for none) does not reject, by score descending (ties by item
// id), searching with Config.EfSearch. It returns fewer than k only if fewer
// than k items are not excluded. It allocates only the result.
func (x *Index) Search(q []float32, k int, exclude func(id int32) bool) []recommend.Scored {
	return x.SearchEf(q, k, x.cfg.EfSearch, exclude)
}

// SearchEf is Search with search width ef (at least k is used): larger is
// slower and more accurate.
func (x *Index) SearchEf(q []float32, k, ef int, exclude func(id int32) bool) []recommend.Scored {
	if len(q) != x.dim {
		panic(fmt.Sprintf("ann: query has %d dimensions, index has %d", len(q), x.dim))
	}
	if k <= 0 || len(x.ids) == 0 {
		return nil
	}
	return x.AppendSearch(make([]recommend.Scored, 0, min(k, len(x.pos))), q, k, ef, exclude)
}

// AppendSearch is SearchEf appending to dst; with room in dst it allocates
// nothing. ef <= 0 means Config.EfSearch.
func (x *Index) AppendSearch(dst []recommend.Scored, q []float32, k, ef int, exclude func(id int32) bool) []recommend.Scored {
	s := x.getScratch()
	dst = x.search(s, dst, x.query(s, q), k, ef, exclude)
	x.putScratch(s)
	return dst
}

// Similar returns the k items most similar to item id, without the item
// itself, as Search does for its stored vector (normalised for Cosine). It
// returns nil if id is not in the index.
func (x *Index) Similar(id int32, k int, exclude func(id int32) bool) []recommend.Scored {
	node, ok := x.pos[id]
	if !ok || k <= 0 {
		return nil
	}
	s := x.getScratch()
	q := x.query(s, x.vec(node))
	// Ask for one more, since the item is usually (not always, under
	// InnerProduct) its own best match, and drop it.
	dst := x.search(s, make([]recommend.Scored, 0, min(k+1, len(x.pos))), q, k+1, 0, exclude)
	x.putScratch(s)
	for i, r := range dst {
		if r.Item == id {
			return append(dst[:i], dst[i+1:]...)
		}
	}
	if len(dst) > k {
		dst = dst[:k]
	}
	return dst
}

func (x *Index) search(s *scratch, dst []recommend.Scored, q []float32, k, ef int, exclude func(int32) bool) []recommend.Scored {
	n := len(x.ids) // nodes
	if k <= 0 || n == 0 {
		return dst
	}
	if ef <= 0 {
		ef = x.cfg.EfSearch
	}
	ef = max(ef, k)
	if len(x.pos) <= x.cfg.ExactBelow || k >= n {
		return x.scan(s, dst, q, k, exclude)
	}
	ep := x.ep
	epSim := dot1(q, x.vec(ep))
	for lc := x.maxLevel; lc > 0; lc-- {
		ep, epSim = x.greedy(s, q, ep, epSim, lc, nil)
	}
	budget := 0
	if exclude != nil {
		budget = max(n/4, 20*ef)
	}
	if x.searchLayer(s, q, ep, epSim, ef, 0, nil, exclude, budget) {
		start := len(dst)
		dst = x.emit(s, dst, k, exclude)
		if len(dst)-start == k || s.visits >= n {
			return dst
		}
		dst = dst[:start]
	}
	// Dense exclusions, or a part of the graph the walk did not reach: an
	// exact scan is then about as cheap as walking on, and complete.
	return x.scan(s, dst, q, k, exclude)
}

// scan answers by brute force over every stored vector.
func (x *Index) scan(s *scratch, dst []recommend.Scored, q []float32, k int, exclude func(int32) bool) []recommend.Scored {
	s.res = s.res[:0]
	var allow func(int32) bool
	if exclude != nil {
		allow = func(node int32) bool { return x.allowed(node, exclude) }
	}
	scanTopK(&s.res, q, x.vecs, len(x.ids), k, allow)
	return x.emit(s, dst, k, exclude)
}

// emit drains the result heap and appends up to k items to dst, best first,
// a node's twins together (those exclude lets through), equal scores by
// item id.
func (x *Index) emit(s *scratch, dst []recommend.Scored, k int, exclude func(int32) bool) []recommend.Scored {
	s.w = s.w[:0]
	for len(s.res) > 0 {
		s.w = append(s.w, s.res.pop())
	}
	start := len(dst)
	for i := len(s.w) - 1; i >= 0 && len(dst)-start < k; i-- {
		c := s.w[i]
		if !x.multi[c.node] {
			dst = append(dst, recommend.Scored{Item: x.ids[c.node], Score: c.sim})
			continue
		}
		ids := s.batch[:0]
		if exclude == nil || !exclude(x.ids[c.node]) {
			ids = append(ids, x.ids[c.node])
		}
		for _, id := range x.twins[c.node] {
			if exclude == nil || !exclude(id) {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		s.batch = ids
		for _, id := range ids {
			dst = append(dst, recommend.Scored{Item: id, Score: c.sim})
		}
	}
	if len(dst)-start > k {
		dst = dst[:start+k]
	}
	sortTies(dst[start:])
	return dst
}
