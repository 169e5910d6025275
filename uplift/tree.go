package uplift

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
)

// TreeOptions configures NewUpliftTree. Zero values take the defaults in
// brackets.
type TreeOptions struct {
	// Criterion is the divergence between the treated and control outcome
	// distributions that splits maximise: "kl" (Kullback-Leibler) or "ed"
	// (squared Euclidean distance) ["kl"]. For non-binary outcomes both use
	// the squared difference of the arm means (KL needs distributions).
	Criterion string
	MaxDepth  int     // [4]
	MinLeaf   int     // minimum treated rows and minimum control rows in a leaf [100]
	MinGain   float64 // a split must raise the weighted divergence by more than this [0]
	Bins      int     // histogram bins per feature, ≤ 256 [32]
	// MaxFeatures, when in (0, width), is the number of features drawn at
	// random (with Seed) as split candidates at each node; forests use it.
	MaxFeatures int
	Seed        uint64
}

// upliftTree is a Rzepakowski & Jaroszewicz uplift decision tree: each split
// maximises the gain in divergence between the treated and control outcome
// distributions, sum_children n_child/n * D(child) - D(node), where D is KL or
// squared Euclidean distance. A leaf predicts mean(Y|treated) - mean(Y|control)
// of its training rows. (Their split-balance normalisation is not applied; the
// per-arm MinLeaf bound plays its part.)
type upliftTree struct {
	opt    TreeOptions
	binary bool
	nodes  []regNode
}

// NewUpliftTree returns an uplift tree (see TreeOptions).
func NewUpliftTree(opt TreeOptions) Model {
	opt = treeDefaults(opt)
	return &upliftTree{opt: opt}
}

func treeDefaults(opt TreeOptions) TreeOptions {
	if opt.Criterion == "" {
		opt.Criterion = "kl"
	}
	if opt.MaxDepth <= 0 {
		opt.MaxDepth = 4
	}
	if opt.MinLeaf <= 0 {
		opt.MinLeaf = 100
	}
	if opt.Bins <= 0 {
		opt.Bins = 32
	}
	return opt
}

func (m *upliftTree) Name() string { return "uplift-tree-" + m.opt.Criterion }

func (m *upliftTree) Fit(d Dataset) error {
	if err := d.Validate(); err != nil {
		return err
	}
	if m.opt.Criterion != "kl" && m.opt.Criterion != "ed" {
		return fmt.Errorf("uplift: tree criterion %q unknown; use kl or ed", m.opt.Criterion)
	}
	bn := newBinner(d.X, m.opt.Bins)
	codes := bn.binAll(d.X)
	rows := make([]int, len(d.X))
	for i := range rows {
		rows[i] = i
	}
	m.binary = IsBinary(d.Y)
	m.fitRows(d, bn, codes, rows)
	return nil
}

func (m *upliftTree) fitRows(d Dataset, bn *binner, codes [][]uint8, rows []int) {
	g := &upliftGrower{opt: m.opt, d: d, bn: bn, codes: codes, binary: m.binary,
		rng: rand.New(rand.NewPCG(m.opt.Seed, 0x2545f4914f6cdd1d))}
	g.grow(rows, 0)
	m.nodes = g.nodes
}

func (m *upliftTree) Uplift(x []float64) float64 {
	if len(m.nodes) == 0 {
		return 0
	}
	return regTree(m.nodes).predict(x)
}

type armStats struct{ nt, nc, st, sc float64 }

func (a armStats) add(b armStats) armStats {
	return armStats{a.nt + b.nt, a.nc + b.nc, a.st + b.st, a.sc + b.sc}
}
func (a armStats) sub(b armStats) armStats {
	return armStats{a.nt - b.nt, a.nc - b.nc, a.st - b.st, a.sc - b.sc}
}

type upliftGrower struct {
	opt    TreeOptions
	d      Dataset
	bn     *binner
	codes  [][]uint8
	binary bool
	rng    *rand.Rand
	nodes  []regNode
}

// divergence of the treated and control outcome distributions in s.
func (g *upliftGrower) divergence(s armStats) float64 {
	pt, pc := s.st/s.nt, s.sc/s.nc
	if !g.binary {
		return (pt - pc) * (pt - pc)
	}
	if g.opt.Criterion == "ed" {
		return 2 * (pt - pc) * (pt - pc)
	}
	const eps = 1e-6
	pt = math.Min(math.Max(pt, eps), 1-eps)
	pc = math.Min(math.Max(pc, eps), 1-eps)
	return pt*math.Log(pt/pc) + (1-pt)*math.Log((1-pt)/(1-pc))
}

