package template

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/shopmind/shopmind/copywriting"
)

// TestLibraryClean: the library has no term of the banned lists, no digit,
// no Chinese numeral and no English number word; every goal has openings,
// calls to action, subjects and banners in both languages.
func TestLibraryClean(t *testing.T) {
	for lang, kinds := range library {
		for kind, ps := range kinds {
			for _, p := range ps {
				text := holeRE.ReplaceAllString(p.text, " ")
				if term := bannedIn(lang, text); term != "" {
					t.Errorf("%s %s %q: banned term %q", lang, kind, p.text, term)
				}
				if strings.ContainsFunc(text, unicode.IsDigit) {
					t.Errorf("%s %s %q: digit", lang, kind, p.text)
				}
				for _, r := range text {
					if strings.ContainsRune("一二三四五六七八九十百千万两零〇", r) {
						t.Errorf("%s %s %q: Chinese numeral", lang, kind, p.text)
					}
				}
				for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) }) {
					if numberWords[w] {
						t.Errorf("%s %s %q: number word", lang, kind, p.text)
					}
				}
				if lang == "zh" && strings.ContainsFunc(text, func(r rune) bool { return r < 0x80 && unicode.IsLetter(r) }) {
					t.Errorf("zh %s %q: Latin letters", kind, p.text)
				}
				if lang == "en" && hasHan(text) {
					t.Errorf("en %s %q: Han", kind, p.text)
				}
				for _, g := range p.goals {
					switch g {
					case "pct", "amt", "ship", "price":
						if kind != kShort {
							t.Errorf("%s %s %q: tag %s", lang, kind, p.text, g)
						}
					default:
						if !contains(goalNames(), g) {
							t.Errorf("%s %s %q: unknown tag %s", lang, kind, p.text, g)
						}
					}
				}
			}
		}
		for _, g := range goalNames() {
			for _, kind := range []string{kOpen, kCTA, kSubject, kBanner} {
				n := 0
				for _, p := range kinds[kind] {
					if contains(p.goals, g) && !p.long {
						n++
					}
				}
				if n < 2 {
					t.Errorf("%s %s: %d phrases for %s", lang, kind, n, g)
				}
			}
		}
	}
	t.Logf("phrases: zh-CN %d, en %d", PhraseCount("zh-CN"), PhraseCount("en"))
}

func goalNames() []string {
	var out []string
	for _, g := range copywriting.Goals() {
		out = append(out, string(g))
	}
	return out
}

