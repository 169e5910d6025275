package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeHillstromLike writes a small CSV in the Hillstrom layout where the
// women's e-mail raises visits only for customers who bought women's
// merchandise, while newbies visit more whether mailed or not.
func writeHillstromLike(t *testing.T, n int) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(5, 5))
	var b strings.Builder
	b.WriteString("recency,history_segment,history,mens,womens,zip_code,newbie,channel,segment,visit,conversion,spend\n")
	segs := []string{"Womens E-Mail", "Mens E-Mail", "No E-Mail"}
	zips := []string{"Urban", "Surburban", "Rural"}
	chans := []string{"Phone", "Web", "Multichannel"}
	for i := 0; i < n; i++ {
		womens, newbie := rng.IntN(2), rng.IntN(2)
		seg := segs[rng.IntN(3)]
		p := 0.1 + 0.4*float64(newbie) // newbies visit anyway: response targeting picks them
		if seg == "Womens E-Mail" && womens == 1 {
			p = 0.4
		}
		visit := 0
		if rng.Float64() < p {
			visit = 1
		}
		fmt.Fprintf(&b, "%d,1) $0 - $100,%.2f,%d,%d,%s,%d,%s,%s,%d,0,0\n",
			1+rng.IntN(12), 30+rng.Float64()*60, 1-womens, womens, zips[rng.IntN(3)], newbie, chans[rng.IntN(3)], seg, visit)
	}
	path := filepath.Join(t.TempDir(), "hillstrom.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestEvalUpliftCommand(t *testing.T) {
	csvPath := writeHillstromLike(t, 6000)
	dir := t.TempDir()
	jsonPath, htmlPath := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.html")
	var out, errOut bytes.Buffer
	err := runEval(context.Background(), []string{"uplift", "--dataset", "hillstrom", "--path", csvPath, "--seeds", "2", "--seed", "7",
		"--models", "t-learner-lr,class-transformation", "--json", jsonPath, "--html", htmlPath}, &out, &errOut)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	for _, want := range []string{"random", "response", "t-learner-lr", "class-transformation", "beat response"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if n := strings.Count(errOut.String(), "seed "); n != 8 { // 2 seeds × (2 baselines + 2 models)
		t.Errorf("%d progress lines, want 8:\n%s", n, errOut.String())
	}
	raw, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Results []struct {
			Model        string  `json:"model"`
			Qini         float64 `json:"qini"`
			AUUC         float64 `json:"auuc"`
			At30         float64 `json:"uplift@30"`
			QiniStd      float64 `json:"qini_std"`
			BeatResponse int     `json:"beat_response"`
		} `json:"results"`
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Results) != 4 || res.Results[0].Model != "random" || res.Results[1].Model != "response" {
		t.Fatalf("results %+v", res.Results)
	}
	tl := res.Results[2]
	if tl.Model != "t-learner-lr" || tl.Qini <= res.Results[1].Qini || tl.BeatResponse != 2 {
		t.Errorf("t-learner-lr %+v should beat response %+v on both seeds", tl, res.Results[1])
	}
	page, err := os.ReadFile(htmlPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), "<svg") || !strings.Contains(string(page), "perfect") {
		t.Error("HTML report has no Qini chart")
	}

	for _, args := range [][]string{
		{"uplift"},
		{"uplift", "--dataset", "criteo"},
		{"uplift", "--dataset", "hillstrom", "--path", csvPath, "--treatment", "kids"},
		{"uplift", "--dataset", "hillstrom", "--path", csvPath, "--models", "nope"},
		{"uplift", "--dataset", "hillstrom", "--path", csvPath, "--seeds", "0"},
	} {
		if err := runEval(context.Background(), args, &out, &errOut); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
