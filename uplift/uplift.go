// Package uplift owns uplift modelling: base learners (logistic regression and
// gradient-boosted trees), meta-learners (T-learner, X-learner, class
// transformation, a response baseline), uplift trees and forests with a KL or
// Euclidean-distance split criterion, and the Qini/AUUC/uplift@k metrics
// matching scikit-uplift. Everything here is pure computation on slices: no I/O.
package uplift

import (
	"errors"
	"fmt"
	"math"
)

// Dataset is a randomised (or as-if randomised) sample: one row of features per
// unit, whether the unit was treated, and its outcome.
type Dataset struct {
	X       [][]float64 // rows of features (dense; callers one-hot encode)
	Treated []bool
	Y       []float64 // outcome: 0/1 for binary outcomes, or amounts (spend)
	Names   []string  // feature names (optional)
}

// Model predicts the uplift of a treatment for one unit.
type Model interface {
	Name() string
	Fit(d Dataset) error
	Uplift(x []float64) float64 // predicted E[Y|treated,x] - E[Y|control,x]
}

// Learner is a base learner for the meta-learners: a classifier when y is 0/1,
// a regressor otherwise.
type Learner interface {
	Fit(X [][]float64, y []float64, w []float64) error // w nil = unit weights
	Predict(x []float64) float64                       // probability for 0/1 y, value otherwise
}

// Validate checks the dataset's shape: equal lengths, at least one treated and
// one control row, equal row widths and finite values.
func (d Dataset) Validate() error {
	n := len(d.X)
	if n == 0 {
		return errors.New("uplift: empty dataset; pass at least one treated and one control row")
	}
	if len(d.Treated) != n || len(d.Y) != n {
		return fmt.Errorf("uplift: dataset has %d rows of X, %d treatment flags and %d outcomes; they must be equal", n, len(d.Treated), len(d.Y))
	}
	width := len(d.X[0])
	nt := 0
	for i, row := range d.X {
		if len(row) != width {
			return fmt.Errorf("uplift: row %d has %d features, row 0 has %d; rows must be equally wide", i, len(row), width)
		}
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("uplift: row %d feature %d is %v; impute or drop non-finite values first", i, j, v)
			}
		}
		if math.IsNaN(d.Y[i]) || math.IsInf(d.Y[i], 0) {
			return fmt.Errorf("uplift: outcome of row %d is %v; outcomes must be finite", i, d.Y[i])
		}
		if d.Treated[i] {
			nt++
		}
	}
	if nt == 0 || nt == n {
		return fmt.Errorf("uplift: dataset has %d treated of %d rows; uplift needs both treated and control rows", nt, n)
	}
	return nil
}

// TreatedShare is the fraction of treated rows.
func (d Dataset) TreatedShare() float64 {
	nt := 0
	for _, t := range d.Treated {
		if t {
			nt++
		}
	}
	return float64(nt) / float64(len(d.Treated))
}

// Subset returns the rows idx of d (sharing the row slices).
func (d Dataset) Subset(idx []int) Dataset {
	s := Dataset{X: make([][]float64, len(idx)), Treated: make([]bool, len(idx)), Y: make([]float64, len(idx)), Names: d.Names}
	for k, i := range idx {
		s.X[k], s.Treated[k], s.Y[k] = d.X[i], d.Treated[i], d.Y[i]
	}
	return s
}

// IsBinary reports whether every value of y is 0 or 1.
func IsBinary(y []float64) bool {
	for _, v := range y {
		if v != 0 && v != 1 {
			return false
		}
	}
	return true
}

// split returns the treated and the control rows of d.
func (d Dataset) split() (xt [][]float64, yt []float64, xc [][]float64, yc []float64) {
	for i, t := range d.Treated {
		if t {
			xt, yt = append(xt, d.X[i]), append(yt, d.Y[i])
		} else {
			xc, yc = append(xc, d.X[i]), append(yc, d.Y[i])
		}
	}
	return
}

// checkXY validates a learner's training input.
func checkXY(X [][]float64, y, w []float64) error {
	if len(X) == 0 {
		return errors.New("uplift: no training rows")
	}
	if len(y) != len(X) {
		return fmt.Errorf("uplift: %d rows but %d targets", len(X), len(y))
	}
	if w != nil && len(w) != len(X) {
		return fmt.Errorf("uplift: %d rows but %d weights; pass nil for unit weights", len(X), len(w))
	}
	d := len(X[0])
	for i, r := range X {
		if len(r) != d {
			return fmt.Errorf("uplift: row %d has %d features, row 0 has %d", i, len(r), d)
		}
	}
	return nil
}

func weight(w []float64, i int) float64 {
	if w == nil {
		return 1
	}
	return w[i]
}