func TestFormats(t *testing.T) {
	cases := []struct{ got, want string }{
		{money("zh", 199, "CNY", 0), "¥199"},
		{money("zh", 199, "CNY", 1), "199元"},
		{money("en", 19.99, "USD", 0), "$19.99"},
		{money("en", 34.5, "GBP", 0), "£34.50"},
		{money("zh", 19.99, "USD", 0), "19.99美元"},
		{zhe(20), "8折"},
		{zhe(15), "8.5折"},
		{zhe(12), "8.8折"},
		{zhe(12.5), "8.75折"},
		{num(159.2), "159.20"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	if got := toneOf("Warm, playful"); got != "warm" {
		t.Errorf("toneOf = %q", got)
	}
	if got := toneOf("俏皮、温暖"); got != "playful" {
		t.Errorf("toneOf = %q", got)
	}
}

func TestNameForms(t *testing.T) {
	got := nameForms(copywriting.Item{Title: "回力 经典帆布鞋 男女同款", Brand: "回力"})
	want := []string{"回力 经典帆布鞋 男女同款", "回力 经典帆布鞋", "经典帆布鞋", "回力"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", got, want)
	}
	got = nameForms(copywriting.Item{Title: "Ember & Oak Soy Candle", Brand: "Ember & Oak"})
	want = []string{"Ember & Oak Soy Candle", "Ember & Oak Candle", "Ember & Oak", "Soy Candle"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", got, want)
	}
}

func sampleBrief() copywriting.Brief {
	return copywriting.Brief{
		Goal: copywriting.Conversion, Channel: copywriting.Push, Language: copywriting.Chinese, Voice: "温暖",
		Items: []copywriting.Item{{ID: "a", Title: "回力 经典帆布鞋 男女同款", Brand: "回力", Price: 199, Currency: "CNY",
			Attributes: map[string]string{"颜色": "米白色"}}},
		Offer: &copywriting.Offer{DiscountPercent: 20, Code: "SHOE20", Until: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)},
	}
}

func TestWriteBasics(t *testing.T) {
	w := New()
	var _ copywriting.Writer = w
	if w.Name() != "template" {
		t.Fatal(w.Name())
	}
	ctx := context.Background()
	b := sampleBrief()
	ds, err := w.Write(ctx, b, 5, nil)
	if err != nil || len(ds) != 5 {
		t.Fatalf("%d drafts, %v", len(ds), err)
	}
	for _, d := range ds {
		if p := problems(b, d.Text); len(p) > 0 {
			t.Errorf("%q: %v", d.Text, p)
		}
	}
	if ds, _ := w.Write(ctx, b, 0, nil); len(ds) != 0 {
		t.Error("n=0 gave drafts")
	}
	if _, err := w.Write(ctx, copywriting.Brief{Goal: copywriting.Conversion, Channel: copywriting.Push}, 1, nil); err == nil {
		t.Error("no items: want an error")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := w.Write(cctx, b, 1, nil); err == nil {
		t.Error("cancelled context: want an error")
	}
	// a different brief gives different drafts
	b2 := b
	b2.Goal = copywriting.CartRecovery
	ds2, _ := w.Write(ctx, b2, 1, nil)
	if len(ds2) == 0 || ds2[0].Text == ds[0].Text {
		t.Error("goal does not change the draft")
	}
}

var priceRE = regexp.MustCompile(`¥|元|\$`)

func TestRepair(t *testing.T) {
	w := New()
	ctx := context.Background()
	b := sampleBrief()
	b.Channel = copywriting.SMS
	plain, _ := w.Write(ctx, b, 3, nil)

	ds, err := w.Write(ctx, b, 3, []copywriting.Violation{{Code: "too_long"}})
	if err != nil || len(ds) == 0 {
		t.Fatal(err)
	}
	for _, d := range ds {
		if textLen(d.Text) > Limit(b.Language, b.Channel)*3/4 {
			t.Errorf("too_long repair still long: %q", d.Text)
		}
	}
	_ = plain

	ds, _ = w.Write(ctx, b, 3, []copywriting.Violation{{Code: "ungrounded_price"}, {Code: "ungrounded_discount"}, {Code: "ungrounded_date"}})
	for _, d := range ds {
		if priceRE.MatchString(d.Text) || strings.Contains(d.Text, "折") || strings.Contains(d.Text, "2026") {
			t.Errorf("ungrounded repair kept numbers: %q", d.Text)
		}
		if strings.ContainsFunc(strings.ReplaceAll(d.Text, "SHOE20", ""), unicode.IsDigit) {
			t.Errorf("ungrounded repair kept digits: %q", d.Text)
		}
	}

	ds, _ = w.Write(ctx, b, 3, []copywriting.Violation{{Code: "personal_data"}})
	for _, d := range ds {
		if strings.Contains(d.Text, "SHOE20") {
			t.Errorf("personal_data repair kept the code: %q", d.Text)
		}
	}

	ds, _ = w.Write(ctx, b, 3, []copywriting.Violation{{Code: "missing_item"}})
	for _, d := range ds {
		if !strings.Contains(d.Text, b.Items[0].Title) {
			t.Errorf("missing_item repair without the title: %q", d.Text)
		}
	}

	ds, _ = w.Write(ctx, b, 3, []copywriting.Violation{{Code: "banned_term", Message: `banned term "心动"`}})
	for _, d := range ds {
		if strings.Contains(d.Text, "心动") {
			t.Errorf("banned_term repair kept the term: %q", d.Text)
		}
	}
}

// TestEveryCombination: every goal × channel × language, with and without an
// offer, gives 3 clean drafts.
func TestEveryCombination(t *testing.T) {
	w := New()
	ctx := context.Background()
	items := map[copywriting.Language]copywriting.Item{
		copywriting.Chinese: {Title: "陶趣 手作陶瓷马克杯", Brand: "陶趣", Price: 59.9, Currency: "CNY", Category: []string{"家居", "杯具"}, Attributes: map[string]string{"材质": "陶瓷"}},
		copywriting.English: {Title: "Hearth Stovetop Kettle", Brand: "Hearth", Price: 45, Currency: "USD", Category: []string{"Kitchen"}, Attributes: map[string]string{"material": "steel"}},
	}
	offers := []*copywriting.Offer{nil, {DiscountPercent: 30, AmountOff: 5, Code: "MUG5", FreeShipping: true, Until: time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)}}
	for lang, it := range items {
		for _, g := range copywriting.Goals() {
			for _, ch := range copywriting.Channels() {
				for _, o := range offers {
					b := copywriting.Brief{Goal: g, Channel: ch, Language: lang, Items: []copywriting.Item{it}, Offer: o,
						Signals: copywriting.Signals{Lifecycle: "lapsed"}}
					ds, err := w.Write(ctx, b, 3, nil)
					if err != nil || len(ds) != 3 {
						t.Errorf("%s %s %s: %d drafts, %v", lang, g, ch, len(ds), err)
						continue
					}
					for _, d := range ds {
						if p := problems(b, d.Text); len(p) > 0 {
							t.Errorf("%q: %v", d.Text, p)
						}
					}
				}
			}
		}
	}
}
