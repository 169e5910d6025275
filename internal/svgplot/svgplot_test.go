package svgplot

import (
	"math"
	"strings"
	"testing"
)

func TestNiceTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		n      int
		want   []float64
	}{
		{0, 1411, 6, []float64{0, 500, 1000, 1500}},
		{0, 78, 8, []float64{0, 10, 20, 30, 40, 50, 60, 70, 80}},
		{0, 6.4, 6, []float64{0, 2, 4, 6, 8}},
		{0, 0, 6, []float64{0, 0.2, 0.4, 0.6, 0.8, 1}},
		{0, 0.3, 6, []float64{0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3}},
	}
	for _, tc := range tests {
		got := niceTicks(tc.lo, tc.hi, tc.n)
		if len(got) != len(tc.want) {
			t.Errorf("niceTicks(%v, %v) = %v, want %v", tc.lo, tc.hi, got, tc.want)
			continue
		}
		for i := range got {
			if d := got[i] - tc.want[i]; d > 1e-12 || d < -1e-12 {
				t.Errorf("niceTicks(%v, %v) = %v, want %v", tc.lo, tc.hi, got, tc.want)
				break
			}
		}
	}
	if got := fmtTick(0.30000000000000004); got != "0.3" {
		t.Errorf("fmtTick = %q", got)
	}
}

func TestChartsEscapeLabelsAndDrawEverySeries(t *testing.T) {
	svg := Line("a <b> & c", "x", "y", []Series{{Name: "one", X: []float64{0, 1, 2}, Y: []float64{1, math.NaN(), 3}}, {Name: "<two>", X: []float64{0, 2}, Y: []float64{2, 2}, Dashed: true}}, nil, true, 1, "mark")
	if strings.Contains(svg, "<b>") || strings.Contains(svg, "<two>") || !strings.Contains(svg, "a &lt;b&gt; &amp; c") {
		t.Errorf("labels not escaped: %s", svg)
	}
	if n := strings.Count(svg, "<polyline"); n != 2 {
		t.Errorf("%d polylines, want 2", n)
	}
	if n := strings.Count(svg, "<circle"); n != 4 { // the NaN point is skipped
		t.Errorf("%d marks, want 4", n)
	}
	bars := Bars("t", "x", "y", []string{"a", "b"}, []Series{{Name: "s", Y: []float64{1, 2}}, {Name: "u", Y: []float64{0, 3}}})
	if n := strings.Count(bars, "<rect x="); n != 4+2 { // 4 bars and 2 legend swatches
		t.Errorf("%d rects, want 6", n)
	}
}

func TestLineGoesBelowZeroAndIntervalsDrawWhiskers(t *testing.T) {
	svg := Line("q", "x", "y", []Series{{Name: "m", X: []float64{0, 50, 100}, Y: []float64{0, -7, 40}}}, nil, false, math.NaN(), "")
	if !strings.Contains(svg, ">-10</text>") {
		t.Errorf("a negative value gets no tick below zero: %s", svg)
	}
	iv := Intervals("arms", "", "rate", []string{"A", "<B>"}, []float64{0.1, 0.2}, []float64{0.05, 0.15}, []float64{0.15, 0.25},
		func(v float64) string { return fmtTick(100*v) + "%" })
	if strings.Contains(iv, "<B>") || !strings.Contains(iv, "&lt;B&gt;") {
		t.Errorf("category not escaped")
	}
	if n := strings.Count(iv, `stroke-width="2"/>`); n != 6 { // a whisker and two caps per arm
		t.Errorf("%d whisker lines, want 6", n)
	}
	if !strings.Contains(iv, ">20%</text>") || !strings.Contains(iv, "<title>&lt;B&gt;: 20% [15%, 25%]</title>") {
		t.Errorf("ticks or titles not labelled as percentages: %s", iv)
	}
}
