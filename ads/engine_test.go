package ads

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fixed predicts per campaign (and creative, "campaign/creative"), with a
// default for the rest; it counts what it learns.
type fixed struct {
	ctr, cvr map[string]float64
	learned  atomic.Int64
}

func (f *fixed) Predict(_ *Request, cands []Candidate) {
	for i := range cands {
		c := &cands[i]
		c.PCTR, c.PCVR = 0.02, 0.1
		if v, ok := f.ctr[c.Campaign.ID]; ok {
			c.PCTR = v
		}
		if v, ok := f.ctr[CreativeKey(c.Campaign.ID, c.Creative.ID)]; ok {
			c.PCTR = v
		}
		if v, ok := f.cvr[c.Campaign.ID]; ok {
			c.PCVR = v
		}
	}
}

func (f *fixed) Learn(*Record, int, EventType) { f.learned.Add(1) }

func camp(id string, t BidType, bid, daily float64) Campaign {
	return Campaign{ID: id, Advertiser: "adv-" + id, Status: Active, BidType: t, Bid: bid, DailyBudget: daily,
		Creatives: []Creative{{ID: "x", ItemID: "item-" + id, Text: "ad " + id}}}
}

func quietConfig() Config {
	return Config{Pacing: PacingConfig{Disabled: true}, Explore: ExploreConfig{Disabled: true}, Seed: 7, MaxSlots: 50}
}

func newTestEngine(t testing.TB, cfg Config, pred Predictor, cs ...Campaign) (*Engine, *Memory) {
	t.Helper()
	m := NewMemory(MemoryConfig{})
	e := NewEngine(m, pred, cfg)
	if err := e.SetCampaigns(cs); err != nil {
		t.Fatal(err)
	}
	return e, m
}

func ids(d *Decision) []string {
	var out []string
	for _, a := range d.Ads {
		out = append(out, a.CampaignID)
	}
	slices.Sort(out)
	return out
}

func hourPtr(h int) *int { return &h }

func TestDecideEligibility(t *testing.T) {
	ctx := t.Context()
	cs := []Campaign{camp("plain", CPC, 1, 100)}
	c := camp("paused", CPC, 1, 100)
	c.Status = Paused
	cs = append(cs, c)
	c = camp("later", CPC, 1, 100)
	c.Schedule.Start = testNow.Add(time.Hour)
	cs = append(cs, c)
	c = camp("ended", CPC, 1, 100)
	c.Schedule.End = testNow.Add(-time.Hour)
	cs = append(cs, c)
	c = camp("evenings", CPC, 1, 100)
	c.Schedule.Hours = []int{18, 19, 20}
	cs = append(cs, c)
	c = camp("mobile", CPC, 1, 100)
	c.Targeting.Devices = []string{"mobile"}
	cs = append(cs, c)
	c = camp("cart", CPC, 1, 100)
	c.Targeting.Pages = []string{"cart"}
	cs = append(cs, c)
	c = camp("vip", CPC, 1, 100)
	c.Targeting.Segments = []string{"vip", "big"}
	cs = append(cs, c)
	c = camp("night-owls", CPC, 1, 100)
	c.Targeting.Hours = []int{23, 0, 1}
	cs = append(cs, c)
	c = camp("spent", CPC, 1, 100)
	cs = append(cs, c)
	c = camp("capped", CPC, 1, 100)
	c.FrequencyCap = 2
	cs = append(cs, c)

	e, m := newTestEngine(t, quietConfig(), &fixed{}, cs...)
	if _, err := m.Charge(ctx, CampaignDay{"spent", "2025-03-05"}, Micros(100), Micros(100), 0); err != nil {
		t.Fatal(err)
	}
	base := Request{User: "u1", Slots: 50, Context: Context{Device: "desktop", Page: "home", Time: testNow}}
	decide := func(r Request) []string {
		t.Helper()
		d, err := e.Decide(ctx, &r)
		if err != nil {
			t.Fatal(err)
		}
		return ids(d)
	}
	if got := decide(base); !slices.Equal(got, []string{"capped", "plain"}) {
		t.Errorf("desktop home at 10:30: %v", got)
	}
	r := base
	r.Context.Device, r.Context.Page, r.Segments, r.Context.Hour = "mobile", "cart", []string{"big"}, hourPtr(23)
	if got := decide(r); !slices.Equal(got, []string{"capped", "cart", "mobile", "night-owls", "plain", "vip"}) {
		t.Errorf("mobile cart, segment big, hour 23: %v", got)
	}
	// The cap of 2 is used up by the two decisions above.
	if got := decide(base); !slices.Equal(got, []string{"plain"}) {
		t.Errorf("after two impressions of the capped campaign: %v", got)
	}
	// Another user still sees it; an anonymous user never sees a capped
	// campaign.
	r = base
	r.User = "u2"
	if got := decide(r); !slices.Equal(got, []string{"capped", "plain"}) {
		t.Errorf("another user: %v", got)
	}
	r.User = ""
	if got := decide(r); !slices.Equal(got, []string{"plain"}) {
		t.Errorf("anonymous: %v", got)
	}
	r = base
	r.Context.Time = testNow.Add(8 * time.Hour) // 18:30
	r.User = "u3"
	if got := decide(r); !slices.Equal(got, []string{"capped", "evenings", "later", "plain"}) {
		t.Errorf("at 18:30: %v", got)
	}
	// Spend on the next day starts again.
	r.Context.Time = testNow.Add(24 * time.Hour)
	if got := decide(r); !slices.Equal(got, []string{"capped", "later", "plain", "spent"}) {
		t.Errorf("next day: %v", got)
	}
}

