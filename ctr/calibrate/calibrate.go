// Package calibrate owns the calibration of click probabilities: mapping a
// model's scores to probabilities that match observed click rates, fitted
// on held-out (validation) predictions and their labels, never on the
// model's training data nor on the reported test.
//
// Platt scaling fits two numbers, p' = σ(a·logit(p) + b): it corrects a
// model that is systematically over- or under-confident and keeps the
// ranking (for a > 0). Isotonic regression fits any non-decreasing map by
// pool-adjacent-violators: more flexible, it needs more data and may map
// the extremes to exactly 0 or 1.
//
// A label is positive when above 0.5, as in ctr.AUC. Fit refuses inputs
// that cannot be calibrated with an error — ErrOneClass and ErrConstant for
// the degenerate ones, so callers can detect them with errors.Is — and
// leaves the calibrator as it was; an unfitted calibrator's Apply is the
// identity. Apply does not allocate and, after Fit, is safe for concurrent
// use.
//
// The package is pure: no I/O, no store, no logging.
package calibrate

import (
	"errors"
	"fmt"
	"math"
)

// Calibrator is what Platt and Isotonic have in common.
type Calibrator interface {
	Fit(probs []float64, labels []float32) error
	Apply(p float64) float64
}

var (
	// ErrOneClass: the labels are all positive or all negative, so there
	// is no rate to calibrate against.
	ErrOneClass = errors.New("calibrate: the labels are all of one class")
	// ErrConstant: the predictions are all equal, so they carry no
	// ranking to map.
	ErrConstant = errors.New("calibrate: the predictions are all equal")
)

// check validates a calibration set and counts its positives.
func check(probs []float64, labels []float32) (pos int, err error) {
	switch {
	case len(probs) == 0:
		return 0, errors.New("calibrate: no predictions")
	case len(probs) != len(labels):
		return 0, fmt.Errorf("calibrate: %d predictions and %d labels", len(probs), len(labels))
	}
	constant := true
	for i, p := range probs {
		if !(p >= 0 && p <= 1) {
			return 0, fmt.Errorf("calibrate: prediction %d is %v, not a probability", i, p)
		}
		if math.IsNaN(float64(labels[i])) {
			return 0, fmt.Errorf("calibrate: label %d is NaN", i)
		}
		if labels[i] > 0.5 {
			pos++
		}
		constant = constant && p == probs[0]
	}
	if pos == 0 || pos == len(probs) {
		return 0, ErrOneClass
	}
	if constant {
		return 0, ErrConstant
	}
	return pos, nil
}

// eps keeps logits finite: probabilities are clipped to [eps, 1 − eps].
const eps = 1e-12

func logit(p float64) float64 {
	p = min(max(p, eps), 1-eps)
	return math.Log(p / (1 - p))
}
