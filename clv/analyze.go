package clv

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Model names accepted by Options.Models.
const (
	ModelBGNBD     = "bgnbd"
	ModelParetoNBD = "paretonbd"
)

// Options says what Analyze fits and reports.
type Options struct {
	Models       []string     // ModelBGNBD, ModelParetoNBD; nil means both
	Fit          *FitOptions  // nil means defaults
	Value        ValueOptions // zero means DefaultValueOptions
	MaxFrequency int          // last row ("n or more") of the frequency tables; 0 means 7
	Top          int          // customers listed by value; 0 means 10
}

// ModelReport is one purchase model fitted and checked.
type ModelReport struct {
	Model    CountModel
	Fit      FitResult
	Duration time.Duration // wall time of the fit

	// CalibrationExpected is the expected number of customers with 0, 1, …,
	// MaxFrequency+ calibration repeat purchases (BG/NBD only, else nil).
	CalibrationExpected []float64
	// HoldoutByFrequency compares holdout purchases by calibration
	// frequency; nil without a holdout.
	HoldoutByFrequency []FrequencyRow
	// TrackingExpected is the cumulative expected repeat purchases by week;
	// nil without transactions.
	TrackingExpected []float64
	// HoldoutPredicted is the cohort's expected repeat purchases in the
	// holdout period (0 without one).
	HoldoutPredicted float64

	Values       []Value // every customer, highest CLV (or expected purchases without spend) first
	MeanAlive    float64 // mean P(alive)
	Purchases    float64 // expected purchases of the cohort over the value horizon
	TotalCLV     float64 // 0 without spend
	MeanCLV      float64
	MedianCLV    float64
	P90CLV       float64
	TopCustomers []Value // the first Options.Top of Values
}

// SpendReport is the Gamma-Gamma fit.
type SpendReport struct {
	Model     GammaGamma
	Fit       FitResult
	Duration  time.Duration
	MeanSpend float64 // population mean spend per purchase, pγ/(q−1)
}

// Analysis is everything Analyze found; clv/report renders it.
type Analysis struct {
	Summary      *Summary
	Options      Options // with defaults filled in
	Repeaters    int     // customers with x > 0
	CalActual    []int   // customers with 0, 1, …, MaxFrequency+ calibration repeat purchases
	Tracking     []float64
	HoldoutTotal int // actual repeat purchases in the holdout period
	Models       []ModelReport
	Spend        *SpendReport // nil when the data has no spend or the spend model failed
	SpendErr     error        // why the spend model failed; values are then expected purchases only
}

// HasHoldout reports whether holdout comparisons were possible.
func (a *Analysis) HasHoldout() bool { return a.Summary.Holdout != nil }

// HasTracking reports whether the weekly tracking series is available.
func (a *Analysis) HasTracking() bool { return len(a.Summary.WeeklyRepeats) > 0 }

// SummaryOf wraps calibration summaries that came without transactions
// (no holdout, no weekly tracking) for Analyze.
func SummaryOf(cs []Customer) *Summary {
	s := &Summary{Customers: cs}
	for _, c := range cs {
		s.HasSpend = s.HasSpend || (c.X > 0 && c.Zbar > 0)
	}
	return s
}

// AnalyzeTransactions summarises transactions (Summarize) and analyses the
// result (Analyze). It is the entry point for a shop's own purchase events.
func AnalyzeTransactions(ctx context.Context, txs []Transaction, cfg SummaryConfig, opt Options) (*Analysis, error) {
	s, err := Summarize(txs, cfg)
	if err != nil {
		return nil, err
	}
	return Analyze(ctx, s, opt)
}

