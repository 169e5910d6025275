package ads_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/shopmind/shopmind/ads"
	"github.com/shopmind/shopmind/ctr/ftrl"
	"github.com/shopmind/shopmind/store"
	"github.com/shopmind/shopmind/store/sqlite"
)

// Feedback applied on one node is learnt by the elected trainer, which
// publishes the models; another node loads them and predicts alike, and a
// node starting later starts from them rather than from the prior.
func TestSharedModelsFromEveryNodesFeedback(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.OpenPath(ctx, filepath.Join(t.TempDir(), "s.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	shared := ads.NewMemory(ads.MemoryConfig{}) // stands for Redis: one set of counters for every node
	at := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	cfg := ads.ServiceConfig{Engine: ads.Config{Now: func() time.Time { return at }, Seed: 1,
		Pacing: ads.PacingConfig{Disabled: true}, Explore: ads.ExploreConfig{Disabled: true}}}
	newPred := func() *ads.OnlinePredictor {
		p := ads.NewOnlinePredictor(ftrl.Config{Space: 1 << 16}, nil)
		p.MinClicks, p.MinConversions = 20, 5
		return p
	}
	nodeA := ads.NewService(st, shared, newPred(), nil, cfg, nil)
	c := ads.Campaign{Advertiser: "acme", BidType: ads.CPC, Bid: 0.5, DailyBudget: 1e6,
		Creatives: []ads.Creative{{ID: "a", ItemID: "i1", Text: "Tea"}}}
	if _, err := nodeA.Create(ctx, c); err != nil {
		t.Fatal(err)
	}
	// Node A serves 400 decisions: every one seen, one in five clicked.
	clicks := 0
	for i := range 400 {
		d, err := nodeA.Decide(ctx, ads.Request{User: "u" + string(rune('a'+i%26)), Context: ads.Context{Device: "mobile"}})
		if err != nil || len(d.Ads) != 1 {
			t.Fatalf("decision %d: %+v %v", i, d, err)
		}
		if _, _, err := nodeA.Event(ctx, ads.Event{DecisionID: d.ID, Type: ads.Impression}); err != nil {
			t.Fatal(err)
		}
		if i%5 == 0 {
			clicks++
			if _, _, err := nodeA.Event(ctx, ads.Event{DecisionID: d.ID, Type: ads.Click}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The trainer learns from the log and publishes.
	trainer := ads.NewService(st, shared, nil, nil, cfg, nil)
	tp := newPred()
	tctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- trainer.TrainModels(tctx, tp, time.Millisecond) }()
	nodeB := ads.NewService(st, shared, newPred(), nil, cfg, nil)
	deadline := time.Now().Add(10 * time.Second)
	for nodeB.ModelVersion() == "" {
		if time.Now().After(deadline) {
			t.Fatal("no published model reached node B")
		}
		time.Sleep(20 * time.Millisecond)
		if err := nodeB.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if err := nodeB.RefreshModel(ctx); err != nil {
			t.Fatal(err)
		}
	}
	stop()
	<-done
	bp := nodeB.Engine().Predictor().(*ads.OnlinePredictor)
	if click, _ := bp.Warm(); !click {
		t.Fatalf("node B's click model is not warm after loading the trainer's (%d clicks logged)", clicks)
	}
	req := &ads.Request{User: "ua", Context: ads.Context{Device: "mobile", Time: at}}
	camps := nodeB.Engine().Campaigns()
	cands := []ads.Candidate{{Campaign: &camps[0], Creative: &camps[0].Creatives[0], Key: ads.CreativeKey(camps[0].ID, "a")}}
	tc := append([]ads.Candidate(nil), cands...)
	bp.Predict(req, cands)
	tp.Predict(req, tc)
	if cands[0].PCTR != tc[0].PCTR || cands[0].PCTR < 0.1 || cands[0].PCTR > 0.3 {
		t.Errorf("node B pCTR %.4f, trainer %.4f; want equal and near the true 0.2", cands[0].PCTR, tc[0].PCTR)
	}
	// Nothing is left in the log: the trainer took it all.
	if left, _ := shared.TakeFeedback(ctx, 10); len(left) != 0 {
		t.Errorf("%d feedback entries left after training", len(left))
	}
}
