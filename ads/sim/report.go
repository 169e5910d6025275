package sim

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"
	"text/tabwriter"
)

// WriteText prints the per-campaign and overall results as plain text.
func (r *Result) WriteText(w io.Writer) error {
	cfg := r.Config
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "Simulated %d hours, %d campaigns, %d users, %.0f requests per user per day, %d slots, seed %d\n",
		cfg.Hours, cfg.Campaigns, cfg.Users, cfg.RequestsPerUser, cfg.Slots, cfg.Seed)
	fmt.Fprintf(w, "Predictor: the true rates with a fixed log-normal error per user and campaign (σ = %.2f), times a per-creative\n", cfg.PredictorNoise)
	fmt.Fprintf(w, "quality learned online from the simulated clicks. Budgets: %.0f%% of campaigns get %.2f–%.2f× their measured demand,\nthe others 1.5–2.5×.\n\n",
		cfg.LimitedShare*100, cfg.LimitedLow, cfg.LimitedHigh)
	fmt.Fprintln(tw, "campaign\ttype\tbid\tcap\tbudget\tdemand\tlimited\tspend\tspend/budget\tno pacing\trandom\thourly CV\tno pacing\timpr\tclicks\tconv\t")
	for _, c := range r.Campaigns {
		lim := ""
		if c.DemandExceedsBudget {
			lim = "yes"
		}
		capS := "-"
		if c.FrequencyCap > 0 {
			capS = fmt.Sprint(c.FrequencyCap)
		}
		fmt.Fprintf(tw, "%s\t%s\t%.2f\t%s\t%.2f\t%.2f\t%s\t%.2f\t%.3f\t%.2f\t%.2f\t%.2f\t%.2f\t%d\t%d\t%d\t\n",
			c.ID, c.BidType, c.Bid, capS, c.Budget, c.Demand, lim, c.Spend, ratioF(c.Spend, c.Budget), c.SpendNoPacing, c.SpendRandom,
			c.HourlyCV, c.HourlyCVNoPacing, c.Impressions, c.Clicks, c.Conversions)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\trequests\timpressions\tclicks\tconversions\tspend\tclicks/spend\tconversions/spend\tcap violations\tseconds\t")
	for _, run := range r.Runs {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%.2f\t%.4f\t%.4f\t%d\t%.1f\t\n", run.Name, run.Requests, run.Impressions, run.Clicks, run.Conversions,
			run.Spend, ratio(run.Clicks, run.Spend), ratio(run.Conversions, run.Spend), run.Violations, run.Elapsed)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n(the demand run has no pacing and no budget limits; its spend is each campaign's demand)\n\n")
	fmt.Fprintf(w, "Budget-limited campaigns (demand > budget): %d; spend within ±3%% of budget: %d; worst spend/budget %.3f\n",
		r.BudgetLimited, r.BudgetLimitedWithin3Pct, r.WorstBudgetLimitedSpendTo)
	fmt.Fprintf(w, "Campaigns that spent beyond their budget (any run): %d\n", r.OverBudget)
	fmt.Fprintf(w, "Hourly spend CV of the budget-limited campaigns' total: %.3f with pacing, %.3f without\n", r.HourlySpendCV, r.HourlySpendCVNoPacing)
	fmt.Fprintf(w, "Per-campaign hourly spend CV of budget-limited campaigns: median %.3f (max %.3f) with pacing, median %.3f without\n",
		r.CampaignCVMedian, r.CampaignCVMax, r.CampaignCVMedianNoPacing)
	fmt.Fprintf(w, "Clicks per unit spend: %.4f paced, %.4f no pacing, %.4f random allocation\n", r.ClicksPerSpend, r.ClicksPerSpendNoPacing, r.ClicksPerSpendRandom)
	fmt.Fprintf(w, "Conversions per unit spend: %.4f paced, %.4f no pacing, %.4f random allocation\n", r.ConversionsPerSpend, r.ConversionsPerSpendNoPacing, r.ConversionsPerSpendRandom)
	_, err := fmt.Fprintf(w, "Frequency-cap violations: %d paced, %d no pacing, %d random allocation\n", r.CapViolations, r.CapViolationsNoPacing, r.CapViolationsRandom)
	return err
}

func ratioF(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// WriteHTML writes a self-contained report: the overall numbers, the
// hourly spend of the budget-limited campaigns in each run, and one chart
// of hourly spend per campaign (inline SVG, no scripts). command is shown
// as how the report was made.
func (r *Result) WriteHTML(w io.Writer, command string) error {
	var b strings.Builder
	esc := html.EscapeString
	b.WriteString(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>shopmind ad delivery simulation</title><style>
body{font-family:sans-serif;max-width:1180px;margin:1em auto;color:#222}table{border-collapse:collapse;font-size:13px}
td,th{padding:2px 8px;text-align:right;border-bottom:1px solid #ddd}th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}
.grid{display:flex;flex-wrap:wrap;gap:8px}.grid figure{margin:0}figcaption{font-size:12px}.bad{color:#b00}code{background:#f4f4f4;padding:1px 4px}
</style></head><body><h1>Ad delivery simulation</h1>`)
	fmt.Fprintf(&b, "<p>Made with <code>%s</code>. %d simulated hours, %d campaigns, %d users, %.0f ad requests per user per day, %d slots per request, seed %d.</p>",
		esc(command), r.Config.Hours, r.Config.Campaigns, r.Config.Users, r.Config.RequestsPerUser, r.Config.Slots, r.Config.Seed)
	fmt.Fprintf(&b, `<p>Every request goes through the real decision code (package ads) with in-memory counters. The predictor is the
true click and conversion rates with a fixed log-normal error per user and campaign (σ = %.2f), times a per-creative quality learned online from
the simulated clicks; new creatives are explored by Thompson sampling. Traffic follows a diurnal curve (%.1f× the mean at 04:00, %.1f× at 16:00).
A first run without pacing or budget limits measures each campaign's demand; %.0f%% of the campaigns then get a daily budget of %.2f–%.2f× their demand
("budget-limited"), the others 1.5–2.5×. The random-allocation baseline draws the winners at random among the eligible (and throttles at random),
each slot priced as in the auction.</p>`,
		r.Config.PredictorNoise, 1-r.Config.TrafficAmplitude, 1+r.Config.TrafficAmplitude, r.Config.LimitedShare*100, r.Config.LimitedLow, r.Config.LimitedHigh)

	b.WriteString("<h2>Overall</h2><table><tr><th></th><th>paced</th><th>no pacing</th><th>random allocation</th></tr>")
	row := func(name string, f func(run *Run) string) {
		fmt.Fprintf(&b, "<tr><td>%s</td>", esc(name))
		for _, run := range r.Runs[1:] {
			fmt.Fprintf(&b, "<td>%s</td>", f(run))
		}
		b.WriteString("</tr>")
	}
	row("impressions", func(run *Run) string { return fmt.Sprint(run.Impressions) })
	row("clicks", func(run *Run) string { return fmt.Sprint(run.Clicks) })
	row("conversions", func(run *Run) string { return fmt.Sprint(run.Conversions) })
	row("spend", func(run *Run) string { return fmt.Sprintf("%.2f", run.Spend) })
	row("clicks per unit spend", func(run *Run) string { return fmt.Sprintf("%.4f", ratio(run.Clicks, run.Spend)) })
	row("conversions per unit spend", func(run *Run) string { return fmt.Sprintf("%.4f", ratio(run.Conversions, run.Spend)) })
	row("frequency-cap violations", func(run *Run) string { return fmt.Sprint(run.Violations) })
	b.WriteString("</table>")
	fmt.Fprintf(&b, `<p>Budget-limited campaigns: %d, of which %d spent within ±3%% of their budget (worst spend/budget %.3f).
Campaigns that spent beyond their budget in any run: %d. Coefficient of variation of the hourly spend of the budget-limited campaigns' total:
<b>%.3f</b> with pacing, <b>%.3f</b> without; per campaign (noisy for campaigns with few clicks or conversions) median %.3f with pacing, %.3f without.</p>`,
		r.BudgetLimited, r.BudgetLimitedWithin3Pct, r.WorstBudgetLimitedSpendTo, r.OverBudget, r.HourlySpendCV, r.HourlySpendCVNoPacing,
		r.CampaignCVMedian, r.CampaignCVMedianNoPacing)

	hours := r.Config.Hours
	sum := func(run *Run) []float64 {
		out := make([]float64, hours)
		for i, c := range r.Campaigns {
			if c.DemandExceedsBudget {
				for h := range hours {
					out[h] += run.PerCampaign[i][h]
				}
			}
		}
		return out
	}
	target := 0.0
	for _, c := range r.Campaigns {
		if c.DemandExceedsBudget {
			target += c.Budget / float64(hours)
		}
	}
	b.WriteString(lineChart(720, 300, "Hourly spend of the budget-limited campaigns", []series{
		{"paced", sum(r.Runs[1]), "#0072B2", ""}, {"no pacing", sum(r.Runs[2]), "#D55E00", "6 4"},
		{"random allocation", sum(r.Runs[3]), "#009E73", "2 3"}}, target))

	b.WriteString("<h2>Campaigns</h2><table><tr><th>campaign</th><th>bid type</th><th>bid</th><th>cap</th><th>budget</th><th>demand</th><th>budget-limited</th><th>spend</th><th>spend/budget</th><th>no pacing</th><th>random</th><th>hourly CV</th><th>no pacing</th><th>clicks</th><th>conversions</th></tr>")
	for _, c := range r.Campaigns {
		cls := ""
		if c.DemandExceedsBudget && math.Abs(c.Spend-c.Budget) > 0.03*c.Budget {
			cls = ` class="bad"`
		}
		lim := "no"
		if c.DemandExceedsBudget {
			lim = "yes"
		}
		fmt.Fprintf(&b, "<tr%s><td>%s</td><td>%s</td><td>%.2f</td><td>%d</td><td>%.2f</td><td>%.2f</td><td>%s</td><td>%.2f</td><td>%.3f</td><td>%.2f</td><td>%.2f</td><td>%.2f</td><td>%.2f</td><td>%d</td><td>%d</td></tr>",
			cls, esc(c.ID), c.BidType, c.Bid, c.FrequencyCap, c.Budget, c.Demand, lim, c.Spend, ratioF(c.Spend, c.Budget), c.SpendNoPacing, c.SpendRandom,
			c.HourlyCV, c.HourlyCVNoPacing, c.Clicks, c.Conversions)
	}
	b.WriteString("</table><h2>Hourly spend per campaign</h2><p>Solid: paced; dashed: no pacing; dotted grey: the budget spread evenly over the hours.</p><div class=\"grid\">")
	for i, c := range r.Campaigns {
		title := fmt.Sprintf("%s (%s, budget %.2f%s)", c.ID, c.BidType, c.Budget, map[bool]string{true: ", budget-limited"}[c.DemandExceedsBudget])
		b.WriteString("<figure>")
		b.WriteString(lineChart(360, 170, title, []series{{"paced", r.Runs[1].PerCampaign[i], "#0072B2", ""},
			{"no pacing", r.Runs[2].PerCampaign[i], "#D55E00", "6 4"}}, c.Budget/float64(hours)))
		b.WriteString("</figure>")
	}
	b.WriteString("</div></body></html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

type series struct {
	name   string
	y      []float64
	color  string
	dashes string
}

// lineChart draws series over the hours with a horizontal reference line
// at ref (skipped when 0), as an inline SVG.
func lineChart(w, h int, title string, ss []series, ref float64) string {
	const padL, padR, padT, padB = 52, 10, 24, 30
	n := 0
	top := ref
	for _, s := range ss {
		n = max(n, len(s.y))
		for _, v := range s.y {
			top = math.Max(top, v)
		}
	}
	if top <= 0 {
		top = 1
	}
	top = niceCeil(top)
	pw, ph := float64(w-padL-padR), float64(h-padT-padB)
	px := func(i float64) float64 { return padL + pw*i/math.Max(float64(n-1), 1) }
	py := func(v float64) float64 { return padT + ph*(1-v/top) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="10" role="img" aria-label="%s">`,
		w, h, w, h, html.EscapeString(title))
	fmt.Fprintf(&b, `<title>%s</title><rect width="100%%" height="100%%" fill="#fff"/><text x="%d" y="14" font-size="12" font-weight="bold">%s</text>`,
		html.EscapeString(title), padL, html.EscapeString(title))
	for k := 0; k <= 4; k++ {
		v := top * float64(k) / 4
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#e4e4e4"/><text x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`,
			padL, w-padR, py(v), py(v), padL-4, py(v), fmtNum(v))
	}
	step := max(1, n/8)
	for i := 0; i < n; i += step {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%d h</text>`, px(float64(i)), h-padB+14, i)
	}
	if ref > 0 {
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#888" stroke-dasharray="1 3"/>`, padL, w-padR, py(ref), py(ref))
	}
	for k, s := range ss {
		var pts strings.Builder
		for i, v := range s.y {
			fmt.Fprintf(&pts, "%.1f,%.1f ", px(float64(i)), py(v))
		}
		dash := ""
		if s.dashes != "" {
			dash = fmt.Sprintf(` stroke-dasharray="%s"`, s.dashes)
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.6"%s points="%s"/>`, s.color, dash, strings.TrimSpace(pts.String()))
		lx := padL + 8 + k*110
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="1.6"%s/><text x="%d" y="%d">%s</text>`,
			lx, lx+16, h-6, h-6, s.color, dash, lx+20, h-3, html.EscapeString(s.name))
	}
	b.WriteString("</svg>")
	return b.String()
}

func niceCeil(v float64) float64 {
	mag := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= v {
			return m * mag
		}
	}
	return 10 * mag
}

func fmtNum(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
}
