// Package cluster groups points by k-means and says in words what sets each
// group apart. It is pure: no I/O, no clock, no globals; the same input and
// seed give the same answer on every machine and at any GOMAXPROCS.
//
//   - KMeans standardises the features (z-scores over the input), seeds
//     centres by k-means++ and runs Lloyd iterations, several times from
//     different seeds, keeping the run with the lowest inertia. The model
//     keeps the means and standard deviations so new points can be placed
//     with Assign.
//   - Describe explains each cluster by its largest standardised centroid
//     deviations, turned into phrases from a small table per feature and
//     direction ("buys weekly", "high spend", "mostly Beauty").
//   - Silhouette, AdjustedRand and Purity measure a clustering.
//
// Package audience turns customer profiles into feature vectors for it.
package cluster

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
)

// Options says how to cluster. Zero fields take the defaults.
type Options struct {
	K        int     // clusters wanted (≥ 1); fewer are found when there are fewer distinct points
	Seed     uint64  // same seed, same answer
	Restarts int     // k-means++ starts, keeping the lowest inertia; default 10
	MaxIter  int     // Lloyd iterations per start; default 300
	Tol      float64 // stop when an iteration lowers inertia by less than this fraction; default 1e-7
}

func (o Options) withDefaults() Options {
	if o.Restarts <= 0 {
		o.Restarts = 10
	}
	if o.MaxIter <= 0 {
		o.MaxIter = 300
	}
	if o.Tol <= 0 {
		o.Tol = 1e-7
	}
	return o
}

// Scaler standardises points: z = (x - Mean) / Std per feature. A feature
// that does not vary has Std 1, so its z-score is 0 everywhere.
type Scaler struct {
	Mean []float64 `json:"mean"`
	Std  []float64 `json:"std"`
}

// NewScaler computes the population mean and standard deviation of each
// feature of X (rows are points, all of the same length).
func NewScaler(X [][]float64) Scaler {
	if len(X) == 0 {
		return Scaler{}
	}
	d := len(X[0])
	s := Scaler{Mean: make([]float64, d), Std: make([]float64, d)}
	n := float64(len(X))
	for _, x := range X {
		for j, v := range x {
			s.Mean[j] += v
		}
	}
	for j := range s.Mean {
		s.Mean[j] /= n
	}
	for _, x := range X {
		for j, v := range x {
			dv := v - s.Mean[j]
			s.Std[j] += dv * dv
		}
	}
	for j := range s.Std {
		s.Std[j] = math.Sqrt(s.Std[j] / n)
		if !(s.Std[j] > 1e-12*math.Max(1, math.Abs(s.Mean[j]))) {
			s.Std[j] = 1
		}
	}
	return s
}

// Transform returns x standardised (a new slice).
func (s Scaler) Transform(x []float64) []float64 {
	z := make([]float64, len(x))
	for j, v := range x {
		z[j] = (v - s.Mean[j]) / s.Std[j]
	}
	return z
}

// Inverse returns a standardised point in the input units (a new slice).
func (s Scaler) Inverse(z []float64) []float64 {
	x := make([]float64, len(z))
	for j, v := range z {
		x[j] = s.Mean[j] + v*s.Std[j]
	}
	return x
}

// Model is a fitted clustering.
type Model struct {
	Scaler                // how inputs were standardised; Assign applies it to new points
	K         int         // clusters found: min(Options.K, distinct points)
	Centroids [][]float64 // K centres in standardised units: each is the cluster's deviation from the population in standard deviations
	Labels    []int       // cluster of each input point, 0..K-1
	Sizes     []int       // points per cluster; none is empty
	Inertia   float64     // sum of squared standardised distances to the assigned centres
	Iter      int         // Lloyd iterations of the kept start
	Restart   int         // index of the kept start
}

