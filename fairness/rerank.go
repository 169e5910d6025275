package fairness

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sync"
)

// Caps bound shares of total exposure, each in (0, 1]; 0 turns a cap off.
type Caps struct {
	MaxItemShare  float64
	MaxBrandShare float64
}

// On reports whether any cap is set.
func (c Caps) On() bool { return c.MaxItemShare > 0 || c.MaxBrandShare > 0 }

// Check reports a cap outside [0, 1].
func (c Caps) Check() error {
	if c.MaxItemShare < 0 || c.MaxItemShare > 1 {
		return fmt.Errorf("max_item_share %g: give a share from 0 (off) to 1", c.MaxItemShare)
	}
	if c.MaxBrandShare < 0 || c.MaxBrandShare > 1 {
		return fmt.Errorf("max_brand_share %g: give a share from 0 (off) to 1", c.MaxBrandShare)
	}
	return nil
}

// Candidate is an item that may fill a slot, best first in its list.
type Candidate struct {
	ID    string
	Brand string
	Score float64
}

// Rerank fills n slots for each user from their candidates (each list
// ordered best first) so that no item and no brand takes more than its
// cap of all the slots filled, where the candidates allow. Slots are filled
// rank by rank across users (every user's first slot, then every second
// slot …), each with the user's best remaining candidate whose item and
// brand are under their caps; when none is, the best remaining candidate
// is taken, so lists are never shorter than without caps. It returns the
// chosen ids per user and how many slots had to break a cap.
func Rerank(lists [][]Candidate, n int, caps Caps) (out [][]string, breaches int) {
	total := 0
	for _, l := range lists {
		total += min(n, len(l))
	}
	itemCap, brandCap := math.Inf(1), math.Inf(1)
	if caps.MaxItemShare > 0 {
		itemCap = caps.MaxItemShare * float64(total)
	}
	if caps.MaxBrandShare > 0 {
		brandCap = caps.MaxBrandShare * float64(total)
	}
	items, brands := map[string]float64{}, map[string]float64{}
	used := make([][]bool, len(lists))
	out = make([][]string, len(lists))
	for u, l := range lists {
		used[u] = make([]bool, len(l))
		out[u] = make([]string, 0, min(n, len(l)))
	}
	for rank := range n {
		for u, l := range lists {
			if rank >= len(l) {
				continue
			}
			pick, first := -1, -1
			for k, c := range l {
				if used[u][k] {
					continue
				}
				if first < 0 {
					first = k
				}
				if items[c.ID]+1 <= itemCap && (c.Brand == "" || brands[c.Brand]+1 <= brandCap) {
					pick = k
					break
				}
			}
			if pick < 0 {
				pick = first
				breaches++
			}
			c := l[pick]
			used[u][pick] = true
			items[c.ID]++
			if c.Brand != "" {
				brands[c.Brand]++
			}
			out[u] = append(out[u], c.ID)
		}
	}
	return out, breaches
}

// Online caps exposure shares on a serving node. It keeps exponentially
// decayed exposure counts per item and brand over the slots it has
// recorded (half-life in slots), and Rerank moves candidates whose item or
// brand is over its cap below the others. Its answer is a deterministic
// function of the counts and the candidates. Counts are per Online value:
// on several nodes each node caps its own traffic's shares, and since every
// node's share is under the cap, so is the cluster's. Safe for concurrent
// use.
type Online struct {
	caps   Caps
	decay  float64 // per recorded slot
	taper  float64 // see Taper
	warmup float64 // decayed total below which nothing is demoted
	mu     sync.Mutex
	scale  float64 // weight of the next slot; grows instead of decaying counts
	total  float64
	items  map[string]float64
	brands map[string]float64
}

// Taper tightens the online caps for lower places of an answer: the
// candidate at place k (0-based) of n is held to (1 − Taper·k/(n−1)) times
// the cap.
var Taper = 0.5

// DefaultHalfLife is the half-life of the online counts in slots.
const DefaultHalfLife = 20000

