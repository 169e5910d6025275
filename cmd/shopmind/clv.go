package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/shopmind/shopmind/clv"
	"github.com/shopmind/shopmind/clv/cdnow"
	"github.com/shopmind/shopmind/clv/report"
	"github.com/shopmind/shopmind/config"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

const clvSummary = "Fit customer-value models: BG/NBD and Pareto/NBD for purchase counts, Gamma-Gamma for spend."

func clvUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage: shopmind clv SUBCOMMAND [flags]\n\n%s\n\nSubcommands:\n", clvSummary)
	fmt.Fprintln(w, "  fit      fit the models to a dataset, print parameters and write a report (shopmind clv fit --help)")
}

func runCLV(ctx context.Context, args []string, out, errOut io.Writer) error {
	if len(args) == 0 {
		clvUsage(errOut)
		return errUsage
	}
	switch args[0] {
	case "fit":
		return runCLVFit(ctx, args[1:], out, errOut)
	case "help", "-h", "-help", "--help":
		clvUsage(out)
		return flag.ErrHelp
	}
	fmt.Fprintf(errOut, "shopmind clv: unknown subcommand %q\n\n", args[0])
	clvUsage(errOut)
	return errUsage
}

func runCLVFit(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs := newFlags("clv fit", "Fit BG/NBD and Pareto/NBD purchase models and the Gamma-Gamma spend model by maximum\n"+
		"likelihood, print the parameters, and optionally write an HTML report and JSON.\n\n"+
		"Formats:\n"+
		"  cdnow   Fader & Hardie's CDNOW data: the summary CSVs (ID,frequency,recency,T or ID,x,t_x,T,zbar)\n"+
		"          or the raw logs CDNOW_sample.txt / CDNOW_master.txt (shape detected from the first line).\n"+
		"          Raw logs are cut into a 39-week calibration and a 78-week study from the first day, and\n"+
		"          the report then compares predictions with the holdout weeks 40-78.\n"+
		"  store   the shop's own purchase events in the store (--data or --store); --holdout-days N keeps\n"+
		"          the last N days out of the fit to check predictions on them.", errOut)
	format := fs.String("format", "", "input format: cdnow or store")
	path := fs.String("path", "", "file to read (cdnow)")
	holdoutDays := fs.Int("holdout-days", 0, "store: days at the end kept out of the fit as a holdout")
	b := config.Bind(fs, "data", "store", "log_level", "log_format")
	models := fs.String("model", "all", "purchase model: bgnbd, paretonbd or all")
	reportPath := fs.String("report", "", "write an HTML report to this file")
	jsonPath := fs.String("json", "", "write the fitted parameters and summaries as JSON to this file")
	horizon := fs.Float64("horizon", 52, "customer-value horizon in weeks after the calibration period")
	period := fs.String("period", "monthly", "discounting period: weekly or monthly (52/12 weeks)")
	discount := fs.Float64("discount", 0.01, "discount rate per period (0.01 = 1 %)")
	margin := fs.Float64("margin", 1, "profit margin on spend, in (0, 1]; 1 values revenue")
	if err := fs.Parse(args); err != nil {
		return parseErr(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q; see shopmind clv fit --help", fs.Args())
	}
	if *format == "" || (*path == "" && *format != "store") {
		return fmt.Errorf("--format and --path are required; see shopmind clv fit --help")
	}
	ms, err := clv.ParseModels(*models)
	if err != nil {
		return err
	}
	opt := clv.Options{Models: ms, Value: clv.ValueOptions{Horizon: *horizon, Discount: *discount, Margin: *margin}}
	switch *period {
	case "weekly":
		opt.Value.Period = 1
	case "monthly":
		opt.Value.Period = clv.WeeksPerMonth
	default:
		return fmt.Errorf("--period %q: use weekly or monthly", *period)
	}

	var summary *clv.Summary
	var shape string
	switch *format {
	case "cdnow":
		d, err := cdnow.ReadFile(*path)
		if err != nil {
			return fmt.Errorf("reading %s: %w", *path, err)
		}
		if summary, err = d.Summary(); err != nil {
			return fmt.Errorf("%s: %w", *path, err)
		}
		shape = map[string]string{
			cdnow.ShapeSummary: "customer summary CSV",
			cdnow.ShapeMaster:  "raw transaction log (master)",
			cdnow.ShapeSample:  "raw transaction log (1/10 sample)",
		}[d.Shape]
	case "store":
		cfg, err := config.Load(fs, b, os.Getenv)
		if err != nil {
			return err
		}
		if summary, err = storeSummary(ctx, cfg, *holdoutDays, errOut); err != nil {
			return err
		}
		shape, *path = "purchase events", cfg.StoreURL()
	default:
		return fmt.Errorf("--format %q: use cdnow or store", *format)
	}
	fmt.Fprintln(out, describeSummary(filepath.Base(*path), shape, summary))

	a, err := clv.Analyze(ctx, summary, opt)
	if err != nil {
		return err
	}
	printAnalysis(out, a)

	if *reportPath != "" {
		if err := writeFileWith(*reportPath, func(w io.Writer) error {
			return report.Write(w, a, report.Source{Name: filepath.Base(*path), Shape: shape})
		}); err != nil {
			return err
		}
		fmt.Fprintf(out, "report: %s\n", *reportPath)
	}
	if *jsonPath != "" {
		if err := writeFileWith(*jsonPath, func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(clvJSON(*path, a))
		}); err != nil {
			return err
		}
		fmt.Fprintf(out, "json: %s\n", *jsonPath)
	}
	return nil
}