// KMeans clusters the rows of X into up to opt.K groups. Rows must all have
// the same, non-zero length and hold finite values; X is not modified.
//
// Features are standardised first, so each counts the same whatever its
// unit; transform skewed features (log1p of money, say) before calling.
// Centres are seeded by k-means++ from a generator seeded with opt.Seed and
// the start's index, then refined by Lloyd iterations until no point moves
// or inertia improves by less than opt.Tol. A cluster left empty is given
// the point farthest from its centre (taken from a cluster of two or more).
// Of opt.Restarts starts the lowest inertia wins (ties: the earliest).
// Starts run in parallel; the result does not depend on how many run at
// once.
//
// When X has fewer distinct points than opt.K, Model.K is that number.
func KMeans(X [][]float64, opt Options) (*Model, error) {
	opt = opt.withDefaults()
	if opt.K < 1 {
		return nil, fmt.Errorf("cluster: k is %d; want at least 1", opt.K)
	}
	if len(X) == 0 {
		return nil, errors.New("cluster: no points")
	}
	d := len(X[0])
	if d == 0 {
		return nil, errors.New("cluster: points have no features")
	}
	for i, x := range X {
		if len(x) != d {
			return nil, fmt.Errorf("cluster: point %d has %d features; point 0 has %d", i, len(x), d)
		}
		for j, v := range x {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("cluster: point %d feature %d is %v; want a finite number", i, j, v)
			}
		}
	}
	sc := NewScaler(X)
	n := len(X)
	z := make([]float64, n*d) // flat, row-major
	for i, x := range X {
		for j, v := range x {
			z[i*d+j] = (v - sc.Mean[j]) / sc.Std[j]
		}
	}

	runs := make([]*run, opt.Restarts)
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))
	for r := range runs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			rng := rand.New(rand.NewPCG(opt.Seed, uint64(r)+0x9e3779b97f4a7c15))
			runs[r] = lloyd(z, n, d, opt, rng)
		}()
	}
	wg.Wait()
	best := 0
	for r := 1; r < len(runs); r++ {
		if runs[r].inertia < runs[best].inertia {
			best = r
		}
	}
	b := runs[best]
	m := &Model{Scaler: sc, K: b.k, Labels: b.labels, Sizes: make([]int, b.k), Inertia: b.inertia, Iter: b.iter, Restart: best}
	for _, l := range b.labels {
		m.Sizes[l]++
	}
	m.Centroids = make([][]float64, b.k)
	for c := range b.k {
		m.Centroids[c] = b.centres[c*d : (c+1)*d : (c+1)*d]
	}
	return m, nil
}

type run struct {
	k       int
	centres []float64 // k*d
	labels  []int
	inertia float64
	iter    int
}

func sqDist(a, b []float64) float64 {
	b = b[:len(a)]
	s := 0.0
	for j, v := range a {
		t := v - b[j]
		s += t * t
	}
	return s
}

// nearest returns the centre nearest to x (the lowest index on ties) and its
// squared distance, abandoning a centre once its partial sum is no better.
func nearest(x, centres []float64, k int) (int, float64) {
	d := len(x)
	best, bd := 0, math.Inf(1)
	for c := range k {
		cen := centres[c*d : (c+1)*d : (c+1)*d]
		s := 0.0
		for j, v := range x {
			t := v - cen[j]
			s += t * t
			if s >= bd {
				break
			}
		}
		if s < bd {
			best, bd = c, s
		}
	}
	return best, bd
}

// seedPlusPlus picks up to k centres by k-means++: the first uniformly, each
// next with probability proportional to its squared distance to the nearest
// centre so far. It stops early when every point sits on a centre.
func seedPlusPlus(z []float64, n, d, k int, rng *rand.Rand) []float64 {
	centres := make([]float64, 0, k*d)
	first := rng.IntN(n)
	centres = append(centres, z[first*d:(first+1)*d]...)
	dist := make([]float64, n)
	for i := range n {
		dist[i] = sqDist(z[i*d:(i+1)*d], centres[:d])
	}
	for len(centres) < k*d {
		total := 0.0
		for _, v := range dist {
			total += v
		}
		if !(total > 0) {
			break // every point coincides with a centre
		}
		target := rng.Float64() * total
		pick := -1
		acc := 0.0
		for i, v := range dist {
			if v == 0 {
				continue
			}
			acc += v
			pick = i
			if acc > target {
				break
			}
		}
		c := z[pick*d : (pick+1)*d]
		centres = append(centres, c...)
		for i := range n {
			if v := sqDist(z[i*d:(i+1)*d], c); v < dist[i] {
				dist[i] = v
			}
		}
	}
	return centres
}

