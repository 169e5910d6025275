package ctreval

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/shopmind/shopmind/ctr"
)

// Report is the outcome of evaluating models on one split of a dataset.
type Report struct {
	Dataset  string
	Split    string
	Seed     uint64
	Protocol string
	Shape    Shape
	// The sizes and positive rates of the parts.
	Train, Valid, Test             int
	TrainRate, ValidRate, TestRate float64
	Conversions                    bool     // the dataset has conversion labels
	Calibrations                   []string // the calibration methods, in result order
	Results                        []Result
	Oracle                         *Result // the true probabilities (synthetic data); nil otherwise
	Notes                          []string
}

// Result is the evaluation of one model.
type Result struct {
	Model      string
	Test       Metrics   // raw predictions on the test part
	Valid      Metrics   // raw predictions on the validation part
	Bins       []ctr.Bin // the raw reliability diagram on the test part
	Calibrated []Calibrated
	// CTCVR (all test impressions, the conversion label) and CVR (clicked
	// test impressions) are set for models that predict conversions, on
	// datasets that have them.
	CTCVR, CVR *Metrics
	// Wall-clock and CPU seconds of Fit; wall-clock seconds of predicting
	// the test part.
	TrainSeconds, TrainCPU, PredictSeconds float64
}

// Calibrated is a model's test metrics after a calibrator fitted on its
// validation predictions.
type Calibrated struct {
	Method string
	Test   Metrics
	Bins   []ctr.Bin
	Err    string // the calibrator could not be fitted
}

// jnum is a number in the JSON report: rounded to 6 decimals, null when
// not finite.
type jnum float64

func (v jnum) MarshalJSON() ([]byte, error) {
	f := float64(v)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, math.Round(f*1e6)/1e6, 'f', -1, 64), nil
}

type jsonMetrics struct {
	AUC     jnum `json:"auc"`
	LogLoss jnum `json:"logloss"`
	ECE     jnum `json:"ece"`
}

func jm(m Metrics) jsonMetrics { return jsonMetrics{jnum(m.AUC), jnum(m.LogLoss), jnum(m.ECE)} }

func jmp(m *Metrics) *jsonMetrics {
	if m == nil {
		return nil
	}
	j := jm(*m)
	return &j
}

type jsonBin struct {
	Lo        jnum `json:"lo"`
	Hi        jnum `json:"hi"`
	Count     int  `json:"count"`
	MeanProb  jnum `json:"mean_prob"`
	Frequency jnum `json:"frequency"`
}

func jbins(bins []ctr.Bin) []jsonBin {
	out := []jsonBin{}
	for _, b := range bins {
		out = append(out, jsonBin{jnum(b.Lo), jnum(b.Hi), b.Count, jnum(b.MeanProb), jnum(b.Frequency)})
	}
	return out
}

type jsonCalibrated struct {
	jsonMetrics
	Error string `json:"error,omitempty"`
}

type jsonResult struct {
	Model string `json:"model"`
	jsonMetrics
	ValidAUC       jnum                      `json:"valid_auc"`
	ValidLogLoss   jnum                      `json:"valid_logloss"`
	Calibrated     map[string]jsonCalibrated `json:"calibrated"`
	CTCVR          *jsonMetrics              `json:"ctcvr,omitempty"`
	CVR            *jsonMetrics              `json:"cvr,omitempty"`
	TrainSeconds   jnum                      `json:"train_seconds"`
	TrainCPU       jnum                      `json:"train_cpu_seconds"`
	PredictSeconds jnum                      `json:"predict_seconds"`
	Reliability    []jsonBin                 `json:"reliability"`
}

type jsonReport struct {
	Dataset        string       `json:"dataset"`
	Split          string       `json:"split"`
	Seed           uint64       `json:"seed"`
	Protocol       string       `json:"protocol"`
	Rows           int          `json:"rows"`
	Fields         []string     `json:"fields"`
	PositiveRate   jnum         `json:"positive_rate"`
	ConversionRate *jnum        `json:"conversion_rate,omitempty"`
	Train          int          `json:"train"`
	Valid          int          `json:"valid"`
	Test           int          `json:"test"`
	TrainRate      jnum         `json:"train_positive_rate"`
	ValidRate      jnum         `json:"valid_positive_rate"`
	TestRate       jnum         `json:"test_positive_rate"`
	ECEBins        int          `json:"ece_bins"`
	CalibratedOn   string       `json:"calibrated_on"`
	Results        []jsonResult `json:"results"`
	OracleAUC      *jnum        `json:"oracle_auc,omitempty"`
	OracleLogLoss  *jnum        `json:"oracle_logloss,omitempty"`
	OracleECE      *jnum        `json:"oracle_ece,omitempty"`
	OracleCTCVR    *jsonMetrics `json:"oracle_ctcvr,omitempty"`
	OracleCVR      *jsonMetrics `json:"oracle_cvr,omitempty"`
	Notes          []string     `json:"notes,omitempty"`
}

