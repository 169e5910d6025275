// Package svgplot draws small line and bar charts as standalone SVG text
// (no scripts, no external assets) for HTML reports and the dashboard. Every
// label is escaped, so the output may be embedded in HTML as is.
package svgplot

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// Chart geometry (SVG user units).
const (
	chartW, chartH = 720, 360
	padL, padR     = 64, 16
	padT, padB     = 36, 64
)

// palette holds the series colours, chosen to stay apart for colour-blind
// readers (Okabe–Ito).
var palette = []string{"#000000", "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00"}

// Series is one line of a line chart or one bar group of a bar chart.
type Series struct {
	Name   string
	X, Y   []float64
	Dashed bool
}

// niceTicks returns about n round tick values (1, 2 or 5 × 10ᵏ apart)
// covering [lo, hi].
func niceTicks(lo, hi float64, n int) []float64 {
	if !(hi > lo) {
		hi = lo + 1
	}
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	first, last := math.Floor(lo/step+1e-9), math.Ceil(hi/step-1e-9)
	var ticks []float64
	for k := first; k <= last; k++ {
		ticks = append(ticks, k*step)
	}
	return ticks
}

func fmtTick(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e9 {
		return fmt.Sprintf("%.0f", v)
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", v), "0"), ".")
}

// frame draws the title, axes, grid lines, tick labels and legend, and
// returns the coordinate maps of the plot area.
func frame(b *strings.Builder, title, xLabel, yLabel string, xt, yt []float64, xTick, yTick func(float64) string, names []string, dashed []bool, bars bool) (px, py func(float64) float64) {
	x0, x1 := xt[0], xt[len(xt)-1]
	y0, y1 := yt[0], yt[len(yt)-1]
	w := float64(chartW - padL - padR)
	h := float64(chartH - padT - padB)
	px = func(x float64) float64 { return padL + (x-x0)/(x1-x0)*w }
	py = func(y float64) float64 { return padT + h - (y-y0)/(y1-y0)*h }
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s" font-family="sans-serif" font-size="12">`,
		chartW, chartH, chartW, chartH, html.EscapeString(title))
	fmt.Fprintf(b, `<title>%s</title><rect width="100%%" height="100%%" fill="#fff"/>`, html.EscapeString(title))
	fmt.Fprintf(b, `<text x="%d" y="20" font-size="14" font-weight="bold">%s</text>`, padL, html.EscapeString(title))
	for _, y := range yt {
		fmt.Fprintf(b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>`, padL, chartW-padR, py(y), py(y))
		fmt.Fprintf(b, `<text x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`, padL-6, py(y), html.EscapeString(yTick(y)))
	}
	if !bars {
		for _, x := range xt {
			fmt.Fprintf(b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#999"/>`, px(x), px(x), chartH-padB, chartH-padB+4)
			fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`, px(x), chartH-padB+16, html.EscapeString(xTick(x)))
		}
	}
	fmt.Fprintf(b, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="#333"/>`, padL, chartW-padR, chartH-padB, chartH-padB)
	fmt.Fprintf(b, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="#333"/>`, padL, padL, padT, chartH-padB)
	fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`, padL+w/2, chartH-padB+34, html.EscapeString(xLabel))
	fmt.Fprintf(b, `<text transform="translate(14 %.1f) rotate(-90)" text-anchor="middle">%s</text>`, padT+h/2, html.EscapeString(yLabel))
	// Legend along the bottom.
	lx := float64(padL)
	for i, n := range names {
		c := palette[i%len(palette)]
		if bars {
			fmt.Fprintf(b, `<rect x="%.1f" y="%d" width="14" height="10" fill="%s"/>`, lx, chartH-14, c)
		} else {
			dash := ""
			if dashed[i] {
				dash = ` stroke-dasharray="6 4"`
			}
			fmt.Fprintf(b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="%s" stroke-width="2"%s/>`, lx, lx+22, chartH-9, chartH-9, c, dash)
		}
		fmt.Fprintf(b, `<text x="%.1f" y="%d">%s</text>`, lx+28, chartH-5, html.EscapeString(n))
		lx += 48 + 7.5*float64(len([]rune(n)))
	}
	return px, py
}

// Line draws series as polylines; marks adds dots at the points and
// vline, when not NaN, a dotted vertical line labelled vlineLabel. xTick
// labels the x ticks (nil: the numbers).
func Line(title, xLabel, yLabel string, ss []Series, xTick func(float64) string, marks bool, vline float64, vlineLabel string) string {
	if xTick == nil {
		xTick = fmtTick
	}
	// The y axis starts at zero, or lower when a value is negative (a
	// Qini curve dips below zero when a ranking starts worse than random).
	xlo, xhi, ylo, yhi := math.Inf(1), math.Inf(-1), 0.0, 0.0
	for _, s := range ss {
		for i := range s.X {
			xlo, xhi = math.Min(xlo, s.X[i]), math.Max(xhi, s.X[i])
			if !math.IsNaN(s.Y[i]) {
				ylo, yhi = math.Min(ylo, s.Y[i]), math.Max(yhi, s.Y[i])
			}
		}
	}
	if math.IsInf(xlo, 1) {
		xlo, xhi = 0, 1
	}
	xt := niceTicks(xlo, xhi, 8)
	yt := niceTicks(ylo, yhi, 6)
	names := make([]string, len(ss))
	dashed := make([]bool, len(ss))
	for i, s := range ss {
		names[i], dashed[i] = s.Name, s.Dashed
	}
	var b strings.Builder
	px, py := frame(&b, title, xLabel, yLabel, xt, yt, xTick, fmtTick, names, dashed, false)
	if !math.IsNaN(vline) {
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#888" stroke-dasharray="2 3"/>`, px(vline), px(vline), padT, chartH-padB)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" fill="#555">%s</text>`, px(vline)+4, padT+12, html.EscapeString(vlineLabel))
	}
	for i, s := range ss {
		c := palette[i%len(palette)]
		var pts []string
		for j := range s.X {
			if !math.IsNaN(s.Y[j]) {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(s.X[j]), py(s.Y[j])))
			}
		}
		dash := ""
		if s.Dashed {
			dash = ` stroke-dasharray="6 4"`
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>`, c, dash, strings.Join(pts, " "))
		if marks {
			for j := range s.X {
				if !math.IsNaN(s.Y[j]) {
					fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`, px(s.X[j]), py(s.Y[j]), c)
				}
			}
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// Bars draws one group of bars per category, one bar per series
// (series Y values indexed like categories).
func Bars(title, xLabel, yLabel string, categories []string, ss []Series) string {
	yhi := 0.0
	for _, s := range ss {
		for _, y := range s.Y {
			yhi = math.Max(yhi, y)
		}
	}
	yt := niceTicks(0, yhi, 6)
	xt := []float64{0, float64(len(categories))}
	names := make([]string, len(ss))
	for i, s := range ss {
		names[i] = s.Name
	}
	var b strings.Builder
	px, py := frame(&b, title, xLabel, yLabel, xt, yt, nil, fmtTick, names, make([]bool, len(ss)), true)
	slot := px(1) - px(0)
	barW := slot * 0.8 / float64(len(ss))
	for ci, cat := range categories {
		for si, s := range ss {
			x := px(float64(ci)) + slot*0.1 + float64(si)*barW
			y := py(s.Y[ci])
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s, %s: %.1f</title></rect>`,
				x, y, barW, py(0)-y, palette[si%len(palette)], html.EscapeString(s.Name), html.EscapeString(cat), s.Y[ci])
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`, px(float64(ci))+slot/2, chartH-padB+16, html.EscapeString(cat))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// Intervals draws one bar per category with its interval [lo, hi] as an
// error bar (an experiment's arms with their confidence intervals). yTick
// labels the y ticks (nil: the numbers).
func Intervals(title, xLabel, yLabel string, categories []string, vals, lo, hi []float64, yTick func(float64) string) string {
	if yTick == nil {
		yTick = fmtTick
	}
	top := 0.0
	for i := range categories {
		top = math.Max(top, math.Max(vals[i], hi[i]))
	}
	yt := niceTicks(0, top, 5)
	xt := []float64{0, float64(max(1, len(categories)))}
	var b strings.Builder
	px, py := frame(&b, title, xLabel, yLabel, xt, yt, nil, yTick, nil, nil, true)
	slot := px(1) - px(0)
	bw := math.Min(80, slot*0.5)
	for i, n := range categories {
		cx := px(float64(i)) + slot/2
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" fill-opacity="0.75"><title>%s: %s [%s, %s]</title></rect>`,
			cx-bw/2, py(vals[i]), bw, py(0)-py(vals[i]), palette[1], html.EscapeString(n),
			html.EscapeString(yTick(vals[i])), html.EscapeString(yTick(lo[i])), html.EscapeString(yTick(hi[i])))
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#000" stroke-width="2"/>`, cx, cx, py(lo[i]), py(hi[i]))
		for _, y := range []float64{lo[i], hi[i]} {
			fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#000" stroke-width="2"/>`, cx-10, cx+10, py(y), py(y))
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`, cx, chartH-padB+16, html.EscapeString(n))
	}
	b.WriteString(`</svg>`)
	return b.String()
}
