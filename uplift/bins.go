package uplift

import (
	"sort"
)

// binner maps each feature to at most maxBins ordered bins so that tree split
// search works on histograms. Bin b of feature f holds values v with
// cuts[f][b-1] < v <= cuts[f][b]; the last bin is unbounded above. A split
// "bin <= b" is therefore the threshold rule "v <= cuts[f][b]".
type binner struct {
	cuts [][]float64
}

func newBinner(X [][]float64, maxBins int) *binner {
	if maxBins < 2 {
		maxBins = 2
	}
	if maxBins > 256 {
		maxBins = 256
	}
	d := len(X[0])
	b := &binner{cuts: make([][]float64, d)}
	col := make([]float64, len(X))
	for f := 0; f < d; f++ {
		for i, r := range X {
			col[i] = r[f]
		}
		sort.Float64s(col)
		uniq := col[:0:0]
		for i, v := range col {
			if i == 0 || v != col[i-1] {
				uniq = append(uniq, v)
			}
		}
		var cuts []float64
		if len(uniq) <= maxBins {
			for i := 0; i+1 < len(uniq); i++ {
				cuts = append(cuts, (uniq[i]+uniq[i+1])/2)
			}
		} else {
			n := len(col)
			for q := 1; q < maxBins; q++ {
				i := q * n / maxBins
				// cut midway between the quantile value and the next larger value
				v := col[i]
				j := sort.SearchFloat64s(col, v)
				k := j
				for k < n && col[k] == v {
					k++
				}
				if k >= n {
					continue
				}
				c := (v + col[k]) / 2
				if len(cuts) == 0 || c > cuts[len(cuts)-1] {
					cuts = append(cuts, c)
				}
			}
		}
		b.cuts[f] = cuts
	}
	return b
}

// nbins returns the number of bins of feature f.
func (b *binner) nbins(f int) int { return len(b.cuts[f]) + 1 }

// bin returns the bin of value v in feature f.
func (b *binner) bin(f int, v float64) int { return sort.SearchFloat64s(b.cuts[f], v) }

// binAll returns the bin matrix column-major: codes[f][i].
func (b *binner) binAll(X [][]float64) [][]uint8 {
	codes := make([][]uint8, len(b.cuts))
	for f := range codes {
		c := make([]uint8, len(X))
		for i, r := range X {
			c[i] = uint8(b.bin(f, r[f]))
		}
		codes[f] = c
	}
	return codes
}
