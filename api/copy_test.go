package api

import (
	"strings"
	"testing"

	"github.com/shopmind/shopmind/copyserve"
	"github.com/shopmind/shopmind/copywriting"
	"github.com/shopmind/shopmind/shop"
)

func TestCopyGenerateAndCheck(t *testing.T) {
	h := newHarness(t)
	h.do("PUT", "/v1/items/tea", shop.Item{Title: "西湖龙井 明前特级 250克", Category: []string{"茶叶"}, Brand: "山泉", Price: 199, Currency: "CNY"}, nil)
	h.do("PUT", "/v1/users/u-yes", shop.User{Consent: map[shop.Purpose]bool{shop.MarketingMessages: true}}, nil)
	h.do("PUT", "/v1/users/u-no", shop.User{Consent: map[shop.Purpose]bool{shop.MarketingMessages: false}}, nil)
	var res copyserve.Result
	body := map[string]any{"brief": map[string]any{"goal": "conversion", "channel": "push", "language": "zh-CN",
		"offer": map[string]any{"discount_percent": 20}}, "item_ids": []string{"tea"}, "user": "u-yes", "variants": 3}
	if r := h.do("POST", "/v1/copy/generate", body, &res); r.StatusCode != 200 {
		t.Fatalf("generate: %d", r.StatusCode)
	}
	if res.Writer != "template" || len(res.Variants) != 3 {
		t.Fatalf("result %+v; want 3 variants by the template writer", res)
	}
	for _, v := range res.Variants {
		if !v.OK || len(v.Violations) != 0 || v.Provider != "template" || !strings.Contains(v.Text, "龙井") && !strings.Contains(v.Text, "山泉") {
			t.Errorf("variant %+v: want a checked text naming the item", v)
		}
		// Every variant passes the check route too.
		var chk struct {
			OK         bool                    `json:"ok"`
			Violations []copywriting.Violation `json:"violations"`
		}
		h.do("POST", "/v1/copy/check", map[string]any{"text": v.Text, "language": "zh-CN", "channel": "push",
			"facts": copywriting.FactsOf(copywriting.Brief{Items: []copywriting.Item{{Title: "西湖龙井 明前特级 250克", Brand: "山泉", Price: 199, Currency: "CNY"}}, Offer: &copywriting.Offer{DiscountPercent: 20}})}, &chk)
		if !chk.OK {
			t.Errorf("check of a generated variant: %+v", chk.Violations)
		}
	}
	// Consent: no copy addressed to a user who refused marketing messages.
	body["user"] = "u-no"
	if r := h.do("POST", "/v1/copy/generate", body, nil); r.StatusCode != 409 {
		t.Errorf("generate for a user without consent: %d, want 409", r.StatusCode)
	}
	// The check route catches a bad draft with its reason and span.
	var chk struct {
		OK         bool                    `json:"ok"`
		Violations []copywriting.Violation `json:"violations"`
	}
	text := "全网最低价！龙井只要99元，速拨13812345678"
	h.do("POST", "/v1/copy/check", map[string]any{"text": text, "language": "zh-CN", "channel": "push", "facts": map[string]any{"price": 199, "currency": "CNY"}}, &chk)
	codes := map[string]bool{}
	for _, v := range chk.Violations {
		codes[v.Code] = true
		if v.Span[0] < 0 || v.Span[1] > len(text) || v.Span[0] > v.Span[1] {
			t.Errorf("span %v outside the text", v.Span)
		}
	}
	if chk.OK || !codes["banned_term"] || !codes["ungrounded_price"] || !codes["personal_data"] {
		t.Errorf("violations %+v; want banned_term, ungrounded_price and personal_data", chk.Violations)
	}
	for _, c := range []struct {
		path string
		body any
	}{
		{"/v1/copy/check", map[string]any{"text": "hi", "language": "fr", "channel": "push"}},
		{"/v1/copy/check", map[string]any{"text": "hi", "language": "en", "channel": "fax"}},
		{"/v1/copy/generate", map[string]any{"brief": map[string]any{"goal": "conversion", "channel": "push", "language": "en"}}},
		{"/v1/copy/generate", map[string]any{"brief": map[string]any{"goal": "fun", "channel": "push", "language": "en"}, "item_ids": []string{"tea"}}},
		{"/v1/copy/generate", map[string]any{"brief": map[string]any{"goal": "conversion", "channel": "push", "language": "en"}, "item_ids": []string{"nope"}}},
		{"/v1/copy/generate", map[string]any{"brief": map[string]any{"goal": "conversion", "channel": "push", "language": "en"}, "item_ids": []string{"tea"}, "writer": "llm"}},
	} {
		if r := h.do("POST", c.path, c.body, nil); r.StatusCode != 400 {
			t.Errorf("%s %v: %d, want 400", c.path, c.body, r.StatusCode)
		}
	}
}