func jp(v float64) *jnum { j := jnum(v); return &j }

// WriteJSON writes the report as
//
//	{"dataset", "split", "seed", "protocol", "rows", "fields", "positive_rate", ...,
//	 "results": [{"model", "auc", "logloss", "ece", "calibrated": {"platt": {...}, "isotonic": {...}},
//	              "train_seconds", ..., "reliability": [...]}],
//	 "oracle_auc", "oracle_logloss", "oracle_ece"}
//
// "auc", "logloss" and "ece" are of the raw predictions; "calibrated" holds
// the same metrics after each calibrator fitted on the validation part. The
// oracle fields are only there for synthetic data.
func (r *Report) WriteJSON(w io.Writer) error {
	out := jsonReport{Dataset: r.Dataset, Split: r.Split, Seed: r.Seed, Protocol: r.Protocol, Rows: r.Shape.Rows,
		Fields: r.Shape.Fields, PositiveRate: jnum(r.Shape.PositiveRate), Train: r.Train, Valid: r.Valid, Test: r.Test,
		TrainRate: jnum(r.TrainRate), ValidRate: jnum(r.ValidRate), TestRate: jnum(r.TestRate), ECEBins: ECEBins, CalibratedOn: "validation", Results: []jsonResult{}, Notes: r.Notes}
	if r.Conversions {
		out.ConversionRate = jp(r.Shape.ConversionRate)
	}
	for _, res := range r.Results {
		jr := jsonResult{Model: res.Model, jsonMetrics: jm(res.Test), ValidAUC: jnum(res.Valid.AUC), ValidLogLoss: jnum(res.Valid.LogLoss),
			Calibrated: map[string]jsonCalibrated{}, CTCVR: jmp(res.CTCVR), CVR: jmp(res.CVR),
			TrainSeconds: jnum(math.Round(res.TrainSeconds*1000) / 1000), TrainCPU: jnum(math.Round(res.TrainCPU*1000) / 1000),
			PredictSeconds: jnum(math.Round(res.PredictSeconds*1000) / 1000), Reliability: jbins(res.Bins)}
		for _, c := range res.Calibrated {
			jr.Calibrated[c.Method] = jsonCalibrated{jsonMetrics: jm(c.Test), Error: c.Err}
		}
		out.Results = append(out.Results, jr)
	}
	if o := r.Oracle; o != nil {
		out.OracleAUC, out.OracleLogLoss, out.OracleECE = jp(o.Test.AUC), jp(o.Test.LogLoss), jp(o.Test.ECE)
		out.OracleCTCVR, out.OracleCVR = jmp(o.CTCVR), jmp(o.CVR)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// cell formats a metric, "-" when missing.
func cell(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "-"
	}
	return fmt.Sprintf("%.4f", v)
}

// calibrationName describes a calibration method.
func calibrationName(method string) string {
	switch method {
	case "platt":
		return "Platt scaling (a logistic fit of the logit; AUC unchanged)"
	case "isotonic":
		return "isotonic regression (monotone, may merge scores into ties)"
	}
	return method + " calibration"
}

// summary is the lines above the table.
func (r *Report) summary() []string {
	sh := r.Shape
	lines := []string{fmt.Sprintf("%s: %d rows, %d fields (%s), positive rate %.4f", r.Dataset, sh.Rows, len(sh.Fields), strings.Join(sh.Fields, ", "), sh.PositiveRate)}
	if r.Conversions {
		lines[0] += fmt.Sprintf(", conversion rate %.4f", sh.ConversionRate)
	}
	lines = append(lines, fmt.Sprintf("split %s (seed %d): train %d / valid %d / test %d rows, positive rate %.4f / %.4f / %.4f",
		r.Split, r.Seed, r.Train, r.Valid, r.Test, r.TrainRate, r.ValidRate, r.TestRate))
	lines = append(lines, "protocol: "+r.Protocol)
	return lines
}

// WriteTable writes the results as a text table: raw metrics, then the
// metrics after each calibrator, the fit time, the oracle below.
func (r *Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	for _, l := range r.summary() {
		b.WriteString(l + "\n")
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "%-12s %-23s", "", "raw")
	for _, c := range r.Calibrations {
		fmt.Fprintf(&b, " | %-23s", c+" (fit on valid)")
	}
	b.WriteString(" |\n")
	fmt.Fprintf(&b, "%-12s %7s %7s %7s", "model", "AUC", "LogLoss", "ECE")
	for range r.Calibrations {
		fmt.Fprintf(&b, " | %7s %7s %7s", "AUC", "LogLoss", "ECE")
	}
	fmt.Fprintf(&b, " | %8s %8s\n", "fit", "cpu")
	row := func(name string, m Metrics, cal []Calibrated, fit, cpu string) {
		fmt.Fprintf(&b, "%-12s %7s %7s %7s", name, cell(m.AUC), cell(m.LogLoss), cell(m.ECE))
		for _, method := range r.Calibrations {
			var c *Calibrated
			for k := range cal {
				if cal[k].Method == method {
					c = &cal[k]
				}
			}
			if c == nil || c.Err != "" {
				fmt.Fprintf(&b, " | %7s %7s %7s", "-", "-", "-")
				continue
			}
			fmt.Fprintf(&b, " | %7s %7s %7s", cell(c.Test.AUC), cell(c.Test.LogLoss), cell(c.Test.ECE))
		}
		fmt.Fprintf(&b, " | %8s %8s\n", fit, cpu)
	}
	for _, res := range r.Results {
		row(res.Model, res.Test, res.Calibrated, fmt.Sprintf("%.1fs", res.TrainSeconds), fmt.Sprintf("%.1fs", res.TrainCPU))
	}
	if r.Oracle != nil {
		row("oracle", r.Oracle.Test, nil, "", "")
	}
	b.WriteString("\nraw: the model's own probabilities")
	for _, c := range r.Calibrations {
		fmt.Fprintf(&b, "; %s: after %s", c, calibrationName(c))
	}
	if len(r.Calibrations) > 0 {
		b.WriteString(", fitted on the validation part's predictions (never the test's)")
	}
	b.WriteString(".\n")
	fmt.Fprintf(&b, "ECE: expected calibration error over %d equal-width bins. fit: wall-clock seconds of Fit; cpu: its CPU seconds, all threads.\n", ECEBins)
	if r.Oracle != nil {
		b.WriteString("oracle: the true click probabilities of the test rows (the best any model can do in expectation).\n")
	}
	var conv []Result
	for _, res := range r.Results {
		if res.CTCVR != nil {
			conv = append(conv, res)
		}
	}
	if r.Oracle != nil && r.Oracle.CTCVR != nil && len(conv) > 0 {
		conv = append(conv, *r.Oracle)
	}
	if len(conv) > 0 {
		b.WriteString("\nconversions: CTCVR on all test impressions (label: conversion), CVR on clicked test impressions\n")
		fmt.Fprintf(&b, "%-12s %9s %9s %9s %9s\n", "model", "CTCVR AUC", "CTCVR LL", "CVR AUC", "CVR LL")
		for _, res := range conv {
			fmt.Fprintf(&b, "%-12s %9s %9s %9s %9s\n", res.Model, cell(res.CTCVR.AUC), cell(res.CTCVR.LogLoss), cell(res.CVR.AUC), cell(res.CVR.LogLoss))
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// The reliability diagram's geometry.
const (
	rdLeft, rdTop, rdSize, rdHist = 44, 12, 240, 40
	rdWidth, rdHeight             = rdLeft + rdSize + 16, rdTop + rdSize + 8 + rdHist + 30
)

type svgSeries struct {
	Name, Color, Points string
	Dots                []svgDot
}

type svgDot struct{ X, Y string }

type svgBar struct{ X, Y, W, H string }

type diagram struct {
	Title         string
	Width, Height int
	Left, Top     int
	Size          int
	Right, Bottom int
	HistTop       int
	Ticks         []svgTick
	Series        []svgSeries
	Hist          []svgBar
}

type svgTick struct {
	Label string
	X, Y  int
}

func px(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

// makeDiagram draws the reliability curves of one model: one series per
// prediction kind (raw, each calibrator), the histogram of the raw
// predictions below (the fullest bin at full height).
func makeDiagram(title string, raw []ctr.Bin, series []svgSeries) diagram {
	d := diagram{Title: title, Width: rdWidth, Height: rdHeight, Left: rdLeft, Top: rdTop, Size: rdSize,
		Right: rdLeft + rdSize, Bottom: rdTop + rdSize, HistTop: rdTop + rdSize + 8, Series: series}
	for k := 0; k <= 4; k++ {
		v := float64(k) / 4
		d.Ticks = append(d.Ticks, svgTick{Label: strconv.FormatFloat(v, 'f', -1, 64), X: rdLeft + int(v*rdSize), Y: rdTop + rdSize - int(v*rdSize)})
	}
	top := 0
	for _, b := range raw {
		top = max(top, b.Count)
	}
	for _, b := range raw {
		if b.Count == 0 {
			continue
		}
		h := float64(b.Count) / float64(top) * rdHist
		d.Hist = append(d.Hist, svgBar{X: px(rdLeft + b.Lo*rdSize + 1), W: px((b.Hi-b.Lo)*rdSize - 2), Y: px(float64(d.HistTop+rdHist) - h), H: px(h)})
	}
	return d
}

func curve(name, color string, bins []ctr.Bin) svgSeries {
	s := svgSeries{Name: name, Color: color}
	var pts []string
	for _, b := range bins {
		if b.Count == 0 {
			continue
		}
		x, y := px(rdLeft+b.MeanProb*rdSize), px(rdTop+rdSize-b.Frequency*rdSize)
		pts = append(pts, x+","+y)
		s.Dots = append(s.Dots, svgDot{x, y})
	}
	s.Points = strings.Join(pts, " ")
	return s
}

var seriesColors = []string{"#2f6db5", "#d9822b", "#3a9a4a", "#9b59b6", "#c0392b"}

var htmlReport = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>shopmind CTR evaluation: {{.Dataset}}</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2em;color:#222;max-width:1200px}
table{border-collapse:collapse;margin:1em 0;font-size:14px}
th,td{padding:4px 8px;border-bottom:1px solid #ddd;text-align:right}
th:first-child,td:first-child{text-align:left}
th.group{text-align:center;border-bottom:2px solid #bbb}
tr.oracle td{color:#666;font-style:italic}
.diagrams{display:flex;flex-wrap:wrap;gap:1.5em}
figure{margin:0}
figcaption{font-weight:600;margin-bottom:.3em}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}
svg text{font-size:11px;font-family:inherit}
</style></head><body>
<h1>CTR evaluation: {{.Dataset}}</h1>
<p>{{range .Summary}}{{.}}<br>{{end}}</p>
<table>
<tr><th></th><th class="group" colspan="3">raw</th>{{range .Calibrations}}<th class="group" colspan="3">{{.}} (fitted on validation)</th>{{end}}<th class="group" colspan="2">fit</th></tr>
<tr><th>model</th><th>AUC</th><th>LogLoss</th><th>ECE</th>{{range .Calibrations}}<th>AUC</th><th>LogLoss</th><th>ECE</th>{{end}}<th>wall s</th><th>CPU s</th></tr>
{{range .Rows}}<tr class="{{.Class}}"><td>{{.Model}}</td>{{range .Cells}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>
<p>Raw: the model's own probabilities. {{range .CalibrationText}}{{.}}. {{end}}Calibrators are fitted on the validation part's predictions, never on the test's. ECE: expected calibration error over {{.Bins}} equal-width bins.{{if .HasOracle}} Oracle: the true click probabilities of the test rows.{{end}}</p>
{{if .Conv}}<h2>Conversions</h2>
<table><tr><th>model</th><th>CTCVR AUC</th><th>CTCVR LogLoss</th><th>CVR AUC</th><th>CVR LogLoss</th></tr>
{{range .Conv}}<tr><td>{{.Model}}</td>{{range .Cells}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>
<p>CTCVR: all test impressions, labelled by conversion. CVR: clicked test impressions only.</p>{{end}}
<h2>Reliability diagrams (test part)</h2>
<p class="legend">{{range .Legend}}<span style="background:{{.Color}}"></span>{{.Name}} {{end}}<span style="background:#ccc"></span>raw predictions per bin (relative)</p>
<div class="diagrams">
{{range .Diagrams}}<figure><figcaption>{{.Title}}</figcaption>
<svg xmlns="http://www.w3.org/2000/svg" width="{{.Width}}" height="{{.Height}}" role="img" aria-label="reliability diagram of {{.Title}}">
<rect x="{{.Left}}" y="{{.Top}}" width="{{.Size}}" height="{{.Size}}" fill="none" stroke="#999"></rect>
<line x1="{{.Left}}" y1="{{.Bottom}}" x2="{{.Right}}" y2="{{.Top}}" stroke="#bbb" stroke-dasharray="4 3"></line>
{{$d := .}}{{range .Ticks}}<text x="{{.X}}" y="{{$d.Bottom}}" dy="14" text-anchor="middle">{{.Label}}</text><text x="{{$d.Left}}" y="{{.Y}}" dx="-4" dy="4" text-anchor="end">{{.Label}}</text>
{{end}}{{range .Hist}}<rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}" fill="#ccc"></rect>
{{end}}{{range .Series}}<polyline points="{{.Points}}" fill="none" stroke="{{.Color}}" stroke-width="1.8"></polyline>
{{$c := .Color}}{{range .Dots}}<circle cx="{{.X}}" cy="{{.Y}}" r="2.6" fill="{{$c}}"></circle>{{end}}
{{end}}<text x="{{.Left}}" y="{{.Height}}" dx="{{.Size}}" dy="-4" text-anchor="end">predicted probability (x) vs observed rate (y)</text>
</svg></figure>
{{end}}</div>
{{range .Notes}}<p>Note: {{.}}</p>{{end}}
</body></html>
`))

// WriteHTML writes a self-contained page: the result table (raw and
// calibrated metrics, fit times, the oracle), the conversion table for
// models that predict conversions, and an SVG reliability diagram per
// model with its raw and calibrated curves. No scripts.
func (r *Report) WriteHTML(w io.Writer) error {
	type row struct {
		Model, Class string
		Cells        []string
	}
	type legend struct{ Name, Color string }
	var rows, conv []row
	var diagrams []diagram
	legends := []legend{{"raw", seriesColors[0]}}
	for k, c := range r.Calibrations {
		legends = append(legends, legend{c, seriesColors[(k+1)%len(seriesColors)]})
	}
	cells := func(m Metrics, cal []Calibrated) []string {
		out := []string{cell(m.AUC), cell(m.LogLoss), cell(m.ECE)}
		for _, method := range r.Calibrations {
			found := false
			for _, c := range cal {
				if c.Method == method && c.Err == "" {
					out = append(out, cell(c.Test.AUC), cell(c.Test.LogLoss), cell(c.Test.ECE))
					found = true
				}
			}
			if !found {
				out = append(out, "-", "-", "-")
			}
		}
		return out
	}
	for _, res := range r.Results {
		rows = append(rows, row{Model: res.Model, Cells: append(cells(res.Test, res.Calibrated), fmt.Sprintf("%.1f", res.TrainSeconds), fmt.Sprintf("%.1f", res.TrainCPU))})
		series := []svgSeries{curve("raw", seriesColors[0], res.Bins)}
		for k, method := range r.Calibrations {
			for _, c := range res.Calibrated {
				if c.Method == method && c.Err == "" {
					series = append(series, curve(method, seriesColors[(k+1)%len(seriesColors)], c.Bins))
				}
			}
		}
		diagrams = append(diagrams, makeDiagram(fmt.Sprintf("%s (ECE %s raw)", res.Model, cell(res.Test.ECE)), res.Bins, series))
		if res.CTCVR != nil {
			conv = append(conv, row{Model: res.Model, Cells: []string{cell(res.CTCVR.AUC), cell(res.CTCVR.LogLoss), cell(res.CVR.AUC), cell(res.CVR.LogLoss)}})
		}
	}
	if o := r.Oracle; o != nil {
		c := cells(o.Test, nil)
		for k := 3; k < len(c); k++ {
			c[k] = ""
		}
		rows = append(rows, row{Model: "oracle", Class: "oracle", Cells: append(c, "", "")})
		diagrams = append(diagrams, makeDiagram(fmt.Sprintf("oracle (ECE %s)", cell(o.Test.ECE)), o.Bins, []svgSeries{curve("true", "#777", o.Bins)}))
		if o.CTCVR != nil && len(conv) > 0 {
			conv = append(conv, row{Model: "oracle", Cells: []string{cell(o.CTCVR.AUC), cell(o.CTCVR.LogLoss), cell(o.CVR.AUC), cell(o.CVR.LogLoss)}})
		}
	}
	var calText []string
	for _, c := range r.Calibrations {
		calText = append(calText, fmt.Sprintf("%s: after %s", c, calibrationName(c)))
	}
	return htmlReport.Execute(w, map[string]any{
		"Dataset": r.Dataset, "Summary": r.summary(), "Calibrations": r.Calibrations, "CalibrationText": calText, "Rows": rows, "Conv": conv,
		"Bins": ECEBins, "HasOracle": r.Oracle != nil, "Legend": legends, "Diagrams": diagrams, "Notes": r.Notes,
	})
}
