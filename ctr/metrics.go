package ctr

import (
	"math"
	"slices"
)

// AUC is the area under the ROC curve of scores against binary labels
// (ties count half). It is NaN when one class is absent.
func AUC(scores []float64, labels []float32) float64 {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		switch {
		case scores[a] < scores[b]:
			return -1
		case scores[a] > scores[b]:
			return 1
		}
		return 0
	})
	var pos, neg, rankSum float64
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && scores[idx[j]] == scores[idx[i]] {
			j++
		}
		avgRank := float64(i+j+1) / 2 // 1-based average rank of the tie group
		for k := i; k < j; k++ {
			if labels[idx[k]] > 0.5 {
				pos++
				rankSum += avgRank
			} else {
				neg++
			}
		}
		i = j
	}
	if pos == 0 || neg == 0 {
		return math.NaN()
	}
	return (rankSum - pos*(pos+1)/2) / (pos * neg)
}

// LogLoss is the mean binary cross-entropy, with probabilities clipped to
// [1e-7, 1−1e-7].
func LogLoss(probs []float64, labels []float32) float64 {
	if len(probs) == 0 {
		return math.NaN()
	}
	var s float64
	for i, p := range probs {
		p = min(max(p, 1e-7), 1-1e-7)
		if labels[i] > 0.5 {
			s -= math.Log(p)
		} else {
			s -= math.Log(1 - p)
		}
	}
	return s / float64(len(probs))
}

// Bin is one bin of a reliability diagram.
type Bin struct {
	Lo, Hi    float64 // the bin's probability range
	Count     int
	MeanProb  float64 // mean predicted probability
	Frequency float64 // observed positive rate
}

// Reliability bins probabilities into n equal-width bins over [0, 1].
func Reliability(probs []float64, labels []float32, n int) []Bin {
	bins := make([]Bin, n)
	for b := range bins {
		bins[b].Lo, bins[b].Hi = float64(b)/float64(n), float64(b+1)/float64(n)
	}
	for i, p := range probs {
		b := min(max(int(p*float64(n)), 0), n-1)
		bins[b].Count++
		bins[b].MeanProb += p
		bins[b].Frequency += float64(labels[i])
	}
	for b := range bins {
		if c := float64(bins[b].Count); c > 0 {
			bins[b].MeanProb /= c
			bins[b].Frequency /= c
		}
	}
	return bins
}

// ECE is the expected calibration error over n equal-width bins: the
// count-weighted mean of |mean probability − observed rate|.
func ECE(probs []float64, labels []float32, n int) float64 {
	if len(probs) == 0 {
		return math.NaN()
	}
	var s float64
	for _, b := range Reliability(probs, labels, n) {
		s += float64(b.Count) * math.Abs(b.MeanProb-b.Frequency)
	}
	return s / float64(len(probs))
}

// Sigmoid is the logistic function, stable for large |x|.
func Sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}
