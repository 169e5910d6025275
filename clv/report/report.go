// Package report writes a clv.Analysis as one self-contained HTML page: the
// fitted parameters, and the diagnostic charts of Fader, Hardie & Lee (2005)
// drawn as inline SVG by this package (no scripts, no external files).
package report

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/shopmind/shopmind/clv"
	"github.com/shopmind/shopmind/internal/svgplot"
)

// Source describes where the analysed data came from.
type Source struct {
	Name  string // file name or data source shown in the title
	Shape string // e.g. "raw transaction log", "customer summary CSV"
}

// Write renders a as HTML to w.
func Write(w io.Writer, a *clv.Analysis, src Source) error {
	v := build(a, src)
	if err := page.Execute(w, v); err != nil {
		return fmt.Errorf("writing the CLV report: %w", err)
	}
	return nil
}

type view struct {
	Src          Source
	A            *clv.Analysis
	S            *clv.Summary
	Facts        [][2]string
	Models       []modelView
	Spend        *spendView
	Charts       []chartView
	Missing      string // why holdout charts are absent
	HoldoutTable []holdoutRow
	HoldoutHead  []string
	ValueNote    string
	Value        []valueView
}

type modelView struct {
	Name, Params, LogLik, Time, Iter string
}

type spendView struct {
	Params, LogLik, Time, Mean string
	N                          int
}

type chartView struct {
	Title, Caption string
	SVG            template.HTML
}

type holdoutRow struct {
	X     string
	N     int
	Cells []string
}

type valueView struct {
	Model                                          string
	MeanAlive, Purchases, Total, Mean, Median, P90 string
	Top                                            []topView
	HasSpend                                       bool
}

type topView struct {
	ID, X, Tx, T, Alive, Purchases, Spend, CLV string
}

