package ann

// reorder renumbers the nodes in breadth-first order of the layer-0 graph
// from the entry point, so that a node's neighbours mostly sit a few pages
// away from it in memory: a search then misses the TLB and the caches less
// (graph reordering, Coleman et al. 2021). Nodes the walk does not reach
// keep their relative order at the end.
func (x *Index) reorder() {
	n := len(x.ids)
	if n < 2 {
		return
	}
	const unset = -1
	newOf := make([]int32, n)
	for i := range newOf {
		newOf[i] = unset
	}
	order := make([]int32, 0, n)
	order = append(order, x.ep)
	newOf[x.ep] = 0
	for head := 0; head < len(order); head++ {
		l := x.list(order[head], 0)
		for _, e := range l[1 : 1+l[0]] {
			if newOf[e] == unset {
				newOf[e] = int32(len(order))
				order = append(order, e)
			}
		}
	}
	for i := range n {
		if newOf[i] == unset {
			newOf[i] = int32(len(order))
			order = append(order, int32(i))
		}
	}

	ids := make([]int32, n)
	multi := make([]bool, n)
	levels := make([]uint8, n)
	upper := make([][]int32, n)
	vecs := make([]float32, len(x.vecs))
	links0 := make([]int32, len(x.links0))
	w := x.m0 + 1
	for nw, old := range order {
		ids[nw] = x.ids[old]
		multi[nw] = x.multi[old]
		levels[nw] = x.levels[old]
		copy(vecs[nw*x.dim:(nw+1)*x.dim], x.vec(old))
		src := x.links0[int(old)*w : (int(old)+1)*w]
		dst := links0[nw*w : (nw+1)*w]
		dst[0] = src[0]
		for i, e := range src[1 : 1+src[0]] {
			dst[1+i] = newOf[e]
		}
		if u := x.upper[old]; u != nil {
			for lc := 0; lc < int(levels[nw]); lc++ {
				l := u[lc*(x.cfg.M+1):]
				for i := range int(l[0]) {
					l[1+i] = newOf[l[1+i]]
				}
			}
			upper[nw] = u
		}
	}
	twins := make(map[int32][]int32, len(x.twins))
	for node, t := range x.twins {
		twins[newOf[node]] = t
	}
	for id, node := range x.pos {
		x.pos[id] = newOf[node]
	}
	for h, node := range x.hashes {
		x.hashes[h] = newOf[node]
	}
	x.ids, x.multi, x.levels, x.upper, x.vecs, x.links0, x.twins = ids, multi, levels, upper, vecs, links0, twins
	x.ep = newOf[x.ep]
}
