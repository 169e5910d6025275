package eval

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"
	"time"
)

// Report is the outcome of evaluating algorithms on one dataset.
type Report struct {
	Dataset      string
	Protocol     string
	Users        int // evaluated users
	Items        int
	Interactions int // all events, before the split
	K            int // the cut-off the search optimised and the charts show
	Results      []Result
	References   []Reference
	Notes        []string // algorithms left out and why, and the like
}

// ProtocolText describes the protocol of a run.
func ProtocolText(refit bool) string {
	s := "leave-one-out, full ranking over all items, history items excluded; hyper-parameters chosen on the validation item (fit on training items); "
	if refit {
		return s + "test scored by the chosen configuration refitted on training + validation items"
	}
	return s + "test scored by the model fitted on training items only (S3-Rec protocol)"
}

// kIndex is the position of k in Ks (10 if k is not one of them).
func kIndex(k int) int {
	for i, kk := range Ks {
		if kk == k {
			return i
		}
	}
	return 1
}

type jsonResult struct {
	Algo          string  `json:"algo"`
	HR5           float64 `json:"HR@5"`
	HR10          float64 `json:"HR@10"`
	HR20          float64 `json:"HR@20"`
	NDCG5         float64 `json:"NDCG@5"`
	NDCG10        float64 `json:"NDCG@10"`
	NDCG20        float64 `json:"NDCG@20"`
	MRR           float64 `json:"MRR"`
	Coverage      float64 `json:"coverage@10"`
	TrainSeconds  float64 `json:"train_seconds"`
	TrainCPU      float64 `json:"train_cpu_seconds"`
	PopBias       float64 `json:"popularity_percentile@10"`
	ValidHR10     float64 `json:"valid_HR@10"`
	ValidNDCG10   float64 `json:"valid_NDCG@10"`
	Params        string  `json:"params,omitempty"`
	Trials        int     `json:"trials"`
	SearchSeconds float64 `json:"search_seconds"`
}

type jsonReference struct {
	Algo   string   `json:"algo"`
	Source string   `json:"source"`
	HR5    *float64 `json:"HR@5,omitempty"`
	HR10   *float64 `json:"HR@10,omitempty"`
	HR20   *float64 `json:"HR@20,omitempty"`
	NDCG5  *float64 `json:"NDCG@5,omitempty"`
	NDCG10 *float64 `json:"NDCG@10,omitempty"`
	NDCG20 *float64 `json:"NDCG@20,omitempty"`
}

type jsonReport struct {
	Dataset      string          `json:"dataset"`
	Protocol     string          `json:"protocol"`
	Users        int             `json:"users"`
	Items        int             `json:"items"`
	Interactions int             `json:"interactions"`
	Results      []jsonResult    `json:"results"`
	References   []jsonReference `json:"references,omitempty"`
	Notes        []string        `json:"notes,omitempty"`
}

