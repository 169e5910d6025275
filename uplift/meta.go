package uplift

import (
	"errors"
	"fmt"
)

// tLearner fits one outcome model on the treated rows and one on the control
// rows; the uplift is the difference of their predictions.
type tLearner struct {
	newBase     func() Learner
	treat, ctrl Learner
}

// NewTLearner returns the two-model (T-learner) approach with base learners
// made by newBase.
func NewTLearner(newBase func() Learner) Model { return &tLearner{newBase: newBase} }

func (m *tLearner) Name() string { return "t-learner" }

func (m *tLearner) Fit(d Dataset) error {
	if err := d.Validate(); err != nil {
		return err
	}
	xt, yt, xc, yc := d.split()
	m.treat, m.ctrl = m.newBase(), m.newBase()
	if err := m.treat.Fit(xt, yt, nil); err != nil {
		return fmt.Errorf("t-learner: treated model: %w", err)
	}
	if err := m.ctrl.Fit(xc, yc, nil); err != nil {
		return fmt.Errorf("t-learner: control model: %w", err)
	}
	return nil
}

func (m *tLearner) Uplift(x []float64) float64 {
	if m.treat == nil {
		return 0
	}
	return m.treat.Predict(x) - m.ctrl.Predict(x)
}

// xLearner is Künzel et al.'s X-learner: outcome models per arm impute each
// unit's individual effect (treated: Y - mu0(x); control: mu1(x) - Y), effect
// models per arm regress those, and the two effect estimates are blended by the
// propensity g(x): tau(x) = g(x) tau0(x) + (1-g(x)) tau1(x).
type xLearner struct {
	newOutcome, newEffect, newPropensity func() Learner
	tau0, tau1, prop                     Learner
	share                                float64
}

// NewXLearner returns an X-learner. newPropensity may be nil, in which case the
// propensity is the treated share of the training data (right for a
// randomised experiment).
func NewXLearner(newOutcome, newEffect func() Learner, newPropensity func() Learner) Model {
	return &xLearner{newOutcome: newOutcome, newEffect: newEffect, newPropensity: newPropensity}
}

func (m *xLearner) Name() string { return "x-learner" }

func (m *xLearner) Fit(d Dataset) error {
	if err := d.Validate(); err != nil {
		return err
	}
	xt, yt, xc, yc := d.split()
	mu1, mu0 := m.newOutcome(), m.newOutcome()
	if err := mu1.Fit(xt, yt, nil); err != nil {
		return fmt.Errorf("x-learner: treated outcome model: %w", err)
	}
	if err := mu0.Fit(xc, yc, nil); err != nil {
		return fmt.Errorf("x-learner: control outcome model: %w", err)
	}
	d1 := make([]float64, len(xt))
	for i, x := range xt {
		d1[i] = yt[i] - mu0.Predict(x)
	}
	d0 := make([]float64, len(xc))
	for i, x := range xc {
		d0[i] = mu1.Predict(x) - yc[i]
	}
	m.tau1, m.tau0 = m.newEffect(), m.newEffect()
	if err := m.tau1.Fit(xt, d1, nil); err != nil {
		return fmt.Errorf("x-learner: treated effect model: %w", err)
	}
	if err := m.tau0.Fit(xc, d0, nil); err != nil {
		return fmt.Errorf("x-learner: control effect model: %w", err)
	}
	m.share = d.TreatedShare()
	m.prop = nil
	if m.newPropensity != nil {
		t := make([]float64, len(d.Treated))
		for i, tr := range d.Treated {
			if tr {
				t[i] = 1
			}
		}
		m.prop = m.newPropensity()
		if err := m.prop.Fit(d.X, t, nil); err != nil {
			return fmt.Errorf("x-learner: propensity model: %w", err)
		}
	}
	return nil
}

