package fairness

import (
	"cmp"
	"math"
	"slices"
)

// Item is a catalogue item as the exposure measures see it.
type Item struct {
	ID    string
	Brand string // "" counts as its own brand, reported as "(none)"
	// Popularity ranks items for the long-tail split: any non-negative
	// measure of past demand (here: interactions in the training data).
	Popularity float64
}

// HeadFraction is the share of the catalogue, by popularity, that forms
// the head; the rest is the long tail.
const HeadFraction = 0.2

// Share is one brand's (or item's) part of total exposure.
type Share struct {
	Key      string  `json:"key"`
	Exposure float64 `json:"exposure"`
	Share    float64 `json:"share"`
}

// Exposure summarises how recommendation exposure spreads over a catalogue.
type Exposure struct {
	CatalogueSize int     `json:"catalogue_size"`
	ExposedItems  int     `json:"exposed_items"`
	Total         float64 `json:"total_exposure"`
	// Coverage is ExposedItems / CatalogueSize.
	Coverage float64 `json:"coverage"`
	// Gini of exposure over every catalogue item, unexposed ones included
	// (0: equal exposure; (n−1)/n: all on one item).
	Gini float64 `json:"gini"`
	// LongTailShare is the share of exposure on items outside the head:
	// the ⌈HeadFraction·n⌉ most popular catalogue items (ties broken by
	// id).
	LongTailShare float64 `json:"long_tail_share"`
	HeadItems     int     `json:"head_items"`
	// Entropy of the exposure distribution over items, normalised by
	// log(n) so that 1 is uniform over the catalogue.
	Entropy float64 `json:"entropy"`
	// TopItemShare is the largest single item's share.
	TopItemShare float64 `json:"top_item_share"`
	TopItem      string  `json:"top_item"`
	// Brands holds every exposed brand's share, largest first.
	Brands []Share `json:"brands"`
}

// Measure computes the exposure summary of counts (exposure by item id:
// slots, or position-weighted slots, see PositionWeight) over catalogue.
// Exposure of ids outside the catalogue is counted in Total and the shares
// but not in coverage or Gini.
func Measure(catalogue []Item, counts map[string]float64) Exposure {
	n := len(catalogue)
	e := Exposure{CatalogueSize: n}
	for _, c := range counts {
		e.Total += c
	}
	if n == 0 {
		return e
	}
	byPop := slices.Clone(catalogue)
	slices.SortFunc(byPop, func(a, b Item) int {
		if c := cmp.Compare(b.Popularity, a.Popularity); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	e.HeadItems = int(math.Ceil(HeadFraction * float64(n)))
	head := make(map[string]bool, e.HeadItems)
	for _, it := range byPop[:e.HeadItems] {
		head[it.ID] = true
	}
	xs := make([]float64, n)
	brands := map[string]float64{}
	var tail float64
	for i, it := range catalogue {
		c := counts[it.ID]
		xs[i] = c
		if c > 0 {
			e.ExposedItems++
			b := it.Brand
			if b == "" {
				b = "(none)"
			}
			brands[b] += c
			if !head[it.ID] {
				tail += c
			}
			if c > e.TopItemShare || (c == e.TopItemShare && it.ID < e.TopItem) {
				e.TopItemShare, e.TopItem = c, it.ID
			}
		}
	}
	e.Coverage = float64(e.ExposedItems) / float64(n)
	e.Gini = Gini(xs)
	if e.Total > 0 {
		e.LongTailShare = tail / e.Total
		e.TopItemShare /= e.Total
		if n > 1 {
			h := 0.0
			for _, x := range xs {
				if x > 0 {
					p := x / e.Total
					h -= p * math.Log(p)
				}
			}
			e.Entropy = h / math.Log(float64(n))
		}
	}
	for b, c := range brands {
		e.Brands = append(e.Brands, Share{Key: b, Exposure: c, Share: c / max(e.Total, 1e-300)})
	}
	slices.SortFunc(e.Brands, func(a, b Share) int {
		if c := cmp.Compare(b.Exposure, a.Exposure); c != 0 {
			return c
		}
		return cmp.Compare(a.Key, b.Key)
	})
	return e
}

// Gini is the Gini coefficient of non-negative values: 0 when all are
// equal, (n−1)/n when one holds everything, 0 for an empty or all-zero
// slice.
func Gini(xs []float64) float64 {
	n := len(xs)
	if n == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	var sum, weighted float64
	for i, x := range s {
		sum += x
		weighted += float64(2*(i+1)-n-1) * x
	}
	if sum <= 0 {
		return 0
	}
	return weighted / (float64(n) * sum)
}

// PositionWeight is the exposure of a slot at 1-based rank under the
// logarithmic discount of DCG: 1/log2(rank+1) (1 at the top, 0.5 at 3).
func PositionWeight(rank int) float64 { return 1 / math.Log2(float64(rank)+1) }

// Count adds lists of recommended ids to counts: each slot adds 1, or
// PositionWeight(rank) when weighted.
func Count(counts map[string]float64, lists [][]string, weighted bool) {
	for _, l := range lists {
		for k, id := range l {
			w := 1.0
			if weighted {
				w = PositionWeight(k + 1)
			}
			counts[id] += w
		}
	}
}