func num(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func round6(v float64) float64 { return math.Round(finite(v)*1e6) / 1e6 }

// WriteJSON writes the report as
// {"dataset", "protocol", "results": [{"algo", "HR@5", ..., "train_seconds", ...}], "references": [...]}.
func (r *Report) WriteJSON(w io.Writer) error {
	out := jsonReport{Dataset: r.Dataset, Protocol: r.Protocol, Users: r.Users, Items: r.Items,
		Interactions: r.Interactions, Results: []jsonResult{}, Notes: r.Notes}
	for _, res := range r.Results {
		t := res.Test
		out.Results = append(out.Results, jsonResult{
			Algo: res.Algo,
			HR5:  round6(t.HR[0]), HR10: round6(t.HR[1]), HR20: round6(t.HR[2]),
			NDCG5: round6(t.NDCG[0]), NDCG10: round6(t.NDCG[1]), NDCG20: round6(t.NDCG[2]),
			MRR: round6(t.MRR), Coverage: round6(t.Coverage), TrainSeconds: math.Round(res.TrainSeconds*1000) / 1000,
			TrainCPU: math.Round(res.TrainCPU*1000) / 1000,
			PopBias:  math.Round(finite(t.PopBias)*100) / 100, ValidHR10: round6(res.Valid.HR[1]), ValidNDCG10: round6(res.Valid.NDCG[1]),
			Params: res.Params, Trials: res.Trials, SearchSeconds: math.Round(res.SearchTime.Seconds()*10) / 10,
		})
	}
	for _, ref := range r.References {
		out.References = append(out.References, jsonReference{Algo: ref.Algo, Source: ref.Source,
			HR5: num(ref.HR[0]), HR10: num(ref.HR[1]), HR20: num(ref.HR[2]),
			NDCG5: num(ref.NDCG[0]), NDCG10: num(ref.NDCG[1]), NDCG20: num(ref.NDCG[2])})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// cell formats a metric, "-" when missing.
func cell(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return fmt.Sprintf("%.4f", v)
}

// WriteTable writes the results as a text table, the reference rows below
// them.
func (r *Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d users evaluated, %d items, %d interactions\n", r.Dataset, r.Users, r.Items, r.Interactions)
	fmt.Fprintf(&b, "protocol: %s\n\n", r.Protocol)
	fmt.Fprintf(&b, "%-30s %7s %7s %7s %8s %8s %8s %7s %7s %6s %8s %8s\n",
		"algo", "HR@5", "HR@10", "HR@20", "NDCG@5", "NDCG@10", "NDCG@20", "MRR", "cov@10", "pop%", "train", "cpu")
	for _, res := range r.Results {
		t := res.Test
		fmt.Fprintf(&b, "%-30s %7.4f %7.4f %7.4f %8.4f %8.4f %8.4f %7.4f %7.4f %6.1f %7.1fs %7.1fs\n",
			res.Algo, t.HR[0], t.HR[1], t.HR[2], t.NDCG[0], t.NDCG[1], t.NDCG[2], t.MRR, t.Coverage, t.PopBias, res.TrainSeconds, res.TrainCPU)
	}
	if len(r.References) > 0 {
		b.WriteString("published / target rows:\n")
		for _, ref := range r.References {
			fmt.Fprintf(&b, "%-30s %7s %7s %7s %8s %8s %8s\n", ref.Algo,
				cell(ref.HR[0]), cell(ref.HR[1]), cell(ref.HR[2]), cell(ref.NDCG[0]), cell(ref.NDCG[1]), cell(ref.NDCG[2]))
		}
	}
	if len(r.Results) > 0 {
		b.WriteString("\ntrain: wall-clock seconds of one fit of the chosen configuration (a blend: with its parts); cpu: CPU seconds of it, all threads\n")
		b.WriteString("chosen hyper-parameters (validation HR@10 / NDCG@10, trials, search time):\n")
		for _, res := range r.Results {
			p := res.Params
			if p == "" {
				p = "(none)"
			}
			fmt.Fprintf(&b, "  %-12s %s  (valid %.4f / %.4f, %d trials, %s)\n", res.Algo, p, res.Valid.HR[1], res.Valid.NDCG[1], res.Trials, res.SearchTime.Round(100*time.Millisecond))
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// bar is one bar of a chart.
type bar struct {
	Label string
	Value float64
	Kind  string // "ours", "paper" or "target"
}

type chart struct {
	Title  string
	Width  int
	Height int
	Bars   []svgBar
}

type svgBar struct {
	Label      string
	Value      string
	Y, W, TY   int
	Fill       string
	LabelWidth int
}

func makeChart(title string, bars []bar) chart {
	const rowH, labelW, barMax = 22, 230, 420
	top := 0.0
	for _, b := range bars {
		if !math.IsNaN(b.Value) {
			top = max(top, b.Value)
		}
	}
	c := chart{Title: title, Width: labelW + barMax + 70, Height: rowH*len(bars) + 8}
	for i, b := range bars {
		if math.IsNaN(b.Value) {
			continue
		}
		w := 0
		if top > 0 {
			w = int(math.Round(b.Value / top * barMax))
		}
		fill := map[string]string{"ours": "#2f6db5", "paper": "#9a9a9a", "target": "#d9822b"}[b.Kind]
		c.Bars = append(c.Bars, svgBar{Label: b.Label, Value: fmt.Sprintf("%.4f", b.Value), Y: i*rowH + 4, W: w, TY: i*rowH + 19, Fill: fill, LabelWidth: labelW})
	}
	return c
}

var htmlReport = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>shopmind offline evaluation: {{.Dataset}}</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2em;color:#222;max-width:1100px}
table{border-collapse:collapse;margin:1em 0;font-size:14px}
th,td{padding:4px 8px;border-bottom:1px solid #ddd;text-align:right}
th:first-child,td:first-child{text-align:left}
tr.ref td{color:#666}
tr.target td{color:#a65a10;font-weight:600}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}
svg text{font-size:12px;font-family:inherit}
code{background:#f4f4f4;padding:1px 4px}
</style></head><body>
<h1>Offline evaluation: {{.Dataset}}</h1>
<p>{{.Users}} users evaluated, {{.Items}} items, {{.Interactions}} interactions.<br>Protocol: {{.Protocol}}.</p>
<table><tr><th>algo</th><th>HR@5</th><th>HR@10</th><th>HR@20</th><th>NDCG@5</th><th>NDCG@10</th><th>NDCG@20</th><th>MRR</th><th>coverage@10</th><th>popularity %ile</th><th>train s</th><th>train CPU s</th></tr>
{{range .Rows}}<tr class="{{.Class}}"><td>{{.Algo}}</td>{{range .Cells}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>
<p class="legend"><span style="background:#2f6db5"></span>shopmind <span style="background:#9a9a9a"></span>published (S3-Rec paper) <span style="background:#d9822b"></span>issue target</p>
{{range .Charts}}<h2>{{.Title}}</h2>
<svg xmlns="http://www.w3.org/2000/svg" width="{{.Width}}" height="{{.Height}}" role="img" aria-label="{{.Title}}">
{{range .Bars}}<text x="{{.LabelWidth}}" dx="-8" y="{{.TY}}" text-anchor="end">{{.Label}}</text><rect x="{{.LabelWidth}}" y="{{.Y}}" width="{{.W}}" height="18" fill="{{.Fill}}"></rect><text x="{{.LabelWidth}}" dx="{{.W}}" y="{{.TY}}"><tspan dx="6">{{.Value}}</tspan></text>
{{end}}</svg>
{{end}}
<h2>Chosen hyper-parameters</h2>
<table><tr><th>algo</th><th>parameters</th><th>valid HR@10</th><th>valid NDCG@10</th><th>trials</th><th>search s</th></tr>
{{range .Params}}<tr><td>{{.Algo}}</td><td style="text-align:left"><code>{{.Params}}</code></td><td>{{.VHR}}</td><td>{{.VNDCG}}</td><td>{{.Trials}}</td><td>{{.Search}}</td></tr>
{{end}}</table>
{{range .Notes}}<p>Note: {{.}}</p>{{end}}
</body></html>
`))

// WriteHTML writes a self-contained page: the result table with the
// published rows, and SVG bar charts of HR@K and NDCG@K (K = r.K) of every
// algorithm beside the published rows. No scripts.
func (r *Report) WriteHTML(w io.Writer) error {
	type row struct {
		Algo, Class string
		Cells       []string
	}
	type paramRow struct {
		Algo, Params, VHR, VNDCG, Search string
		Trials                           int
	}
	k := r.K
	if k == 0 {
		k = 10
	}
	ki := kIndex(k)
	var rows []row
	var hr, ndcg []bar
	for _, res := range r.Results {
		t := res.Test
		rows = append(rows, row{Algo: res.Algo, Cells: []string{cell(t.HR[0]), cell(t.HR[1]), cell(t.HR[2]), cell(t.NDCG[0]), cell(t.NDCG[1]), cell(t.NDCG[2]),
			cell(t.MRR), cell(t.Coverage), fmt.Sprintf("%.1f", t.PopBias), fmt.Sprintf("%.1f", res.TrainSeconds), fmt.Sprintf("%.1f", res.TrainCPU)}})
		hr = append(hr, bar{res.Algo, t.HR[ki], "ours"})
		ndcg = append(ndcg, bar{res.Algo, t.NDCG[ki], "ours"})
	}
	for _, ref := range r.References {
		class, kind := "ref", "paper"
		if ref.Algo == TargetAlgo {
			class, kind = "target", "target"
		}
		rows = append(rows, row{Algo: ref.Algo, Class: class, Cells: []string{cell(ref.HR[0]), cell(ref.HR[1]), cell(ref.HR[2]),
			cell(ref.NDCG[0]), cell(ref.NDCG[1]), cell(ref.NDCG[2]), "", "", "", "", ""}})
		hr = append(hr, bar{ref.Algo, ref.HR[ki], kind})
		ndcg = append(ndcg, bar{ref.Algo, ref.NDCG[ki], kind})
	}
	var params []paramRow
	for _, res := range r.Results {
		params = append(params, paramRow{Algo: res.Algo, Params: res.Params, VHR: cell(res.Valid.HR[1]), VNDCG: cell(res.Valid.NDCG[1]),
			Trials: res.Trials, Search: fmt.Sprintf("%.1f", res.SearchTime.Seconds())})
	}
	return htmlReport.Execute(w, map[string]any{
		"Dataset": r.Dataset, "Users": r.Users, "Items": r.Items, "Interactions": r.Interactions, "Protocol": r.Protocol,
		"Rows": rows, "Params": params, "Notes": r.Notes,
		"Charts": []chart{makeChart(fmt.Sprintf("HR@%d on the test item", k), hr), makeChart(fmt.Sprintf("NDCG@%d on the test item", k), ndcg)},
	})
}
