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

// table is an Explainer over a fixed map of contributions.
type table map[[2]int32]float32

func (t table) Contribution(from, to int32) float32 { return t[[2]int32{from, to}] }

func TestExplain(t *testing.T) {
	m := table{{1, 9}: 0.5, {2, 9}: 2, {3, 9}: 2, {4, 9}: -7, {5, 9}: 3, {6, 9}: 0}
	ev := func(item int32, w float32) Event { return Event{Item: item, Weight: w} }
	cases := []struct {
		name string
		hist []Event
		k    int
		c    float32
	}{
		{"empty", nil, -1, 0},
		{"nothing positive", []Event{ev(4, 1), ev(6, 1), ev(7, 1)}, -1, 0},
		{"largest wins", []Event{ev(1, 1), ev(2, 1), ev(4, 1)}, 1, 2},
		{"ties go to the later event", []Event{ev(3, 1), ev(1, 1), ev(2, 1), ev(1, 1)}, 2, 2},
		{"repeated item: the later one", []Event{ev(2, 1), ev(3, 1), ev(3, 5)}, 2, 2},
		{"non-positive weights are skipped", []Event{ev(5, 0), ev(5, -1), ev(1, 1)}, 2, 0.5},
		{"only non-positive weights", []Event{ev(5, 0), ev(2, -3)}, -1, 0},
		{"no weight check beyond the sign", []Event{ev(5, 0.01), ev(2, 100)}, 0, 3},
	}
	for _, c := range cases {
		if k, x := Explain(m, c.hist, 9); k != c.k || x != c.c {
			t.Errorf("%s: Explain = %d, %v; want %d, %v", c.name, k, x, c.k, c.c)
		}
	}
	if k, _ := Explain(m, []Event{ev(5, 1)}, 8); k != -1 {
		t.Errorf("an item nothing leads to is explained by %d", k)
	}
}
