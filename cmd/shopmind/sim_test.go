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

func TestSimAds(t *testing.T) {
	dir := t.TempDir()
	report, js := filepath.Join(dir, "sim.html"), filepath.Join(dir, "sim.json")
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"sim", "ads", "--hours", "24", "--campaigns", "8", "--users", "3000",
		"--seed", "5", "--json", js, "--report", report}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out.String(), errOut.String())
	}
	for _, want := range []string{"c008", "Clicks per unit spend", "Targets:", "wrote the report"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	page, err := os.ReadFile(report)
	if err != nil || !bytes.Contains(page, []byte("<svg")) || bytes.Contains(page, []byte("<script")) {
		t.Errorf("report: %v (%d bytes)", err, len(page))
	}
	data, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Campaigns []struct {
			ID                  string   `json:"id"`
			Budget              *float64 `json:"budget"`
			Spend               *float64 `json:"spend"`
			DemandExceedsBudget *bool    `json:"demand_exceeds_budget"`
		} `json:"campaigns"`
		HourlySpendCV          *float64 `json:"hourly_spend_cv"`
		HourlySpendCVNoPacing  *float64 `json:"hourly_spend_cv_no_pacing"`
		ClicksPerSpend         *float64 `json:"clicks_per_spend"`
		ClicksPerSpendNoPacing *float64 `json:"clicks_per_spend_no_pacing"`
		ClicksPerSpendRandom   *float64 `json:"clicks_per_spend_random"`
		CapViolations          *int     `json:"cap_violations"`
	}
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Campaigns) != 8 || res.Campaigns[0].ID == "" || res.Campaigns[0].Budget == nil || res.Campaigns[0].Spend == nil ||
		res.Campaigns[0].DemandExceedsBudget == nil || res.HourlySpendCV == nil || res.HourlySpendCVNoPacing == nil ||
		res.ClicksPerSpend == nil || res.ClicksPerSpendNoPacing == nil || res.ClicksPerSpendRandom == nil || res.CapViolations == nil {
		t.Errorf("JSON lacks fields:\n%s", data[:min(len(data), 600)])
	}
	if *res.CapViolations != 0 {
		t.Errorf("%d cap violations", *res.CapViolations)
	}
}

func TestSimAdsUsage(t *testing.T) {
	for _, args := range [][]string{{"sim"}, {"sim", "nope"}, {"sim", "ads", "--hours", "x"}} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, &out, &errOut); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"sim", "ads", "--traffic-amplitude", "2"}, &out, &errOut); code != 1 {
		t.Errorf("bad amplitude: exit %d, want 1", code)
	}
	if code := run(context.Background(), []string{"sim", "ads", "--help"}, &out, &errOut); code != 0 || !strings.Contains(errOut.String(), "-campaigns") {
		t.Errorf("help: exit %d: %s", code, errOut.String())
	}
}