func lloyd(z []float64, n, d int, opt Options, rng *rand.Rand) *run {
	centres := seedPlusPlus(z, n, d, opt.K, rng)
	k := len(centres) / d
	labels := make([]int, n)
	for i := range labels {
		labels[i] = -1
	}
	dist := make([]float64, n)
	sizes := make([]int, k)
	sums := make([]float64, k*d)
	prev := math.Inf(1)
	r := &run{k: k, centres: centres, labels: labels}
	for it := 1; it <= opt.MaxIter; it++ {
		r.iter = it
		moved := 0
		for i := range n {
			best, bd := nearest(z[i*d:(i+1)*d], centres, k)
			if labels[i] != best {
				labels[i] = best
				moved++
			}
			dist[i] = bd
		}
		clear(sizes)
		for _, l := range labels {
			sizes[l]++
		}
		moved += fillEmpty(labels, dist, sizes)
		clear(sums)
		for i, l := range labels {
			s := sums[l*d : (l+1)*d]
			for j, v := range z[i*d : (i+1)*d] {
				s[j] += v
			}
		}
		for c := range k {
			for j := range d {
				centres[c*d+j] = sums[c*d+j] / float64(sizes[c])
			}
		}
		inertia := 0.0
		for i, l := range labels {
			inertia += sqDist(z[i*d:(i+1)*d], centres[l*d:(l+1)*d])
		}
		r.inertia = inertia
		if moved == 0 || (!math.IsInf(prev, 1) && prev-inertia <= opt.Tol*prev) {
			break
		}
		prev = inertia
	}
	return r
}

// fillEmpty gives each empty cluster the point farthest from its own centre
// among clusters with at least two points, and returns how many moved.
func fillEmpty(labels []int, dist []float64, sizes []int) int {
	moved := 0
	for c, s := range sizes {
		if s > 0 {
			continue
		}
		far, fd := -1, -1.0
		for i, l := range labels {
			if sizes[l] > 1 && dist[i] > fd {
				far, fd = i, dist[i]
			}
		}
		if far < 0 {
			return moved // cannot happen while k ≤ distinct points ≤ n
		}
		sizes[labels[far]]--
		labels[far] = c
		sizes[c] = 1
		dist[far] = 0
		moved++
	}
	return moved
}

// Assign returns the cluster of a new point given in input units (the
// nearest centre after standardising it with the model's Scaler).
func (m *Model) Assign(x []float64) int {
	z := m.Transform(x)
	best, bd := 0, math.Inf(1)
	for c, cen := range m.Centroids {
		if v := sqDist(z, cen); v < bd {
			best, bd = c, v
		}
	}
	return best
}

// Separation is, per feature, the share of its variance that the clustering
// explains (between-cluster over total sum of squares, 0..1): the features
// that tell the clusters apart best score highest.
func (m *Model) Separation() []float64 {
	d := len(m.Mean)
	out := make([]float64, d)
	n := 0
	for _, s := range m.Sizes {
		n += s
	}
	if n == 0 {
		return out
	}
	for c, cen := range m.Centroids {
		for j, v := range cen {
			out[j] += float64(m.Sizes[c]) * v * v
		}
	}
	for j := range out {
		// Standardised features have total sum of squares n, unless the
		// feature is constant (then every centre is 0 too).
		out[j] = math.Min(1, out[j]/float64(n))
	}
	return out
}
