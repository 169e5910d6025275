package ctreval

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/ctr"
	"github.com/shopmind/shopmind/internal/testenv"
)

// knobModel is a fake whose validation AUC depends on two settings: it
// scores a noisy version of the true probability, the noise smallest at
// a = 2 and b = 3.
type knobModel struct {
	a, b int
	fits *int
}

func (m *knobModel) Name() string { return "knob" }
func (m *knobModel) Fit(context.Context, []ctr.Example, []ctr.Example) error {
	*m.fits++
	return nil
}

func (m *knobModel) Predict(x *ctr.Example) float64 {
	var h uint64 = uint64(x.Time)*0x9e3779b97f4a7c15 + 1
	noise := float64(mix64(h)>>11)/(1<<53) - 0.5
	scale := 0.2 * float64((m.a-2)*(m.a-2)+(m.b-3)*(m.b-3))
	return ctr.Sigmoid(float64(x.Click)*0.3 + noise*(1+scale))
}

func TestSearch(t *testing.T) {
	d, err := NewSynthetic(3).Data(context.Background(), 3000)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := d.Split(SplitRandom, 1)
	s.Test, s.TestIdx = nil, nil // the search must not need the test part
	type cfg struct{ a, b int }
	fits := 0
	sr := &Search[cfg]{
		Model: "knob",
		Base:  func(*Data) cfg { return cfg{} },
		New:   func(c cfg) ctr.Model { return &knobModel{a: c.a, b: c.b, fits: &fits} },
		Dims: []Dim[cfg]{
			Values("a", func(c *cfg, v int) { c.a = v }, 0, 1, 2, 3),
			Values("b", func(c *cfg, v int) { c.b = v }, 0, 1, 2, 3, 4),
		},
	}
	var lines []string
	res, err := sr.Run(context.Background(), d, s, func(f string, a ...any) { lines = append(lines, fmt.Sprintf(f, a...)) })
	if err != nil {
		t.Fatal(err)
	}
	if res.Best != (cfg{2, 3}) || res.Point != "a=2 b=3" {
		t.Errorf("chose %+v (%s), want a=2 b=3", res.Best, res.Point)
	}
	// The first sweep: the start, 3 other a's, 4 other b's; the second
	// tries the other a's with b = 3 and finds every b cached.
	if fits != len(res.Trials) || fits != 11 || len(lines) != fits {
		t.Errorf("%d fits, %d trials, %d log lines; want 11 of each", fits, len(res.Trials), len(lines))
	}
	if res.Trials[0].Point != "a=0 b=0" || !strings.Contains(lines[0], "knob a=0 b=0: valid AUC") {
		t.Errorf("first trial %+v, log %q", res.Trials[0], lines[0])
	}
	for _, tr := range res.Trials {
		if better(tr.Valid, res.Valid) {
			t.Errorf("trial %s (%.4f) beats the chosen %.4f", tr.Point, tr.Valid.AUC, res.Valid.AUC)
		}
	}
	res2, _ := sr.Run(context.Background(), d, s, nil)
	if res2.Point != res.Point || res2.Valid != res.Valid {
		t.Error("the search is not reproducible")
	}
	s.Valid = nil
	if _, err := sr.Run(context.Background(), d, s, nil); err == nil {
		t.Error("a search without a validation part")
	}
}

func TestBetter(t *testing.T) {
	if !better(Metrics{AUC: 0.71, LogLoss: 0.6}, Metrics{AUC: 0.70, LogLoss: 0.5}) {
		t.Error("a higher AUC must win")
	}
	if !better(Metrics{AUC: 0.7001, LogLoss: 0.5}, Metrics{AUC: 0.7003, LogLoss: 0.6}) {
		t.Error("an AUC tie goes to the lower log loss")
	}
	if better(Metrics{AUC: math.NaN()}, Metrics{AUC: 0.6}) || !better(Metrics{AUC: 0.6}, Metrics{AUC: math.NaN()}) {
		t.Error("NaN AUC")
	}
}

// The grids start from the untuned configurations.
func TestSearchGrids(t *testing.T) {
	d, _ := NewSynthetic(3).Data(context.Background(), 200)
	lr, f, dfm := LRSearch(), FMSearch(), DeepFMSearch()
	if lr.config(d, make([]int, len(lr.Dims))) != lrBase(d) || f.config(d, make([]int, len(f.Dims))) != fmBase(d) {
		t.Error("the lr or fm search does not start at the base configuration")
	}
	c0, b := dfm.config(d, make([]int, len(dfm.Dims))), deepFMBase(d)
	if c0.Factors != b.Factors || hiddenLabel(c0.Hidden) != hiddenLabel(b.Hidden) || c0.Dropout != b.Dropout || c0.TrainConfig != b.TrainConfig {
		t.Errorf("the deepfm search starts at %+v, not %+v", c0, b)
	}
}

// TestTune runs the hyper-parameter searches of Searches on a dataset's
// default split and prints every trial and the chosen points. It is how
// the configurations of tuned.go were found; it runs only on demand:
//
//	CTREVAL_TUNE=movielens-100k go test -run TestTune -v -timeout 1h ./ctr/ctreval/
//
// with CTREVAL_TUNE_MODELS=lr,fm to search some models only and
// CTREVAL_TUNE_ROWS for the synthetic rows. It reads only the training and
// validation parts.
func TestTune(t *testing.T) {
	name := os.Getenv("CTREVAL_TUNE")
	if name == "" {
		t.Skip("set CTREVAL_TUNE to a dataset to run the searches")
	}
	src, err := LookupSource(name)
	if err != nil {
		t.Fatal(err)
	}
	path := ""
	if !src.Generated() {
		path = filepath.Join(testenv.Datasets(t), src.Path)
	}
	opt := LoadOptions{Seed: DefaultSeed}
	if r := os.Getenv("CTREVAL_TUNE_ROWS"); r != "" {
		opt.Rows, _ = strconv.Atoi(r)
	}
	ctx := context.Background()
	d, err := src.Load(ctx, path, opt)
	if err != nil {
		t.Fatal(err)
	}
	s, err := d.Split(src.Splits[0], DefaultSeed)
	if err != nil {
		t.Fatal(err)
	}
	var models []string
	if m := os.Getenv("CTREVAL_TUNE_MODELS"); m != "" {
		models = strings.Split(m, ",")
	}
	start := time.Now()
	sums, err := Tune(ctx, d, s, models, func(f string, a ...any) {
		t.Logf("[%6.1fs] %s", time.Since(start).Seconds(), fmt.Sprintf(f, a...))
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, sm := range sums {
		t.Logf("%s: chose %s: valid AUC %.4f log loss %.4f (%d trials)", sm.Model, sm.Point, sm.Valid.AUC, sm.Valid.LogLoss, len(sm.Trials))
	}
}
