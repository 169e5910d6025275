package calibrate

import (
	"math"

	"github.com/shopmind/shopmind/ctr"
)

// Platt is Platt scaling, p' = σ(a·logit(p) + b) (Platt, 1999, with the
// Newton method and line search of Lin, Lin and Weng, 2007). The zero value
// is unfitted: its Apply is the identity.
//
// Fit maximises the likelihood of smoothed targets rather than of the 0/1
// labels — (N₊+1)/(N₊+2) for a positive, 1/(N₋+2) for a negative, N₊ and N₋
// the counts — which keeps a and b finite on separable data and shrinks
// small samples towards the base rate.
type Platt struct {
	a, b   float64
	fitted bool
}

// NewPlatt returns the fitted calibrator σ(a·logit(p) + b).
func NewPlatt(a, b float64) *Platt { return &Platt{a: a, b: b, fitted: true} }

// Params returns a and b (1 and 0, the identity, before Fit).
func (c *Platt) Params() (a, b float64) {
	if !c.fitted {
		return 1, 0
	}
	return c.a, c.b
}

// Apply returns the calibrated probability of p (p itself before Fit).
// Probabilities are clipped to [1e-12, 1 − 1e-12] before the logit.
func (c *Platt) Apply(p float64) float64 {
	if !c.fitted {
		return p
	}
	return ctr.Sigmoid(c.a*logit(p) + c.b)
}

// plattLoss is the negative log-likelihood of targets t at logits a·z + b.
func plattLoss(a, b float64, z, t []float64) float64 {
	var l float64
	for i, zi := range z {
		f := a*zi + b
		// t·log(1+e^−f) + (1−t)·log(1+e^f), stably.
		l += math.Log1p(math.Exp(-math.Abs(f))) + max(f, 0) - t[i]*f
	}
	return l
}

// Fit fits a and b to probs and labels by Newton's method with
// backtracking. It returns ErrOneClass or ErrConstant for degenerate
// inputs, and an error for empty or mismatched slices, a prediction that
// is not a probability or a NaN label, leaving c as it was.
func (c *Platt) Fit(probs []float64, labels []float32) error {
	pos, err := check(probs, labels)
	if err != nil {
		return err
	}
	neg := len(probs) - pos
	hi, lo := (float64(pos)+1)/(float64(pos)+2), 1/(float64(neg)+2)
	z := make([]float64, len(probs))
	t := make([]float64, len(probs))
	for i, p := range probs {
		z[i] = logit(p)
		t[i] = lo
		if labels[i] > 0.5 {
			t[i] = hi
		}
	}
	// Start from the base rate, a = 0 (Lin et al.), and follow Newton's
	// direction, halving the step until the loss decreases enough.
	a, b := 0.0, math.Log((float64(pos)+1)/(float64(neg)+1))
	loss := plattLoss(a, b, z, t)
	const ridge = 1e-12 // keeps the Hessian invertible
	for range 100 {
		var ga, gb, haa, hab, hbb float64
		for i, zi := range z {
			q := ctr.Sigmoid(a*zi + b)
			d := q - t[i]
			w := q * (1 - q)
			ga += d * zi
			gb += d
			haa += w * zi * zi
			hab += w * zi
			hbb += w
		}
		if math.Abs(ga) < 1e-9*float64(len(z)) && math.Abs(gb) < 1e-9*float64(len(z)) {
			break
		}
		haa += ridge
		hbb += ridge
		det := haa*hbb - hab*hab
		da := -(hbb*ga - hab*gb) / det
		db := -(-hab*ga + haa*gb) / det
		slope := ga*da + gb*db // negative: a descent direction
		step := 1.0
		for ; step >= 1e-10; step /= 2 {
			na, nb := a+step*da, b+step*db
			if nl := plattLoss(na, nb, z, t); nl <= loss+1e-4*step*slope {
				a, b, loss = na, nb, nl
				break
			}
		}
		if step < 1e-10 {
			break // no progress: at the optimum to rounding
		}
	}
	c.a, c.b, c.fitted = a, b, true
	return nil
}
