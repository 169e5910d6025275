package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSimCopy(t *testing.T) {
	dir := t.TempDir()
	report, js := filepath.Join(dir, "r.html"), filepath.Join(dir, "r.json")
	var out, errOut bytes.Buffer
	if err := runSim(context.Background(), []string{"copy", "--users", "20000", "--seed", "3", "--report", report, "--json", js}, &out, &errOut); err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	var res simCopyResult
	data, err := os.ReadFile(js)
	if err != nil || json.Unmarshal(data, &res) != nil {
		t.Fatalf("json: %v", err)
	}
	last := res.Points[len(res.Points)-1]
	if last.BestShare < 0.8 || res.Regret > 0.25*res.RegretUniform {
		t.Errorf("best share %.3f at the end, regret %.1f vs uniform %.1f\n%s", last.BestShare, res.Regret, res.RegretUniform, out.String())
	}
	page, _ := os.ReadFile(report)
	if !bytes.Contains(page, []byte("<svg")) || bytes.Contains(page, []byte("<script")) || !strings.Contains(out.String(), "regret") {
		t.Errorf("report or output incomplete")
	}
}