func (m *xLearner) Uplift(x []float64) float64 {
	if m.tau0 == nil {
		return 0
	}
	g := m.share
	if m.prop != nil {
		g = m.prop.Predict(x)
	}
	return g*m.tau0.Predict(x) + (1-g)*m.tau1.Predict(x)
}

// classTransform is the class-variable transformation (Jaskowski & Jaroszewicz):
// for binary Y, Z = Y*T + (1-Y)(1-T) and, when treated and control are equally
// likely, uplift(x) = 2 P(Z=1|x) - 1.
//
// Correction for an unbalanced split: with treated share p != 0.5 the identity
// fails, so each row is weighted by 0.5/p (treated) or 0.5/(1-p) (control)
// before fitting P(Z=1|x). Under those weights both arms carry equal mass and
// 2 P_w(Z=1|x) - 1 = P(Y=1|T=1,x) - P(Y=1|T=0,x) holds again.
//
// For non-binary Y (amounts) it fits the transformed outcome
// Z = Y (T - p) / (p (1 - p)), whose conditional mean is the uplift, with the
// base learner in regression mode.
type classTransform struct {
	newBase func() Learner
	base    Learner
	binary  bool
}

// NewClassTransform returns the class-transformation uplift model (see the
// type's documentation for the unbalanced and non-binary cases).
func NewClassTransform(newBase func() Learner) Model { return &classTransform{newBase: newBase} }

func (m *classTransform) Name() string { return "class-transformation" }

func (m *classTransform) Fit(d Dataset) error {
	if err := d.Validate(); err != nil {
		return err
	}
	p := d.TreatedShare()
	n := len(d.Y)
	z := make([]float64, n)
	m.binary = IsBinary(d.Y)
	var w []float64
	if m.binary {
		w = make([]float64, n)
		for i := range d.Y {
			if d.Treated[i] {
				z[i] = d.Y[i]
				w[i] = 0.5 / p
			} else {
				z[i] = 1 - d.Y[i]
				w[i] = 0.5 / (1 - p)
			}
		}
	} else {
		for i := range d.Y {
			t := 0.0
			if d.Treated[i] {
				t = 1
			}
			z[i] = d.Y[i] * (t - p) / (p * (1 - p))
		}
	}
	m.base = m.newBase()
	if err := m.base.Fit(d.X, z, w); err != nil {
		return fmt.Errorf("class transformation: %w", err)
	}
	return nil
}

func (m *classTransform) Uplift(x []float64) float64 {
	if m.base == nil {
		return 0
	}
	if m.binary {
		return 2*m.base.Predict(x) - 1
	}
	return m.base.Predict(x)
}

// response is the non-uplift baseline: it models E[Y|x] on all rows, ignoring
// the treatment, and ranks by it (classic response-model targeting).
type response struct {
	newBase func() Learner
	base    Learner
}

// NewResponse returns the response-model baseline: Uplift returns P(Y|x) (or
// E[Y|x]) fitted ignoring treatment. It is not an uplift estimate; it exists to
// compare targeting by likelihood to respond against targeting by uplift.
func NewResponse(newBase func() Learner) Model { return &response{newBase: newBase} }

func (m *response) Name() string { return "response" }

func (m *response) Fit(d Dataset) error {
	if len(d.X) == 0 || len(d.Y) != len(d.X) {
		return errors.New("uplift: response: need equally many rows and outcomes")
	}
	m.base = m.newBase()
	return m.base.Fit(d.X, d.Y, nil)
}

func (m *response) Uplift(x []float64) float64 {
	if m.base == nil {
		return 0
	}
	return m.base.Predict(x)
}

// Named wraps a model to report a different name (e.g. "t-learner-lr").
func Named(name string, m Model) Model { return named{name, m} }

type named struct {
	name string
	Model
}

func (n named) Name() string { return n.name }

// Predict scores every row of X with m.
func Predict(m Model, X [][]float64) []float64 {
	s := make([]float64, len(X))
	for i, x := range X {
		s[i] = m.Uplift(x)
	}
	return s
}
