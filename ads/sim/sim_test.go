package sim

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func small(seed uint64) Config {
	return Config{Seed: seed, Campaigns: 12, Users: 8000, RequestsPerUser: 5}
}

func TestSimulateSmallDay(t *testing.T) {
	res, err := Simulate(t.Context(), small(3))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("limited %d (within 3%%: %d, worst ratio %.3f); CV paced %.3f no pacing %.3f; campaign CV median %.3f max %.3f; clicks/spend %.3f / %.3f / %.3f; conv/spend %.4f / %.4f / %.4f; violations %d",
		res.BudgetLimited, res.BudgetLimitedWithin3Pct, res.WorstBudgetLimitedSpendTo, res.HourlySpendCV, res.HourlySpendCVNoPacing,
		res.CampaignCVMedian, res.CampaignCVMax, res.ClicksPerSpend, res.ClicksPerSpendNoPacing, res.ClicksPerSpendRandom,
		res.ConversionsPerSpend, res.ConversionsPerSpendNoPacing, res.ConversionsPerSpendRandom, res.CapViolations)
	for _, c := range res.Campaigns {
		t.Logf("%s %s bid %.2f cap %d budget %.2f demand %.2f spend %.2f (no pacing %.2f, random %.2f) cv %.2f/%.2f", c.ID, c.BidType, c.Bid, c.FrequencyCap, c.Budget, c.Demand, c.Spend, c.SpendNoPacing, c.SpendRandom, c.HourlyCV, c.HourlyCVNoPacing)
	}
	if res.BudgetLimited == 0 || res.BudgetLimited == len(res.Campaigns) {
		t.Fatalf("%d of %d campaigns limited by budget: the scenario should mix both", res.BudgetLimited, len(res.Campaigns))
	}
	for _, c := range res.Campaigns {
		if c.DemandExceedsBudget && math.Abs(c.Spend-c.Budget) > 0.03*c.Budget {
			t.Errorf("campaign %s spent %.2f of %.2f with demand %.2f: not within 3%%", c.ID, c.Spend, c.Budget, c.Demand)
		}
	}
	if res.OverBudget != 0 {
		t.Errorf("%d campaigns spent beyond their budget", res.OverBudget)
	}
	if res.CapViolations+res.CapViolationsNoPacing+res.CapViolationsRandom != 0 {
		t.Errorf("frequency cap violations: %d, %d, %d", res.CapViolations, res.CapViolationsNoPacing, res.CapViolationsRandom)
	}
	if res.HourlySpendCV > 0.25 || res.HourlySpendCVNoPacing < 0.8 {
		t.Errorf("hourly spend CV %.3f with pacing, %.3f without: want ≤ 0.25 and ≥ 0.8", res.HourlySpendCV, res.HourlySpendCVNoPacing)
	}
	if res.ClicksPerSpend <= res.ClicksPerSpendNoPacing {
		t.Errorf("clicks per spend %.3f with pacing, %.3f without: pacing should do better", res.ClicksPerSpend, res.ClicksPerSpendNoPacing)
	}
	if paced, random := res.Runs[1], res.Runs[3]; paced.Clicks <= random.Clicks || paced.Conversions <= random.Conversions {
		t.Errorf("paced auction: %d clicks, %d conversions; random allocation: %d, %d: ranking by expected value should deliver more",
			paced.Clicks, paced.Conversions, random.Clicks, random.Conversions)
	}
	var text, page strings.Builder
	if err := res.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if err := res.WriteHTML(&page, "shopmind sim ads --test"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"c012", "Clicks per unit spend", "Frequency-cap violations: 0 paced"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text summary lacks %q", want)
		}
	}
	p := page.String()
	if n := strings.Count(p, "<svg"); n != len(res.Campaigns)+1 || n != strings.Count(p, "</svg>") {
		t.Errorf("%d charts in the report, want one per campaign and an overall one", n)
	}
	if strings.Contains(p, "<script") || !strings.Contains(p, "<polyline") {
		t.Error("the report must draw polylines and carry no scripts")
	}
	data, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	json.Unmarshal(data, &back)
	for _, k := range []string{"campaigns", "hourly_spend_cv", "hourly_spend_cv_no_pacing", "clicks_per_spend", "clicks_per_spend_no_pacing", "clicks_per_spend_random", "cap_violations"} {
		if _, ok := back[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	c0 := back["campaigns"].([]any)[0].(map[string]any)
	for _, k := range []string{"id", "budget", "spend", "demand_exceeds_budget"} {
		if _, ok := c0[k]; !ok {
			t.Errorf("JSON campaigns lack %q", k)
		}
	}
}

func TestSimulateIsDeterministic(t *testing.T) {
	cfg := Config{Seed: 11, Campaigns: 6, Users: 1500, Hours: 6, RequestsPerUser: 4}
	a, err := Simulate(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Simulate(t.Context(), cfg)
	for _, r := range append(a.Runs, b.Runs...) {
		r.Elapsed = 0 // wall-clock time
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Error("two runs of the same seed differ")
	}
	cfg.Seed = 12
	c, _ := Simulate(t.Context(), cfg)
	if jc, _ := json.Marshal(c); string(jc) == string(ja) {
		t.Error("another seed gives the same result")
	}
	if a.Config.Hours != 6 || len(a.Campaigns[0].Hourly) != 6 {
		t.Errorf("hours %d, hourly %d", a.Config.Hours, len(a.Campaigns[0].Hourly))
	}
}

func TestConfigCheck(t *testing.T) {
	for _, cfg := range []Config{{Hours: 10000}, {Campaigns: 5000}, {Users: -1}, {Slots: 11}} {
		if _, err := Simulate(t.Context(), cfg); err == nil {
			t.Errorf("config %+v accepted", cfg)
		}
	}
}

func TestCV(t *testing.T) {
	if CV([]float64{2, 2, 2}) != 0 || CV(nil) != 0 || CV([]float64{0, 0}) != 0 {
		t.Error("CV of flat or empty series")
	}
	if got := CV([]float64{1, 3}); math.Abs(got-0.5) > 1e-12 {
		t.Errorf("CV(1,3) = %g, want 0.5", got)
	}
}
