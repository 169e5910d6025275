package ctreval

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/shopmind/shopmind/ctr"
)

// The splits.
const (
	SplitRandom = "random" // a random 80/20 split, fixed by the seed
	SplitTime   = "time"   // the latest 20% by Example.Time is the test part
	SplitGiven  = "given"  // the dataset's own train/test files
)

// TestFraction is the test part of the random and time splits;
// ValidFraction is the part of the training part held out for validation.
const (
	TestFraction  = 0.2
	ValidFraction = 0.1
)

// Split is a dataset split into training, validation and test parts. The
// examples share the features of the Data they came from; nothing in them
// may be modified.
type Split struct {
	Method string
	Seed   uint64
	Train  []ctr.Example // what the models fit on (without Valid)
	Valid  []ctr.Example // for early stopping and calibration; carved from the training part
	Test   []ctr.Example // scored once
	// The indices into Data.Examples of each part, in the parts' order.
	TrainIdx, ValidIdx, TestIdx []int
}

// Split splits d by method (SplitRandom, SplitTime or SplitGiven). The test
// part is the last TestFraction of the rows in random order (random), in
// time order (time; ties keep file order) or the dataset's own (given). The
// validation part is ValidFraction of the training part: random rows for
// the random and given splits, the latest ones for the time split. The
// training part keeps the order of the split: shuffled (random), by time
// (time), as in the file (given). The same seed gives the same split.
func (d *Data) Split(method string, seed uint64) (*Split, error) {
	n := len(d.Examples)
	s := &Split{Method: method, Seed: seed}
	r := newRNG(seed, 0x5b117) // the split's own stream
	var rest []int
	switch method {
	case SplitRandom, SplitTime:
		var order []int
		if method == SplitRandom {
			order = r.perm(n)
		} else {
			order = make([]int, n)
			for i := range order {
				order[i] = i
			}
			slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(d.Examples[a].Time, d.Examples[b].Time) })
		}
		nTest := int(math.Round(float64(n) * TestFraction))
		rest, s.TestIdx = order[:n-nTest:n-nTest], order[n-nTest:]
		nValid := int(math.Round(float64(len(rest)) * ValidFraction))
		s.TrainIdx, s.ValidIdx = rest[:len(rest)-nValid], rest[len(rest)-nValid:]
	case SplitGiven:
		if d.Given <= 0 || d.Given > n {
			return nil, fmt.Errorf("ctreval: %s has no given split", d.Name)
		}
		s.TestIdx = make([]int, 0, n-d.Given)
		for i := d.Given; i < n; i++ {
			s.TestIdx = append(s.TestIdx, i)
		}
		nValid := int(math.Round(float64(d.Given) * ValidFraction))
		valid := make([]bool, d.Given)
		for _, i := range r.perm(d.Given)[:nValid] {
			valid[i] = true
		}
		for i, v := range valid {
			if v {
				s.ValidIdx = append(s.ValidIdx, i)
			} else {
				s.TrainIdx = append(s.TrainIdx, i)
			}
		}
	default:
		return nil, fmt.Errorf("ctreval: unknown split %q: use %s, %s or %s", method, SplitRandom, SplitTime, SplitGiven)
	}
	pick := func(idx []int) []ctr.Example {
		out := make([]ctr.Example, len(idx))
		for k, i := range idx {
			out[k] = d.Examples[i]
		}
		return out
	}
	s.Train, s.Valid, s.Test = pick(s.TrainIdx), pick(s.ValidIdx), pick(s.TestIdx)
	return s, nil
}

// positiveRate is the share of clicks among xs.
func positiveRate(xs []ctr.Example) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	var p float64
	for i := range xs {
		p += float64(xs[i].Click)
	}
	return p / float64(len(xs))
}
