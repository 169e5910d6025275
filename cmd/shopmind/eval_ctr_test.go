package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopmind/shopmind/ctr"
	"github.com/shopmind/shopmind/ctr/ctreval"
	"github.com/shopmind/shopmind/internal/testenv"
)

// rateModel is a fake ctr.Model: the sum of each feature's smoothed
// log-odds of a click over the training rows.
type rateModel struct{ w map[uint32]float64 }

func (m *rateModel) Name() string { return "rate" }

func (m *rateModel) Fit(_ context.Context, train, _ []ctr.Example) error {
	clicks, seen := map[uint32]float64{}, map[uint32]float64{}
	var rate float64
	for _, x := range train {
		rate += float64(x.Click)
		for _, f := range x.Features {
			clicks[f.Index] += float64(x.Click)
			seen[f.Index]++
		}
	}
	rate /= float64(len(train))
	logit := func(p float64) float64 { return math.Log(p / (1 - p)) }
	m.w = map[uint32]float64{0: logit(rate)} // the bias under index 0 is harmless for a fake
	for i, n := range seen {
		m.w[i] = 0.5 * (logit((clicks[i]+10*rate)/(n+10)) - logit(rate))
	}
	return nil
}

func (m *rateModel) Predict(x *ctr.Example) float64 {
	z := m.w[0]
	for _, f := range x.Features {
		z += m.w[f.Index]
	}
	return ctr.Sigmoid(z)
}

// shrink is a fake calibrator: it pulls every probability halfway to the
// validation rate.
type shrink struct{ rate float64 }

func (s *shrink) Fit(_ []float64, labels []float32) error {
	for _, l := range labels {
		s.rate += float64(l)
	}
	s.rate /= float64(len(labels))
	return nil
}
func (s *shrink) Apply(p float64) float64 { return (p + s.rate) / 2 }

func withFakeCTRModels(t *testing.T) {
	specs, cals := ctrModelSpecs, ctrCalibrators
	t.Cleanup(func() { ctrModelSpecs, ctrCalibrators = specs, cals })
	ctrModelSpecs = func() []ctreval.ModelSpec {
		return []ctreval.ModelSpec{{Name: "rate", Summary: "fake", New: func(*ctreval.Data) (ctr.Model, error) { return &rateModel{}, nil }}}
	}
	ctrCalibrators = func() []ctreval.CalibratorSpec {
		return []ctreval.CalibratorSpec{{Name: "shrink", New: func() ctreval.Calibrator { return &shrink{} }}}
	}
}

type ctrJSON struct {
	Dataset   string   `json:"dataset"`
	Split     string   `json:"split"`
	Seed      *uint64  `json:"seed"`
	OracleAUC *float64 `json:"oracle_auc"`
	Results   []struct {
		Model      string                        `json:"model"`
		AUC        *float64                      `json:"auc"`
		LogLoss    *float64                      `json:"logloss"`
		ECE        *float64                      `json:"ece"`
		Calibrated map[string]map[string]float64 `json:"calibrated"`
	} `json:"results"`
}

func runCTR(t *testing.T, args ...string) (string, string, ctrJSON) {
	t.Helper()
	dir := t.TempDir()
	jsonPath, htmlPath := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.html")
	var out, errOut bytes.Buffer
	code := run(context.Background(), append([]string{"eval", "ctr", "--json", jsonPath, "--report", htmlPath}, args...), &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out.String(), errOut.String())
	}
	raw, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var rep ctrJSON
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	page, err := os.ReadFile(htmlPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(page, []byte("<svg")) || bytes.Contains(page, []byte("<script")) {
		t.Errorf("HTML report is not a script-free page with SVG diagrams")
	}
	return out.String(), errOut.String(), rep
}

