package recommend

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

func TestTopNMatchesSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		n := r.IntN(50) + 1
		scores := make([]float32, r.IntN(300))
		for i := range scores {
			scores[i] = float32(r.IntN(20)) // many ties
			if r.IntN(10) == 0 {
				scores[i] = float32(math.Inf(-1))
			}
		}
		excl := func(i int32) bool { return i%7 == 3 }
		var want []Scored
		for i, s := range scores {
			if !math.IsInf(float64(s), -1) && !excl(int32(i)) {
				want = append(want, Scored{int32(i), s})
			}
		}
		sort.Slice(want, func(a, b int) bool { return better(want[a], want[b]) })
		if len(want) > n {
			want = want[:n]
		}
		got := TopN(scores, n, excl)
		if len(got) != len(want) {
			t.Fatalf("trial %d: len %d want %d", trial, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("trial %d pos %d: %+v want %+v", trial, i, got[i], want[i])
			}
		}
	}
	if TopN([]float32{1, 2}, 0, nil) != nil {
		t.Fatal("n=0 must give nothing")
	}
}

func BenchmarkTopN100k(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	scores := make([]float32, 100000)
	for i := range scores {
		scores[i] = r.Float32()
	}
	for b.Loop() {
		TopN(scores, 20, nil)
	}
}

func TestTransposeCSR(t *testing.T) {
	// 2×3: row 0 = {0:1, 2:2}, row 1 = {1:3, 2:4}
	off, idx, val := []int{0, 2, 4}, []int32{0, 2, 1, 2}, []float32{1, 2, 3, 4}
	tOff, tIdx, tVal := TransposeCSR(off, idx, val, 3)
	if !slices.Equal(tOff, []int{0, 1, 2, 4}) || !slices.Equal(tIdx, []int32{0, 1, 0, 1}) || !slices.Equal(tVal, []float32{1, 3, 2, 4}) {
		t.Fatalf("transpose: %v %v %v", tOff, tIdx, tVal)
	}
	bOff, bIdx, bVal := TransposeCSR(tOff, tIdx, tVal, 2)
	if !slices.Equal(bOff, off) || !slices.Equal(bIdx, idx) || !slices.Equal(bVal, val) {
		t.Fatalf("transpose twice: %v %v %v", bOff, bIdx, bVal)
	}
}
