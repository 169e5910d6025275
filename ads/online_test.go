package ads

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/shopmind/shopmind/ctr/ftrl"
)

func TestOnlinePredictorLearnsFromEvents(t *testing.T) {
	p := NewOnlinePredictor(ftrl.Config{Space: 1 << 16}, nil)
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

func TestParseCrossesAndProfileFeatures(t *testing.T) {
	got, err := ParseCrosses("user×creative, creative x hour,creative×lifecycle")
	if err != nil || len(got) != 3 || got[1][1] != "hour" || got[2][1] != "lifecycle" {
		t.Fatalf("ParseCrosses = %v, %v", got, err)
	}
	for _, bad := range []string{"user", "user×colour", "×"} {
		if _, err := ParseCrosses(bad); err == nil {
			t.Errorf("ParseCrosses(%q) accepted", bad)
		}
	}
	if def, err := ParseCrosses(DefaultCrosses); err != nil || len(def) != 4 {
		t.Errorf("the default crosses do not parse: %v %v", def, err)
	}
	// Profile features reach the encoded example, and their cross too.
	p := NewOnlinePredictor(ftrl.Config{Space: 1 << 16}, got)
	c, cr := &Campaign{ID: "c", Advertiser: "a"}, &Creative{ID: "k", ItemID: "i"}
	plain := &Request{User: "u", Context: Context{Device: "mobile"}}
	withProfile := &Request{User: "u", Context: Context{Device: "mobile"}, Profile: ProfileFeatures{Lifecycle: "lapsed", PriceBand: "high", TopCategory: "Beauty"}}
	n0 := len(p.Schema.Encode(RawFeatures(plain, 9, c, cr, nil), nil))
	n1 := len(p.Schema.Encode(RawFeatures(withProfile, 9, c, cr, nil), nil))
	if n1 != n0+4 {
		t.Errorf("%d features with a profile, %d without; want 3 profile fields and the creative×lifecycle cross more", n1, n0)
	}
}

// Forget resets what the models learned from one user and nothing of the
// others'.
func TestOnlinePredictorForgetsAUser(t *testing.T) {
	p := NewOnlinePredictor(ftrl.Config{Space: 1 << 18}, nil)
	camp := Campaign{ID: "c", Advertiser: "acme", Creatives: []Creative{{ID: "k1", ItemID: "i1"}, {ID: "k2", ItemID: "i2"}}}
	at := time.Date(2026, 11, 28, 14, 0, 0, 0, time.UTC)
	for i := range 400 {
		for _, u := range []string{"gone", "kept"} {
			cr := camp.Creatives[i%2]
			rec := &Record{ID: "d", Time: at, User: u, Ads: []RecordAd{{Campaign: "c", Creative: cr.ID, Advertiser: "acme", Item: cr.ItemID}}}
			p.Learn(rec, 0, Impression)
			if u == "gone" && i%3 == 0 {
				p.Learn(rec, 0, Click) // a heavy clicker: the model learns about them
			}
		}
	}
	userWeights := func(user string) (n int) {
		req := Request{User: user}
		for _, f := range p.Schema.Encode(RawFeatures(&req, 0, &camp, &camp.Creatives[0], nil), nil) {
			if name := p.Schema.FieldName(int(f.Field)); name == "user" || name == "user×creative" {
				if p.Click.WeightOf(f.Index) != 0 {
					n++
				}
			}
		}
		return n
	}
	if userWeights("gone") == 0 || userWeights("kept") == 0 {
		t.Fatal("the models learned no user weights: the test shows nothing")
	}
	if n := p.Forget("gone", []Campaign{camp}); n == 0 {
		t.Fatal("Forget reset nothing")
	}
	if n := userWeights("gone"); n != 0 {
		t.Errorf("%d weights of the forgotten user remain", n)
	}
	if userWeights("kept") == 0 {
		t.Error("another user's weights were reset")
	}
}
