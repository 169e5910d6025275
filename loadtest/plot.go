package loadtest

import (
	"fmt"
	"html"
	"io"
	"strings"
)

// WritePlot writes a self-contained HTML page with an SVG line chart of the
// named values over the soak's points (one line per name, y axis from 0 in
// the values' own unit divided by scale, e.g. 1<<20 for MiB), followed by
// a table of the summaries.
func WritePlot(w io.Writer, title, unit string, scale float64, points []Point, names []string) error {
	const width, height, left, right, top, bottom = 800.0, 360.0, 70.0, 20.0, 30.0, 40.0
	if scale <= 0 {
		scale = 1
	}
	var tmax, vmax float64
	for _, p := range points {
		tmax = max(tmax, p.At.Minutes())
		for _, n := range names {
			vmax = max(vmax, p.Values[n]/scale)
		}
	}
	if tmax == 0 {
		tmax = 1
	}
	if vmax == 0 {
		vmax = 1
	}
	vmax *= 1.1
	x := func(t float64) float64 { return left + t/tmax*(width-left-right) }
	y := func(v float64) float64 { return top + (1-v/vmax)*(height-top-bottom) }
	colours := []string{"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"}
	var b strings.Builder
	fmt.Fprintf(&b, "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>%s</title></head>\n<body style=\"font-family:sans-serif\">\n<h1 style=\"font-size:1.2em\">%s</h1>\n", html.EscapeString(title), html.EscapeString(title))
	fmt.Fprintf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" font-size=\"11\">\n", width, height)
	fmt.Fprintf(&b, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"#999\"/>\n", left, top, width-left-right, height-top-bottom)
	for i := 0; i <= 4; i++ {
		v := vmax * float64(i) / 4
		fmt.Fprintf(&b, "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/><text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>\n",
			left, width-right, y(v), y(v), left-5, y(v)+4, v)
		t := tmax * float64(i) / 4
		fmt.Fprintf(&b, "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%.1f</text>\n", x(t), height-bottom+15, t)
	}
	fmt.Fprintf(&b, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">minutes</text>\n", (left+width-right)/2, height-5)
	fmt.Fprintf(&b, "<text x=\"12\" y=\"%.0f\" transform=\"rotate(-90 12 %.0f)\" text-anchor=\"middle\">%s</text>\n", (top+height-bottom)/2, (top+height-bottom)/2, html.EscapeString(unit))
	for i, n := range names {
		c := colours[i%len(colours)]
		var pts []string
		for _, p := range points {
			if v, ok := p.Values[n]; ok {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(p.At.Minutes()), y(v/scale)))
			}
		}
		fmt.Fprintf(&b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"%s\"/>\n", c, strings.Join(pts, " "))
		fmt.Fprintf(&b, "<text x=\"%.0f\" y=\"%.0f\" fill=\"%s\">%s</text>\n", left+10, top+15+float64(i)*14, c, html.EscapeString(n))
	}
	b.WriteString("</svg>\n<table border=\"1\" cellpadding=\"4\" style=\"border-collapse:collapse\">\n")
	fmt.Fprintf(&b, "<tr><th>value</th><th>start</th><th>max</th><th>end</th><th>growth</th><th>slope, 2nd half (per min)</th></tr>\n")
	for _, n := range names {
		c := Summarise(points, n)
		fmt.Fprintf(&b, "<tr><td>%s</td><td>%.1f</td><td>%.1f</td><td>%.1f</td><td>%+.1f%%</td><td>%+.2f</td></tr>\n",
			html.EscapeString(n), c.Start/scale, c.Max/scale, c.End/scale, 100*c.Growth, c.LateSlope/scale)
	}
	b.WriteString("</table>\n</body></html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}
