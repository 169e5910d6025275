package experiment

import "math"

// DefaultTau is the default mixing standard deviation of the mSPRT, in
// units of the metric's pooled standard deviation: the test is most
// sensitive to differences of about a tenth of a standard deviation.
const DefaultTau = 0.1

// Sequential is the state of one always-valid test (mSPRT, Johari, Koomen,
// Pekelis and Walsh 2017, "Peeking at A/B tests", with a normal mixture of
// variance Tau² over the true difference) followed across looks: the
// always-valid p-value is the running minimum of 1/Λ, and the confidence
// sequence the running intersection of the per-look intervals. Both stay
// valid however often one looks and whenever one stops. The zero value is
// ready after setting Tau2 and Alpha.
type Sequential struct {
	Tau2  float64 // mixing variance, in the metric's units squared
	Alpha float64 // 0 means 0.05

	looks  int
	p      float64
	lo, hi float64
}

// Look folds in the current estimate of the difference and its variance
// (diff's sampling variance, e.g. s1²/n1 + s2²/n2) and returns the
// always-valid p-value so far. A look with variance ≤ 0 changes nothing.
func (s *Sequential) Look(diff, variance float64) float64 {
	if s.looks == 0 {
		s.p, s.lo, s.hi = 1, math.Inf(-1), math.Inf(1)
	}
	s.looks++
	if !(variance > 0) || !(s.Tau2 > 0) {
		return s.p
	}
	p, lo, hi := msprt(diff, variance, s.Tau2, s.alpha())
	s.p = math.Min(s.p, p)
	s.lo, s.hi = math.Max(s.lo, lo), math.Min(s.hi, hi)
	return s.p
}

func (s *Sequential) alpha() float64 {
	if s.Alpha > 0 {
		return s.Alpha
	}
	return 0.05
}

// P is the always-valid p-value so far (1 before any look).
func (s *Sequential) P() float64 {
	if s.looks == 0 {
		return 1
	}
	return s.p
}

// Interval is the confidence sequence so far: it holds the true difference
// at every look with probability at least 1-Alpha.
func (s *Sequential) Interval() (lo, hi float64) {
	if s.looks == 0 {
		return math.Inf(-1), math.Inf(1)
	}
	return s.lo, s.hi
}

// Reject reports whether the test may stop, declaring a difference.
func (s *Sequential) Reject() bool { return s.P() <= s.alpha() }

// msprt is one look: the estimate diff ~ N(θ, v) against H0 θ = 0 with the
// mixture θ ~ N(0, tau2) gives the likelihood ratio
//
//	Λ = sqrt(v/(v+τ²)) · exp(diff² τ² / (2 v (v+τ²)))
//
// p = min(1, 1/Λ), and the values θ0 not rejected at alpha form the
// interval diff ± sqrt(2 v (v+τ²)/τ² · (ln(1/alpha) + ½ ln((v+τ²)/v))).
func msprt(diff, v, tau2, alpha float64) (p, lo, hi float64) {
	logLambda := 0.5*math.Log(v/(v+tau2)) + diff*diff*tau2/(2*v*(v+tau2))
	p = math.Min(1, math.Exp(-logLambda))
	half := math.Sqrt(2 * v * (v + tau2) / tau2 * (math.Log(1/alpha) + 0.5*math.Log((v+tau2)/v)))
	return p, diff - half, diff + half
}