func (g *upliftGrower) grow(rows []int, depth int) int32 {
	var s armStats
	for _, i := range rows {
		if g.d.Treated[i] {
			s.nt++
			s.st += g.d.Y[i]
		} else {
			s.nc++
			s.sc += g.d.Y[i]
		}
	}
	me := int32(len(g.nodes))
	val := 0.0
	if s.nt > 0 && s.nc > 0 {
		val = s.st/s.nt - s.sc/s.nc
	}
	g.nodes = append(g.nodes, regNode{feature: -1, value: val})
	minLeaf := float64(g.opt.MinLeaf)
	if depth >= g.opt.MaxDepth || s.nt < 2*minLeaf || s.nc < 2*minLeaf {
		return me
	}
	parent := g.divergence(s)
	n := s.nt + s.nc
	feats := g.candidates()
	bestGain, bestF, bestBin := g.opt.MinGain, -1, 0
	var hist [256]armStats
	for _, f := range feats {
		nb := g.bn.nbins(f)
		if nb < 2 {
			continue
		}
		for k := 0; k < nb; k++ {
			hist[k] = armStats{}
		}
		c := g.codes[f]
		for _, i := range rows {
			h := &hist[c[i]]
			if g.d.Treated[i] {
				h.nt++
				h.st += g.d.Y[i]
			} else {
				h.nc++
				h.sc += g.d.Y[i]
			}
		}
		var left armStats
		for k := 0; k+1 < nb; k++ {
			left = left.add(hist[k])
			right := s.sub(left)
			if left.nt < minLeaf || left.nc < minLeaf || right.nt < minLeaf || right.nc < minLeaf {
				continue
			}
			nl, nr := left.nt+left.nc, right.nt+right.nc
			gain := nl/n*g.divergence(left) + nr/n*g.divergence(right) - parent
			if gain > bestGain {
				bestGain, bestF, bestBin = gain, f, k
			}
		}
	}
	if bestF < 0 {
		return me
	}
	c := g.codes[bestF]
	lo, hi := 0, len(rows)
	for lo < hi {
		if int(c[rows[lo]]) <= bestBin {
			lo++
		} else {
			hi--
			rows[lo], rows[hi] = rows[hi], rows[lo]
		}
	}
	g.nodes[me].feature = bestF
	g.nodes[me].threshold = g.bn.cuts[bestF][bestBin]
	l := g.grow(rows[:lo], depth+1)
	r := g.grow(rows[lo:], depth+1)
	g.nodes[me].left, g.nodes[me].right = l, r
	return me
}

func (g *upliftGrower) candidates() []int {
	d := len(g.codes)
	k := g.opt.MaxFeatures
	if k <= 0 || k >= d {
		all := make([]int, d)
		for i := range all {
			all[i] = i
		}
		return all
	}
	return g.rng.Perm(d)[:k]
}

// ForestOptions configures NewUpliftForest.
type ForestOptions struct {
	Trees int         // [50]
	Tree  TreeOptions // per-tree options; Tree.MaxFeatures 0 means ceil(width/3)
	// SampleFraction is the bootstrap sample size as a fraction of the rows,
	// drawn with replacement [1].
	SampleFraction float64
	Seed           uint64
	Workers        int // goroutines fitting trees [GOMAXPROCS]; results do not depend on it
}

// upliftForest bags uplift trees over bootstrap samples with random feature
// subsets at every node and averages their predictions.
type upliftForest struct {
	opt   ForestOptions
	trees []*upliftTree
}

// NewUpliftForest returns a random forest of uplift trees (see ForestOptions).
func NewUpliftForest(opt ForestOptions) Model {
	if opt.Trees <= 0 {
		opt.Trees = 50
	}
	if opt.SampleFraction <= 0 {
		opt.SampleFraction = 1
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	opt.Tree = treeDefaults(opt.Tree)
	return &upliftForest{opt: opt}
}

func (m *upliftForest) Name() string { return "uplift-forest-" + m.opt.Tree.Criterion }

func (m *upliftForest) Fit(d Dataset) error {
	if err := d.Validate(); err != nil {
		return err
	}
	if c := m.opt.Tree.Criterion; c != "kl" && c != "ed" {
		return fmt.Errorf("uplift: tree criterion %q unknown; use kl or ed", c)
	}
	bn := newBinner(d.X, m.opt.Tree.Bins)
	codes := bn.binAll(d.X)
	binary := IsBinary(d.Y)
	width := len(d.X[0])
	topt := m.opt.Tree
	if topt.MaxFeatures <= 0 {
		topt.MaxFeatures = (width + 2) / 3
	}
	n := len(d.X)
	size := int(math.Ceil(m.opt.SampleFraction * float64(n)))
	m.trees = make([]*upliftTree, m.opt.Trees)
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < m.opt.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range next {
				o := topt
				o.Seed = m.opt.Seed*1000003 + uint64(t)
				rng := rand.New(rand.NewPCG(o.Seed, 0xda942042e4dd58b5))
				rows := make([]int, size)
				for i := range rows {
					rows[i] = rng.IntN(n)
				}
				tr := &upliftTree{opt: o, binary: binary}
				tr.fitRows(d, bn, codes, rows)
				m.trees[t] = tr
			}
		}()
	}
	for t := 0; t < m.opt.Trees; t++ {
		next <- t
	}
	close(next)
	wg.Wait()
	return nil
}

func (m *upliftForest) Uplift(x []float64) float64 {
	if len(m.trees) == 0 {
		return 0
	}
	var s float64
	for _, t := range m.trees {
		s += t.Uplift(x)
	}
	return s / float64(len(m.trees))
}
