package strategy

import (
	"math"
	"testing"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/synth"
)

// campaignShop is a synthetic shop with the default coupon test.
func campaignShop(t testing.TB, users int) *synth.Shop {
	t.Helper()
	s, err := synth.Generate(synth.Config{Seed: 11, Users: users, Items: 200, Days: 42})
	if err != nil {
		t.Fatal(err)
	}
	if err := synth.AddCampaign(s, synth.CampaignConfig{}); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestTrainingSetFollowsTheConvention(t *testing.T) {
	s := campaignShop(t, 1500)
	ts := BuildTrainingSet(s.Events, synth.DefaultCampaignID, 0)
	ct := s.Truth.Campaign
	idx := map[string]int{}
	for i, u := range s.Users {
		idx[u.ID] = i
	}
	eligible := 0
	for _, e := range ct.Eligible {
		if e {
			eligible++
		}
	}
	if ts.Len() != eligible {
		t.Fatalf("%d units, want the %d eligible users", ts.Len(), eligible)
	}
	for k, u := range ts.Users {
		if ts.Treated[k] != ct.Treated[idx[u]] {
			t.Fatalf("user %s: treated %v, truth %v", u, ts.Treated[k], ct.Treated[idx[u]])
		}
		if len(ts.X[k]) != len(FeatureNames) {
			t.Fatalf("%d features, %d names", len(ts.X[k]), len(FeatureNames))
		}
	}
	// Features look only before the exposure: a user whose only purchase is
	// after it has no orders.
	events := []shop.Event{
		{ID: "1", Type: shop.View, UserID: "u", ItemID: "i", Timestamp: ct.Config.At.Add(-48 * 3600e9)},
		{ID: "2", Type: shop.MessageSent, UserID: "u", Timestamp: ct.Config.At, Context: shop.Context{Experiment: "x", Variant: "holdout"}},
		{ID: "3", Type: shop.Purchase, UserID: "u", ItemID: "i", Revenue: 50, Timestamp: ct.Config.At.Add(3600e9)},
	}
	one := BuildTrainingSet(events, "x", 0)
	if one.Len() != 1 || one.Treated[0] || one.Converted[0] != 1 || one.Revenue[0] != 50 || one.X[0][6] != 0 || one.X[0][4] == 0 {
		t.Fatalf("one-user set: %+v", one)
	}
}

func TestPlannerRecoversTrueUplift(t *testing.T) {
	s := campaignShop(t, 6000)
	ct := s.Truth.Campaign
	ts := BuildTrainingSet(s.Events, synth.DefaultCampaignID, 0)
	m, err := Train(ts, TrainOptions{Bootstrap: 5})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("units %d (treated %d), conversion treated %.3f control %.3f, held-out Qini %.3f on %d",
		m.Units, m.Treated, m.RateTreated, m.RateControl, m.Qini, m.HeldOut)
	if m.Qini <= 0.05 {
		t.Errorf("held-out Qini %.3f: the model ranks no better than random", m.Qini)
	}
	// The segment: users with marketing consent, seen at the end of the shop.
	hist := map[string]*History{}
	var seg []int
	for i, u := range s.Users {
		if u.Consent[shop.MarketingMessages] {
			hist[u.ID] = NewHistory(s.End())
			seg = append(seg, i)
		}
	}
	for i := range s.Events {
		if h := hist[s.Events[i].UserID]; h != nil {
			h.Add(&s.Events[i])
		}
	}
	cands := make([]Candidate, len(seg))
	truth := make([]float64, len(seg))
	segMean := 0.0
	for k, i := range seg {
		h := hist[s.Users[i].ID]
		pt, u := m.Predict(h.Features())
		cands[k] = Candidate{UserID: s.Users[i].ID, Uplift: u, PTreated: pt, Value: OrderValue(h, m.AvgOrderValue)}
		truth[k] = ct.Uplift[i]
		segMean += truth[k]
	}
	segMean /= float64(len(seg))
	o := Offer{Cost: 2, CostPer: PerContact, Margin: 0.3, Budget: 1000}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	chosen := Choose(cands, o)
	if len(chosen) == 0 || len(chosen) == len(seg) {
		t.Fatalf("chose %d of %d users", len(chosen), len(seg))
	}
	chosenMean := 0.0
	for _, k := range chosen {
		chosenMean += truth[k]
	}
	chosenMean /= float64(len(chosen))
	sd := 0.0
	for _, v := range truth {
		sd += (v - segMean) * (v - segMean)
	}
	sd = math.Sqrt(sd / float64(len(truth)))
	// A random subset of the same size would land within a few standard
	// errors of the segment's mean.
	bar := segMean + 3*sd/math.Sqrt(float64(len(chosen)))
	total := Evaluate(pick(cands, chosen), o)
	t.Logf("chose %d of %d: true uplift %.3f vs %.3f in the segment (random subsets: below %.3f in 99.9%%); expected %+v",
		len(chosen), len(seg), chosenMean, segMean, bar, total)
	if chosenMean < bar {
		t.Errorf("chosen users' true uplift %.3f is not clearly above the segment's %.3f (bar %.3f)", chosenMean, segMean, bar)
	}
	if total.Cost > o.Budget {
		t.Errorf("expected cost %v over budget %v", total.Cost, o.Budget)
	}
}

func TestTrainRefusesWithoutData(t *testing.T) {
	s := campaignShop(t, 100)
	_, err := Train(BuildTrainingSet(s.Events, "no-such-test", 0), TrainOptions{})
	if _, ok := err.(*NoDataError); !ok {
		t.Fatalf("error %v, want a NoDataError", err)
	}
}
