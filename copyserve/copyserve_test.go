package copyserve_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/shopmind/shopmind/copyserve"
	"github.com/shopmind/shopmind/copywriting"
	"github.com/shopmind/shopmind/copywriting/llm"
)

var brief = copywriting.Brief{Goal: copywriting.Conversion, Channel: copywriting.Push, Language: copywriting.English,
	Items: []copywriting.Item{{ID: "i1", Title: "Ember & Oak Candle", Brand: "Ember & Oak", Price: 24, Currency: "USD"}},
	Offer: &copywriting.Offer{DiscountPercent: 10}}

func TestTemplateByDefault(t *testing.T) {
	s, err := copyserve.New(copyserve.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Generate(context.Background(), brief, 4, "")
	if err != nil || res.Writer != "template" || len(res.Variants) != 4 {
		t.Fatalf("Generate = %+v, %v", res, err)
	}
	for _, v := range res.Variants {
		if !v.OK {
			t.Errorf("template variant failed its checks: %+v", v)
		}
	}
	if _, err := s.Generate(context.Background(), brief, 1, "llm"); !errors.Is(err, copyserve.ErrInvalid) {
		t.Errorf("asking for an unconfigured LLM: %v, want ErrInvalid", err)
	}
}

// TestLLMDraftIsRepaired drives the OpenAI-compatible writer against an
// in-process server whose first draft breaks two rules: the service sends it
// back with the reasons and returns only the mended one as usable.
func TestLLMDraftIsRepaired(t *testing.T) {
	var calls atomic.Int32
	var secondPrompt atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Messages []struct {
				Content string `json:"content"`
			} `json:"messages"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		n := calls.Add(1)
		text := "Ember & Oak Candle: best ever, the #1 gift, only $19! Call 555-123-4567"
		if n > 1 {
			var all []string
			for _, m := range req.Messages {
				all = append(all, m.Content)
			}
			secondPrompt.Store(strings.Join(all, "\n"))
			text = "Ember & Oak Candle, now 10% off at $21.60. Light up tonight."
		}
		content, _ := json.Marshal(map[string]any{"variants": []string{text}})
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":%q},"finish_reason":"stop"}],"usage":{"prompt_tokens":50,"completion_tokens":20,"total_tokens":70}}`, content)
	}))
	defer srv.Close()
	s, err := copyserve.New(copyserve.Config{LLM: llm.Config{BaseURL: srv.URL, Model: "m"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Generate(context.Background(), brief, 1, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Variants) != 1 || !res.Variants[0].OK || res.Variants[0].Repairs != 1 || !strings.HasPrefix(res.Variants[0].Provider, "openai-compatible") {
		t.Fatalf("variants %+v; want one usable variant after one repair, by the LLM", res.Variants)
	}
	if res.Usage.PromptTokens != 100 {
		t.Errorf("usage %+v, want 100 prompt tokens over two calls", res.Usage)
	}
	p, _ := secondPrompt.Load().(string)
	for _, code := range []string{"banned_term", "ungrounded_price", "personal_data"} {
		if !strings.Contains(p, code) {
			t.Errorf("the repair prompt does not give the reason %s", code)
		}
	}
}
