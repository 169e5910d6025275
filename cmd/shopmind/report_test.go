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

func TestReportExposure(t *testing.T) {
	dir := t.TempDir()
	page, js := filepath.Join(dir, "r.html"), filepath.Join(dir, "r.json")
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"report", "exposure", "--users", "300", "--items", "100", "--days", "21",
		"--max-item-share", "0.03", "--max-brand-share", "0.2", "--group-by", "gender", "--requests-per-user", "10",
		"--html", page, "--json", js}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out.String(), errOut.String())
	}
	for _, want := range []string{"NDCG@10", "Ad delivery by gender", "largest delivery_rate gap", "Protocol: Leave-last-out"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	html, err := os.ReadFile(page)
	if err != nil || bytes.Count(html, []byte("<svg")) < 4 || bytes.Contains(html, []byte("<script")) {
		t.Errorf("HTML report: %v, %d charts", err, bytes.Count(html, []byte("<svg")))
	}
	data, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	var res exposureResult
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	// No cap; batch and online with item and brand caps; batch and online
	// with the brand cap alone.
	if len(res.Runs) != 5 || res.Evaluated < 100 {
		t.Fatalf("%d runs over %d users", len(res.Runs), res.Evaluated)
	}
	base, batch := res.Runs[0], res.Runs[1]
	if base.Exposure.TopItemShare <= 0.03 {
		t.Fatalf("the uncapped top item share %.4f is under the cap: the test shows nothing", base.Exposure.TopItemShare)
	}
	if batch.Breaches == 0 && batch.Exposure.TopItemShare > 0.03+1e-9 {
		t.Errorf("batch cap kept without breaches, yet the top item has %.4f", batch.Exposure.TopItemShare)
	}
	for _, r := range res.Runs[1:3] {
		if r.Exposure.Gini >= base.Exposure.Gini {
			t.Errorf("%s: Gini %.3f not below %.3f", r.Name, r.Exposure.Gini, base.Exposure.Gini)
		}
	}
	for _, r := range res.Runs {
		if r.NDCG10 <= 0 || r.NDCG10 > r.HR10 || r.HR10 > 1 || r.Exposure.Coverage <= 0 || r.Exposure.Coverage > 1 {
			t.Errorf("%s: NDCG@10 %v HR@10 %v coverage %v", r.Name, r.NDCG10, r.HR10, r.Exposure.Coverage)
		}
	}
	p := res.Ads.Parity
	if res.Ads.Requests != 3000 || len(p.Groups) < 2 || p.Rate == nil || p.Rate.Difference < 0 || p.Rate.Ratio > 1 {
		t.Errorf("ads: %d requests, parity %+v", res.Ads.Requests, p)
	}
	for _, g := range p.Groups {
		if g.Users < 10 || g.Rate < 0 || g.Rate > 1 || g.AvgPrice == nil {
			t.Errorf("group %+v", g)
		}
	}
}

func TestReportExposureRefuses(t *testing.T) {
	for _, args := range [][]string{
		{"report", "exposure", "--group-by", "shoe_size", "--users", "50", "--items", "30", "--days", "3"},
		{"report", "exposure", "--max-item-share", "2"},
		{"report", "exposure", "--n", "0"},
		{"report", "nothing"},
	} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, &out, &errOut); code == 0 {
			t.Errorf("%v: exit 0", args)
		}
	}
}
