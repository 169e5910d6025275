package api

import (
	"testing"
	"time"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store/storetest"
	"github.com/shopmind/shopmind/strategy"
	"github.com/shopmind/shopmind/synth"
)

// storeCampaignShop writes a synthetic shop with its coupon test, ending
// now, into the harness's store.
func storeCampaignShop(t *testing.T, h *harness, users int) *synth.Shop {
	t.Helper()
	days := 42
	start := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -days)
	sh, err := synth.Generate(synth.Config{Seed: 3, Users: users, Items: 150, Days: days, Start: start})
	if err != nil {
		t.Fatal(err)
	}
	if err := synth.AddCampaign(sh, synth.CampaignConfig{}); err != nil {
		t.Fatal(err)
	}
	storetest.Fill(t, h.store, sh.Items, sh.Users, sh.Events)
	return sh
}

func TestPlansAndNextAction(t *testing.T) {
	h := newHarness(t)
	sh := storeCampaignShop(t, h, 1000)
	var seg struct {
		ID string `json:"id"`
	}
	if r := h.do("POST", "/v1/segments", map[string]string{"name": "all", "expression": "frequency >= 0"}, &seg); r.StatusCode != 201 {
		t.Fatalf("creating the segment: %d", r.StatusCode)
	}
	var plan struct {
		strategy.Plan
		TargetCount int  `json:"target_count"`
		Truncated   bool `json:"target_list_truncated"`
	}
	body := map[string]any{"segment": seg.ID, "offer_cost": 10, "margin": 0.3, "budget": 200, "limit": 5}
	if r := h.do("POST", "/v1/plans", body, &plan); r.StatusCode != 200 {
		t.Fatalf("plan: %d", r.StatusCode)
	}
	if plan.TargetCount <= 5 || !plan.Truncated || len(plan.TargetList) != 5 || plan.Targets != plan.TargetCount {
		t.Fatalf("plan: %d targets, count %d, list %d, truncated %v", plan.Targets, plan.TargetCount, len(plan.TargetList), plan.Truncated)
	}
	if plan.Expected.Cost.Value > 200 || plan.Expected.Profit.Value <= 0 || plan.Model == nil || plan.Model.Units == 0 || plan.Offer.CostPer != strategy.PerRedemption {
		t.Fatalf("plan summary: %+v, model %+v", plan.Expected, plan.Model)
	}
	// Impossible inputs are refused with problems naming the cause.
	for _, c := range []struct {
		body   any
		status int
		kind   string
	}{
		{map[string]any{"segment": seg.ID, "offer_cost": 10, "margin": 0.3, "budget": -1}, 400, "invalid-plan"},
		{map[string]any{"segment": seg.ID, "offer_cost": 10, "margin": 1.5, "budget": 100}, 400, "invalid-plan"},
		{map[string]any{"segment": seg.ID, "offer_cost": 10, "margin": 0.3, "budget": 100, "colour": "red"}, 400, "invalid-plan"},
		{map[string]any{"segment": seg.ID, "offer_cost": 10, "margin": 0.3, "budget": 100, "limit": 1e6}, 400, "invalid-plan"},
		{map[string]any{"segment": "nope", "offer_cost": 10, "margin": 0.3, "budget": 100}, 404, "not-found"},
		{map[string]any{"segment": seg.ID, "experiment": "never-ran", "offer_cost": 10, "margin": 0.3, "budget": 100}, 422, "no-experiment-data"},
	} {
		var p Problem
		if r := h.do("POST", "/v1/plans", c.body, &p); r.StatusCode != c.status || p.Type != problemBase+c.kind {
			t.Errorf("%v: %d %s, want %d %s", c.body, r.StatusCode, p.Type, c.status, c.kind)
		}
	}

	// Next action: every configured action is listed with a reason.
	var user string
	for _, u := range sh.Users {
		if u.Consent[shop.MarketingMessages] {
			user = u.ID
			break
		}
	}
	var na strategy.NextAction
	if r := h.do("GET", "/v1/users/"+user+"/next-action", nil, &na); r.StatusCode != 200 {
		t.Fatalf("next action: %d", r.StatusCode)
	}
	chosen := 0
	for _, a := range na.Actions {
		if a.Reason == "" {
			t.Errorf("action %s has no reason", a.Name)
		}
		if a.Chosen {
			chosen++
			if a.Name != na.Action {
				t.Errorf("action %s marked chosen, answer says %s", a.Name, na.Action)
			}
		}
		if a.Kind == strategy.KindCoupon && a.UpliftSource != "model" {
			t.Errorf("coupon uplift from %s: %s", a.UpliftSource, a.Reason)
		}
	}
	if len(na.Actions) != len(strategy.DefaultActions()) || chosen != 1 || na.Reason == "" || na.WeeklyCap != 3 {
		t.Fatalf("next action %+v", na)
	}
	var p Problem
	if r := h.do("GET", "/v1/users/nobody/next-action", nil, &p); r.StatusCode != 404 {
		t.Errorf("unknown user: %d", r.StatusCode)
	}
}
