package recommend

import "slices"

// TransposeCSR transposes a sparse matrix in compressed-row form (row r holds
// columns idx[off[r]:off[r+1]] with values val[...]) that has cols columns,
// returning the same form for the transpose. Within each output row the
// entries keep the order of their input rows.
func TransposeCSR(off []int, idx []int32, val []float32, cols int) (tOff []int, tIdx []int32, tVal []float32) {
	tOff = make([]int, cols+1)
	tIdx = make([]int32, len(idx))
	tVal = make([]float32, len(val))
	for _, j := range idx {
		tOff[j+1]++
	}
	for j := range cols {
		tOff[j+1] += tOff[j]
	}
	next := slices.Clone(tOff[:cols])
	for r := range len(off) - 1 {
		for p := off[r]; p < off[r+1]; p++ {
			j := idx[p]
			tIdx[next[j]] = int32(r)
			tVal[next[j]] = val[p]
			next[j]++
		}
	}
	return tOff, tIdx, tVal
}
