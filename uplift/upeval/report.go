package upeval

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"
	"text/tabwriter"
)

// Row is one model's result, averaged over the seeds.
type Row struct {
	Model                  string
	Qini, AUUC, UpliftAt30 float64
	QiniStd, AUUCStd       float64
	UpliftAt30Std          float64
	BeatResponse, Seeds    int
	CurveN, CurveQ         []float64 // Qini curve on the first seed's test part
	qini, auuc, at30       []float64
}

// PerSeedQini returns the row's Qini coefficient on each seed.
func (r Row) PerSeedQini() []float64 { return append([]float64(nil), r.qini...) }

// Report is the outcome of Evaluate: rows random, response, then the models.
type Report struct {
	Options            Options
	Rows               []Row
	PerfectN, PerfectQ []float64
}

// Row returns the row named name.
func (r *Report) Row(name string) (Row, bool) {
	for _, row := range r.Rows {
		if row.Model == name {
			return row, true
		}
	}
	return Row{}, false
}

// Best returns the uplift model (not a baseline) with the highest mean Qini.
func (r *Report) Best() Row {
	best := Row{Qini: math.Inf(-1)}
	for _, row := range r.Rows {
		if row.Model != Random && row.Model != Response && row.Qini > best.Qini {
			best = row
		}
	}
	return best
}

// WriteTable prints the results as an aligned table.
func (r *Report) WriteTable(w io.Writer) error {
	o := r.Options
	fmt.Fprintf(w, "%s: %s e-mail vs no e-mail, outcome %s, %d seed(s) from %d, test share %.0f%%\n",
		o.Dataset, o.Treatment, o.Outcome, o.Seeds, o.Seed, 100*o.TestFrac)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	multi := o.Seeds > 1
	if multi {
		fmt.Fprintln(tw, "model\tqini\t± sd\tauuc\t± sd\tuplift@30\t± sd\tbeat response\t")
	} else {
		fmt.Fprintln(tw, "model\tqini\tauuc\tuplift@30\t")
	}
	for _, row := range r.Rows {
		if multi {
			beat := fmt.Sprintf("%d/%d", row.BeatResponse, row.Seeds)
			if row.Model == Response {
				beat = "-"
			}
			fmt.Fprintf(tw, "%s\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%s\t\n", row.Model, row.Qini, row.QiniStd, row.AUUC, row.AUUCStd, row.UpliftAt30, row.UpliftAt30Std, beat)
		} else {
			fmt.Fprintf(tw, "%s\t%.4f\t%.4f\t%.4f\t\n", row.Model, row.Qini, row.AUUC, row.UpliftAt30)
		}
	}
	return tw.Flush()
}

type jsonRow struct {
	Model         string    `json:"model"`
	Qini          float64   `json:"qini"`
	AUUC          float64   `json:"auuc"`
	UpliftAt30    float64   `json:"uplift@30"`
	QiniStd       *float64  `json:"qini_std,omitempty"`
	AUUCStd       *float64  `json:"auuc_std,omitempty"`
	UpliftAt30Std *float64  `json:"uplift@30_std,omitempty"`
	Seeds         int       `json:"seeds"`
	BeatResponse  *int      `json:"beat_response,omitempty"`
	QiniPerSeed   []float64 `json:"qini_per_seed,omitempty"`
}

// WriteJSON writes {"results": [{"model", "qini", "auuc", "uplift@30", ...}]};
// with more than one seed each row also has the standard deviations, the
// per-seed Qini and on how many seeds it beat response.
func (r *Report) WriteJSON(w io.Writer) error {
	var rows []jsonRow
	for _, row := range r.Rows {
		j := jsonRow{Model: row.Model, Qini: finite(row.Qini), AUUC: finite(row.AUUC), UpliftAt30: finite(row.UpliftAt30), Seeds: row.Seeds}
		if row.Seeds > 1 {
			qs, as, us := finite(row.QiniStd), finite(row.AUUCStd), finite(row.UpliftAt30Std)
			j.QiniStd, j.AUUCStd, j.UpliftAt30Std = &qs, &as, &us
			j.QiniPerSeed = row.PerSeedQini()
			if row.Model != Response {
				b := row.BeatResponse
				j.BeatResponse = &b
			}
		}
		rows = append(rows, j)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{
		"dataset": r.Options.Dataset, "treatment": r.Options.Treatment, "outcome": r.Options.Outcome,
		"seed": r.Options.Seed, "seeds": r.Options.Seeds, "results": rows,
	})
}

// finite maps NaN and infinities (not representable in JSON) to 0.
func finite(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}