func build(a *clv.Analysis, src Source) view {
	s := a.Summary
	v := view{Src: src, A: a, S: s}
	v.Facts = append(v.Facts,
		[2]string{"customers", strconv.Itoa(len(s.Customers))},
		[2]string{"with repeat purchases in calibration", strconv.Itoa(a.Repeaters)})
	if a.HasTracking() {
		v.Facts = append(v.Facts,
			[2]string{"transactions read", strconv.Itoa(s.Transactions)},
			[2]string{"same-day transactions merged", strconv.Itoa(s.Merged)},
			[2]string{"study start (week 0)", s.Origin.Format(time.DateOnly)},
			[2]string{"calibration", fmt.Sprintf("weeks 1–%g (to %s)", s.CalibrationWeeks, s.Origin.AddDate(0, 0, int(math.Round(s.CalibrationWeeks*7))-1).Format(time.DateOnly))})
		if s.Holdout != nil {
			v.Facts = append(v.Facts, [2]string{"holdout", fmt.Sprintf("weeks %g–%g (%g weeks), %d repeat purchases",
				s.CalibrationWeeks+1, s.CalibrationWeeks+s.HoldoutWeeks, s.HoldoutWeeks, a.HoldoutTotal)})
		}
		if s.LateCustomers > 0 {
			v.Facts = append(v.Facts, [2]string{"left out (first purchase after calibration)", strconv.Itoa(s.LateCustomers)})
		}
	}
	for _, m := range a.Models {
		v.Models = append(v.Models, modelView{
			Name:   m.Fit.Model,
			Params: paramText(m.Fit),
			LogLik: fmt.Sprintf("%.2f", m.Fit.LogLik),
			Time:   m.Duration.Round(100 * time.Microsecond).String(),
			Iter:   fmt.Sprintf("%d BFGS iterations, %d evaluations, max |gradient| %.1e", m.Fit.Iterations, m.Fit.Evaluations, m.Fit.MaxGrad),
		})
	}
	if sp := a.Spend; sp != nil {
		v.Spend = &spendView{Params: paramText(sp.Fit), LogLik: fmt.Sprintf("%.2f", sp.Fit.LogLik),
			Time: sp.Duration.Round(100 * time.Microsecond).String(), Mean: fmt.Sprintf("%.2f", sp.MeanSpend), N: sp.Fit.Customers}
	}
	v.Charts = charts(a)
	if !a.HasHoldout() {
		v.Missing = "These data are customer summaries without the transactions behind them, so the holdout " +
			"comparisons (purchases in the holdout period by calibration frequency, and the weekly tracking of " +
			"cumulative repeat purchases) cannot be drawn. Run the fit on the raw transaction log " +
			"(e.g. CDNOW_sample.txt) for them."
	} else {
		v.HoldoutHead = []string{"actual"}
		for _, m := range a.Models {
			v.HoldoutHead = append(v.HoldoutHead, m.Fit.Model)
		}
		for i, r := range a.Models[0].HoldoutByFrequency {
			hr := holdoutRow{X: strconv.Itoa(r.X), N: r.Customers, Cells: []string{fmt.Sprintf("%.3f", r.Actual)}}
			if r.AndMore {
				hr.X += "+"
			}
			for _, m := range a.Models {
				hr.Cells = append(hr.Cells, fmt.Sprintf("%.3f", m.HoldoutByFrequency[i].Predicted))
			}
			v.HoldoutTable = append(v.HoldoutTable, hr)
		}
		tot := holdoutRow{X: "all", N: len(s.Customers), Cells: []string{strconv.Itoa(a.HoldoutTotal)}}
		for _, m := range a.Models {
			tot.Cells = append(tot.Cells, fmt.Sprintf("%.1f", m.HoldoutPredicted))
		}
		v.HoldoutTable = append(v.HoldoutTable, tot)
	}
	o := a.Options.Value
	period := fmt.Sprintf("every %.4g weeks", o.Period)
	switch {
	case o.Period == 1:
		period = "weekly"
	case math.Abs(o.Period-clv.WeeksPerMonth) < 1e-9:
		period = "monthly (52/12 weeks)"
	}
	v.ValueNote = fmt.Sprintf("Horizon %g weeks after the end of calibration, discounted %s at %g%% a period "+
		"(purchases expected in period k are divided by (1+d)^k), margin %g%% of spend.", o.Horizon, period, 100*o.Discount, 100*o.Margin)
	if a.Spend == nil {
		v.ValueNote += " Without a spend model, values are expected purchases only."
	}
	for _, m := range a.Models {
		vv := valueView{Model: m.Fit.Model, HasSpend: a.Spend != nil,
			MeanAlive: fmt.Sprintf("%.3f", m.MeanAlive), Purchases: fmt.Sprintf("%.1f", m.Purchases),
			Total: fmt.Sprintf("%.2f", m.TotalCLV), Mean: fmt.Sprintf("%.2f", m.MeanCLV),
			Median: fmt.Sprintf("%.2f", m.MedianCLV), P90: fmt.Sprintf("%.2f", m.P90CLV)}
		for _, t := range m.TopCustomers {
			vv.Top = append(vv.Top, topView{ID: t.Customer.ID, X: strconv.Itoa(t.Customer.X),
				Tx: fmt.Sprintf("%.2f", t.Customer.Tx), T: fmt.Sprintf("%.2f", t.Customer.T),
				Alive: fmt.Sprintf("%.3f", t.ProbAlive), Purchases: fmt.Sprintf("%.2f", t.Purchases),
				Spend: fmt.Sprintf("%.2f", t.Spend), CLV: fmt.Sprintf("%.2f", t.CLV)})
		}
		v.Value = append(v.Value, vv)
	}
	return v
}

func paramText(r clv.FitResult) string {
	parts := make([]string, len(r.Names))
	for i, n := range r.Names {
		parts[i] = fmt.Sprintf("%s = %.4g", greek(n), r.Params[i])
		if i < len(r.StdErr) && !math.IsNaN(r.StdErr[i]) {
			parts[i] += fmt.Sprintf(" (± %.2g)", r.StdErr[i])
		}
	}
	return strings.Join(parts, ", ")
}

func greek(n string) string {
	switch n {
	case "alpha":
		return "α"
	case "beta":
		return "β"
	case "gamma":
		return "γ"
	}
	return n
}

