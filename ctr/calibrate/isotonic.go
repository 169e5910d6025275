package calibrate

import (
	"cmp"
	"slices"
)

// Isotonic is isotonic regression: the non-decreasing step function of the
// predictions closest in squared error to the labels, found by
// pool-adjacent-violators. The zero value is unfitted: its Apply is the
// identity.
//
// Fit pools equal predictions, then, in order of prediction, merges every
// block whose mean label is below its predecessor's with it until the means
// increase. Each block is kept as its centre — the mean prediction in it —
// and its mean label. Apply interpolates linearly between the centres
// around p (flat beyond the first and the last), so equal predictions get
// equal probabilities, higher ones no lower, and the map is continuous.
type Isotonic struct {
	x, y []float64 // block centres, increasing, and their rates, not decreasing
}

// Blocks returns the number of blocks of the fit (0 before Fit).
func (c *Isotonic) Blocks() int { return len(c.x) }

// Apply returns the calibrated probability of p (p itself before Fit). It
// does not allocate: a binary search over the blocks.
func (c *Isotonic) Apply(p float64) float64 {
	x, y := c.x, c.y
	switch {
	case len(x) == 0 || p != p: // unfitted, or NaN
		return p
	case p <= x[0]:
		return y[0]
	case p >= x[len(x)-1]:
		return y[len(y)-1]
	}
	// x[i-1] < p ≤ x[i]
	i, _ := slices.BinarySearch(x, p)
	t := (p - x[i-1]) / (x[i] - x[i-1])
	return y[i-1] + t*(y[i]-y[i-1])
}

// block is one pool: its weight (examples), summed predictions and labels.
type block struct{ n, sx, sy float64 }

// Fit fits the blocks to probs and labels. It returns ErrOneClass or
// ErrConstant for degenerate inputs, and an error for empty or mismatched
// slices, a prediction that is not a probability or a NaN label, leaving c
// as it was.
func (c *Isotonic) Fit(probs []float64, labels []float32) error {
	if _, err := check(probs, labels); err != nil {
		return err
	}
	idx := make([]int, len(probs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(probs[a], probs[b]) })
	var stack []block
	for k := 0; k < len(idx); {
		// Pool equal predictions: they must get one probability.
		p := probs[idx[k]]
		var b block
		for ; k < len(idx) && probs[idx[k]] == p; k++ {
			b.n++
			b.sx += p
			if labels[idx[k]] > 0.5 {
				b.sy++
			}
		}
		// Merge while the previous block's rate exceeds this one's.
		for len(stack) > 0 {
			top := stack[len(stack)-1]
			if top.sy*b.n <= b.sy*top.n {
				break
			}
			b = block{top.n + b.n, top.sx + b.sx, top.sy + b.sy}
			stack = stack[:len(stack)-1]
		}
		stack = append(stack, b)
	}
	x := make([]float64, len(stack))
	y := make([]float64, len(stack))
	for i, b := range stack {
		x[i], y[i] = b.sx/b.n, b.sy/b.n
	}
	// Centres increase strictly: blocks cover disjoint, increasing runs of
	// distinct predictions. Rounding in the means could tie two
	// neighbours; keep the map a function.
	for i := 1; i < len(x); i++ {
		x[i] = max(x[i], x[i-1])
	}
	c.x, c.y = x, y
	return nil
}
