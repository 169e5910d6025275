package llm

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/copywriting"
)

func TestPromptCarriesFactsNotPersonalData(t *testing.T) {
	planted := []string{
		"13812345678",       // mobile number
		"+86 138-1234-5678", // formatted mobile
		"alice.wang@example.com",
		"110101199003077777",  // identity number
		"11010119900307777X",  // identity number with check letter
		"4111 1111 1111 1111", // card number
		"6222020200112233445", // bank card
		"user-7f3a9c",         // a user id
		"sku-secret-991",      // an item id is not a catalogue fact the copy needs
	}
	b := testBrief()
	b.Items[0].ID = "sku-secret-991"
	b.Voice = "warm; call 13812345678 or mail alice.wang@example.com"
	b.Items[0].Attributes["note"] = "buyer id 110101199003077777, card 4111 1111 1111 1111"
	b.Items[0].Attributes["contact"] = "+86 138-1234-5678 / 11010119900307777X"
	b.Signals.Lifecycle = "at_risk 6222020200112233445"
	b.Signals.TopCategories = append(b.Signals.TopCategories, "user-7f3a9c")
	repair := []copywriting.Violation{{Code: "personal_data", Message: "phone 13812345678 in the text"}}

	p := BuildPrompt(b, 3, 0, repair)
	all := p.System + "\n" + p.User + "\n" + p.Repair
	for _, s := range planted {
		if strings.Contains(all, s) {
			t.Errorf("prompt carries planted personal string %q", s)
		}
	}
	for _, fact := range []string{"真丝睡衣套装", "眠眠", "服饰 > 家居服", "399 CNY", "319.2 CNY", "20% off", "SLEEP20", "2026-03-31", "桑蚕丝", "雾蓝", "warm"} {
		if !strings.Contains(p.User, fact) {
			t.Errorf("prompt lacks the fact %q:\n%s", fact, p.User)
		}
	}
	for _, sig := range []string{"at_risk", "家居服", "mid", "45"} {
		if !strings.Contains(p.User, sig) {
			t.Errorf("prompt lacks the signal %q", sig)
		}
	}
	for _, rule := range []string{"Simplified Chinese", "at most 40 characters", "Use only the facts", "personal data", "medical", "financial", "JSON", "3 different variants"} {
		if !strings.Contains(p.System, rule) {
			t.Errorf("system prompt lacks %q:\n%s", rule, p.System)
		}
	}
	if !strings.Contains(p.Repair, "personal_data") {
		t.Errorf("repair lacks the reason: %q", p.Repair)
	}
}

func TestPromptUserIDsNeverAppear(t *testing.T) {
	// A brief assembled for a user carries signals only; even an item id
	// that looks like a user id does not reach the model.
	b := testBrief()
	b.Items[0].ID = "u-42-zhang-wei"
	p := BuildPrompt(b, 1, 0, nil)
	if strings.Contains(p.System+p.User, "u-42-zhang-wei") {
		t.Fatal("item id in the prompt")
	}
	if p.Repair != "" {
		t.Fatalf("repair without violations: %q", p.Repair)
	}
}

func TestPromptEnglishAndLimits(t *testing.T) {
	b := testBrief()
	b.Language, b.Channel, b.Offer = copywriting.English, copywriting.SMS, nil
	p := BuildPrompt(b, 1, 0, nil)
	if !contains(p.System, "English", "at most 160 characters") || !contains(p.User, "SMS", "Offer: none") {
		t.Fatalf("system %q\nuser %q", p.System, p.User)
	}
	if p2 := BuildPrompt(b, 1, 55, nil); !strings.Contains(p2.System, "at most 55 characters") {
		t.Fatal("explicit limit ignored")
	}
	for _, c := range copywriting.Channels() {
		for _, l := range []copywriting.Language{copywriting.Chinese, copywriting.English} {
			if DefaultMaxChars(c, l) <= 0 {
				t.Fatalf("no limit for %s %s", c, l)
			}
		}
	}
}

