package guard

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/shopmind/shopmind/copywriting"
)

// Term categories. The category decides the reason code: CategoryMedical
// reports CodeMedicalClaim, CategoryFinancial reports CodeFinancialClaim, any
// other category (including none) reports CodeBannedTerm.
const (
	CategoryAbsolute  = "absolute"  // absolute terms (PRC Advertising Law Art. 9 and the like)
	CategoryMedical   = "medical"   // medical and health promises
	CategoryFinancial = "financial" // promises of returns or of no risk
)

// Term is one banned or regulated phrase.
//
// Matching is case-insensitive for ASCII letters. A term that starts (ends)
// with an ASCII letter or digit only matches at a word boundary on that side,
// so "cure" does not match "secure" and "#1" does not match "#10". A trailing
// "*" lets the term match any ASCII letters after it ("guarantee*" matches
// "guaranteed" and "guarantees"). Chinese terms match anywhere, except inside
// an allowed phrase (see Terms.Allow).
type Term struct {
	Text     string `json:"text"`
	Category string `json:"category,omitempty"`
}

// Terms is a list of banned and regulated terms with an allowlist of phrases
// that contain a term but are fine ("最后" contains "最", "第一次" contains
// "第一", "100%纯棉" contains "100%"). A match that lies wholly inside an
// occurrence of an allowed phrase is not reported.
type Terms struct {
	Terms []Term   `json:"terms"`
	Allow []string `json:"allow,omitempty"`
}

// ParseTerms reads the text format: one entry a line; blank lines and lines
// starting with "#" followed by a space (or a lone "#") are comments; a line
// "!phrase" adds phrase to the allowlist; any other line is "term" or
// "term | category" (a tab also separates the category). Surrounding spaces
// are trimmed. A term "#1" is a term, not a comment, because no space
// follows the "#".
func ParseTerms(r io.Reader) (Terms, error) {
	var t Terms
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || line == "#" || strings.HasPrefix(line, "# ") || strings.HasPrefix(line, "#\t") {
			continue
		}
		if strings.HasPrefix(line, "!") {
			p := strings.TrimSpace(line[1:])
			if p == "" {
				return Terms{}, fmt.Errorf("terms line %d: empty allowed phrase", n)
			}
			t.Allow = append(t.Allow, p)
			continue
		}
		text, cat := line, ""
		if i := strings.IndexAny(line, "|\t"); i >= 0 {
			text, cat = strings.TrimSpace(line[:i]), strings.TrimSpace(line[i+1:])
		}
		if text == "" || text == "*" {
			return Terms{}, fmt.Errorf("terms line %d: empty term", n)
		}
		t.Terms = append(t.Terms, Term{Text: text, Category: cat})
	}
	if err := sc.Err(); err != nil {
		return Terms{}, err
	}
	return t, nil
}

// ParseTermsString is ParseTerms on a string.
func ParseTermsString(s string) (Terms, error) { return ParseTerms(strings.NewReader(s)) }