// describeSummary is the first line of output: what was read.
func describeSummary(name, shape string, s *clv.Summary) string {
	var b strings.Builder
	repeat := 0
	for _, c := range s.Customers {
		if c.X > 0 {
			repeat++
		}
	}
	fmt.Fprintf(&b, "read %s (%s): %d customers, %d with repeat purchases", name, shape, len(s.Customers), repeat)
	if s.Transactions > 0 {
		calEnd := s.Origin.AddDate(0, 0, int(math.Round(s.CalibrationWeeks*7))-1)
		fmt.Fprintf(&b, "\n  %d transactions (%d merged into same-day purchases); calibration %s to %s (%.4g weeks)",
			s.Transactions, s.Merged, s.Origin.Format(time.DateOnly), calEnd.Format(time.DateOnly), s.CalibrationWeeks)
		if s.Holdout != nil {
			fmt.Fprintf(&b, ", holdout to %s (%.4g weeks)", calEnd.AddDate(0, 0, int(math.Round(s.HoldoutWeeks*7))).Format(time.DateOnly), s.HoldoutWeeks)
		}
	}
	if !s.HasSpend {
		b.WriteString("; no spend (Gamma-Gamma not fitted)")
	}
	return b.String()
}

func printAnalysis(out io.Writer, a *clv.Analysis) {
	fmt.Fprintf(out, "%-12s %-48s %15s %10s\n", "model", "parameters", "log-likelihood", "fit time")
	row := func(r clv.FitResult, d time.Duration, note string) {
		ps := make([]string, len(r.Names))
		for i, n := range r.Names {
			ps[i] = fmt.Sprintf("%s=%.4f", n, r.Params[i])
		}
		fmt.Fprintf(out, "%-12s %-48s %15.2f %10s%s\n", r.Model, strings.Join(ps, " "), r.LogLik, d.Round(100*time.Microsecond), note)
	}
	for _, m := range a.Models {
		row(m.Fit, m.Duration, "")
	}
	if sp := a.Spend; sp != nil {
		row(sp.Fit, sp.Duration, fmt.Sprintf("  (%d repeat customers; mean spend %.2f)", sp.Fit.Customers, sp.MeanSpend))
	}
	if a.SpendErr != nil {
		fmt.Fprintf(out, "Gamma-Gamma not used: %v\n  (customer value is reported as expected purchases only)\n", a.SpendErr)
	}
	if a.HasHoldout() {
		s := a.Summary
		fmt.Fprintf(out, "holdout (weeks %.4g-%.4g): %d repeat purchases", s.CalibrationWeeks+1, s.CalibrationWeeks+s.HoldoutWeeks, a.HoldoutTotal)
		for _, m := range a.Models {
			fmt.Fprintf(out, "; %s predicts %.1f", m.Fit.Model, m.HoldoutPredicted)
		}
		fmt.Fprintln(out)
	}
	if a.Spend != nil {
		for _, m := range a.Models {
			fmt.Fprintf(out, "%s customer value over %g weeks: total %.2f, mean %.2f, median %.2f\n",
				m.Fit.Model, a.Options.Value.Horizon, m.TotalCLV, m.MeanCLV, m.MedianCLV)
		}
	}
}

