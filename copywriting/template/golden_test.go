package template

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/shopmind/shopmind/copywriting"
)

type golden struct {
	Name  string            `json:"name"`
	Brief copywriting.Brief `json:"brief"`
}

func loadGolden(t *testing.T) []golden {
	t.Helper()
	raw, err := os.ReadFile("testdata/briefs.json")
	if err != nil {
		t.Fatal(err)
	}
	var gs []golden
	if err := json.Unmarshal(raw, &gs); err != nil {
		t.Fatal(err)
	}
	return gs
}

// TestGoldenSetCoverage: at least 60 briefs, every goal × channel in both
// languages.
func TestGoldenSetCoverage(t *testing.T) {
	gs := loadGolden(t)
	if len(gs) < 60 {
		t.Fatalf("golden set has %d briefs, want >= 60", len(gs))
	}
	have := map[string]bool{}
	for _, g := range gs {
		have[string(g.Brief.Language)+"/"+string(g.Brief.Goal)+"/"+string(g.Brief.Channel)] = true
	}
	for _, lang := range []copywriting.Language{copywriting.Chinese, copywriting.English} {
		for _, goal := range copywriting.Goals() {
			for _, ch := range copywriting.Channels() {
				if k := string(lang) + "/" + string(goal) + "/" + string(ch); !have[k] {
					t.Errorf("golden set lacks %s", k)
				}
			}
		}
	}
}

// TestGolden writes 3 variants per golden brief and checks each.
func TestGolden(t *testing.T) {
	w := New()
	ctx := context.Background()
	for _, g := range loadGolden(t) {
		t.Run(g.Name, func(t *testing.T) {
			ds, err := w.Write(ctx, g.Brief, 3, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(ds) != 3 {
				t.Fatalf("got %d drafts, want 3", len(ds))
			}
			seen := map[string]bool{}
			for _, d := range ds {
				if seen[d.Text] {
					t.Errorf("duplicate draft %q", d.Text)
				}
				seen[d.Text] = true
				if d.Provider != "template" {
					t.Errorf("provider %q", d.Provider)
				}
				for _, p := range problems(g.Brief, d.Text) {
					t.Errorf("%s: %q", p, d.Text)
				}
			}
			if testing.Verbose() {
				for _, d := range ds {
					t.Logf("%s", d.Text)
				}
			}
			again, _ := w.Write(ctx, g.Brief, 3, nil)
			for i := range ds {
				if i >= len(again) || again[i].Text != ds[i].Text {
					t.Fatalf("not deterministic")
				}
			}
		})
	}
}

// problems runs the test's own checks on one draft.
func problems(b copywriting.Brief, text string) []string {
	var out []string
	if lim := Limit(b.Language, b.Channel); textLen(text) > lim {
		out = append(out, "too long ("+strconv.Itoa(textLen(text))+" > "+strconv.Itoa(lim)+")")
	}
	if !mentions(b, text) {
		out = append(out, "no item mentioned")
	}
	if bad := ungroundedNumbers(b, text); len(bad) > 0 {
		out = append(out, "ungrounded numbers "+strings.Join(bad, ","))
	}
	if p := languageProblem(b, text); p != "" {
		out = append(out, p)
	}
	if term := bannedIn(langKey(string(b.Language)), stripBrief(b, text)); term != "" {
		out = append(out, "banned term "+term)
	}
	return out
}

func mentions(b copywriting.Brief, text string) bool {
	for _, it := range b.Items {
		if it.Title != "" && strings.Contains(text, it.Title) || it.Brand != "" && strings.Contains(text, it.Brand) {
			return true
		}
		for _, w := range strings.Fields(it.Title) {
			if len([]rune(w)) >= 2 && strings.Contains(text, w) {
				return true
			}
		}
	}
	return false
}

// briefStrings are the brief's own words a draft may quote.
func briefStrings(b copywriting.Brief) []string {
	var ss []string
	for _, it := range b.Items {
		ss = append(ss, it.Title, it.Brand)
		ss = append(ss, strings.Fields(it.Title)...)
		ss = append(ss, it.Category...)
		for _, v := range it.Attributes {
			ss = append(ss, v)
		}
	}
	ss = append(ss, b.Signals.TopCategories...)
	if b.Offer != nil {
		ss = append(ss, b.Offer.Code)
	}
	return ss
}

// stripBrief removes the brief's own words (longest first) from a text.
func stripBrief(b copywriting.Brief, text string) string {
	ss := briefStrings(b)
	for changed := true; changed; {
		changed = false
		best := ""
		for _, s := range ss {
			if s != "" && strings.Contains(text, s) && len(s) > len(best) {
				best = s
			}
		}
		if best != "" {
			text = strings.ReplaceAll(text, best, " ")
			changed = true
		}
	}
	return text
}

var numRE = regexp.MustCompile(`\d+(?:\.\d+)?(折)?`)

// ungroundedNumbers lists the numbers of a text not in FactsOf(brief): dates
// and the code are taken out first; n折 must match the discount.
func ungroundedNumbers(b copywriting.Brief, text string) []string {
	f := copywriting.FactsOf(b)
	for _, d := range f.Dates {
		text = strings.ReplaceAll(text, d, " ")
	}
	text = stripBrief(b, text)
	allowed := append([]float64{}, f.Prices...)
	allowed = append(allowed, f.Quantities...)
	if f.DiscountPercent > 0 {
		allowed = append(allowed, f.DiscountPercent)
	}
	if f.AmountOff > 0 {
		allowed = append(allowed, f.AmountOff)
	}
	var bad []string
	for _, m := range numRE.FindAllStringSubmatch(text, -1) {
		numText := strings.TrimSuffix(m[0], "折")
		v, err := strconv.ParseFloat(numText, 64)
		if err != nil {
			bad = append(bad, m[0])
			continue
		}
		if m[1] != "" {
			if math.Abs((100-v*10)-f.DiscountPercent) > 1e-6 {
				bad = append(bad, m[0])
			}
			continue
		}
		ok := false
		for _, a := range allowed {
			if math.Abs(a-v) < 1e-6 {
				ok = true
			}
		}
		if !ok {
			bad = append(bad, m[0])
		}
	}
	// Chinese numerals and English number words of the writer's own
	for _, r := range text {
		if strings.ContainsRune("一二三四五六七八九十百千万两零〇", r) {
			bad = append(bad, string(r))
		}
	}
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) }) {
		if numberWords[w] {
			bad = append(bad, w)
		}
	}
	return bad
}

