package ads

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

// FuzzCampaign feeds campaign JSON (targeting, schedule, creatives, money)
// through Decode, Normalize and Validate. Nothing may panic; a refusal is a
// list of *InvalidError naming a field; a campaign that passes keeps
// passing after a store round trip, encodes the same, and the engine can
// load it and decide with it, only ever returning its own creatives.
func FuzzCampaign(f *testing.F) {
	for _, s := range []string{
		`{"id":"c1","advertiser":"a","status":"active","bid_type":"cpc","bid":1,"daily_budget":100,"creatives":[{"id":"x","item_id":"i"}]}`,
		`{"advertiser":"a","bid_type":"CPM","bid":5,"daily_budget":50,"total_budget":500,"frequency_cap":3,
		  "targeting":{"segments":["vip"],"devices":["mobile"],"pages":["home","cart"],"hours":[23,0,1]},
		  "schedule":{"start":"2025-03-01T00:00:00Z","end":"2025-04-01T00:00:00+08:00","weekdays":["Mon","wed"],"hours":[9,10],"time_zone":"Asia/Shanghai"},
		  "creatives":[{"id":"a","item_id":"i1","text":"hi"},{"id":"b","item_id":"i2"}]}`,
		`{"advertiser":"a","bid_type":"cpa","bid":2e6,"daily_budget":-1,"targeting":{"segments":[],"hours":[24,-1,3,3]},"creatives":[]}`,
		`{"advertiser":"a","bid_type":"cpc","bid":1,"daily_budget":1,"targeting":{"segments":["nope"]},"schedule":{"time_zone":"Mars/Olympus"},"creatives":[{"id":"x","item_id":"i"},{"id":"x","item_id":"i"}]}`,
		`{"id":"../x","advertiser":" ","status":"live","bid_type":"cpx","bid":0,"daily_budget":0,"creatives":[{"id":"","item_id":""}]}`,
		`{}`, `[]`, `null`,
	} {
		f.Add([]byte(s))
	}
	exists := func(id string) bool { return id == "vip" || id == "big" }
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Decode(data)
		if err != nil {
			return
		}
		c.Normalize()
		if err := c.Validate(testNow, exists); err != nil {
			errs := []error{err}
			if j, ok := err.(interface{ Unwrap() []error }); ok {
				errs = j.Unwrap()
			}
			for _, e := range errs {
				var ie *InvalidError
				if !errors.As(e, &ie) || ie.Field == "" || ie.Msg == "" {
					t.Fatalf("Validate error %v (%T) names no field", e, e)
				}
			}
			return
		}
		enc, err := Encode(&c)
		if err != nil {
			t.Fatalf("encoding a valid campaign: %v", err)
		}
		back, err := Decode(enc)
		if err != nil {
			t.Fatalf("decoding %s: %v", enc, err)
		}
		if err := back.Validate(testNow, exists); err != nil {
			t.Fatalf("valid campaign invalid after a round trip: %v\n%s", err, enc)
		}
		if again, _ := Encode(&back); !bytes.Equal(again, enc) {
			t.Fatalf("round trip changed the campaign:\n%s\n%s", enc, again)
		}
		if back.ID == "" {
			back.ID = "fuzz"
		}
		e := NewEngine(NewMemory(MemoryConfig{}), StatsPredictor{}, quietConfig())
		if err := e.SetCampaigns([]Campaign{back}); err != nil {
			t.Fatalf("engine refused a valid campaign: %v\n%s", err, enc)
		}
		for _, req := range []Request{
			{User: "u", Segments: []string{"vip"}, Context: Context{Device: "mobile", Page: "home", Time: testNow}},
			{User: "u", Untargeted: true, Context: Context{Time: testNow.AddDate(0, 0, 3)}},
		} {
			d, err := e.Decide(context.Background(), &req)
			if err != nil {
				t.Fatalf("Decide: %v", err)
			}
			for _, ad := range d.Ads {
				if ad.CampaignID != back.ID {
					t.Fatalf("decision serves campaign %q, not %q", ad.CampaignID, back.ID)
				}
			}
		}
	})
}