func TestDecideSlotsAndHourErrors(t *testing.T) {
	e, _ := newTestEngine(t, quietConfig(), &fixed{}, camp("a", CPC, 1, 100))
	for _, r := range []Request{{Slots: -1}, {Slots: 51}, {Context: Context{Hour: hourPtr(24)}}} {
		if _, err := e.Decide(t.Context(), &r); err == nil {
			t.Errorf("request %+v accepted", r)
		}
	}
}

func TestDecidePricesAndRecord(t *testing.T) {
	cfg := quietConfig()
	cfg.ReserveCPM = 2
	pred := &fixed{ctr: map[string]float64{"a": 0.03, "b": 0.02, "c": 0.01}, cvr: map[string]float64{"c": 0.5}}
	a, b, c := camp("a", CPC, 1, 100), camp("b", CPM, 15, 100), camp("c", CPA, 2, 100)
	e, _ := newTestEngine(t, cfg, pred, a, b, c)
	req := Request{User: "u", Slots: 3, Context: Context{Time: testNow}}
	d, err := e.Decide(t.Context(), &req)
	if err != nil {
		t.Fatal(err)
	}
	// Values: a 0.03, b 0.015, c 2·0.01·0.5 = 0.01; reserve 0.002.
	want := []struct {
		id           string
		value, price float64
		charge       int64
	}{
		{"a", 0.03, 0.015 / 0.03, 500_000},  // 0.5 per click
		{"b", 0.015, 0.01 * 1000, 10_000},   // 10 per thousand = 0.01 per impression
		{"c", 0.01, 0.002 / 0.005, 400_000}, // the reserve: 0.4 per conversion
	}
	if len(d.Ads) != 3 {
		t.Fatalf("ads %+v", d.Ads)
	}
	for k, w := range want {
		ad, ra := d.Ads[k], d.Record.Ads[k]
		if ad.CampaignID != w.id || !near(ad.ExpectedValue, w.value) || !near(ad.Price, w.price) || ra.Charge != w.charge {
			t.Errorf("slot %d: %s value %g price %g charge %d, want %s %g %g %d", k, ad.CampaignID, ad.ExpectedValue, ad.Price, ra.Charge, w.id, w.value, w.price, w.charge)
		}
		if ad.Slot != k || ad.ItemID != "item-"+w.id || ra.Day != "2025-03-05" || ra.DailyLimit != 100e6 {
			t.Errorf("slot %d: %+v %+v", k, ad, ra)
		}
	}
	if d.Ads[0].PCTR != 0.03 || d.Ads[2].PCVR != 0.5 || !near(d.Ads[0].CostPerImpression, 0.015) {
		t.Errorf("reported predictions %+v", d.Ads)
	}
	// Decision ids are long, random and distinct.
	seen := map[string]bool{}
	for range 200 {
		d, _ := e.Decide(t.Context(), &req)
		if len(d.ID) < 20 || seen[d.ID] || d.Record.ID != d.ID {
			t.Fatalf("decision id %q repeated or short", d.ID)
		}
		seen[d.ID] = true
	}
}

