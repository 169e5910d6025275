package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopmind/shopmind/internal/testenv"
)

// TestEvalRecommendBeautyPop runs `shopmind eval recommend` on Beauty with
// PopRec and checks the table, the JSON and the HTML report. Under the
// default protocol (refit on training + validation items) PopRec lands in
// the S3-Rec paper's band (HR@10 0.013–0.015).
func TestEvalRecommendBeautyPop(t *testing.T) {
	path := filepath.Join(testenv.Datasets(t, "amazon-seqrec-s3rec", "Beauty.txt"))
	dir := t.TempDir()
	jsonPath, htmlPath := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.html")
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"eval", "recommend", "--dataset", "beauty", "--algo", "pop", "--path", path,
		"--json", jsonPath, "--report", htmlPath}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out.String(), errOut.String())
	}
	table := out.String()
	for _, want := range []string{"beauty: 22363 users evaluated, 12101 items, 198502 interactions", "pop ", "0.0135", "refitted on training + validation", "PopRec (paper)", "SASRec (paper)", "target (transition+EASE ref.)", "0.0959"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	if !strings.Contains(errOut.String(), "loaded ") || !strings.Contains(errOut.String(), "pop:") {
		t.Errorf("no progress on stderr: %s", errOut.String())
	}
	raw, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Dataset  string `json:"dataset"`
		Protocol string `json:"protocol"`
		Results  []struct {
			Algo string  `json:"algo"`
			HR10 float64 `json:"HR@10"`
			HR20 float64 `json:"HR@20"`
		} `json:"results"`
	}
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Dataset != "beauty" || len(rep.Results) != 1 || rep.Results[0].Algo != "pop" || !(rep.Results[0].HR10 > 0.013 && rep.Results[0].HR10 < 0.015) || rep.Protocol == "" {
		t.Errorf("JSON: %s", raw)
	}
	page, err := os.ReadFile(htmlPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(page, []byte("<svg")) || bytes.Contains(page, []byte("<script")) {
		t.Errorf("HTML report is not a script-free page with SVG charts")
	}
}

func TestEvalUsage(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"eval"}, 2, "Targets:"},
		{[]string{"eval", "--help"}, 0, "recommend"},
		{[]string{"eval", "ctr"}, 1, "--dataset is required"},
		{[]string{"eval", "nothing"}, 2, `unknown target "nothing"`},
		{[]string{"eval", "recommend"}, 1, "--dataset is required"},
		{[]string{"eval", "recommend", "--dataset", "mars"}, 1, `unknown dataset "mars"`},
		{[]string{"eval", "recommend", "--dataset", "beauty", "--k", "7"}, 1, "--k must be 5, 10 or 20"},
		{[]string{"eval", "recommend", "--dataset", "beauty", "--path", "/nonexistent/Beauty.txt"}, 1, "no such file"},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		code := run(context.Background(), tt.args, &out, &errOut)
		if code != tt.code || !strings.Contains(out.String()+errOut.String(), tt.want) {
			t.Errorf("%v: exit %d, output %q; want exit %d and %q", tt.args, code, out.String()+errOut.String(), tt.code, tt.want)
		}
	}
}