// NewOnline returns an online capper; halfLife ≤ 0 takes DefaultHalfLife.
// Nothing is demoted until the decayed slot count reaches
// max(200, 20/min cap) (or half the count the decay tends to, if less),
// so early shares, taken over few slots, do not
// decide.
func NewOnline(caps Caps, halfLife float64) *Online {
	if halfLife <= 0 {
		halfLife = DefaultHalfLife
	}
	low := 1.0
	for _, c := range []float64{caps.MaxItemShare, caps.MaxBrandShare} {
		if c > 0 {
			low = min(low, c)
		}
	}
	decay := math.Exp2(-1 / halfLife)
	// The decayed total tends to 1/(1−decay); warm-up must be reachable.
	warm := min(max(200, 20/low), 0.5/(1-decay))
	return &Online{caps: caps, taper: Taper, decay: decay, warmup: warm, scale: 1,
		items: map[string]float64{}, brands: map[string]float64{}}
}

// Caps returns the caps in force.
func (o *Online) Caps() Caps { return o.caps }

// Share returns an item's and a brand's current shares of exposure.
func (o *Online) Share(item, brand string) (itemShare, brandShare float64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.total == 0 {
		return 0, 0
	}
	return o.items[item] / o.total, o.brands[brand] / o.total
}

// Rerank orders cands as Order does and records the first n as served.
func (o *Online) Rerank(cands []Candidate, n int) []Candidate {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := o.order(cands, n)
	for _, c := range out[:min(n, len(out))] {
		o.record(c)
	}
	return out
}

// Order returns the order of cands (best first) to serve n of them:
// candidates whose item or brand would exceed its cap, counting what is
// already placed above them in this answer, go below the rest, keeping
// their order. It records nothing: call Record with what was served.
func (o *Online) Order(cands []Candidate, n int) []Candidate {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.order(cands, n)
}

// Record counts served candidates, one slot each.
func (o *Online) Record(served ...Candidate) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, c := range served {
		o.record(c)
	}
}

func (o *Online) order(cands []Candidate, n int) []Candidate {
	out := make([]Candidate, 0, len(cands))
	if o.total/o.scale < o.warmup {
		return append(out, cands...)
	}
	// Shares as they would be after this answer's n slots.
	denom := o.total + float64(n)*o.scale
	pending := map[string]float64{}
	// late holds the places of candidates over their cap (or beyond n),
	// excess how far over, as a ratio of share to cap.
	var late []int
	excess := make([]float64, len(cands))
	for k, c := range cands {
		// Lower places meet a tighter cap (down to (1−Taper)·cap at the
		// n-th place and below), keeping an item's room under its cap for
		// the answers that rank it highest.
		f := 1 - o.taper*min(1, float64(k)/float64(max(1, n-1)))
		x := 0.0
		if o.caps.MaxItemShare > 0 {
			x = (o.items[c.ID] + o.scale) / denom / (f * o.caps.MaxItemShare)
		}
		if o.caps.MaxBrandShare > 0 && c.Brand != "" {
			x = max(x, (o.brands[c.Brand]+pending[c.Brand]+o.scale)/denom/(f*o.caps.MaxBrandShare))
		}
		excess[k] = x
		if x > 1 || len(out) >= n {
			late = append(late, k)
			continue
		}
		pending[c.Brand] += o.scale
		out = append(out, c)
	}
	// What is left fills the answer least over its cap first.
	slices.SortStableFunc(late, func(a, b int) int { return cmp.Compare(excess[a], excess[b]) })
	for _, k := range late {
		out = append(out, cands[k])
	}
	return out
}

// record adds one served slot; the caller holds mu.
func (o *Online) record(c Candidate) {
	o.items[c.ID] += o.scale
	if c.Brand != "" {
		o.brands[c.Brand] += o.scale
	}
	o.total += o.scale
	o.scale /= o.decay
	if o.scale > 1e100 {
		// Renormalise before the weights overflow; shares are unchanged.
		f := 1 / o.scale
		for k, v := range o.items {
			if v *= f; v < 1e-12 {
				delete(o.items, k)
			} else {
				o.items[k] = v
			}
		}
		for k, v := range o.brands {
			if v *= f; v < 1e-12 {
				delete(o.brands, k)
			} else {
				o.brands[k] = v
			}
		}
		o.total *= f
		o.scale = 1
	}
}