// Analyze fits the chosen purchase models (and Gamma-Gamma when the data has
// spend) to s, then predicts: calibration and holdout fit, the weekly
// tracking curve when s came from transactions, P(alive), expected purchases
// and customer value over the horizon. A purchase model that fails or does
// not converge is an error; a spend model that does is recorded in SpendErr
// and values are then expected purchases only. ctx is checked between models.
func Analyze(ctx context.Context, s *Summary, opt Options) (*Analysis, error) {
	if s == nil || len(s.Customers) == 0 {
		return nil, fmt.Errorf("analysing customers: %w: the summary is empty", ErrNoData)
	}
	if opt.Models == nil {
		opt.Models = []string{ModelBGNBD, ModelParetoNBD}
	}
	if opt.Value == (ValueOptions{}) {
		opt.Value = DefaultValueOptions
	}
	if _, err := opt.Value.normalised(); err != nil {
		return nil, err
	}
	if opt.MaxFrequency <= 0 {
		opt.MaxFrequency = 7
	}
	if opt.Top <= 0 {
		opt.Top = 10
	}
	for _, m := range opt.Models {
		if m != ModelBGNBD && m != ModelParetoNBD {
			return nil, fmt.Errorf("unknown model %q: use %s or %s", m, ModelBGNBD, ModelParetoNBD)
		}
	}
	a := &Analysis{Summary: s, Options: opt}
	for _, c := range s.Customers {
		if c.X > 0 {
			a.Repeaters++
		}
	}
	a.CalActual = make([]int, opt.MaxFrequency+1)
	for _, c := range s.Customers {
		a.CalActual[min(c.X, opt.MaxFrequency)]++
	}
	if a.HasTracking() {
		a.Tracking = TrackingActual(s)
	}
	for _, h := range s.Holdout {
		a.HoldoutTotal += h
	}

	if s.HasSpend {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		start := time.Now()
		gg, res, err := FitGammaGamma(s.Customers, opt.Fit)
		if err == nil && gg.Q <= 1 {
			err = fmt.Errorf("fitting Gamma-Gamma: q = %.3g ≤ 1, so the mean spend does not exist", gg.Q)
		}
		if err != nil {
			// The purchase models do not need spend: go on without values.
			a.SpendErr = err
		} else {
			a.Spend = &SpendReport{Model: gg, Fit: res, Duration: time.Since(start), MeanSpend: gg.ExpectedSpend()}
		}
	}

	for _, name := range opt.Models {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		start := time.Now()
		var mr ModelReport
		var err error
		switch name {
		case ModelBGNBD:
			var m BGNBD
			m, mr.Fit, err = FitBGNBD(s.Customers, opt.Fit)
			mr.Model = m
			if err == nil {
				_, mr.CalibrationExpected = CalibrationFrequency(m, s.Customers, opt.MaxFrequency)
			}
		case ModelParetoNBD:
			var m ParetoNBD
			m, mr.Fit, err = FitParetoNBD(s.Customers, opt.Fit)
			mr.Model = m
		}
		mr.Duration = time.Since(start)
		if err != nil {
			return nil, fmt.Errorf("%w (try the other model with --model, or other starting values)", err)
		}
		if err := a.predict(&mr); err != nil {
			return nil, err
		}
		a.Models = append(a.Models, mr)
	}
	return a, nil
}

// predict fills the holdout, tracking and value parts of mr.
func (a *Analysis) predict(mr *ModelReport) error {
	s, opt := a.Summary, a.Options
	var err error
	if a.HasHoldout() {
		if mr.HoldoutByFrequency, err = HoldoutByFrequency(mr.Model, s, opt.MaxFrequency); err != nil {
			return err
		}
		for _, r := range mr.HoldoutByFrequency {
			mr.HoldoutPredicted += r.Predicted * float64(r.Customers)
		}
	}
	if a.HasTracking() {
		mr.TrackingExpected = TrackingExpected(mr.Model, s)
	}
	mr.Values = make([]Value, len(s.Customers))
	for i, c := range s.Customers {
		var v Value
		if a.Spend != nil {
			if v, err = CustomerValue(mr.Model, a.Spend.Model, c, opt.Value); err != nil {
				return err
			}
		} else {
			v = Value{Customer: c, ProbAlive: mr.Model.ProbAlive(c), Purchases: mr.Model.ConditionalExpectedPurchases(c, opt.Value.Horizon)}
		}
		mr.Values[i] = v
		mr.MeanAlive += v.ProbAlive
		mr.Purchases += v.Purchases
		mr.TotalCLV += v.CLV
	}
	n := float64(len(s.Customers))
	mr.MeanAlive /= n
	mr.MeanCLV = mr.TotalCLV / n
	sort.SliceStable(mr.Values, func(i, j int) bool {
		if mr.Values[i].CLV != mr.Values[j].CLV {
			return mr.Values[i].CLV > mr.Values[j].CLV
		}
		return mr.Values[i].Purchases > mr.Values[j].Purchases
	})
	clvs := make([]float64, len(mr.Values))
	for i, v := range mr.Values {
		clvs[i] = v.CLV
	}
	slices.Sort(clvs)
	mr.MedianCLV = quantile(clvs, 0.5)
	mr.P90CLV = quantile(clvs, 0.9)
	mr.TopCustomers = mr.Values[:min(opt.Top, len(mr.Values))]
	return nil
}

// quantile returns the q-quantile of sorted values by linear interpolation.
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	pos := q * float64(len(sorted)-1)
	i := int(pos)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (pos-float64(i))*(sorted[i+1]-sorted[i])
}

// ParseModels turns "bgnbd", "paretonbd" or "all" (or a comma list) into
// Options.Models.
func ParseModels(s string) ([]string, error) {
	if s == "" || s == "all" {
		return []string{ModelBGNBD, ModelParetoNBD}, nil
	}
	var out []string
	for _, m := range strings.Split(s, ",") {
		m = strings.ToLower(strings.TrimSpace(m))
		switch m {
		case ModelBGNBD, "bg/nbd", "bg-nbd":
			m = ModelBGNBD
		case ModelParetoNBD, "pareto/nbd", "pareto-nbd", "pareto":
			m = ModelParetoNBD
		default:
			return nil, fmt.Errorf("unknown model %q: use bgnbd, paretonbd or all", m)
		}
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out, nil
}