var palette = []string{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"}

// WriteHTML writes a self-contained page with the result table and one inline
// SVG chart of the Qini curves (first seed's test part) of every model, with
// the random line and the perfect curve.
func (r *Report) WriteHTML(w io.Writer) error {
	const W, H, pad = 720.0, 420.0, 50.0
	xmax := r.PerfectN[len(r.PerfectN)-1]
	ymin, ymax := 0.0, 0.0
	for _, v := range r.PerfectQ {
		ymin, ymax = math.Min(ymin, v), math.Max(ymax, v)
	}
	for _, row := range r.Rows {
		for _, v := range row.CurveQ {
			ymin, ymax = math.Min(ymin, v), math.Max(ymax, v)
		}
	}
	if ymax == ymin {
		ymax = ymin + 1
	}
	px := func(x float64) float64 { return pad + x/xmax*(W-2*pad) }
	py := func(y float64) float64 { return H - pad - (y-ymin)/(ymax-ymin)*(H-2*pad) }
	poly := func(xs, ys []float64) string {
		var b strings.Builder
		step := 1
		if len(xs) > 600 {
			step = len(xs) / 600
		}
		for i := 0; i < len(xs); i += step {
			fmt.Fprintf(&b, "%.1f,%.1f ", px(xs[i]), py(ys[i]))
		}
		fmt.Fprintf(&b, "%.1f,%.1f", px(xs[len(xs)-1]), py(ys[len(ys)-1]))
		return b.String()
	}
	type line struct {
		Name, Color, Points, Dash string
	}
	var lines []line
	lines = append(lines, line{"perfect", "#000", poly(r.PerfectN, r.PerfectQ), "2,3"})
	for k, row := range r.Rows {
		if len(row.CurveN) == 0 {
			continue
		}
		if row.Model == Random { // the random line: straight from the origin to the end point
			end := row.CurveQ[len(row.CurveQ)-1]
			lines = append(lines, line{"random line", "#999", fmt.Sprintf("%.1f,%.1f %.1f,%.1f", px(0), py(0), px(xmax), py(end)), "6,4"})
		}
		lines = append(lines, line{row.Model, palette[k%len(palette)], poly(row.CurveN, row.CurveQ), ""})
	}
	data := struct {
		R                    *Report
		Lines                []line
		W, H, X0, Y0, X1, Y1 float64
		YMin, YMax, XMax     float64
	}{r, lines, W, H, pad, H - pad, W - pad, pad, ymin, ymax, xmax}
	return htmlTmpl.Execute(w, data)
}

var htmlTmpl = template.Must(template.New("uplift").Funcs(template.FuncMap{
	"f4":  func(v float64) string { return fmt.Sprintf("%.4f", v) },
	"f0":  func(v float64) string { return fmt.Sprintf("%.0f", v) },
	"add": func(a, b float64) float64 { return a + b },
}).Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>shopmind uplift evaluation</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{padding:.2em .6em;border-bottom:1px solid #ddd;text-align:right}td:first-child{text-align:left}</style>
</head><body>
<h1>Uplift evaluation: {{.R.Options.Dataset}}, {{.R.Options.Treatment}} e-mail vs no e-mail, outcome {{.R.Options.Outcome}}</h1>
<p>{{.R.Options.Seeds}} stratified split(s) from seed {{.R.Options.Seed}}; metrics on the test part (as scikit-uplift: Qini coefficient, AUUC, uplift@30%, means ± sd over seeds).</p>
<table><tr><th>model</th><th>Qini</th><th>± sd</th><th>AUUC</th><th>± sd</th><th>uplift@30</th><th>± sd</th><th>beat response</th></tr>
{{range .R.Rows}}<tr><td>{{.Model}}</td><td>{{f4 .Qini}}</td><td>{{f4 .QiniStd}}</td><td>{{f4 .AUUC}}</td><td>{{f4 .AUUCStd}}</td><td>{{f4 .UpliftAt30}}</td><td>{{f4 .UpliftAt30Std}}</td><td>{{.BeatResponse}}/{{.Seeds}}</td></tr>
{{end}}</table>
<h2>Qini curves (first seed's test part)</h2>
<svg xmlns="http://www.w3.org/2000/svg" width="{{.W}}" height="{{.H}}" viewBox="0 0 {{.W}} {{.H}}">
<rect x="0" y="0" width="{{.W}}" height="{{.H}}" fill="#fff"/>
<line x1="{{.X0}}" y1="{{.Y0}}" x2="{{.X1}}" y2="{{.Y0}}" stroke="#333"/>
<line x1="{{.X0}}" y1="{{.Y0}}" x2="{{.X0}}" y2="{{.Y1}}" stroke="#333"/>
<text x="{{.X0}}" y="{{add .Y0 16}}" font-size="11">0</text>
<text x="{{.X1}}" y="{{add .Y0 16}}" font-size="11" text-anchor="end">{{f0 .XMax}} targeted</text>
<text x="4" y="{{.Y1}}" font-size="11">{{f0 .YMax}}</text>
<text x="4" y="{{.Y0}}" font-size="11">{{f0 .YMin}}</text>
{{range .Lines}}<polyline fill="none" stroke="{{.Color}}" stroke-width="1.5"{{if .Dash}} stroke-dasharray="{{.Dash}}"{{end}} points="{{.Points}}"><title>{{.Name}}</title></polyline>
{{end}}</svg>
<ul>{{range .Lines}}<li><span style="color:{{.Color}}">&#9644;</span> {{.Name}}</li>{{end}}</ul>
</body></html>
`))