func TestFeedbackByBidType(t *testing.T) {
	ctx := t.Context()
	pred := &fixed{}
	e, m := newTestEngine(t, quietConfig(), pred, camp("cpc", CPC, 1, 10), camp("cpm", CPM, 20, 10), camp("cpa", CPA, 5, 10))
	rec := &Record{ID: "d", Ads: []RecordAd{
		{Campaign: "cpc", Creative: "x", BidType: CPC, Day: "2025-03-05", Charge: 700_000, DailyLimit: 10e6},
		{Campaign: "cpm", Creative: "x", BidType: CPM, Day: "2025-03-05", Charge: 15_000, DailyLimit: 10e6},
		{Campaign: "cpa", Creative: "x", BidType: CPA, Day: "2025-03-05", Charge: 4_000_000, DailyLimit: 10e6},
	}}
	// charged[slot][event]: each bid type pays for its own event only.
	want := map[BidType]map[EventType]float64{
		CPC: {Impression: 0, Click: 0.7, Conversion: 0},
		CPM: {Impression: 0.015, Click: 0, Conversion: 0},
		CPA: {Impression: 0, Click: 0, Conversion: 4},
	}
	for slot, ad := range rec.Ads {
		for _, ev := range []EventType{Impression, Click, Conversion} {
			out, err := e.Feedback(ctx, rec, slot, ev)
			if err != nil {
				t.Fatal(err)
			}
			if !near(out.Charged, want[ad.BidType][ev]) || out.Capped {
				t.Errorf("%s %s charged %+v, want %g", ad.BidType, ev, out, want[ad.BidType][ev])
			}
		}
	}
	daily, total := make([]int64, 3), make([]int64, 3)
	keys := []CampaignDay{{"cpc", "2025-03-05"}, {"cpm", "2025-03-05"}, {"cpa", "2025-03-05"}}
	m.Spend(ctx, keys, daily, total)
	if !slices.Equal(daily, []int64{700_000, 15_000, 4_000_000}) || !slices.Equal(total, daily) {
		t.Errorf("spend daily %v total %v", daily, total)
	}
	st := make([]CreativeStats, 1)
	m.Creatives(ctx, []string{"cpc/x"}, st)
	if st[0] != (CreativeStats{1, 1, 1}) {
		t.Errorf("creative stats %+v", st[0])
	}
	if pred.learned.Load() != 9 {
		t.Errorf("the learner saw %d events, want 9", pred.learned.Load())
	}
	// Two more conversions: the second is cut to what is left of the 10.
	out, _ := e.Feedback(ctx, rec, 2, Conversion)
	out2, _ := e.Feedback(ctx, rec, 2, Conversion)
	if out.Charged != 4 || out.Capped || !near(out2.Charged, 2) || !out2.Capped {
		t.Errorf("charges near the budget: %+v %+v", out, out2)
	}
	if _, err := e.Feedback(ctx, rec, 3, Click); err == nil {
		t.Error("feedback for a slot the decision does not have")
	}
	if _, err := e.Feedback(ctx, rec, 0, "view"); err == nil {
		t.Error("feedback of an unknown event type")
	}
}

