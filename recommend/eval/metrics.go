package eval

import (
	"context"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/shopmind/shopmind/recommend"
)

// Ks are the cut-offs of HR@K and NDCG@K.
var Ks = [3]int{5, 10, 20}

// TopK is the length of the recommendation lists behind coverage and
// popularity bias.
const TopK = 10

// Metrics are the averages over the evaluated users.
type Metrics struct {
	Users int
	HR    [3]float64 // hit rate at Ks: share of users whose target is in the top K
	NDCG  [3]float64 // at Ks: 1/log2(rank+2) for a hit at 0-based rank, 0 otherwise
	MRR   float64    // 1/(rank+1) over the full ranking
	// Coverage is the share of catalogue items that appear in at least one
	// user's top TopK.
	Coverage float64
	// PopBias is the mean popularity percentile (0 = least, 100 = most
	// popular in training) of the items of the top-TopK lists.
	PopBias float64
}

// HRAt and NDCGAt return the metric at cut-off k (one of Ks), NaN otherwise.
func (m Metrics) HRAt(k int) float64 { return at(m.HR, k) }

// NDCGAt returns NDCG@k for k in Ks, NaN otherwise.
func (m Metrics) NDCGAt(k int) float64 { return at(m.NDCG, k) }

func at(v [3]float64, k int) float64 {
	for i, kk := range Ks {
		if kk == k {
			return v[i]
		}
	}
	return math.NaN()
}

// Outcome is the result of one case.
type Outcome struct {
	Rank int32       // 0-based rank of the target among the ranked items; NumItems for a target scored -Inf or NaN
	Top  [TopK]int32 // the top-TopK items, -1 where the list is shorter
}

// Evaluator ranks cases with a fitted model.
type Evaluator struct {
	NumItems   int
	Workers    int       // goroutines; 0 means min(2, GOMAXPROCS)
	percentile []float32 // popularity percentile of each item in training
}

// NewEvaluator returns an evaluator for models fitted on train; the
// popularity percentiles come from train.
func NewEvaluator(train *recommend.Data) *Evaluator {
	n := train.NumItems()
	counts := make([]int, n)
	for _, s := range train.Seqs {
		for _, e := range s {
			counts[e.Item]++
		}
	}
	return &Evaluator{NumItems: n, percentile: percentiles(counts)}
}

// percentiles gives each item 100 × (items with a lower count + half the
// other items with the same count) / (items − 1).
func percentiles(counts []int) []float32 {
	n := len(counts)
	out := make([]float32, n)
	if n < 2 {
		return out
	}
	sorted := slices.Clone(counts)
	slices.Sort(sorted)
	for i, c := range counts {
		lo, _ := slices.BinarySearch(sorted, c)
		hi, _ := slices.BinarySearch(sorted, c+1)
		out[i] = float32(100 * (float64(lo) + float64(hi-lo-1)/2) / float64(n-1))
	}
	return out
}

func (ev *Evaluator) workers() int {
	if ev.Workers > 0 {
		return ev.Workers
	}
	return min(2, runtime.GOMAXPROCS(0))
}