func charts(a *clv.Analysis) []chartView {
	var out []chartView
	maxX := a.Options.MaxFrequency
	cats := make([]string, maxX+1)
	for i := range cats {
		cats[i] = strconv.Itoa(i)
	}
	cats[maxX] += "+"
	for _, m := range a.Models {
		if m.CalibrationExpected == nil {
			continue
		}
		act := make([]float64, len(a.CalActual))
		for i, n := range a.CalActual {
			act[i] = float64(n)
		}
		out = append(out, chartView{
			Title:   "Calibration: customers by number of repeat purchases",
			Caption: "Actual customers with 0, 1, …, " + cats[maxX] + " repeat purchases in the calibration period, against the " + m.Fit.Model + " expectation Σ P(X(Tᵢ) = x).",
			SVG: template.HTML(svgplot.Bars("Frequency of repeat transactions (calibration)", "repeat transactions in calibration", "customers", cats,
				[]svgplot.Series{{Name: "actual", Y: act}, {Name: m.Fit.Model, Y: m.CalibrationExpected}})),
		})
	}
	if a.HasTracking() {
		s := a.Summary
		weeks := make([]float64, len(a.Tracking))
		for i := range weeks {
			weeks[i] = float64(i + 1)
		}
		cum := []svgplot.Series{{Name: "actual", X: weeks, Y: a.Tracking}}
		inc := []svgplot.Series{{Name: "actual", X: weeks, Y: diff(a.Tracking)}}
		for _, m := range a.Models {
			cum = append(cum, svgplot.Series{Name: m.Fit.Model, X: weeks, Y: m.TrackingExpected, Dashed: true})
			inc = append(inc, svgplot.Series{Name: m.Fit.Model, X: weeks, Y: diff(m.TrackingExpected), Dashed: true})
		}
		out = append(out,
			chartView{Title: "Tracking cumulative repeat transactions",
				Caption: "Cumulative repeat purchases of the cohort by week against the sum over customers of E[X(t)] since their first purchase; the dotted line ends the calibration period.",
				SVG:     template.HTML(svgplot.Line("Cumulative repeat transactions", "week", "cumulative repeat transactions", cum, nil, false, s.CalibrationWeeks, "end of calibration"))},
			chartView{Title: "Weekly repeat transactions",
				Caption: "The same, week by week.",
				SVG:     template.HTML(svgplot.Line("Weekly repeat transactions", "week", "repeat transactions", inc, nil, false, s.CalibrationWeeks, "end of calibration"))})
	}
	if a.HasHoldout() {
		xs := make([]float64, maxX+1)
		act := make([]float64, maxX+1)
		for i, r := range a.Models[0].HoldoutByFrequency {
			xs[i], act[i] = float64(i), r.Actual
		}
		ss := []svgplot.Series{{Name: "actual", X: xs, Y: act}}
		for _, m := range a.Models {
			p := make([]float64, maxX+1)
			for i, r := range m.HoldoutByFrequency {
				p[i] = r.Predicted
			}
			ss = append(ss, svgplot.Series{Name: m.Fit.Model, X: xs, Y: p, Dashed: true})
		}
		out = append(out, chartView{Title: "Conditional expectations in the holdout period",
			Caption: fmt.Sprintf("Mean repeat purchases in the %g-week holdout period of the customers with 0, 1, …, %s calibration repeat purchases (%s+ collects the rest), against the mean conditional expectation E[Y(%g) | x, tₓ, T].",
				a.Summary.HoldoutWeeks, cats[maxX], strconv.Itoa(maxX), a.Summary.HoldoutWeeks),
			SVG: template.HTML(svgplot.Line("Holdout purchases by calibration frequency", "repeat transactions in calibration", "mean repeat transactions in holdout", ss,
				func(x float64) string {
					if i := int(x); float64(i) == x && i >= 0 && i <= maxX {
						return cats[i]
					}
					return ""
				}, true, math.NaN(), ""))})
	}
	return out
}

func diff(cum []float64) []float64 {
	out := make([]float64, len(cum))
	prev := 0.0
	for i, c := range cum {
		out[i] = c - prev
		prev = c
	}
	return out
}

