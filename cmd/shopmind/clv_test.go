package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/shopmind/shopmind/internal/testenv"
)

func runCLVFitCmd(t *testing.T, args ...string) (code int, out, errOut string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(context.Background(), append([]string{"clv"}, args...), &o, &e)
	return code, o.String(), e.String()
}

// param reads name=value from the output line of model.
func param(t *testing.T, out, model, name string) float64 {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, model+" ") {
			continue
		}
		m := regexp.MustCompile(`\b` + name + `=([-0-9.]+)`).FindStringSubmatch(line)
		if m == nil {
			break
		}
		v, _ := strconv.ParseFloat(m[1], 64)
		return v
	}
	t.Fatalf("output lacks %s %s=…:\n%s", model, name, out)
	return 0
}

// TestCLVFitCDNOWSample fits the raw CDNOW sample from the command line and
// checks the printed parameters against the published ones (3 significant
// figures), the report and the JSON.
func TestCLVFitCDNOWSample(t *testing.T) {
	path := filepath.Join(testenv.Datasets(t, "cdnow"), "CDNOW_sample.txt")
	dir := t.TempDir()
	report, js := filepath.Join(dir, "clv.html"), filepath.Join(dir, "clv.json")
	code, out, errOut := runCLVFitCmd(t, "fit", "--format", "cdnow", "--path", path, "--report", report, "--json", js)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	t.Logf("\n%s", out)
	published := []struct {
		model, name string
		want, tol   float64
	}{
		{"BG/NBD", "r", 0.243, 0.0005}, {"BG/NBD", "alpha", 4.414, 0.005}, {"BG/NBD", "a", 0.793, 0.0005}, {"BG/NBD", "b", 2.426, 0.005},
		{"Pareto/NBD", "r", 0.553, 0.0005}, {"Pareto/NBD", "alpha", 10.578, 0.05}, {"Pareto/NBD", "s", 0.606, 0.0005}, {"Pareto/NBD", "beta", 11.669, 0.05},
		{"Gamma-Gamma", "p", 6.25, 0.005}, {"Gamma-Gamma", "q", 3.74, 0.005}, {"Gamma-Gamma", "gamma", 15.44, 0.05},
	}
	for _, p := range published {
		if got := param(t, out, p.model, p.name); got < p.want-p.tol || got > p.want+p.tol {
			t.Errorf("%s %s = %v, published %v", p.model, p.name, got, p.want)
		}
	}
	if !strings.Contains(out, "-9582.4") {
		t.Errorf("BG/NBD log-likelihood -9582.4 not printed:\n%s", out)
	}
	if !regexp.MustCompile(`holdout \(weeks 40-78\): 1882 repeat purchases`).MatchString(out) {
		t.Errorf("holdout line missing:\n%s", out)
	}
	html, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(html), "<svg"); n < 4 {
		t.Errorf("report has %d <svg charts, want calibration, two tracking and holdout charts", n)
	}
	var j struct {
		Models []struct {
			Model  string             `json:"model"`
			Params map[string]float64 `json:"params"`
			LogLik float64            `json:"log_likelihood"`
		} `json:"models"`
		GammaGamma *struct{} `json:"gamma_gamma"`
	}
	b, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &j); err != nil || len(j.Models) != 2 || j.GammaGamma == nil {
		t.Errorf("JSON %v: %s", err, b)
	}
}

// TestCLVFitSummaryOnly fits a summary CSV: no holdout charts, and the
// report says why.
func TestCLVFitSummaryOnly(t *testing.T) {
	path := filepath.Join(testenv.Datasets(t, "cdnow"), "cdnow_customers_summary.csv")
	report := filepath.Join(t.TempDir(), "clv.html")
	code, out, errOut := runCLVFitCmd(t, "fit", "--format", "cdnow", "--path", path, "--model", "bgnbd", "--report", report)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	if strings.Contains(out, "Pareto/NBD") || !strings.Contains(out, "no spend") {
		t.Errorf("--model bgnbd on a summary without spend printed:\n%s", out)
	}
	if got := param(t, out, "BG/NBD", "r"); got < 0.2425 || got > 0.2435 {
		t.Errorf("r = %v", got)
	}
	html, _ := os.ReadFile(report)
	if !strings.Contains(string(html), "<svg") || !strings.Contains(string(html), "cannot be drawn") {
		t.Error("summary-only report lacks its chart or the note on the missing holdout charts")
	}
}

func TestCLVUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no subcommand", nil, 2, "Subcommands"},
		{"unknown subcommand", []string{"predict"}, 2, `unknown subcommand "predict"`},
		{"help", []string{"--help"}, 0, "fit"},
		{"fit help", []string{"fit", "--help"}, 0, "-model string"},
		{"missing path", []string{"fit", "--format", "cdnow"}, 1, "--format and --path are required"},
		{"bad model", []string{"fit", "--format", "cdnow", "--path", "x", "--model", "markov"}, 1, "unknown model"},
		{"bad format", []string{"fit", "--format", "csv", "--path", "x"}, 1, "use cdnow"},
		{"missing file", []string{"fit", "--format", "cdnow", "--path", "/nonexistent/cdnow.txt"}, 1, "no such file"},
		{"bad flag", []string{"fit", "--colour"}, 2, "flag provided but not defined"},
	}
	for _, tc := range tests {
		code, out, errOut := runCLVFitCmd(t, tc.args...)
		if code != tc.code || !strings.Contains(out+errOut, tc.want) {
			t.Errorf("%s: exit %d, output %q; want exit %d and %q", tc.name, code, out+errOut, tc.code, tc.want)
		}
	}
}

// TestCLVFitOnStore fits BG/NBD and Gamma-Gamma on a synthetic shop's own
// purchases (its users rarely drop out, so Pareto/NBD finds no finite
// maximum there and says so).
func TestCLVFitOnStore(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"demo", "--no-serve", "--data", dir, "--users", "1500", "--days", "60", "--log-level", "warn"}, &out, &errOut); code != 0 {
		t.Fatalf("demo: %d %s", code, errOut.String())
	}
	out.Reset()
	code := run(context.Background(), []string{"clv", "fit", "--format", "store", "--model", "bgnbd", "--data", dir, "--holdout-days", "14", "--log-level", "warn"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("clv fit --format store: exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"purchase events", "BG/NBD", "Gamma-Gamma", "holdout"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