// Rank scores every case with rec and returns its outcome, in case order. The
// history items are excluded from the ranking by scoring them -Inf after
// Score (the target never is). The
// result does not depend on the number of workers.
func (ev *Evaluator) Rank(ctx context.Context, rec recommend.Recommender, cases []Case) ([]Outcome, error) {
	out := make([]Outcome, len(cases))
	const chunk = 64
	var next atomic.Int64
	var wg sync.WaitGroup
	for range ev.workers() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			scores := make([]float32, ev.NumItems)
			ninf := float32(math.Inf(-1))
			heap := make([]recommend.Scored, 0, TopK)
			for {
				if ctx.Err() != nil {
					return
				}
				lo := int(next.Add(chunk)) - chunk
				if lo >= len(cases) {
					return
				}
				for k := lo; k < min(lo+chunk, len(cases)); k++ {
					c := cases[k]
					clear(scores)
					rec.Score(c.Hist, scores)
					st := scores[c.Target]
					for _, e := range c.Hist {
						scores[e.Item] = ninf
					}
					scores[c.Target] = st
					out[k].Rank = rankAndTop(scores, c.Target, &out[k].Top, heap)
				}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// rankAndTop returns the number of items ranked before target (a higher
// score, or the same score and a lower index) and writes the TopK best items
// into top in the order of recommend.TopN, -1 padded. Excluded items are
// scored -Inf: they never count and are never listed. heap is scratch space
// of capacity TopK.
func rankAndTop(scores []float32, target int32, top *[TopK]int32, heap []recommend.Scored) int32 {
	st := scores[target]
	miss := math.IsNaN(float64(st)) || math.IsInf(float64(st), -1)
	// h keeps the kept items with the worst at h[0]. Items come in index
	// order, so a later item with the worst score is worse than it.
	h := heap[:0]
	var r int32
	for j, s := range scores {
		if s > st {
			r++
		}
		if len(h) == TopK && s <= h[0].Score || s != s || math.IsInf(float64(s), -1) {
			continue
		}
		if len(h) == TopK {
			h[0] = recommend.Scored{Item: int32(j), Score: s}
			siftDown(h)
			continue
		}
		h = append(h, recommend.Scored{Item: int32(j), Score: s})
		for i := len(h) - 1; i > 0; {
			p := (i - 1) / 2
			if !worse(h[i], h[p]) {
				break
			}
			h[i], h[p] = h[p], h[i]
			i = p
		}
	}
	for _, s := range scores[:target] {
		if s == st {
			r++
		}
	}
	for i := range top {
		top[i] = -1
	}
	for n := len(h); n > 0; n-- {
		top[n-1] = h[0].Item
		h[0] = h[n-1]
		h = h[:n-1]
		siftDown(h)
	}
	if miss {
		return int32(len(scores))
	}
	return r
}

// worse orders by score ascending, then index descending: the reverse of
// the order of recommend.TopN.
func worse(a, b recommend.Scored) bool {
	if a.Score != b.Score {
		return a.Score < b.Score
	}
	return a.Item > b.Item
}

func siftDown(h []recommend.Scored) {
	for i := 0; ; {
		l, w := 2*i+1, i
		if l < len(h) && worse(h[l], h[w]) {
			w = l
		}
		if r := l + 1; r < len(h) && worse(h[r], h[w]) {
			w = r
		}
		if w == i {
			return
		}
		h[w], h[i] = h[i], h[w]
		i = w
	}
}

// Summarise averages outcomes into metrics, summing in case order.
func (ev *Evaluator) Summarise(outs []Outcome) Metrics {
	m := Metrics{Users: len(outs)}
	if len(outs) == 0 {
		return m
	}
	seen := make([]bool, ev.NumItems)
	distinct := 0
	var popSum float64
	popN := 0
	for _, o := range outs {
		r := int(o.Rank)
		if r < ev.NumItems {
			m.MRR += 1 / float64(r+1)
		}
		for i, k := range Ks {
			if r < k {
				m.HR[i]++
				m.NDCG[i] += 1 / math.Log2(float64(r+2))
			}
		}
		for _, it := range o.Top {
			if it < 0 {
				continue
			}
			if !seen[it] {
				seen[it] = true
				distinct++
			}
			popSum += float64(ev.percentile[it])
			popN++
		}
	}
	n := float64(len(outs))
	for i := range Ks {
		m.HR[i] /= n
		m.NDCG[i] /= n
	}
	m.MRR /= n
	m.Coverage = float64(distinct) / float64(max(ev.NumItems, 1))
	if popN > 0 {
		m.PopBias = popSum / float64(popN)
	}
	return m
}

// Evaluate ranks cases with rec and summarises the outcomes.
func (ev *Evaluator) Evaluate(ctx context.Context, rec recommend.Recommender, cases []Case) (Metrics, error) {
	outs, err := ev.Rank(ctx, rec, cases)
	if err != nil {
		return Metrics{}, err
	}
	return ev.Summarise(outs), nil
}