var page = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Customer lifetime value — {{.Src.Name}}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
table{border-collapse:collapse;margin:.5em 0 1.2em}td,th{border-bottom:1px solid #ddd;padding:.25em .7em;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}figure{margin:1em 0 2em}figcaption{color:#555;font-size:.9em;max-width:720px}
.note{background:#fff7e0;border-left:4px solid #e6a700;padding:.6em 1em}code{background:#f4f4f4;padding:0 .2em}
</style></head><body>
<h1>Customer lifetime value</h1>
<p>Data: <code>{{.Src.Name}}</code>{{with .Src.Shape}} ({{.}}){{end}}. Times are in weeks; a customer's first purchase is time 0 and is not counted as a repeat purchase; purchases on the same day are one purchase.</p>
<table>{{range .Facts}}<tr><th>{{index . 0}}</th><td class="n">{{index . 1}}</td></tr>{{end}}</table>

<h2>Fitted models</h2>
<p>Maximum likelihood on log-parameters: BFGS with analytic gradients from all parameters = 1, Newton steps to polish, a Nelder–Mead restart if that fails; converged when every gradient component of the mean log-likelihood is below 1e-9. Standard errors from the observed information (numerical Hessian of the analytic gradient). Fit times are wall-clock.</p>
<table><tr><th>model</th><th>parameters (± s.e.)</th><th class="n">log-likelihood</th><th>fit time</th><th>optimiser</th></tr>
{{range .Models}}<tr><td>{{.Name}}</td><td>{{.Params}}</td><td class="n">{{.LogLik}}</td><td class="n">{{.Time}}</td><td>{{.Iter}}</td></tr>
{{end}}{{with .Spend}}<tr><td>Gamma-Gamma (spend, {{.N}} repeat customers)</td><td>{{.Params}}</td><td class="n">{{.LogLik}}</td><td class="n">{{.Time}}</td><td>mean spend per purchase pγ/(q−1) = {{.Mean}}</td></tr>{{end}}
</table>
{{with .A.SpendErr}}<p class="note">The Gamma-Gamma spend model was not used: {{.}}</p>{{else}}{{if not .Spend}}<p>No spend in the data: the Gamma-Gamma spend model was not fitted.</p>{{end}}{{end}}

<h2>Fit and holdout diagnostics</h2>
{{with .Missing}}<p class="note">{{.}}</p>{{end}}
{{range .Charts}}<figure>{{.SVG}}<figcaption><b>{{.Title}}.</b> {{.Caption}}</figcaption></figure>
{{end}}
{{if .HoldoutTable}}<h3>Mean holdout repeat purchases by calibration frequency</h3>
<table><tr><th>x</th><th class="n">customers</th>{{range .HoldoutHead}}<th class="n">{{.}}</th>{{end}}</tr>
{{range .HoldoutTable}}<tr><td>{{.X}}</td><td class="n">{{.N}}</td>{{range .Cells}}<td class="n">{{.}}</td>{{end}}</tr>
{{end}}</table><p>The last row holds totals over the cohort.</p>{{end}}

<h2>Customer value</h2>
<p>{{.ValueNote}}</p>
{{range .Value}}<h3>{{.Model}}</h3>
<table><tr><th>mean P(alive)</th><td class="n">{{.MeanAlive}}</td></tr><tr><th>expected purchases of the cohort over the horizon</th><td class="n">{{.Purchases}}</td></tr>
{{if .HasSpend}}<tr><th>total CLV</th><td class="n">{{.Total}}</td></tr><tr><th>mean / median / 90th percentile CLV</th><td class="n">{{.Mean}} / {{.Median}} / {{.P90}}</td></tr>{{end}}</table>
<table><tr><th>customer</th><th class="n">x</th><th class="n">tₓ</th><th class="n">T</th><th class="n">P(alive)</th><th class="n">expected purchases</th>{{if .HasSpend}}<th class="n">expected spend</th><th class="n">CLV</th>{{end}}</tr>
{{range .Top}}<tr><td>{{.ID}}</td><td class="n">{{.X}}</td><td class="n">{{.Tx}}</td><td class="n">{{.T}}</td><td class="n">{{.Alive}}</td><td class="n">{{.Purchases}}</td>{{if $.Spend}}<td class="n">{{.Spend}}</td><td class="n">{{.CLV}}</td>{{end}}</tr>
{{end}}</table>
{{end}}
<h2>Methods</h2>
<ul>
<li>BG/NBD: Fader, Hardie &amp; Lee (2005), “Counting Your Customers the Easy Way”, Marketing Science 24(2).</li>
<li>Pareto/NBD: Schmittlein, Morrison &amp; Colombo (1987); likelihood in the Gaussian hypergeometric form (Fader &amp; Hardie’s note), branch on α ≥ β.</li>
<li>Gamma-Gamma: Fader &amp; Hardie (2013), “The Gamma-Gamma Model of Monetary Value”, fitted on customers with repeat purchases.</li>
<li>Customer value = margin × Gamma-Gamma expected spend × discounted conditional expected purchases.</li>
</ul>
</body></html>
`))
