package ads

import (
	"cmp"
	"math/rand/v2"
	"slices"
)

// Bid is one campaign's entry in an auction.
//
// Value is its expected value per impression in currency units, the bid
// times the price factor: CPC bid·pCTR, CPM bid/1000, CPA bid·pCTR·pCVR.
// Factor is that factor, which turns a value per impression back into the
// bid's own unit (per click, per thousand impressions, per conversion).
type Bid struct {
	Value  float64
	Factor float64
	Bid    float64
	Tie    float64 // breaks ties between equal values (random in the engine)
}

// Win is one slot's winner: the index of its Bid and its price in the
// bid's own unit (currency per click, per thousand impressions or per
// conversion).
type Win struct {
	Index int
	Price float64
}

// Auction runs a generalised second-price auction: bids whose value
// reaches reserve (a value per impression) are ranked by value, the first
// slots win, and the winner of each slot pays the least that would have
// kept its rank: the next bid's value (or the reserve, whichever is
// higher) divided by its own price factor, never more than its bid.
// order is scratch space (may be nil); the result is appended to out.
func Auction(bids []Bid, slots int, reserve float64, order []int, out []Win) []Win {
	order = order[:0]
	for i := range bids {
		if bids[i].Value >= reserve && bids[i].Value > 0 && bids[i].Factor > 0 {
			order = append(order, i)
		}
	}
	slices.SortFunc(order, func(a, b int) int {
		if c := cmp.Compare(bids[b].Value, bids[a].Value); c != 0 {
			return c
		}
		return cmp.Compare(bids[b].Tie, bids[a].Tie)
	})
	return price(bids, order, slots, reserve, out)
}

// RandomAllocation is the baseline that ignores value in allocation but
// not in pricing: the slots cost what they cost in Auction (slot k costs
// the value per impression of the bid ranked k+1, or the reserve), but go
// to eligible bids (those reaching the reserve) drawn at random. Each
// winner pays its slot's cost converted to its own unit by its price
// factor, capped at its bid. Only the choice of winners differs from
// Auction, so comparing clicks per unit spent measures the allocation.
func RandomAllocation(r *rand.Rand, bids []Bid, slots int, reserve float64, order []int, out []Win) []Win {
	order = order[:0]
	for i := range bids {
		if bids[i].Value >= reserve && bids[i].Value > 0 && bids[i].Factor > 0 {
			order = append(order, i)
		}
	}
	slices.SortFunc(order, func(a, b int) int {
		if c := cmp.Compare(bids[b].Value, bids[a].Value); c != 0 {
			return c
		}
		return cmp.Compare(bids[b].Tie, bids[a].Tie)
	})
	n := len(order)
	// The slots' costs per impression in value order, before shuffling.
	start := len(out)
	for k := 0; k < n && k < slots; k++ {
		c := reserve
		if k+1 < n {
			c = max(c, bids[order[k+1]].Value)
		}
		out = append(out, Win{Price: c})
	}
	for k := range len(out) - start {
		// Draw the k-th winner by a partial Fisher–Yates shuffle: order[k:]
		// holds the bids not drawn yet.
		j := k + r.IntN(n-k)
		order[k], order[j] = order[j], order[k]
		w := &bids[order[k]]
		out[start+k] = Win{Index: order[k], Price: min(out[start+k].Price/w.Factor, w.Bid)}
	}
	return out
}

func price(bids []Bid, order []int, slots int, reserve float64, out []Win) []Win {
	for k := 0; k < len(order) && k < slots; k++ {
		w := &bids[order[k]]
		next := reserve
		if k+1 < len(order) {
			next = max(next, bids[order[k+1]].Value)
		}
		p := min(next/w.Factor, w.Bid)
		out = append(out, Win{Index: order[k], Price: p})
	}
	return out
}