func TestParseVariants(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want []string
	}{
		{`{"variants": ["a", "b"]}`, 2, []string{"a", "b"}},
		{"```json\n{\"variants\": [\"a\", \"b\", \"c\"]}\n```", 2, []string{"a", "b"}},
		{`["x", " y "]`, 2, []string{"x", "y"}},
		{`Sure! {"variants": ["a"]} Hope it helps.`, 1, []string{"a"}},
		{`{"variants": [{"text": "a"}, {"text": "b"}]}`, 2, []string{"a", "b"}},
		{"<think>hmm</think>\n{\"variants\": [\"a\"]}", 1, []string{"a"}},
		{"1. 第一条\n2、第二条\n3) third", 3, []string{"第一条", "第二条", "third"}},
		{"- one\n- two", 2, []string{"one", "two"}},
		{`"Just one text."`, 1, []string{"Just one text."}},
		{`{"variants": ["a", "", "  "]}`, 3, []string{"a"}},
	} {
		got, err := parseVariants(c.in, c.n)
		if err != nil || strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("parseVariants(%q, %d) = %q, %v; want %q", c.in, c.n, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "   ", `{"variants": [`, `{"variants": []}`, `{"other": 1}`, `[1, 2]`, `{"variants": [1]}`, "plain text"} {
		if got, err := parseVariants(bad, 2); err == nil {
			t.Errorf("parseVariants(%q) = %q, want an error", bad, got)
		}
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		h    map[string]string
		want time.Duration
		ok   bool
	}{
		{map[string]string{"Retry-After": "3"}, 3 * time.Second, true},
		{map[string]string{"Retry-After": "1.5"}, 1500 * time.Millisecond, true},
		{map[string]string{"Retry-After": now.Add(90 * time.Second).Format(http.TimeFormat)}, 90 * time.Second, true},
		{map[string]string{"Retry-After": now.Add(-time.Minute).Format(http.TimeFormat)}, 0, true},
		{map[string]string{"Retry-After-Ms": "250", "Retry-After": "9"}, 250 * time.Millisecond, true},
		{map[string]string{"Retry-After": "soon"}, 0, false},
		{map[string]string{"Retry-After": "-4"}, 0, false},
		{nil, 0, false},
	} {
		h := http.Header{}
		for k, v := range c.h {
			h.Set(k, v)
		}
		got, ok := retryAfter(h, now)
		if got != c.want || ok != c.ok {
			t.Errorf("retryAfter(%v) = %v, %v; want %v, %v", c.h, got, ok, c.want, c.ok)
		}
	}
}

func TestBackoffFullJitter(t *testing.T) {
	base, max := 100*time.Millisecond, time.Second
	if d := backoff(0, base, max, func() float64 { return 0.999999 }); d >= base || d < 99*time.Millisecond {
		t.Fatalf("attempt 0: %v", d)
	}
	if d := backoff(3, base, max, func() float64 { return 0.5 }); d != 400*time.Millisecond {
		t.Fatalf("attempt 3: %v", d)
	}
	if d := backoff(60, base, max, func() float64 { return 0.5 }); d != 500*time.Millisecond {
		t.Fatalf("attempt 60 not capped: %v", d)
	}
	if d := backoff(2, base, max, func() float64 { return 0 }); d != 0 {
		t.Fatalf("full jitter lower bound: %v", d)
	}
}

// Personal data planted in every free-text field of a brief never reaches
// the provider: the fake server records the raw request bodies.
func TestPersonalDataNeverReachesServer(t *testing.T) {
	f := newFake(t, completion(variantsJSON("真丝睡衣套装限时8折"), "stop", 10, 5))
	w := testWriter(t, f, newClock(), nil)
	planted := []string{
		"138 1234 5678", "1234 5678", "13812345678", // phone, also split across groups
		"张江路100号", "501室", // street address
		"alice at example dot com", "alice", // obfuscated e-mail
		"11010519491231002X",     // identity number
		"4111", "1111-1111-1111", // card
		"221B Baker Street", "Baker", // English address
	}
	b := testBrief()
	b.Voice = "温暖；联系 +86 138 1234 5678"
	b.Items[0].Title = "真丝睡衣套装 寄到上海市浦东新区张江路100号3栋501室"
	b.Items[0].Brand = "眠眠 alice at example dot com"
	b.Items[0].Attributes["note"] = "身份证 11010519491231002X，卡 4111-1111-1111-1111"
	b.Items[0].Category = []string{"服饰", "221B Baker Street"}
	b.Signals.TopCategories = []string{"家居服 13812345678"}
	if _, err := w.WriteDetailed(context.Background(), b, 1, []copywriting.Violation{{Code: "personal_data", Message: "found 138-1234-5678"}}); err != nil {
		t.Fatal(err)
	}
	if f.count() == 0 {
		t.Fatal("the fake server saw no request")
	}
	for i := range f.count() {
		raw := f.req(i).Raw
		for _, p := range planted {
			if strings.Contains(raw, p) {
				t.Errorf("request %d carries %q: %s", i, p, raw)
			}
		}
		if !strings.Contains(raw, "真丝睡衣套装") {
			t.Errorf("request %d lost the item title: %s", i, raw)
		}
	}
}
