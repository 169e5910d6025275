package experiment

import (
	"fmt"
	"math"
)

// SRMAlpha is the p-value below which a sample-ratio mismatch is alarmed.
const SRMAlpha = 0.001

// Unit is one randomised unit (a user) with what it did after its first
// exposure: the input of Analyze.
type Unit struct {
	User        string
	Arm         string
	Conversions int     // conversion events after exposure
	Revenue     float64 // their revenue
	PreSpend    float64 // purchase revenue in the pre-period (the CUPED covariate)
}

// Options tune Analyze. Zero fields take defaults.
type Options struct {
	Control string  // arm compared against; default the experiment's Control
	Tau     float64 // mSPRT mixing SD in pooled SDs of the metric; default DefaultTau
	Alpha   float64 // level of intervals' sequential test; default 0.05
}

// Interval is a two-sided interval.
type Interval struct {
	Lo float64 `json:"lo"`
	Hi float64 `json:"hi"`
}

// ArmResult summarises one arm.
type ArmResult struct {
	Arm             string  `json:"arm"`
	ExpectedShare   float64 `json:"expected_share"`
	Units           int     `json:"units"`
	Converters      int     `json:"converters"`
	Conversions     int     `json:"conversions"`
	ConversionRate  float64 `json:"conversion_rate"`
	RevenuePerUser  float64 `json:"revenue_per_user"`
	RevenueVariance float64 `json:"revenue_variance"`
	PreSpendMean    float64 `json:"pre_spend_mean"`
}

// Effect is the difference of one metric between an arm and the control.
//
// Interval is the fixed-horizon 95% interval: Newcombe's hybrid score
// interval for conversion rates, the normal (Welch, unpooled variances)
// interval for revenue per user. CUPED is the same difference after the
// CUPED adjustment, with its normal interval. Sequential is the mSPRT on
// the unadjusted difference: its p-value and confidence sequence are valid
// at any look, so it alone says whether the experiment may stop.
type Effect struct {
	Control      float64   `json:"control"`
	Treatment    float64   `json:"treatment"`
	Diff         float64   `json:"diff"`
	RelativeLift *float64  `json:"relative_lift"` // diff / control; null when the control is 0
	Interval     *Interval `json:"interval"`
	P            *float64  `json:"p"` // fixed-horizon two-sided p-value
	CUPEDDiff    float64   `json:"cuped_diff"`
	CUPED        *Interval `json:"cuped_interval"`
	Sequential   SeqResult `json:"sequential"`
}

// SeqResult is the always-valid test's answer at this look.
type SeqResult struct {
	P        float64   `json:"p"`
	Interval *Interval `json:"interval"` // null until both arms have variance
	CanStop  bool      `json:"can_stop"`
}

// Comparison compares one arm with the control.
type Comparison struct {
	Arm        string `json:"arm"`
	Control    string `json:"control"`
	Conversion Effect `json:"conversion_rate"`
	Revenue    Effect `json:"revenue_per_user"`
	Verdict    string `json:"verdict"`
}

// CUPEDSummary reports the CUPED adjustment Y - θ(X - mean X), with X the
// pre-period spend and θ = cov(Y, X)/var(X) over all units, and the share
// of variance it removes (1 - var(adjusted)/var(Y), which is ρ²).
type CUPEDSummary struct {
	ThetaConversion             float64 `json:"theta_conversion"`
	ThetaRevenue                float64 `json:"theta_revenue"`
	VarianceReductionConversion float64 `json:"variance_reduction_conversion"`
	VarianceReductionRevenue    float64 `json:"variance_reduction_revenue"`
}

// SRM is the sample-ratio-mismatch check: a chi-square goodness-of-fit test
// of the arms' unit counts against their expected shares.
type SRM struct {
	ChiSquare float64 `json:"chi_square"`
	DF        int     `json:"df"`
	P         float64 `json:"p"`
	Alarm     bool    `json:"alarm"`
}

// Analysis is the result of Analyze.
type Analysis struct {
	Control     string       `json:"control"`
	Units       int          `json:"units"`
	Arms        []ArmResult  `json:"arms"`
	Comparisons []Comparison `json:"comparisons"`
	CUPED       CUPEDSummary `json:"cuped"`
	SRM         SRM          `json:"srm"`
}

