package upeval

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/shopmind/shopmind/internal/testenv"
	"github.com/shopmind/shopmind/uplift"
)

// synthetic draws an experiment where the treatment helps only rows with
// x0 > 0, while x1 drives the baseline response.
func synthetic(n int) uplift.Dataset {
	rng := rand.New(rand.NewPCG(1, 1))
	var d uplift.Dataset
	for i := 0; i < n; i++ {
		x := []float64{rng.NormFloat64(), rng.NormFloat64()}
		tr := rng.IntN(2) == 0
		p := 0.1 + 0.3*float64(btoi(x[1] > 0))
		if tr && x[0] > 0 {
			p += 0.25
		}
		y := 0.0
		if rng.Float64() < p {
			y = 1
		}
		d.X, d.Treated, d.Y = append(d.X, x), append(d.Treated, tr), append(d.Y, y)
	}
	return d
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestEvaluateSyntheticAndReports(t *testing.T) {
	d := synthetic(6000)
	rep, err := EvaluateData(context.Background(), d, Options{Dataset: "synthetic", Treatment: "t", Outcome: "y", Seed: 3, Seeds: 2,
		Models: []string{"t-learner-lr", "uplift-tree-ed"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) != 4 || rep.Rows[0].Model != Random || rep.Rows[1].Model != Response {
		t.Fatalf("rows %v; want random, response, then the two models", rep.Rows)
	}
	resp, _ := rep.Row(Response)
	for _, name := range []string{"t-learner-lr", "uplift-tree-ed"} {
		r, ok := rep.Row(name)
		if !ok {
			t.Fatalf("no row %s", name)
		}
		if r.Qini <= resp.Qini+0.1 || r.BeatResponse != 2 {
			t.Errorf("%s: Qini %.3f (beat response %d/2) vs response %.3f; the planted effect should be found", name, r.Qini, r.BeatResponse, resp.Qini)
		}
		if r.Seeds != 2 || len(r.CurveN) == 0 {
			t.Errorf("%s: %d seeds, %d curve points", name, r.Seeds, len(r.CurveN))
		}
	}
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var parsed struct {
		Results []map[string]any `json:"results"`
	}
	if err := json.Unmarshal(js.Bytes(), &parsed); err != nil {
		t.Fatal(err)
	}
	if len(parsed.Results) != 4 || parsed.Results[0]["model"] != Random || parsed.Results[1]["model"] != Response {
		t.Fatalf("JSON results %v", parsed.Results)
	}
	for _, k := range []string{"qini", "auuc", "uplift@30", "qini_std", "auuc_std", "uplift@30_std"} {
		if _, ok := parsed.Results[2][k]; !ok {
			t.Errorf("JSON row lacks %q: %v", k, parsed.Results[2])
		}
	}
	var page bytes.Buffer
	if err := rep.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	html := page.String()
	if strings.Count(html, "<polyline") != 6 || !strings.Contains(html, "perfect") || !strings.Contains(html, "random line") || strings.Contains(html, "<script") {
		t.Errorf("HTML: %d polylines (want perfect + random line + 4 rows), or a script", strings.Count(html, "<polyline"))
	}
	var table bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "beat response") {
		t.Errorf("table lacks the beat-response column:\n%s", table.String())
	}
	if _, err := EvaluateData(context.Background(), d, Options{Models: []string{"nope"}}); err == nil || !strings.Contains(err.Error(), "t-learner-lr") {
		t.Errorf("unknown model: %v", err)
	}
}

// TestHillstromBeatsResponse runs one seed of the full comparison on women's
// e-mail vs no e-mail, outcome visit. Measured on seed 1: t-learner-lr Qini
// 0.0714, response 0.0073; the threshold keeps a margin below that. The
// GBT-based models are left out to keep the test fast on a busy machine (they
// are tested on synthetic data in package uplift and measured by the command).
func TestHillstromBeatsResponse(t *testing.T) {
	dir := testenv.Datasets(t, "hillstrom")
	rep, err := Evaluate(context.Background(), Options{Dataset: "hillstrom", Path: dir, Treatment: "womens", Outcome: "visit", Seed: 1, Seeds: 1,
		Models: []string{"t-learner-lr", "x-learner-lr", "class-transformation", "uplift-tree-kl", "uplift-tree-ed", "uplift-forest"}})
	if err != nil {
		t.Fatal(err)
	}
	var table bytes.Buffer
	_ = rep.WriteTable(&table)
	t.Log("\n" + table.String())
	best := rep.Best()
	resp, _ := rep.Row(Response)
	if best.Qini <= resp.Qini {
		t.Errorf("best model %s Qini %.4f does not beat response %.4f", best.Model, best.Qini, resp.Qini)
	}
	if best.Qini < 0.06 {
		t.Errorf("best model %s Qini %.4f < 0.06", best.Model, best.Qini)
	}
	for _, r := range rep.Rows {
		if math.IsNaN(r.Qini) || math.IsNaN(r.AUUC) || math.IsNaN(r.UpliftAt30) {
			t.Errorf("%s has a NaN metric", r.Model)
		}
	}
}
