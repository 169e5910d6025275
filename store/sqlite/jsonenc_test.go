package sqlite

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/shopmind/shopmind/shop"
)

func TestContextJSONDecodesLikeEncodingJSON(t *testing.T) {
	odd := "tab\t nl\n cr\r quote\" backslash\\ nul\x00 bell\x07 del\x7f <html>&amp; 中文 🎉 bad\xff\xfe utf8 \u2028"
	cases := []shop.Context{
		{},
		{Channel: "app"},
		{Channel: "web", Device: "mobile", Page: "p", Referrer: "https://x/?a=1&b=2", Placement: "pl",
			CampaignID: "c", AdID: "a", CreativeID: "cr", MessageID: "m", CouponID: "cp", Experiment: "e", Variant: "v", DecisionID: "d"},
		{Referrer: odd, Variant: odd},
	}
	for _, c := range cases {
		got := appendContextJSON(nil, &c)
		var back shop.Context
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("appendContextJSON(%+v) = %s, not JSON: %v", c, got, err)
		}
		std, _ := json.Marshal(c)
		var want shop.Context
		if err := json.Unmarshal(std, &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, want) {
			t.Errorf("appendContextJSON(%q) decodes to %+v, encoding/json round-trips to %+v", c, back, want)
		}
	}
}

func TestJSONStringsDecode(t *testing.T) {
	in := []string{"", "plain", "a\"b\\c", "\x01\x1f", "ünï", "bad\xc3"}
	var out []string
	if err := json.Unmarshal(appendJSONStrings(nil, in), &out); err != nil {
		t.Fatal(err)
	}
	std, _ := json.Marshal(in)
	var want []string
	_ = json.Unmarshal(std, &want)
	if !reflect.DeepEqual(out, want) {
		t.Errorf("appendJSONStrings round-trip = %q, want %q", out, want)
	}
}
