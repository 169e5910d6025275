package synth

import (
	"testing"
	"time"

	"github.com/shopmind/shopmind/shop"
)

func TestAddCampaign(t *testing.T) {
	cfg := Config{Seed: 7, Users: 3000, Items: 200}
	plain, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := AddCampaign(s, CampaignConfig{}); err != nil {
		t.Fatal(err)
	}
	ct := s.Truth.Campaign
	if ct == nil || ct.Config.ID != DefaultCampaignID || ct.Config.Days != DefaultCampaignDays {
		t.Fatalf("campaign truth %+v", ct)
	}
	if err := AddCampaign(s, CampaignConfig{}); err == nil {
		t.Error("a second campaign was accepted")
	}
	// Events stay in time order and valid; exposures match the arms.
	now := s.End().Add(time.Hour)
	exposed := map[string]string{}
	for i := range s.Events {
		e := &s.Events[i]
		if i > 0 && e.Timestamp.Before(s.Events[i-1].Timestamp) {
			t.Fatalf("event %d out of time order", i)
		}
		if err := e.Validate(now); err != nil {
			t.Fatalf("event %s: %v", e.ID, err)
		}
		if e.Context.Experiment == DefaultCampaignID {
			exposed[e.UserID] = e.Context.Variant
		}
	}
	var eligible, treated, gain, loss int
	for u := range s.Users {
		v, ok := exposed[s.Users[u].ID]
		if ok != ct.Eligible[u] {
			t.Fatalf("user %d: exposed %v, eligible %v", u, ok, ct.Eligible[u])
		}
		if ct.Eligible[u] && !s.Users[u].Consent[shop.MarketingMessages] {
			t.Fatalf("user %d took part without marketing consent", u)
		}
		if ok && (v == "coupon") != ct.Treated[u] {
			t.Fatalf("user %d: variant %q, treated %v", u, v, ct.Treated[u])
		}
		if ct.Eligible[u] {
			eligible++
		}
		if ct.Treated[u] {
			treated++
		}
		if ct.Uplift[u] > 0.1 {
			gain++
		}
		if ct.Uplift[u] < 0 {
			loss++
		}
	}
	if eligible < 600 || treated < eligible*4/10 || treated > eligible*6/10 {
		t.Errorf("eligible %d, treated %d: want about a third of users and half of them treated", eligible, treated)
	}
	if gain == 0 || loss == 0 {
		t.Errorf("uplift is not heterogeneous: %d users above 0.1, %d below 0", gain, loss)
	}
	// The rest of the shop is unchanged: every event of the plain shop is
	// still there except lost purchases in the campaign window.
	ids := map[string]bool{}
	for _, e := range s.Events {
		ids[e.ID] = true
	}
	end := ct.Config.At.Add(time.Duration(ct.Config.Days) * 24 * time.Hour)
	for _, e := range plain.Events {
		if !ids[e.ID] && (e.Type != shop.Purchase || e.Timestamp.Before(ct.Config.At) || !e.Timestamp.Before(end)) {
			t.Fatalf("event %s (%s) vanished", e.ID, e.Type)
		}
	}
	// Treated users convert more in the window than holdout users.
	conv := map[string]bool{}
	for _, e := range s.Events {
		if e.Type == shop.Purchase && !e.Timestamp.Before(ct.Config.At) && e.Timestamp.Before(end) {
			conv[e.UserID] = true
		}
	}
	var ct1, nt, cc1, nc int
	for u := range s.Users {
		switch {
		case ct.Treated[u]:
			nt++
			if conv[s.Users[u].ID] {
				ct1++
			}
		case ct.Eligible[u]:
			nc++
			if conv[s.Users[u].ID] {
				cc1++
			}
		}
	}
	rt, rc := float64(ct1)/float64(nt), float64(cc1)/float64(nc)
	t.Logf("conversion in the window: treated %.3f (%d), holdout %.3f (%d)", rt, nt, rc, nc)
	if rt <= rc+0.03 {
		t.Errorf("treated conversion %.3f is not clearly above holdout %.3f", rt, rc)
	}
	// Same config, same campaign.
	again, _ := Generate(cfg)
	if err := AddCampaign(again, CampaignConfig{}); err != nil {
		t.Fatal(err)
	}
	if len(again.Events) != len(s.Events) || again.Events[len(s.Events)/2].ID != s.Events[len(s.Events)/2].ID {
		t.Error("the campaign is not reproducible")
	}
}

func TestAddCampaignRefuses(t *testing.T) {
	s, err := Generate(Config{Seed: 1, Users: 50, Items: 30})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []CampaignConfig{
		{Treated: 1.5},
		{At: s.End().Add(time.Hour)},
		{Variant: "holdout"},
		{Days: -1},
	} {
		if err := AddCampaign(s, c); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}