// TestEvalCTRSynthetic runs `shopmind eval ctr` end to end on synthetic data
// with a fake model: the table, the progress, the JSON and the report.
func TestEvalCTRSynthetic(t *testing.T) {
	withFakeCTRModels(t)
	table, progress, rep := runCTR(t, "--dataset", "synthetic", "--rows", "20000", "--seed", "5", "--model", "all")
	for _, want := range []string{"synthetic: 20000 rows, 8 fields", "split random (seed 5)", "rate ", "oracle", "shrink (fit on valid)"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	if !strings.Contains(progress, "generated synthetic") || !strings.Contains(progress, "rate: test AUC") {
		t.Errorf("no progress on stderr: %s", progress)
	}
	if rep.Dataset != "synthetic" || rep.Split != "random" || rep.Seed == nil || *rep.Seed != 5 || rep.OracleAUC == nil || len(rep.Results) != 1 {
		t.Fatalf("JSON %+v", rep)
	}
	r := rep.Results[0]
	if r.Model != "rate" || r.AUC == nil || r.LogLoss == nil || r.ECE == nil || r.Calibrated["shrink"]["auc"] != *r.AUC {
		t.Errorf("JSON result %+v", r)
	}
	if !(*r.AUC > 0.65) || !(*rep.OracleAUC > *r.AUC) {
		t.Errorf("AUC %.4f, oracle %.4f", *r.AUC, *rep.OracleAUC)
	}
}

// TestEvalCTRMovieLens runs the command on the real MovieLens 100K with the
// fake model, by time.
func TestEvalCTRMovieLens(t *testing.T) {
	path := testenv.Datasets(t, "movielens-100k")
	withFakeCTRModels(t)
	table, _, rep := runCTR(t, "--dataset", "movielens-100k", "--path", path, "--split", "time", "--model", "rate")
	if !strings.Contains(table, "movielens-100k: 100000 rows, 6 fields") || !strings.Contains(table, "train 72000 / valid 8000 / test 20000") {
		t.Errorf("table:\n%s", table)
	}
	if rep.Split != "time" || rep.OracleAUC != nil || len(rep.Results) != 1 || !(*rep.Results[0].AUC > 0.6) {
		t.Errorf("JSON %+v", rep)
	}
}

// TestEvalCTRRealModels runs every registered model on a small synthetic
// set: none beats the oracle.
func TestEvalCTRRealModels(t *testing.T) {
	if len(ctreval.Models()) == 0 {
		t.Skip("no CTR models are registered")
	}
	if testing.Short() {
		t.Skip("fits every model (-short)")
	}
	table, _, rep := runCTR(t, "--dataset", "synthetic", "--rows", "20000", "--model", "all")
	if len(rep.Results) != len(ctreval.Models()) || rep.OracleAUC == nil {
		t.Fatalf("JSON %+v", rep)
	}
	for _, r := range rep.Results {
		if r.AUC == nil || !(*r.AUC > 0.6) || !(*r.AUC < *rep.OracleAUC) || len(r.Calibrated) != 2 {
			t.Errorf("%s: AUC %v (oracle %.4f), calibrated %v\n%s", r.Model, r.AUC, *rep.OracleAUC, r.Calibrated, table)
		}
	}
}

func TestEvalCTRUsage(t *testing.T) {
	withFakeCTRModels(t)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"eval", "--help"}, 0, "ctr"},
		{[]string{"eval", "ctr"}, 1, "--dataset is required"},
		{[]string{"eval", "ctr", "--help"}, 0, "isotonic"},
		{[]string{"eval", "ctr", "--dataset", "mars"}, 1, `unknown dataset "mars"`},
		{[]string{"eval", "ctr", "--dataset", "synthetic", "--model", "gbdt"}, 1, `unknown model "gbdt"`},
		{[]string{"eval", "ctr", "--dataset", "hillstrom-visit", "--split", "time"}, 1, `no "time" split`},
		{[]string{"eval", "ctr", "--dataset", "movielens-100k", "--rows", "1000"}, 1, "synthetic dataset only"},
		{[]string{"eval", "ctr", "--dataset", "movielens-100k", "--path", "/nonexistent/ml"}, 1, "no such file"},
		{[]string{"eval", "ctr", "--dataset", "synthetic", "extra"}, 1, `unexpected argument "extra"`},
		{[]string{"eval", "ctr", "--bogus"}, 2, "flag provided but not defined"},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		code := run(context.Background(), tt.args, &out, &errOut)
		if code != tt.code || !strings.Contains(out.String()+errOut.String(), tt.want) {
			t.Errorf("%v: exit %d, output %q; want exit %d and %q", tt.args, code, out.String()+errOut.String(), tt.code, tt.want)
		}
	}
}
