package uplift

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// GBTOptions configures NewGBT. Zero values take the defaults in brackets.
type GBTOptions struct {
	Trees     int     // boosting rounds [100]
	Depth     int     // maximum depth of each tree [3]
	Shrinkage float64 // learning rate [0.1]
	Subsample float64 // fraction of rows sampled (without replacement) per tree, in (0,1] [1]
	MinLeaf   float64 // minimum total hessian (≈ rows for squared error) per leaf [20]
	L2        float64 // ridge penalty on leaf values [1]
	Bins      int     // histogram bins per feature, ≤ 256 [64]
	Seed      uint64  // seed for row subsampling
	// Loss is "logloss", "squared", or "" to choose logloss when every target
	// is 0/1 and squared error otherwise.
	Loss string
}

// gbt is gradient boosting of depth-limited regression trees with Newton
// leaf values (second-order boosting), histogram split search, and optional
// row subsampling.
type gbt struct {
	opt     GBTOptions
	logloss bool
	base    float64
	trees   []regTree
}

type regNode struct {
	feature     int     // -1 for a leaf
	threshold   float64 // go left when x[feature] <= threshold
	left, right int32
	value       float64
}

type regTree []regNode

func (t regTree) predict(x []float64) float64 {
	i := 0
	for t[i].feature >= 0 {
		if x[t[i].feature] <= t[i].threshold {
			i = int(t[i].left)
		} else {
			i = int(t[i].right)
		}
	}
	return t[i].value
}

// NewGBT returns gradient-boosted trees: logistic loss for 0/1 targets
// (Predict returns a probability), squared error otherwise.
func NewGBT(opt GBTOptions) Learner {
	if opt.Trees <= 0 {
		opt.Trees = 100
	}
	if opt.Depth <= 0 {
		opt.Depth = 3
	}
	if opt.Shrinkage <= 0 {
		opt.Shrinkage = 0.1
	}
	if opt.Subsample <= 0 || opt.Subsample > 1 {
		opt.Subsample = 1
	}
	if opt.MinLeaf <= 0 {
		opt.MinLeaf = 20
	}
	if opt.L2 < 0 {
		opt.L2 = 0
	} else if opt.L2 == 0 {
		opt.L2 = 1
	}
	if opt.Bins <= 0 {
		opt.Bins = 64
	}
	return &gbt{opt: opt}
}

func (m *gbt) Fit(X [][]float64, y, w []float64) error {
	if err := checkXY(X, y, w); err != nil {
		return err
	}
	switch m.opt.Loss {
	case "":
		m.logloss = IsBinary(y)
	case "logloss":
		if !IsBinary(y) {
			return fmt.Errorf("uplift: gbt: logloss needs 0/1 targets")
		}
		m.logloss = true
	case "squared":
		m.logloss = false
	default:
		return fmt.Errorf("uplift: gbt: unknown loss %q; use logloss, squared or empty", m.opt.Loss)
	}
	n := len(X)
	var sw, swy float64
	for i := range y {
		wi := weight(w, i)
		sw += wi
		swy += wi * y[i]
	}
	if sw <= 0 {
		return fmt.Errorf("uplift: gbt: weights sum to zero")
	}
	mean := swy / sw
	if m.logloss {
		mean = math.Min(math.Max(mean, 1e-6), 1-1e-6)
		m.base = math.Log(mean / (1 - mean))
	} else {
		m.base = mean
	}
	bn := newBinner(X, m.opt.Bins)
	codes := bn.binAll(X)
	f := make([]float64, n)
	for i := range f {
		f[i] = m.base
	}
	g, h := make([]float64, n), make([]float64, n)
	rng := rand.New(rand.NewPCG(m.opt.Seed, 0x9e3779b97f4a7c15))
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	m.trees = m.trees[:0]
	gb := &treeBuilder{bn: bn, codes: codes, depth: m.opt.Depth, minLeaf: m.opt.MinLeaf, l2: m.opt.L2}
	for t := 0; t < m.opt.Trees; t++ {
		for i := range f {
			wi := weight(w, i)
			if m.logloss {
				p := sigmoid(f[i])
				g[i], h[i] = wi*(p-y[i]), wi*math.Max(p*(1-p), 1e-12)
			} else {
				g[i], h[i] = wi*(f[i]-y[i]), wi
			}
		}
		rows := all
		if m.opt.Subsample < 1 {
			k := int(math.Ceil(m.opt.Subsample * float64(n)))
			perm := rng.Perm(n)[:k]
			rows = perm
		}
		tree := gb.build(rows, g, h)
		for i := range tree {
			tree[i].value *= m.opt.Shrinkage
		}
		for i, x := range X {
			f[i] += tree.predict(x)
		}
		m.trees = append(m.trees, tree)
	}
	return nil
}

func (m *gbt) Predict(x []float64) float64 {
	s := m.base
	for _, t := range m.trees {
		s += t.predict(x)
	}
	if m.logloss {
		return sigmoid(s)
	}
	return s
}

// treeBuilder grows one second-order regression tree on histograms.
type treeBuilder struct {
	bn      *binner
	codes   [][]uint8
	depth   int
	minLeaf float64
	l2      float64
}

func (b *treeBuilder) build(rows []int, g, h []float64) regTree {
	var tree regTree
	idx := append([]int(nil), rows...)
	b.grow(&tree, idx, g, h, 0)
	return tree
}

func (b *treeBuilder) grow(tree *regTree, rows []int, g, h []float64, depth int) int32 {
	var G, H float64
	for _, i := range rows {
		G += g[i]
		H += h[i]
	}
	me := int32(len(*tree))
	*tree = append(*tree, regNode{feature: -1, value: -G / (H + b.l2)})
	if depth >= b.depth || H < 2*b.minLeaf {
		return me
	}
	parent := G * G / (H + b.l2)
	bestGain, bestF, bestBin := 1e-12, -1, 0
	var hg, hh [256]float64
	for f := range b.codes {
		nb := b.bn.nbins(f)
		if nb < 2 {
			continue
		}
		for k := 0; k < nb; k++ {
			hg[k], hh[k] = 0, 0
		}
		c := b.codes[f]
		for _, i := range rows {
			hg[c[i]] += g[i]
			hh[c[i]] += h[i]
		}
		var GL, HL float64
		for k := 0; k+1 < nb; k++ {
			GL += hg[k]
			HL += hh[k]
			HR := H - HL
			if HL < b.minLeaf || HR < b.minLeaf {
				continue
			}
			GR := G - GL
			gain := GL*GL/(HL+b.l2) + GR*GR/(HR+b.l2) - parent
			if gain > bestGain {
				bestGain, bestF, bestBin = gain, f, k
			}
		}
	}
	if bestF < 0 {
		return me
	}
	c := b.codes[bestF]
	lo, hi := 0, len(rows)
	for lo < hi { // partition rows in place: left (bin <= bestBin) first
		if int(c[rows[lo]]) <= bestBin {
			lo++
		} else {
			hi--
			rows[lo], rows[hi] = rows[hi], rows[lo]
		}
	}
	(*tree)[me].feature = bestF
	(*tree)[me].threshold = b.bn.cuts[bestF][bestBin]
	l := b.grow(tree, rows[:lo], g, h, depth+1)
	r := b.grow(tree, rows[lo:], g, h, depth+1)
	(*tree)[me].left, (*tree)[me].right = l, r
	return me
}
