package ctreval

import (
	"context"
	"math"
	"slices"
	"sort"

	"github.com/shopmind/shopmind/ctr"
)

// sgdLR is the tests' stand-in for a real model: logistic regression over
// the hashed features, a few epochs of plain SGD.
type sgdLR struct {
	space  uint32
	epochs int
	w      []float64
	b      float64
}

func newSGDLR(d *Data) (ctr.Model, error) {
	sp := d.Schema.Space
	if sp == 0 {
		sp = 1 << 20
	}
	return &sgdLR{space: sp, epochs: 3}, nil
}

func (m *sgdLR) Name() string { return "sgd-lr" }

func (m *sgdLR) Fit(ctx context.Context, train, _ []ctr.Example) error {
	m.w = make([]float64, m.space)
	for e := range m.epochs {
		lr := 0.05 / float64(e+1)
		for i := range train {
			x := &train[i]
			g := m.Predict(x) - float64(x.Click)
			m.b -= lr * g
			for _, f := range x.Features {
				m.w[f.Index] -= lr * (g*float64(f.Value) + 1e-5*m.w[f.Index])
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return nil
}

func (m *sgdLR) Predict(x *ctr.Example) float64 {
	z := m.b
	for _, f := range x.Features {
		z += m.w[f.Index] * float64(f.Value)
	}
	return ctr.Sigmoid(z)
}

// constModel predicts the training positive rate: AUC 0.5.
type constModel struct{ p float64 }

func (m *constModel) Name() string { return "const" }
func (m *constModel) Fit(_ context.Context, train, _ []ctr.Example) error {
	m.p = positiveRate(train)
	return nil
}
func (m *constModel) Predict(*ctr.Example) float64 { return m.p }

// convModel is a ConversionModel double: the click model times a constant
// conversion rate.
type convModel struct {
	sgdLR
	cvr float64
}

func (m *convModel) Name() string { return "conv" }
func (m *convModel) Fit(ctx context.Context, train, valid []ctr.Example) error {
	var clicks, convs float64
	for _, x := range train {
		clicks += float64(x.Click)
		convs += float64(x.Conversion)
	}
	m.cvr = convs / max(clicks, 1)
	return m.sgdLR.Fit(ctx, train, valid)
}
func (m *convModel) PredictCVR(*ctr.Example) float64 { return m.cvr }
func (m *convModel) PredictCTCVR(x *ctr.Example) float64 {
	return m.Predict(x) * m.cvr
}

// binCalibrator is the tests' stand-in for a calibrator: the observed rate
// of 20 equal-frequency bins of the validation predictions.
type binCalibrator struct {
	edges []float64
	rates []float64
}

func (c *binCalibrator) Fit(probs []float64, labels []float32) error {
	idx := make([]int, len(probs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		switch {
		case probs[a] < probs[b]:
			return -1
		case probs[a] > probs[b]:
			return 1
		}
		return 0
	})
	const n = 20
	c.edges, c.rates = nil, nil
	for k := range n {
		lo, hi := k*len(idx)/n, (k+1)*len(idx)/n
		if hi <= lo {
			continue
		}
		var s float64
		for _, i := range idx[lo:hi] {
			s += float64(labels[i])
		}
		c.edges = append(c.edges, probs[idx[hi-1]])
		c.rates = append(c.rates, s/float64(hi-lo))
	}
	return nil
}

func (c *binCalibrator) Apply(p float64) float64 {
	k := min(sort.SearchFloat64s(c.edges, p), len(c.rates)-1)
	return c.rates[k]
}

// identity leaves the probabilities alone.
type identity struct{}

func (identity) Fit([]float64, []float32) error { return nil }
func (identity) Apply(p float64) float64        { return p }

func testSpecs() []ModelSpec {
	return []ModelSpec{
		{Name: "lr", Summary: "SGD logistic regression (test double)", New: newSGDLR},
		{Name: "const", Summary: "the training rate", New: func(*Data) (ctr.Model, error) { return &constModel{}, nil }},
		{Name: "conv", Summary: "LR times a conversion rate", New: func(d *Data) (ctr.Model, error) {
			m, _ := newSGDLR(d)
			return &convModel{sgdLR: *m.(*sgdLR)}, nil
		}},
	}
}

func testCalibrators() []CalibratorSpec {
	return []CalibratorSpec{
		{Name: "bins", New: func() Calibrator { return &binCalibrator{} }},
		{Name: "identity", New: func() Calibrator { return identity{} }},
	}
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }
