package api

import (
	"fmt"
	"testing"
	"time"

	"github.com/shopmind/shopmind/ads"
	"github.com/shopmind/shopmind/shop"
)

func TestCampaignsDecideAndEvents(t *testing.T) {
	h := newHarness(t)
	var p Problem
	// An invalid campaign names every field at fault and stores nothing.
	if r := h.do("POST", "/v1/campaigns", map[string]any{"advertiser": "acme", "bid_type": "cpc", "bid": -1, "daily_budget": 10, "creatives": []any{}}, &p); r.StatusCode != 400 {
		t.Fatalf("invalid campaign: %d", r.StatusCode)
	}
	fields := map[string]bool{}
	for _, is := range p.Errors {
		fields[is.Field] = true
	}
	if !fields["bid"] || !fields["creatives"] {
		t.Errorf("issues %+v; want bid and creatives named", p.Errors)
	}
	var list struct {
		Campaigns []ads.Campaign `json:"campaigns"`
	}
	h.do("GET", "/v1/campaigns", nil, &list)
	if len(list.Campaigns) != 0 {
		t.Fatalf("a refused campaign was stored: %+v", list.Campaigns)
	}
	good := map[string]any{"id": "c1", "advertiser": "acme", "bid_type": "cpc", "bid": 0.5, "daily_budget": 100,
		"creatives": []any{map[string]any{"id": "cr1", "item_id": "i1", "text": "Spring sale"}}}
	if r := h.do("POST", "/v1/campaigns", good, nil); r.StatusCode != 201 {
		t.Fatalf("create: %d", r.StatusCode)
	}
	if r := h.do("POST", "/v1/campaigns", good, nil); r.StatusCode != 409 {
		t.Errorf("second create with the same id: %d, want 409", r.StatusCode)
	}
	var c ads.Campaign
	if r := h.do("GET", "/v1/campaigns/c1", nil, &c); r.StatusCode != 200 || c.Bid != 0.5 {
		t.Fatalf("get: %d %+v", r.StatusCode, c)
	}
	// The service picks up campaigns on its refresh; this node saw the write.
	var d ads.Decision
	for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if r := h.do("POST", "/v1/ads/decide", map[string]any{"user": "u1", "context": map[string]any{"device": "mobile"}, "slots": 1}, &d); r.StatusCode != 200 {
			t.Fatalf("decide: %d", r.StatusCode)
		}
		if len(d.Ads) > 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(d.Ads) != 1 || d.ID == "" || d.Ads[0].CampaignID != "c1" || d.Ads[0].Price > 0.5 || d.Ads[0].PCTR <= 0 {
		t.Fatalf("decision %+v; want c1 with a price at most its bid", d)
	}
	// A click stored through /v1/events with the decision id charges the
	// campaign once: the same click sent again to /v1/ads/events is a
	// duplicate.
	click := shop.Event{ID: "clk-1", Type: shop.AdClick, UserID: "u1", Timestamp: time.Now(),
		Context: shop.Context{CampaignID: "c1", CreativeID: "cr1", DecisionID: d.ID}}
	if r := h.do("POST", "/v1/events", []shop.Event{click}, nil); r.StatusCode != 200 {
		t.Fatalf("POST click: %d", r.StatusCode)
	}
	var out struct {
		Charged   float64 `json:"charged"`
		Duplicate bool    `json:"duplicate"`
	}
	h.do("POST", "/v1/ads/events", map[string]any{"decision_id": d.ID, "slot": 0, "type": "click"}, &out)
	if !out.Duplicate || out.Charged != 0 {
		t.Errorf("the click via /v1/events was not applied (a second one: %+v)", out)
	}
	h.do("POST", "/v1/ads/events", map[string]any{"decision_id": d.ID, "slot": 0, "type": "impression"}, &out)
	if out.Duplicate {
		t.Errorf("first impression reported as duplicate")
	}
	for _, c := range []struct {
		body   any
		status int
	}{
		{map[string]any{"decision_id": "nope", "slot": 0, "type": "click"}, 404},
		{map[string]any{"decision_id": d.ID, "slot": 5, "type": "click"}, 400},
		{map[string]any{"decision_id": d.ID, "slot": 0, "type": "like"}, 400},
	} {
		if r := h.do("POST", "/v1/ads/events", c.body, nil); r.StatusCode != c.status {
			t.Errorf("%v: %d, want %d", c.body, r.StatusCode, c.status)
		}
	}
	if r := h.do("POST", "/v1/ads/decide", map[string]any{"user": "u1", "slots": 99}, nil); r.StatusCode != 400 {
		t.Errorf("99 slots: %d, want 400", r.StatusCode)
	}
	if r := h.do("DELETE", "/v1/campaigns/c1", nil, nil); r.StatusCode != 204 {
		t.Errorf("delete: %d", r.StatusCode)
	}
	if r := h.do("GET", "/v1/campaigns/c1", nil, nil); r.StatusCode != 404 {
		t.Errorf("get after delete: %d", r.StatusCode)
	}
	_ = fmt.Sprint()
}
