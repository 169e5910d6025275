package copyserve

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"
	"unicode/utf8"

	"github.com/shopmind/shopmind/copywriting"
	"github.com/shopmind/shopmind/copywriting/llm"
)

// FuzzBrief feeds copy briefs as JSON through validation, the embedded
// template writer with the guardrails, and the LLM prompt builder. Nothing
// may panic; a brief is refused with ErrInvalid exactly when validation
// fails; success means a usable variant, every variant marked usable
// passes the guardrails when checked again, and the prompt is valid UTF-8.
func FuzzBrief(f *testing.F) {
	for _, s := range []string{
		`{"goal":"conversion","channel":"push","language":"zh-CN","voice":"温暖","items":[{"id":"s","title":"真丝睡衣套装","category":["服饰"],"brand":"眠眠","price":399,"currency":"CNY","attributes":{"material":"桑蚕丝"}}],"offer":{"discount_percent":20,"code":"SLEEP20","until":"2026-03-31T00:00:00Z"},"signals":{"lifecycle":"at_risk","top_categories":["家居服"],"price_band":"mid","days_since_last":45}}`,
		`{"goal":"win_back","channel":"email_body","language":"en","items":[{"title":"Trail shoes","price":89.99,"currency":"USD"}],"offer":{"amount_off":10,"free_shipping":true}}`,
		`{"goal":"cart_recovery","channel":"sms","language":"en","voice":"call 13812345678","items":[{"title":"x","price":-1}],"offer":{"discount_percent":150}}`,
		`{"goal":"awareness","channel":"banner","language":"zh-CN","items":[{"title":"最好的 100% 保证"}]}`,
		`{"goal":"nope","channel":"fax","language":"fr","items":[]}`,
		`{"items":[{"title":""}]}`, `{}`, `null`,
	} {
		f.Add([]byte(s), uint8(2))
	}
	svc, err := New(Config{MaxVariant: 5}, slog.New(slog.DiscardHandler))
	if err != nil {
		f.Fatal(err)
	}
	check := svc.checker()
	f.Fuzz(func(t *testing.T, data []byte, n uint8) {
		var b copywriting.Brief
		if err := json.Unmarshal(data, &b); err != nil {
			return
		}
		// json.Unmarshal replaces bad bytes, so the brief's text is UTF-8.
		p := llm.BuildPrompt(b, int(n%5)+1, 0, []copywriting.Violation{{Code: "x", Message: b.Voice}})
		for _, s := range []string{p.System, p.User, p.Repair} {
			if !utf8.ValidString(s) {
				t.Fatalf("prompt is not valid UTF-8: %q", s)
			}
		}
		res, err := svc.Generate(context.Background(), b, int(n%5)+1, "")
		if (checkBrief(b) != nil) != errors.Is(err, ErrInvalid) {
			t.Fatalf("checkBrief says %v, Generate says %v", checkBrief(b), err)
		}
		if err == nil && (len(res.Variants) == 0 || !res.Variants[0].OK) {
			t.Fatalf("Generate succeeded without a usable variant: %+v", res.Variants)
		}
		for _, v := range res.Variants {
			if !v.OK {
				continue
			}
			if vs := check(v.Text, b); len(vs) > 0 {
				t.Fatalf("variant %q marked usable fails %+v", v.Text, vs)
			}
		}
	})
}
