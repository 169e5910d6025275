package cluster

import (
	"math"
	"math/rand/v2"
)

// Silhouette is the mean silhouette width of a clustering, -1..1: for each
// point, (b - a) / max(a, b), where a is its mean Euclidean distance to the
// other points of its cluster and b the smallest mean distance to another
// cluster's points. Near 1, clusters are tight and far apart; near 0, they
// touch; below 0, points sit closer to another cluster than to their own.
//
// It costs O(s²) for s points, so with sample > 0 and more points than
// that, it is computed on a uniform sample of that many points drawn with
// seed (distances to the sample only), as is usual for large data. A point
// alone in its cluster within the sample scores 0, and a clustering with
// fewer than two clusters scores 0. Pass the points in the space they were
// clustered in (standardised: see Model.Silhouette).
func Silhouette(points [][]float64, labels []int, sample int, seed uint64) float64 {
	n := len(points)
	if n != len(labels) || n < 2 {
		return 0
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	if sample > 0 && sample < n {
		rng := rand.New(rand.NewPCG(seed, 0x5111))
		for i := range sample {
			j := i + rng.IntN(n-i)
			idx[i], idx[j] = idx[j], idx[i]
		}
		idx = idx[:sample]
	}
	k := 0
	for _, i := range idx {
		k = max(k, labels[i]+1)
	}
	count := make([]int, k)
	for _, i := range idx {
		count[labels[i]]++
	}
	nonEmpty := 0
	for _, c := range count {
		if c > 0 {
			nonEmpty++
		}
	}
	if nonEmpty < 2 {
		return 0
	}
	sum := make([]float64, k)
	total := 0.0
	for _, i := range idx {
		clear(sum)
		for _, j := range idx {
			if i != j {
				sum[labels[j]] += math.Sqrt(sqDist(points[i], points[j]))
			}
		}
		own := labels[i]
		if count[own] < 2 {
			continue // scores 0
		}
		a := sum[own] / float64(count[own]-1)
		b := math.Inf(1)
		for c := range k {
			if c != own && count[c] > 0 {
				b = math.Min(b, sum[c]/float64(count[c]))
			}
		}
		if m := math.Max(a, b); m > 0 {
			total += (b - a) / m
		}
	}
	return total / float64(len(idx))
}

// Silhouette is the silhouette width of the model's clustering of X (the
// points it was fitted on, in input units), on a sample as in the package
// function Silhouette.
func (m *Model) Silhouette(X [][]float64, sample int, seed uint64) float64 {
	z := make([][]float64, len(X))
	for i, x := range X {
		z[i] = m.Transform(x)
	}
	return Silhouette(z, m.Labels, sample, seed)
}

// AdjustedRand is the adjusted Rand index of two labellings of the same
// points: 1 when they group the points identically (whatever the label
// numbers), about 0 for unrelated labellings. Labels are non-negative.
func AdjustedRand(a, b []int) float64 {
	n := len(a)
	if n != len(b) || n < 2 {
		return 0
	}
	type pair struct{ x, y int }
	cells := map[pair]int{}
	rows, cols := map[int]int{}, map[int]int{}
	for i := range a {
		cells[pair{a[i], b[i]}]++
		rows[a[i]]++
		cols[b[i]]++
	}
	c2 := func(m int) float64 { return float64(m) * float64(m-1) / 2 }
	var index, sa, sb float64
	for _, v := range cells {
		index += c2(v)
	}
	for _, v := range rows {
		sa += c2(v)
	}
	for _, v := range cols {
		sb += c2(v)
	}
	expected := sa * sb / c2(n)
	maxIndex := (sa + sb) / 2
	if maxIndex == expected {
		return 1 // both put everything in one group, or each point alone
	}
	return (index - expected) / (maxIndex - expected)
}

// Purity is the share of points whose predicted cluster's most common true
// label is their own: 1 when every cluster holds one true group.
func Purity(pred, truth []int) float64 {
	if len(pred) != len(truth) || len(pred) == 0 {
		return 0
	}
	counts := map[int]map[int]int{}
	for i, p := range pred {
		if counts[p] == nil {
			counts[p] = map[int]int{}
		}
		counts[p][truth[i]]++
	}
	hit := 0
	for _, m := range counts {
		best := 0
		for _, v := range m {
			best = max(best, v)
		}
		hit += best
	}
	return float64(hit) / float64(len(pred))
}
