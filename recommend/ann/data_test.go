package ann

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/shopmind/shopmind/recommend"
)

// Synthetic vectors for tests and benchmarks.

// gaussian draws n standard normal vectors: the hardest case for any ANN
// index, with intrinsic dimension equal to dim.
func gaussian(n, dim int, seed uint64) [][]float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([][]float32, n)
	flat := make([]float32, n*dim)
	for i := range out {
		v := flat[i*dim : (i+1)*dim : (i+1)*dim]
		for j := range v {
			v[j] = float32(r.NormFloat64())
		}
		out[i] = v
	}
	return out
}

// mixture draws n vectors from a mixture of k Gaussians: centres standard
// normal, members spread by sigma around their centre — the shape of real
// item embeddings, which cluster by category and style.
type mixture struct {
	centres [][]float32
	sigma   float64
}

func newMixture(k, dim int, sigma float64, seed uint64) *mixture {
	return &mixture{centres: gaussian(k, dim, seed^0xc0ffee), sigma: sigma}
}

func (m *mixture) draw(n int, seed uint64) [][]float32 {
	r := rand.New(rand.NewPCG(seed, 2))
	dim := len(m.centres[0])
	out := make([][]float32, n)
	flat := make([]float32, n*dim)
	for i := range out {
		c := m.centres[r.IntN(len(m.centres))]
		v := flat[i*dim : (i+1)*dim : (i+1)*dim]
		for j := range v {
			v[j] = c[j] + float32(m.sigma*r.NormFloat64())
		}
		out[i] = v
	}
	return out
}

// alsItems are ALS-style item factors: clustered directions with log-normal
// norms (popular items get long vectors), the case inner-product search is for.
func alsItems(m *mixture, n int, seed uint64) [][]float32 {
	out := m.draw(n, seed)
	r := rand.New(rand.NewPCG(seed, 3))
	for _, v := range out {
		s := float32(math.Exp(0.5 * r.NormFloat64()))
		for j := range v {
			v[j] *= s
		}
	}
	return out
}

// groundTruth is the exact top k of every query.
func groundTruth(ex *Exact, queries [][]float32, k int) [][]recommend.Scored {
	out := make([][]recommend.Scored, len(queries))
	for i, q := range queries {
		out[i] = ex.Search(q, k, nil)
	}
	return out
}

// recallAt is the share of the true top k found, counting as found any
// returned item that scores at least the true k-th score (ties are
// interchangeable).
func recallAt(truth, got [][]recommend.Scored) float64 {
	hit, all := 0, 0
	for i := range truth {
		tr := truth[i]
		all += len(tr)
		if len(tr) == 0 {
			continue
		}
		kth := tr[len(tr)-1].Score
		in := make(map[int32]bool, len(tr))
		for _, s := range tr {
			in[s.Item] = true
		}
		n := 0
		for _, g := range got[i] {
			if in[g.Item] || g.Score >= kth {
				n++
			}
		}
		hit += min(n, len(tr))
	}
	if all == 0 {
		return 1
	}
	return float64(hit) / float64(all)
}

func TestRecallHelper(t *testing.T) {
	truth := [][]recommend.Scored{{{Item: 1, Score: 3}, {Item: 2, Score: 2}}}
	got := [][]recommend.Scored{{{Item: 1, Score: 3}, {Item: 9, Score: 1}}}
	if r := recallAt(truth, got); r != 0.5 {
		t.Fatalf("recall %v", r)
	}
}