// TestConcurrentDecidersBudgetAndCaps runs 16 deciders, each feeding back
// impressions and clicks at once, against small budgets and caps: spend
// never exceeds a budget and no user sees a campaign beyond its cap.
func TestConcurrentDecidersBudgetAndCaps(t *testing.T) {
	cfg := quietConfig()
	cfg.Pacing = PacingConfig{} // pacing on too
	var cs []Campaign
	for i := range 20 {
		c := camp(string(rune('a'+i)), []BidType{CPC, CPM, CPA}[i%3], []float64{0.8, 12, 3}[i%3], 2+float64(i%4))
		c.FrequencyCap = 1 + i%3
		c.TotalBudget = c.DailyBudget * 2
		cs = append(cs, c)
	}
	e, m := newTestEngine(t, cfg, &fixed{cvr: map[string]float64{}}, cs...)
	const workers, each = 16, 1500
	var mu sync.Mutex
	shown := map[[2]string]int{}
	var wg sync.WaitGroup
	var failed atomic.Bool
	for w := range workers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 1))
			ctx := context.Background()
			for i := range each {
				req := Request{User: fmt.Sprint(r.IntN(300)), Slots: 3,
					Context: Context{Time: testNow.Truncate(24 * time.Hour).Add(time.Duration(i) * 57 * time.Second)}}
				d, err := e.Decide(ctx, &req)
				if err != nil {
					failed.Store(true)
					return
				}
				for s, ad := range d.Ads {
					mu.Lock()
					shown[[2]string{req.User, ad.CampaignID}]++
					mu.Unlock()
					e.Feedback(ctx, d.Record, s, Impression)
					if r.Float64() < 0.3 {
						e.Feedback(ctx, d.Record, s, Click)
						if r.Float64() < 0.5 {
							e.Feedback(ctx, d.Record, s, Conversion)
						}
					}
				}
			}
		})
	}
	wg.Wait()
	if failed.Load() {
		t.Fatal("a decision failed")
	}
	keys := make([]CampaignDay, len(cs))
	for i, c := range cs {
		keys[i] = CampaignDay{c.ID, "2025-03-05"}
	}
	daily, total := make([]int64, len(cs)), make([]int64, len(cs))
	m.Spend(t.Context(), keys, daily, total)
	spent := 0
	for i, c := range cs {
		if daily[i] > Micros(c.DailyBudget) {
			t.Errorf("campaign %s spent %d of a budget of %d", c.ID, daily[i], Micros(c.DailyBudget))
		}
		if daily[i] == Micros(c.DailyBudget) {
			spent++
		}
	}
	if spent < len(cs)/2 {
		t.Errorf("only %d of %d budgets were spent: the test does not press on them", spent, len(cs))
	}
	caps := map[string]int{}
	for _, c := range cs {
		caps[c.ID] = c.FrequencyCap
	}
	for k, n := range shown {
		if n > caps[k[1]] {
			t.Errorf("user %s saw campaign %s %d times, cap %d", k[0], k[1], n, caps[k[1]])
		}
	}
}