// LoadTerms reads a terms file.
func LoadTerms(path string) (Terms, error) {
	f, err := os.Open(path)
	if err != nil {
		return Terms{}, err
	}
	defer f.Close()
	t, err := ParseTerms(f)
	if err != nil {
		return Terms{}, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// Merge returns t extended with o's terms and allowed phrases.
func (t Terms) Merge(o Terms) Terms {
	return Terms{
		Terms: append(append([]Term(nil), t.Terms...), o.Terms...),
		Allow: append(append([]string(nil), t.Allow...), o.Allow...),
	}
}

// String writes t in the text format ParseTerms reads.
func (t Terms) String() string {
	var b strings.Builder
	for _, a := range t.Allow {
		b.WriteString("!" + a + "\n")
	}
	for _, x := range t.Terms {
		b.WriteString(x.Text)
		if x.Category != "" {
			b.WriteString(" | " + x.Category)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// DefaultTerms returns the default list for a language (zh-CN or en; other
// tags fall back by primary subtag, then to an empty list).
func DefaultTerms(lang copywriting.Language) Terms {
	switch langKey(lang) {
	case copywriting.Chinese:
		return defaultZh.Merge(Terms{}) // a copy
	case copywriting.English:
		return defaultEn.Merge(Terms{})
	}
	return Terms{}
}

var (
	defaultZh = mustParse(defaultChinese)
	defaultEn = mustParse(defaultEnglish)
)

func mustParse(src string) Terms {
	t, err := ParseTermsString(src)
	if err != nil {
		panic(err) // the built-in lists are tested
	}
	return t
}

// langKey maps a language tag to the supported language it is checked as:
// zh, zh-CN, zh-Hans... → zh-CN; en, en-US... → en; anything else is kept.
func langKey(l copywriting.Language) copywriting.Language {
	s := strings.ToLower(string(l))
	switch {
	case s == "zh" || strings.HasPrefix(s, "zh-") || strings.HasPrefix(s, "zh_"):
		return copywriting.Chinese
	case s == "en" || strings.HasPrefix(s, "en-") || strings.HasPrefix(s, "en_"):
		return copywriting.English
	}
	return l
}

// termMatch is one occurrence of a term.
type termMatch struct {
	start, end int
	term       Term
}

// findTerms returns the non-overlapping occurrences of t's terms in text,
// leftmost first and, at one position, longest first, leaving out those
// inside an allowed phrase.
func findTerms(text string, t Terms) []termMatch {
	low := asciiLower(text)
	var allowed [][2]int
	for _, a := range t.Allow {
		for _, sp := range occurrences(low, asciiLower(a)) {
			allowed = append(allowed, sp)
		}
	}
	var ms []termMatch
	for _, term := range t.Terms {
		pat := asciiLower(term.Text)
		wild := strings.HasSuffix(pat, "*")
		pat = strings.TrimSuffix(pat, "*")
		if pat == "" {
			continue
		}
		for _, sp := range occurrences(low, pat) {
			s, e := sp[0], sp[1]
			if wild {
				for e < len(low) && isASCIILetter(low[e]) {
					e++
				}
			}
			if isASCIIAlnum(pat[0]) && s > 0 && isASCIIAlnum(low[s-1]) {
				continue
			}
			if isASCIIAlnum(pat[len(pat)-1]) && e < len(low) && isASCIIAlnum(low[e]) {
				continue
			}
			inside := false
			for _, a := range allowed {
				if a[0] <= s && e <= a[1] {
					inside = true
					break
				}
			}
			if !inside {
				ms = append(ms, termMatch{s, e, term})
			}
		}
	}
	sort.SliceStable(ms, func(i, j int) bool {
		if ms[i].start != ms[j].start {
			return ms[i].start < ms[j].start
		}
		return ms[i].end > ms[j].end
	})
	var out []termMatch
	last := -1
	for _, m := range ms {
		if m.start < last {
			continue
		}
		out = append(out, m)
		last = m.end
	}
	return out
}

// occurrences lists the byte spans of every (possibly overlapping)
// occurrence of pat in s.
func occurrences(s, pat string) [][2]int {
	var out [][2]int
	if pat == "" {
		return nil
	}
	for i := 0; i <= len(s)-len(pat); {
		j := strings.Index(s[i:], pat)
		if j < 0 {
			break
		}
		out = append(out, [2]int{i + j, i + j + len(pat)})
		i += j + 1
	}
	return out
}

// asciiLower lowercases ASCII letters only, so byte offsets are kept.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isASCIIDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isASCIIAlnum(c byte) bool  { return isASCIILetter(c) || isASCIIDigit(c) }

// defaultChinese: absolute terms forbidden by the PRC Advertising Law Art. 9
// (3) ("国家级", "最高级", "最佳" and the like) and the terms regulators and
// platforms read as such; medical promises (Art. 17: ordinary goods may not
// claim to treat disease); financial promises (Art. 25: no promise of
// returns or of no risk). "最" alone is listed, with an allowlist of the
// everyday words that merely contain it (最后一天 is a fact, not a claim).
const defaultChinese = `# absolute terms
最 | absolute
最佳 | absolute
最好 | absolute
最大 | absolute
最优 | absolute
最强 | absolute
最低 | absolute
最低价 | absolute
最便宜 | absolute
最高级 | absolute
最先进 | absolute
最受欢迎 | absolute
最新技术 | absolute
最火 | absolute
最热 | absolute
最全 | absolute
最爱 | absolute
最具 | absolute
最流行 | absolute
最完美 | absolute
第一 | absolute
第1名 | absolute
销量第一 | absolute
全网第一 | absolute
全国第一 | absolute
NO.1 | absolute
TOP1 | absolute
TOP 1 | absolute
唯一 | absolute
独一无二 | absolute
绝无仅有 | absolute
史无前例 | absolute
前无古人 | absolute
空前绝后 | absolute
国家级 | absolute
世界级 | absolute
全球级 | absolute
宇宙级 | absolute
国际级 | absolute
顶级 | absolute
顶尖 | absolute
极致 | absolute
极品 | absolute
首个 | absolute
首选 | absolute
首家 | absolute
首屈一指 | absolute
100% | absolute
绝对 | absolute
万能 | absolute
王牌 | absolute
领导品牌 | absolute
领袖品牌 | absolute
遥遥领先 | absolute
全球领先 | absolute
国际领先 | absolute
超一流 | absolute
世界一流 | absolute
国际一流 | absolute
销量冠军 | absolute
至尊 | absolute
无敌 | absolute
巅峰 | absolute
驰名商标 | absolute
质量免检 | absolute
填补国内空白 | absolute
划时代 | absolute
全网最低 | absolute
秒杀全网 | absolute
# everyday words that contain a term but make no absolute claim
!最近
!最后
!最终
!最初
!最早
!最晚
!最迟
!最多可
!最高可
!最新款
!第一次
!第一件
!第一天
!第一步
!第一单
!第一口
!第一眼
!第一时间
!100%纯棉
!100%棉
!100%羊毛
!100%羊绒
!100%真丝
!100%桑蚕丝
!100%亚麻
!100%涤纶
# medical promises
治愈 | medical
根治 | medical
药到病除 | medical
包治百病 | medical
包治 | medical
治疗 | medical
疗效 | medical
防治 | medical
抗癌 | medical
防癌 | medical
治癌 | medical
降血压 | medical
降血糖 | medical
降血脂 | medical
消炎 | medical
排毒 | medical
减肥 | medical
增强免疫力 | medical
提高免疫力 | medical
无副作用 | medical
延年益寿 | medical
医治 | medical
# financial promises
稳赚 | financial
稳赚不赔 | financial
包赚 | financial
只赚不赔 | financial
保本 | financial
保本保息 | financial
无风险 | financial
零风险 | financial
保证收益 | financial
保收益 | financial
高回报 | financial
收益翻倍 | financial
躺赚 | financial
一夜暴富 | financial
`

// defaultEnglish: superlatives and absolute promises that advertising
// codes (FTC, ASA CAP Code) treat as unsubstantiable, plus medical and
// financial promises.
const defaultEnglish = `# absolute terms
guarantee* | absolute
#1 | absolute
no. 1 | absolute
no.1 | absolute
number one | absolute
best ever | absolute
best-ever | absolute
best in the world | absolute
world's best | absolute
best in class | absolute
best-in-class | absolute
world-class | absolute
world class | absolute
risk-free | absolute
risk free | absolute
100% safe | absolute
100% | absolute
miracle* | absolute
unbeatable | absolute
unrivalled | absolute
unrivaled | absolute
unparalleled | absolute
lowest price ever | absolute
lowest price | absolute
lowest prices | absolute
cheapest | absolute
never been cheaper | absolute
only one in the world | absolute
!money-back guarantee
!money back guarantee
!100% cotton
!100% wool
!100% silk
!100% linen
!100% cashmere
!100% merino
!100% polyester
# medical promises
cure | medical
cures | medical
cured | medical
curing | medical
heals | medical
treats disease | medical
treat disease | medical
treats cancer | medical
prevents disease | medical
prevent disease | medical
prevents cancer | medical
prevent cancer | medical
fights cancer | medical
anti-cancer | medical
clinically proven | medical
fda approved | medical
fda-approved | medical
no side effects | medical
boosts immunity | medical
boost immunity | medical
boosts your immune system | medical
reverses aging | medical
reverse aging | medical
lose weight fast | medical
# financial promises
guaranteed returns | financial
guaranteed return | financial
guaranteed income | financial
guaranteed profit* | financial
no risk | financial
zero risk | financial
get rich quick | financial
double your money | financial
can't lose | financial
high returns | financial
`