// Analyze computes per-arm metrics, every arm's differences with the
// control, CUPED, the SRM check and the sequential test from units. Units
// of arms e does not have are ignored. It is pure.
func Analyze(e *Experiment, units []Unit, opt Options) Analysis {
	if opt.Control == "" {
		opt.Control = e.Control
	}
	if opt.Tau <= 0 {
		opt.Tau = DefaultTau
	}
	if opt.Alpha <= 0 {
		opt.Alpha = 0.05
	}
	arms, shares := e.Arms(), e.Shares()
	index := make(map[string]int, len(arms))
	for i, a := range arms {
		index[a] = i
	}
	conv := make([]moments, len(arms)) // Y = converted (0/1), X = pre-spend
	rev := make([]moments, len(arms))  // Y = revenue, X = pre-spend
	var allConv, allRev moments
	res := Analysis{Control: opt.Control, Arms: make([]ArmResult, len(arms))}
	for i, a := range arms {
		res.Arms[i] = ArmResult{Arm: a, ExpectedShare: shares[i]}
	}
	for _, u := range units {
		i, ok := index[u.Arm]
		if !ok {
			continue
		}
		c := 0.0
		if u.Conversions > 0 {
			c = 1
			res.Arms[i].Converters++
		}
		res.Arms[i].Units++
		res.Arms[i].Conversions += u.Conversions
		conv[i].add(c, u.PreSpend)
		rev[i].add(u.Revenue, u.PreSpend)
		allConv.add(c, u.PreSpend)
		allRev.add(u.Revenue, u.PreSpend)
		res.Units++
	}
	for i := range arms {
		res.Arms[i].ConversionRate = conv[i].meanY
		res.Arms[i].RevenuePerUser = rev[i].meanY
		res.Arms[i].RevenueVariance = rev[i].varY()
		res.Arms[i].PreSpendMean = rev[i].meanX
	}

	thetaC, redC := cupedTheta(&allConv)
	thetaR, redR := cupedTheta(&allRev)
	res.CUPED = CUPEDSummary{ThetaConversion: thetaC, ThetaRevenue: thetaR, VarianceReductionConversion: redC, VarianceReductionRevenue: redR}
	res.SRM = srm(res.Arms)

	ci, ok := index[opt.Control]
	if !ok {
		return res
	}
	for i, a := range arms {
		if i == ci {
			continue
		}
		cmp := Comparison{Arm: a, Control: opt.Control}
		cmp.Conversion = effect(&conv[i], &conv[ci], thetaC, allConv.meanX, opt, true)
		cmp.Revenue = effect(&rev[i], &rev[ci], thetaR, allRev.meanX, opt, false)
		cmp.Verdict = verdict(cmp, res.SRM)
		res.Comparisons = append(res.Comparisons, cmp)
	}
	return res
}

func cupedTheta(m *moments) (theta, reduction float64) {
	vx, vy := m.varX(), m.varY()
	if vx <= 0 || vy <= 0 {
		return 0, 0
	}
	cov := m.covXY()
	theta = cov / vx
	return theta, cov * cov / (vx * vy)
}

func effect(t, c *moments, theta, meanX float64, opt Options, proportion bool) Effect {
	ef := Effect{Control: c.meanY, Treatment: t.meanY, Diff: t.meanY - c.meanY}
	if c.meanY != 0 {
		ef.RelativeLift = finite(ef.Diff / c.meanY)
	}
	if t.n == 0 || c.n == 0 {
		ef.Sequential.P = 1
		return ef
	}
	v := t.varY()/t.n + c.varY()/c.n
	if proportion {
		lo, hi := newcombe(t.meanY*t.n, t.n, c.meanY*c.n, c.n)
		ef.Interval = &Interval{lo, hi}
	} else if v > 0 {
		ef.Interval = &Interval{ef.Diff - z95*math.Sqrt(v), ef.Diff + z95*math.Sqrt(v)}
	}
	if v > 0 {
		ef.P = finite(2 * normalSF(math.Abs(ef.Diff)/math.Sqrt(v)))
	}

	// CUPED: adjusted means and within-arm variances of Y - θ(X - mean X).
	adjT := t.meanY - theta*(t.meanX-meanX)
	adjC := c.meanY - theta*(c.meanX-meanX)
	ef.CUPEDDiff = adjT - adjC
	adjVar := func(m *moments) float64 {
		return math.Max(0, m.varY()+theta*theta*m.varX()-2*theta*m.covXY()) / m.n
	}
	if va := adjVar(t) + adjVar(c); va > 0 {
		ef.CUPED = &Interval{ef.CUPEDDiff - z95*math.Sqrt(va), ef.CUPEDDiff + z95*math.Sqrt(va)}
	}

	// mSPRT at this look; τ in pooled standard deviations of the metric.
	pooled := ((t.n-1)*t.varY() + (c.n-1)*c.varY()) / math.Max(1, t.n+c.n-2)
	seq := Sequential{Tau2: opt.Tau * opt.Tau * pooled, Alpha: opt.Alpha}
	seq.Look(ef.Diff, v)
	ef.Sequential.P = seq.P()
	if lo, hi := seq.Interval(); !math.IsInf(lo, 0) && !math.IsInf(hi, 0) {
		ef.Sequential.Interval = &Interval{lo, hi}
	}
	ef.Sequential.CanStop = seq.Reject()
	return ef
}

func verdict(c Comparison, s SRM) string {
	if s.Alarm {
		return fmt.Sprintf("do not trust these numbers: sample-ratio mismatch (p = %.2g); check exposure logging and assignment first", s.P)
	}
	var sig []string
	for _, m := range []struct {
		name string
		ef   Effect
	}{{"conversion rate", c.Conversion}, {"revenue per user", c.Revenue}} {
		if m.ef.Sequential.CanStop {
			dir := "higher"
			if m.ef.Diff < 0 {
				dir = "lower"
			}
			sig = append(sig, fmt.Sprintf("%s is %s than %s", m.name, dir, c.Control))
		}
	}
	switch len(sig) {
	case 0:
		return fmt.Sprintf("no difference from %s established yet; keep collecting (the sequential test stays valid at every look)", c.Control)
	case 1:
		return fmt.Sprintf("can stop: %s (always-valid p ≤ 0.05)", sig[0])
	default:
		return fmt.Sprintf("can stop: %s and %s (always-valid p ≤ 0.05)", sig[0], sig[1])
	}
}

// srm tests observed unit counts against expected shares.
func srm(arms []ArmResult) SRM {
	total := 0
	for _, a := range arms {
		total += a.Units
	}
	out := SRM{DF: len(arms) - 1, P: 1}
	if total == 0 || len(arms) < 2 {
		return out
	}
	for _, a := range arms {
		exp := a.ExpectedShare * float64(total)
		d := float64(a.Units) - exp
		out.ChiSquare += d * d / exp
	}
	out.P = chiSquareSF(out.ChiSquare, out.DF)
	out.Alarm = out.P < SRMAlpha
	return out
}

func finite(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}
