package cluster

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// blobs plants k Gaussian clusters in d dimensions with different scales
// per feature (so standardisation matters) and returns the points and the
// planted labels.
func blobs(seed uint64, k, perCluster, d int, spread float64) ([][]float64, []int) {
	rng := rand.New(rand.NewPCG(seed, 1))
	scale := make([]float64, d)
	for j := range scale {
		scale[j] = math.Pow(10, float64(j%4)) // units from 1 to 1000
	}
	centres := make([][]float64, k)
	for c := range centres {
		centres[c] = make([]float64, d)
		for j := range d {
			centres[c][j] = rng.NormFloat64() * 4
		}
	}
	var X [][]float64
	var labels []int
	for c := range k {
		for range perCluster {
			x := make([]float64, d)
			for j := range d {
				x[j] = (centres[c][j] + rng.NormFloat64()*spread) * scale[j]
			}
			X = append(X, x)
			labels = append(labels, c)
		}
	}
	// Shuffle so clusters are not in runs.
	rng.Shuffle(len(X), func(i, j int) { X[i], X[j] = X[j], X[i]; labels[i], labels[j] = labels[j], labels[i] })
	return X, labels
}

func TestRecoversPlantedClusters(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		X, truth := blobs(seed, 5, 150, 6, 1)
		m, err := KMeans(X, Options{K: 5, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		ari, pur := AdjustedRand(m.Labels, truth), Purity(m.Labels, truth)
		sil := m.Silhouette(X, 500, 1)
		t.Logf("seed %d: ARI %.3f, purity %.3f, silhouette %.3f, inertia %.1f, %d iterations", seed, ari, pur, sil, m.Inertia, m.Iter)
		if ari < 0.9 || pur < 0.9 {
			t.Errorf("seed %d: ARI %.3f, purity %.3f; want both ≥ 0.9", seed, ari, pur)
		}
		if sil < 0.4 {
			t.Errorf("seed %d: silhouette %.3f on well separated clusters; want ≥ 0.4", seed, sil)
		}
		if m.K != 5 || len(m.Sizes) != 5 || len(m.Centroids) != 5 {
			t.Fatalf("K %d, sizes %v", m.K, m.Sizes)
		}
		sum := 0
		for _, s := range m.Sizes {
			sum += s
			if s == 0 {
				t.Errorf("empty cluster: %v", m.Sizes)
			}
		}
		if sum != len(X) {
			t.Errorf("sizes sum to %d, want %d", sum, len(X))
		}
		// A new point at a member's position goes to that member's cluster.
		for i := 0; i < len(X); i += 37 {
			if got := m.Assign(X[i]); got != m.Labels[i] {
				t.Errorf("Assign(point %d) = %d, its label is %d", i, got, m.Labels[i])
			}
		}
	}
}

// TestRestartsHelp checks that more starts never give a worse inertia: the
// best of several includes the first.
func TestClusterRestartsHelp(t *testing.T) {
	X, _ := blobs(7, 8, 60, 4, 1.5)
	one, err := KMeans(X, Options{K: 8, Seed: 3, Restarts: 1})
	if err != nil {
		t.Fatal(err)
	}
	many, err := KMeans(X, Options{K: 8, Seed: 3, Restarts: 12})
	if err != nil {
		t.Fatal(err)
	}
	if many.Inertia > one.Inertia+1e-9 {
		t.Fatalf("12 starts gave inertia %.3f, 1 start %.3f", many.Inertia, one.Inertia)
	}
}

func TestClusterDeterministic(t *testing.T) {
	X, _ := blobs(11, 4, 100, 5, 2.5) // overlapping, so starts disagree
	a, err := KMeans(X, Options{K: 4, Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	prev := runtime.GOMAXPROCS(1)
	b, err := KMeans(X, Options{K: 4, Seed: 42})
	runtime.GOMAXPROCS(prev)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Labels, b.Labels) || a.Inertia != b.Inertia || a.Restart != b.Restart {
		t.Fatalf("same seed, different answers: inertia %v vs %v, start %d vs %d", a.Inertia, b.Inertia, a.Restart, b.Restart)
	}
	s1 := Silhouette(X, a.Labels, 100, 5)
	s2 := Silhouette(X, a.Labels, 100, 5)
	if s1 != s2 {
		t.Fatalf("silhouette %v then %v with the same seed", s1, s2)
	}
}

func TestMoreClustersThanPoints(t *testing.T) {
	X := [][]float64{{0, 0}, {1, 5}, {3, 1}}
	m, err := KMeans(X, Options{K: 10, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if m.K != 3 || m.Inertia != 0 {
		t.Fatalf("K = %d, inertia %v; want 3 clusters of one point each, inertia 0", m.K, m.Inertia)
	}
	seen := map[int]bool{}
	for _, l := range m.Labels {
		seen[l] = true
	}
	if len(seen) != 3 {
		t.Fatalf("labels %v", m.Labels)
	}
	// Duplicates count once: 4 points, 2 distinct.
	m, err = KMeans([][]float64{{1, 1}, {2, 2}, {1, 1}, {2, 2}}, Options{K: 3})
	if err != nil {
		t.Fatal(err)
	}
	if m.K != 2 || m.Inertia != 0 || m.Labels[0] != m.Labels[2] || m.Labels[1] != m.Labels[3] || m.Labels[0] == m.Labels[1] {
		t.Fatalf("K %d labels %v inertia %v", m.K, m.Labels, m.Inertia)
	}
}

func TestClusterIdenticalPoints(t *testing.T) {
	X := make([][]float64, 20)
	for i := range X {
		X[i] = []float64{3, -1, 7}
	}
	m, err := KMeans(X, Options{K: 4, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	if m.K != 1 || m.Sizes[0] != 20 || m.Inertia != 0 {
		t.Fatalf("K %d sizes %v inertia %v", m.K, m.Sizes, m.Inertia)
	}
	for j, s := range m.Std {
		if s != 1 {
			t.Errorf("constant feature %d has std %v; want 1", j, s)
		}
	}
	if got := m.Assign([]float64{100, 100, 100}); got != 0 {
		t.Errorf("Assign = %d", got)
	}
	if s := m.Silhouette(X, 0, 0); s != 0 {
		t.Errorf("silhouette of one cluster = %v, want 0", s)
	}
	d, err := Describe(m, []Feature{{Name: "a"}, {Name: "b"}, {Name: "c"}}, DescribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d[0].Text != "close to the average customer" {
		t.Errorf("description of the only cluster: %q", d[0].Text)
	}
	// One point.
	m, err = KMeans([][]float64{{1, 2}}, Options{K: 2})
	if err != nil || m.K != 1 || m.Labels[0] != 0 {
		t.Fatalf("one point: %v %+v", err, m)
	}
}

func TestClusterBadInput(t *testing.T) {
	for name, tc := range map[string]struct {
		X [][]float64
		k int
	}{
		"no points":   {nil, 2},
		"no features": {[][]float64{{}, {}}, 2},
		"ragged":      {[][]float64{{1, 2}, {1}}, 2},
		"NaN":         {[][]float64{{1, math.NaN()}}, 2},
		"Inf":         {[][]float64{{math.Inf(1), 1}}, 2},
		"k 0":         {[][]float64{{1}}, 0},
	} {
		if _, err := KMeans(tc.X, Options{K: tc.k}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestFillEmpty checks the empty-cluster repair: the point farthest from
// its centre, in a cluster that can spare it, moves to the empty one.
func TestClusterFillEmpty(t *testing.T) {
	labels := []int{0, 0, 0, 2}
	dist := []float64{1, 9, 4, 100} // point 3 is farthest but alone in cluster 2
	sizes := []int{3, 0, 1}
	if moved := fillEmpty(labels, dist, sizes); moved != 1 {
		t.Fatalf("moved %d", moved)
	}
	if !slices.Equal(labels, []int{0, 1, 0, 2}) || !slices.Equal(sizes, []int{2, 1, 1}) {
		t.Fatalf("labels %v sizes %v", labels, sizes)
	}
}

func TestClusterDescribe(t *testing.T) {
	// Two features: orders a month and a category share. Cluster A buys
	// often and loves Beauty; cluster B never buys; cluster C is average.
	rng := rand.New(rand.NewPCG(5, 5))
	var X [][]float64
	var truth []int
	for i := range 300 {
		var orders, beauty float64
		switch i % 3 {
		case 0:
			orders, beauty = 5+rng.Float64(), 0.7+0.1*rng.Float64()
		case 1:
			orders, beauty = 0, 0.1*rng.Float64()
		default:
			orders, beauty = 2+0.3*rng.Float64(), 0.2+0.05*rng.Float64()
		}
		X = append(X, []float64{orders, beauty})
		truth = append(truth, i%3)
	}
	m, err := KMeans(X, Options{K: 3, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if p := Purity(m.Labels, truth); p < 0.99 {
		t.Fatalf("purity %.3f", p)
	}
	features := []Feature{
		{Name: "orders", High: []Phrase{{Z: 0.5, Text: "buys often"}, {Z: 0.5, Text: "buys weekly", If: func(v float64) bool { return v >= 4 }}},
			Low: []Phrase{{Z: 0.5, Text: "rarely buys"}, {Z: 0.5, Text: "has not bought", If: func(v float64) bool { return v == 0 }}}},
		{Name: "beauty", High: []Phrase{{Z: 0.5, Text: "likes Beauty"}, {Z: 0.5, Text: "mostly Beauty", If: func(v float64) bool { return v > 0.5 }}},
			Low: []Phrase{{Text: ""}}},
	}
	// The phrases' conditions read the members' means, as a caller would
	// pass them (the centroid put back in input units carries rounding).
	values := make([][]float64, m.K)
	for c := range values {
		values[c] = make([]float64, 2)
	}
	for i, l := range m.Labels {
		for j, v := range X[i] {
			values[l][j] += v / float64(m.Sizes[l])
		}
	}
	ds, err := Describe(m, features, DescribeOptions{Values: values})
	if err != nil {
		t.Fatal(err)
	}
	texts := map[int]string{}
	for c, d := range ds {
		// The planted group most of the cluster belongs to.
		counts := [3]int{}
		for i, l := range m.Labels {
			if l == c {
				counts[truth[i]]++
			}
		}
		g := 0
		for i := range counts {
			if counts[i] > counts[g] {
				g = i
			}
		}
		texts[g] = d.Text
		t.Logf("cluster %d (planted %d): %s %+v", c, g, d.Text, d.Traits)
	}
	if !strings.Contains(texts[0], "buys weekly") || !strings.Contains(texts[0], "mostly Beauty") {
		t.Errorf("heavy Beauty buyers described as %q", texts[0])
	}
	if texts[1] != "has not bought" {
		t.Errorf("non-buyers described as %q; want only \"has not bought\" (low Beauty says nothing)", texts[1])
	}
	if strings.Contains(texts[2], "weekly") || strings.Contains(texts[2], "mostly") {
		t.Errorf("average cluster described as %q", texts[2])
	}
	if _, err := Describe(m, features[:1], DescribeOptions{}); err == nil {
		t.Error("Describe with too few features: no error")
	}
}

func TestClusterSeparation(t *testing.T) {
	// Feature 0 separates the clusters; feature 1 is noise.
	rng := rand.New(rand.NewPCG(8, 8))
	var X [][]float64
	for i := range 400 {
		X = append(X, []float64{float64(i%2)*10 + rng.NormFloat64(), rng.NormFloat64()})
	}
	m, err := KMeans(X, Options{K: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	sep := m.Separation()
	if sep[0] < 0.9 || sep[1] > 0.1 {
		t.Fatalf("separation %v; want feature 0 near 1 and feature 1 near 0", sep)
	}
}

func TestClusterAdjustedRandAndPurity(t *testing.T) {
	a := []int{0, 0, 1, 1, 2, 2}
	if got := AdjustedRand(a, []int{5, 5, 3, 3, 9, 9}); math.Abs(got-1) > 1e-12 {
		t.Errorf("relabelled: ARI %v", got)
	}
	if got := AdjustedRand(a, []int{0, 1, 2, 0, 1, 2}); got > 0 {
		t.Errorf("crossed: ARI %v, want ≤ 0", got)
	}
	if got := Purity([]int{0, 0, 0, 1}, []int{1, 1, 2, 2}); got != 0.75 {
		t.Errorf("purity %v", got)
	}
}

func TestClusterScalerRoundTrip(t *testing.T) {
	X := [][]float64{{1, 100}, {3, 300}, {5, 200}}
	s := NewScaler(X)
	for _, x := range X {
		back := s.Inverse(s.Transform(x))
		for j := range x {
			if math.Abs(back[j]-x[j]) > 1e-9 {
				t.Fatalf("%v → %v", x, back)
			}
		}
	}
}

func BenchmarkKMeans(b *testing.B) {
	X, _ := blobs(1, 8, 2500, 16, 2) // 20,000 points, 16 features
	for b.Loop() {
		if _, err := KMeans(X, Options{K: 8, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
