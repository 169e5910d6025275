package ann

import (
	"slices"

	"github.com/shopmind/shopmind/recommend"
)

// cand is a node of the index with its similarity to the query.
type cand struct {
	sim  float32
	node int32
}

// maxHeap keeps the most similar candidate at [0]: the search frontier.
type maxHeap []cand

func (h *maxHeap) push(c cand) {
	*h = append(*h, c)
	a := *h
	i := len(a) - 1
	for i > 0 {
		p := (i - 1) / 2
		if a[p].sim >= a[i].sim {
			break
		}
		a[p], a[i] = a[i], a[p]
		i = p
	}
}

func (h *maxHeap) pop() cand {
	a := *h
	top := a[0]
	n := len(a) - 1
	a[0] = a[n]
	a = a[:n]
	i := 0
	for {
		l, w := 2*i+1, i
		if l < n && a[l].sim > a[w].sim {
			w = l
		}
		if r := l + 1; r < n && a[r].sim > a[w].sim {
			w = r
		}
		if w == i {
			break
		}
		a[w], a[i] = a[i], a[w]
		i = w
	}
	*h = a
	return top
}

// minHeap keeps the worst of the kept results at [0], so the bounded
// result set can drop it in O(log n).
type minHeap []cand

// worse orders results: lower similarity, then (ties) later node. Exact
// numbers nodes in insertion order, so for an Exact filled by Build, whose
// ids are the insertion order, the scan keeps exactly the items
// recommend.TopN keeps.
func worse(a, b cand) bool {
	return a.sim < b.sim || (a.sim == b.sim && a.node > b.node)
}

func (h *minHeap) push(c cand) {
	*h = append(*h, c)
	a := *h
	i := len(a) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !worse(a[i], a[p]) {
			break
		}
		a[p], a[i] = a[i], a[p]
		i = p
	}
}

func (h *minHeap) pop() cand {
	a := *h
	top := a[0]
	n := len(a) - 1
	a[0] = a[n]
	a = a[:n]
	i := 0
	for {
		l, w := 2*i+1, i
		if l < n && worse(a[l], a[w]) {
			w = l
		}
		if r := l + 1; r < n && worse(a[r], a[w]) {
			w = r
		}
		if w == i {
			break
		}
		a[w], a[i] = a[i], a[w]
		i = w
	}
	*h = a
	return top
}

// offer adds c to a result heap bounded at k members.
func (h *minHeap) offer(c cand, k int) {
	if len(*h) < k {
		h.push(c)
		return
	}
	if !worse((*h)[0], c) {
		return
	}
	(*h)[0] = c
	h.fix0()
}

// fix0 restores the heap after [0] was replaced by a larger value.
func (h *minHeap) fix0() {
	a := *h
	n := len(a)
	i := 0
	for {
		l, w := 2*i+1, i
		if l < n && worse(a[l], a[w]) {
			w = l
		}
		if r := l + 1; r < n && worse(a[r], a[w]) {
			w = r
		}
		if w == i {
			return
		}
		a[w], a[i] = a[i], a[w]
		i = w
	}
}

// appendResults drains h and appends its k best members to dst as items
// (ids maps node to item id), by score descending and, on equal scores, item
// id ascending — recommend.TopN's order. It allocates only if dst is short
// of capacity.
func appendResults(dst []recommend.Scored, h *minHeap, ids []int32, k int) []recommend.Scored {
	for len(*h) > k {
		h.pop()
	}
	n := len(*h)
	start := len(dst)
	dst = slices.Grow(dst, n)[:start+n]
	for i := start + n - 1; i >= start; i-- {
		c := h.pop()
		dst[i] = recommend.Scored{Item: ids[c.node], Score: c.sim}
	}
	sortTies(dst[start:])
	return dst
}

// sortTies orders the runs of equal scores in a list sorted by score by item
// id.
func sortTies(out []recommend.Scored) {
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Score == out[j-1].Score && out[j].Item < out[j-1].Item; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
}

// scanTopK offers the first n rows of vecs (rows of len(q)) to the result
// heap h bounded at k, skipping nodes allow (nil: none) rejects; the
// brute-force kernel of Exact and of Index's fallback. Scores are dot1's,
// bit for bit.
func scanTopK(h *minHeap, q, vecs []float32, n, k int, allow func(node int32) bool) {
	d := len(q)
	var s [4]float32
	i := 0
	for ; i+4 <= n; i += 4 {
		dot4(q, vecs[i*d:(i+4)*d], &s)
		for j, sim := range s {
			node := int32(i + j)
			if len(*h) == k && !worse((*h)[0], cand{sim, node}) {
				continue
			}
			if allow != nil && !allow(node) {
				continue
			}
			h.offer(cand{sim, node}, k)
		}
	}
	for ; i < n; i++ {
		sim := dot1(q, vecs[i*d:(i+1)*d])
		if len(*h) == k && !worse((*h)[0], cand{sim, int32(i)}) {
			continue
		}
		if allow != nil && !allow(int32(i)) {
			continue
		}
		h.offer(cand{sim, int32(i)}, k)
	}
}