func TestThompsonExploresThenExploits(t *testing.T) {
	ctx := t.Context()
	cfg := quietConfig()
	cfg.Explore = ExploreConfig{Impressions: 300, PriorImpressions: 20}
	c := camp("c", CPC, 1, 1e6)
	c.Creatives = []Creative{{ID: "old", ItemID: "i"}, {ID: "good", ItemID: "i"}, {ID: "bad", ItemID: "i"}}
	// The model thinks every creative has a CTR of 2%; in truth the new
	// "good" one has 6% and the new "bad" one 0.2%.
	truth := map[string]float64{"old": 0.02, "good": 0.06, "bad": 0.002}
	e, m := newTestEngine(t, cfg, &fixed{}, c)
	m.AddCreative(ctx, "c/old", CreativeStats{Impressions: 100_000, Clicks: 2000})
	r := rand.New(rand.NewPCG(5, 5))
	count, late := map[string]int{}, map[string]int{}
	exploredEarly := 0
	for i := range 6000 {
		req := Request{User: "u", Context: Context{Time: testNow}}
		d, err := e.Decide(ctx, &req)
		if err != nil || len(d.Ads) != 1 {
			t.Fatalf("decision %d: %+v %v", i, d, err)
		}
		ad := d.Ads[0]
		count[ad.CreativeID]++
		if i >= 4000 {
			late[ad.CreativeID]++
		}
		if i < 100 && ad.CreativeID != "old" {
			exploredEarly++
		}
		st := make([]CreativeStats, 1)
		m.Creatives(ctx, []string{"c/" + ad.CreativeID}, st)
		switch {
		case ad.CreativeID == "old" && ad.Explored:
			t.Fatal("a creative with 100,000 impressions was explored")
		case st[0].Impressions >= 300 && (ad.Explored || ad.PCTR != 0.02):
			t.Fatalf("creative %s with %d impressions still explored (pCTR %g)", ad.CreativeID, st[0].Impressions, ad.PCTR)
		case st[0].Impressions < 300 && ad.CreativeID != "old" && !ad.Explored:
			t.Fatalf("new creative %s not explored", ad.CreativeID)
		}
		e.Feedback(ctx, d.Record, 0, Impression)
		if r.Float64() < truth[ad.CreativeID] {
			e.Feedback(ctx, d.Record, 0, Click)
		}
	}
	if exploredEarly < 20 {
		t.Errorf("the new creatives got %d of the first 100 impressions: too little exploration", exploredEarly)
	}
	// The good creative reaches the threshold fast; the bad one needs
	// some impressions to show it is bad (clicks are rare), then almost
	// stops getting any.
	if count["good"] < 300 || count["bad"] > count["good"]*2/3 || late["bad"] > 40 {
		t.Errorf("impressions %v, in the last 2000 decisions %v: the good creative should reach the threshold and the bad one fall behind", count, late)
	}
	// Without exploration the new creatives tie with the old one on the
	// model's pCTR and get no special treatment.
	cfg.Explore.Disabled = true
	e2, _ := newTestEngine(t, cfg, &fixed{}, c)
	for range 50 {
		d, _ := e2.Decide(ctx, &Request{User: "u", Context: Context{Time: testNow}})
		if d.Ads[0].Explored {
			t.Fatal("explored with exploration disabled")
		}
	}
}

func TestSampleBetaMoments(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for _, ab := range [][2]float64{{0.4, 19.6}, {2, 5}, {50, 950}} {
		a, b := ab[0], ab[1]
		const n = 40000
		var s, s2 float64
		for range n {
			x := SampleBeta(r, a, b)
			if x < 0 || x > 1 {
				t.Fatalf("Beta(%g,%g) sample %g", a, b, x)
			}
			s += x
			s2 += x * x
		}
		mean, v := s/n, s2/n-(s/n)*(s/n)
		wm, wv := a/(a+b), a*b/((a+b)*(a+b)*(a+b+1))
		if d := mean - wm; d*d > 9*wv/n*4 || v < 0.9*wv || v > 1.1*wv {
			t.Errorf("Beta(%g,%g): mean %g var %g, want %g %g", a, b, mean, v, wm, wv)
		}
	}
}

func TestCPMPicksLikeliestCreative(t *testing.T) {
	c := camp("m", CPM, 10, 100)
	c.Creatives = []Creative{{ID: "dull", ItemID: "i"}, {ID: "bright", ItemID: "i"}}
	e, _ := newTestEngine(t, quietConfig(), &fixed{ctr: map[string]float64{"m/dull": 0.01, "m/bright": 0.03}}, c)
	d, err := e.Decide(t.Context(), &Request{User: "u", Context: Context{Time: testNow}})
	if err != nil || len(d.Ads) != 1 || d.Ads[0].CreativeID != "bright" || !near(d.Ads[0].ExpectedValue, 0.01) {
		t.Errorf("CPM decision %+v %v: want the creative with the higher pCTR at value 10/1000", d, err)
	}
}
