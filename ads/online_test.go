package ads

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/shopmind/shopmind/ctr/ftrl"
)

func TestOnlinePredictorLearnsFromEvents(t *testing.T) {
	p := NewOnlinePredictor(ftrl.Config{Space: 1 << 16})
	p.MinClicks, p.MinConversions = 50, 10
	camp := &Campaign{ID: "c", Advertiser: "acme"}
	good, bad := &Creative{ID: "good", ItemID: "i1"}, &Creative{ID: "bad", ItemID: "i2"}
	cands := func() []Candidate {
		return []Candidate{{Campaign: camp, Creative: good, Key: CreativeKey("c", "good")}, {Campaign: camp, Creative: bad, Key: CreativeKey("c", "bad")}}
	}
	req := &Request{User: "u", Context: Context{Device: "mobile", Time: time.Date(2026, 11, 28, 14, 0, 0, 0, time.UTC)}}
	cs := cands()
	p.Predict(req, cs)
	if cs[0].PCTR != cs[1].PCTR {
		t.Fatalf("cold: pCTR %v vs %v; before warming up both take the prior", cs[0].PCTR, cs[1].PCTR)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 6000 {
		cr, rate := good, 0.10
		if i%2 == 1 {
			cr, rate = bad, 0.01
		}
		rec := &Record{ID: "d", Time: req.Context.Time, User: "u" + string(rune('a'+i%20)), Context: req.Context,
			Ads: []RecordAd{{Campaign: "c", Creative: cr.ID, Advertiser: "acme", Item: cr.ItemID}}}
		p.Learn(rec, 0, Impression)
		if rng.Float64() < rate {
			p.Learn(rec, 0, Click)
			if rng.Float64() < 0.3 {
				p.Learn(rec, 0, Conversion)
			}
		}
	}
	click, conv := p.Warm()
	if !click || !conv {
		t.Fatalf("not warm after 6,000 impressions: click %v conversion %v", click, conv)
	}
	cs = cands()
	p.Predict(req, cs)
	if !(cs[0].PCTR > 2*cs[1].PCTR) || cs[0].PCTR < 0.05 || cs[0].PCTR > 0.15 || cs[1].PCTR > 0.03 {
		t.Errorf("learned pCTR good %.4f, bad %.4f; want about 0.10 and 0.01", cs[0].PCTR, cs[1].PCTR)
	}
	if cs[0].PCVR < 0.15 || cs[0].PCVR > 0.45 {
		t.Errorf("learned pCVR %.3f, want about 0.3", cs[0].PCVR)
	}
}
