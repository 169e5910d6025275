package uplift

import (
	"errors"
	"fmt"
	"math"
)

// LogisticOptions configures NewLogistic.
type LogisticOptions struct {
	// L2 is the ridge penalty on the standardised coefficients (not the
	// intercept), as a total added to the Hessian diagonal; 0 means 1.
	L2 float64
	// MaxIter bounds the Newton (IRLS) iterations; 0 means 50.
	MaxIter int
	// Tol stops when the largest coefficient step is below it; 0 means 1e-8.
	Tol float64
}

// logistic is an L2-regularised logistic regression fitted by Newton's method
// (IRLS) on standardised features. When the targets are not all 0/1 it fits a
// ridge linear regression instead (same standardisation and penalty), so it can
// serve as the effect learner of an X-learner.
type logistic struct {
	opt        LogisticOptions
	mean, sd   []float64
	coef       []float64 // coef[0] intercept, then one per feature
	regression bool
}

// NewLogistic returns an L2-regularised logistic regression (0/1 targets) or
// ridge regression (other targets). Fitting is deterministic.
func NewLogistic(opt LogisticOptions) Learner {
	if opt.L2 <= 0 {
		opt.L2 = 1
	}
	if opt.MaxIter <= 0 {
		opt.MaxIter = 50
	}
	if opt.Tol <= 0 {
		opt.Tol = 1e-8
	}
	return &logistic{opt: opt}
}

func (m *logistic) Fit(X [][]float64, y, w []float64) error {
	if err := checkXY(X, y, w); err != nil {
		return err
	}
	n, d := len(X), len(X[0])
	m.regression = !IsBinary(y)
	// Weighted standardisation.
	m.mean, m.sd = make([]float64, d), make([]float64, d)
	var sw float64
	for i := range X {
		wi := weight(w, i)
		sw += wi
		for j, v := range X[i] {
			m.mean[j] += wi * v
		}
	}
	if sw <= 0 {
		return errors.New("uplift: logistic: weights sum to zero")
	}
	for j := range m.mean {
		m.mean[j] /= sw
	}
	for i := range X {
		wi := weight(w, i)
		for j, v := range X[i] {
			dv := v - m.mean[j]
			m.sd[j] += wi * dv * dv
		}
	}
	for j := range m.sd {
		m.sd[j] = math.Sqrt(m.sd[j] / sw)
		if m.sd[j] < 1e-12 {
			m.sd[j] = 0 // constant feature: ignored
		}
	}
	p := d + 1
	z := make([]float64, p)
	coef := make([]float64, p)
	H := make([]float64, p*p)
	g := make([]float64, p)
	iters := m.opt.MaxIter
	if m.regression {
		iters = 1 // squared loss: one Newton step is exact
	}
	for it := 0; it < iters; it++ {
		for k := range H {
			H[k] = 0
		}
		for k := range g {
			g[k] = 0
		}
		for i := range X {
			m.standardise(X[i], z)
			eta := dot(coef, z)
			var r, h float64
			if m.regression {
				r, h = y[i]-eta, 1
			} else {
				pr := sigmoid(eta)
				r, h = y[i]-pr, math.Max(pr*(1-pr), 1e-10)
			}
			wi := weight(w, i)
			for a := 0; a < p; a++ {
				if z[a] == 0 {
					continue
				}
				g[a] += wi * r * z[a]
				wz := wi * h * z[a]
				row := H[a*p:]
				for b := a; b < p; b++ {
					row[b] += wz * z[b]
				}
			}
		}
		for a := 1; a < p; a++ {
			g[a] -= m.opt.L2 * coef[a]
			H[a*p+a] += m.opt.L2
		}
		for a := 0; a < p; a++ {
			for b := 0; b < a; b++ {
				H[a*p+b] = H[b*p+a]
			}
			if H[a*p+a] == 0 { // constant (ignored) feature
				H[a*p+a] = 1
			}
		}
		step, err := cholSolve(H, g, p)
		if err != nil {
			return fmt.Errorf("uplift: logistic: %w; raise L2", err)
		}
		var maxStep float64
		for a := range coef {
			coef[a] += step[a]
			maxStep = math.Max(maxStep, math.Abs(step[a]))
		}
		if maxStep < m.opt.Tol {
			break
		}
	}
	_ = n
	m.coef = coef
	return nil
}

func (m *logistic) standardise(x, z []float64) {
	z[0] = 1
	for j, v := range x {
		if m.sd[j] == 0 {
			z[j+1] = 0
		} else {
			z[j+1] = (v - m.mean[j]) / m.sd[j]
		}
	}
}

func (m *logistic) Predict(x []float64) float64 {
	if m.coef == nil {
		return 0
	}
	eta := m.coef[0]
	for j, v := range x {
		if j < len(m.sd) && m.sd[j] != 0 {
			eta += m.coef[j+1] * (v - m.mean[j]) / m.sd[j]
		}
	}
	if m.regression {
		return eta
	}
	return sigmoid(eta)
}

func sigmoid(v float64) float64 {
	if v >= 0 {
		return 1 / (1 + math.Exp(-v))
	}
	e := math.Exp(v)
	return e / (1 + e)
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// cholSolve solves A x = b for a symmetric positive-definite p×p A (row-major).
func cholSolve(A, b []float64, p int) ([]float64, error) {
	L := make([]float64, p*p)
	for i := 0; i < p; i++ {
		for j := 0; j <= i; j++ {
			s := A[i*p+j]
			for k := 0; k < j; k++ {
				s -= L[i*p+k] * L[j*p+k]
			}
			if i == j {
				if s <= 0 {
					return nil, errors.New("matrix is not positive definite")
				}
				L[i*p+i] = math.Sqrt(s)
			} else {
				L[i*p+j] = s / L[j*p+j]
			}
		}
	}
	x := make([]float64, p)
	for i := 0; i < p; i++ {
		s := b[i]
		for k := 0; k < i; k++ {
			s -= L[i*p+k] * x[k]
		}
		x[i] = s / L[i*p+i]
	}
	for i := p - 1; i >= 0; i-- {
		s := x[i]
		for k := i + 1; k < p; k++ {
			s -= L[k*p+i] * x[k]
		}
		x[i] = s / L[i*p+i]
	}
	return x, nil
}