var numberWords = map[string]bool{"one": true, "two": true, "three": true, "four": true, "five": true, "six": true,
	"seven": true, "eight": true, "nine": true, "ten": true, "dozen": true, "hundred": true, "thousand": true,
	"million": true, "half": true, "double": true, "twice": true, "once": true, "first": true, "second": true}

// languageProblem: with the brief's own words taken out, a Chinese draft has
// no Latin letters and an English one no Han characters.
func languageProblem(b copywriting.Brief, text string) string {
	rest := stripBrief(b, text)
	var han, latin int
	for _, r := range rest {
		switch {
		case unicode.Is(unicode.Han, r):
			han++
		case r < 0x80 && unicode.IsLetter(r):
			latin++
		}
	}
	if langKey(string(b.Language)) == "zh" {
		if latin > 0 || han == 0 {
			return "not Chinese"
		}
		return ""
	}
	if han > 0 || latin == 0 {
		return "not English"
	}
	return ""
}

// A conservative list of absolute, regulated, medical and financial terms.
var banned = map[string][]string{
	"zh": {"最", "第一", "国家级", "顶级", "极致", "100%", "唯一", "首选", "独家", "绝对", "万能", "永久", "全网", "史上",
		"无敌", "冠军", "王牌", "顶尖", "特效", "治疗", "疗效", "根治", "药", "保证", "保本", "收益", "稳赚", "理财",
		"减肥", "瘦身", "零风险", "秒杀", "极品", "国家"},
	"en": {"best", "#1", "number one", "guaranteed", "guarantee", "risk-free", "ultimate", "perfect", "cure", "cures",
		"heal", "miracle", "lowest", "cheapest", "unbeatable", "world-class", "top-rated", "clinically", "weight loss",
		"profit", "investment", "earn", "100%", "never", "only", "exclusive", "ever", "first", "greatest", "finest",
		"no.1", "lose weight", "detox", "returns"},
}

func bannedIn(lang, text string) string {
	low := strings.ToLower(text)
	for _, term := range banned[lang] {
		if lang == "zh" {
			if strings.Contains(low, term) {
				return term
			}
			continue
		}
		re := regexp.MustCompile(`(^|[^a-z])` + regexp.QuoteMeta(term) + `($|[^a-z])`)
		if re.MatchString(low) {
			return term
		}
	}
	return ""
}