type clvFitJSON struct {
	Model       string             `json:"model"`
	Params      map[string]float64 `json:"params"`
	StdErr      map[string]float64 `json:"std_err,omitempty"`
	LogLik      float64            `json:"log_likelihood"`
	Customers   int                `json:"customers"`
	FitSeconds  float64            `json:"fit_seconds"`
	Iterations  int                `json:"iterations"`
	Evaluations int                `json:"evaluations"`
	MaxGrad     float64            `json:"max_gradient"`

	HoldoutPredicted *float64 `json:"holdout_predicted,omitempty"`
	MeanProbAlive    *float64 `json:"mean_p_alive,omitempty"`
	TotalCLV         *float64 `json:"total_clv,omitempty"`
}

func fitJSON(r clv.FitResult, d time.Duration) clvFitJSON {
	j := clvFitJSON{Model: r.Model, Params: map[string]float64{}, StdErr: map[string]float64{}, LogLik: r.LogLik,
		Customers: r.Customers, FitSeconds: d.Seconds(), Iterations: r.Iterations, Evaluations: r.Evaluations, MaxGrad: r.MaxGrad}
	for i, n := range r.Names {
		j.Params[n] = r.Params[i]
		if i < len(r.StdErr) && !math.IsNaN(r.StdErr[i]) {
			j.StdErr[n] = r.StdErr[i]
		}
	}
	return j
}

func clvJSON(path string, a *clv.Analysis) any {
	type holdout struct {
		Weeks  float64 `json:"weeks"`
		Actual int     `json:"actual_repeat_purchases"`
	}
	out := struct {
		Source     string       `json:"source"`
		Customers  int          `json:"customers"`
		Repeaters  int          `json:"repeat_customers"`
		Holdout    *holdout     `json:"holdout,omitempty"`
		Models     []clvFitJSON `json:"models"`
		GammaGamma *clvFitJSON  `json:"gamma_gamma,omitempty"`
		Value      struct {
			HorizonWeeks float64 `json:"horizon_weeks"`
			PeriodWeeks  float64 `json:"period_weeks"`
			Discount     float64 `json:"discount_per_period"`
			Margin       float64 `json:"margin"`
		} `json:"value"`
	}{Source: path, Customers: len(a.Summary.Customers), Repeaters: a.Repeaters}
	v := a.Options.Value
	out.Value.HorizonWeeks, out.Value.PeriodWeeks, out.Value.Discount, out.Value.Margin = v.Horizon, v.Period, v.Discount, v.Margin
	if a.HasHoldout() {
		out.Holdout = &holdout{a.Summary.HoldoutWeeks, a.HoldoutTotal}
	}
	for _, m := range a.Models {
		j := fitJSON(m.Fit, m.Duration)
		alive := m.MeanAlive
		j.MeanProbAlive = &alive
		if a.HasHoldout() {
			p := m.HoldoutPredicted
			j.HoldoutPredicted = &p
		}
		if a.Spend != nil {
			t := m.TotalCLV
			j.TotalCLV = &t
		}
		out.Models = append(out.Models, j)
	}
	if a.Spend != nil {
		j := fitJSON(a.Spend.Fit, a.Spend.Duration)
		out.GammaGamma = &j
	}
	return out
}

// storeSummary reads every purchase event in the store and summarises it for
// the CLV models: calibration up to the last purchase day less holdoutDays.
func storeSummary(ctx context.Context, cfg config.Config, holdoutDays int, errOut io.Writer) (*clv.Summary, error) {
	if holdoutDays < 0 {
		return nil, fmt.Errorf("--holdout-days must be ≥ 0")
	}
	st, err := openStore(ctx, cfg, newLogger(cfg, errOut))
	if err != nil {
		return nil, err
	}
	defer st.Close()
	var txs []clv.Transaction
	var last time.Time
	for after := int64(0); ; {
		evs, err := st.EventsSince(ctx, after, store.MaxLimit)
		if err != nil {
			return nil, fmt.Errorf("reading purchase events: %w", err)
		}
		if len(evs) == 0 {
			break
		}
		for _, e := range evs {
			if e.Type == shop.Purchase {
				txs = append(txs, clv.Transaction{Customer: e.UserID, Time: e.Timestamp, Amount: e.Revenue})
				if e.Timestamp.After(last) {
					last = e.Timestamp
				}
			}
		}
		after = evs[len(evs)-1].Seq
	}
	if len(txs) == 0 {
		return nil, fmt.Errorf("the store %s holds no purchase events", cfg.StoreURL())
	}
	day := last.UTC().Truncate(24 * time.Hour)
	sc := clv.SummaryConfig{CalibrationEnd: day.AddDate(0, 0, -holdoutDays)}
	if holdoutDays > 0 {
		sc.HoldoutEnd = day
	}
	return clv.Summarize(txs, sc)
}
