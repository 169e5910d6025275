// Package guard holds the guardrails every piece of marketing copy must pass
// before it is used, whoever wrote it (the template writer, a language model
// or a person). Each guardrail is a pure function reporting violations with a
// stable reason code; Check runs them all.
//
// The codes:
//
//	empty               the text has no letters or digits
//	too_long            longer than the channel's limit, counted in characters (runes)
//	banned_term         an absolute or otherwise banned term (最, 第一, 顶级, "#1", "guaranteed", ...)
//	medical_claim       a medical or health promise (治愈, 根治, "cures", "clinically proven", ...)
//	financial_claim     a promise of returns or of no risk (稳赚, 保本, "guaranteed returns", ...)
//	ungrounded_price    a money amount that is none of the facts' prices, or in another currency
//	ungrounded_discount a discount (20% off, 8折, 八折, 半价, 立减50元, $10 off, 满300减50, BOGO) the facts do not hold
//	ungrounded_number   another percentage, or a stock or limit quantity (仅剩3件, only 5 left), not in the facts
//	ungrounded_date     a date (2026-12-01, 12月1日, Dec 1, 1 December) not among the facts' dates
//	personal_data       a phone number, e-mail address, Chinese resident id number or bank card number
//	wrong_language      the text is not mostly in the requested language
//	missing_item        the text mentions none of the items (soft: see IsSoft)
//
// Spans are byte offsets into the text; a violation of the whole text
// (empty, wrong_language, missing_item) has Span[0] == Span[1] == 0.
package guard

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/shopmind/shopmind/copywriting"
)

// The reason codes. They are stable: callers, stored results and the repair
// prompts depend on them.
const (
	CodeEmpty              = "empty"
	CodeTooLong            = "too_long"
	CodeBannedTerm         = "banned_term"
	CodeMedicalClaim       = "medical_claim"
	CodeFinancialClaim     = "financial_claim"
	CodeUngroundedPrice    = "ungrounded_price"
	CodeUngroundedDiscount = "ungrounded_discount"
	CodeUngroundedNumber   = "ungrounded_number"
	CodeUngroundedDate     = "ungrounded_date"
	CodePersonalData       = "personal_data"
	CodeWrongLanguage      = "wrong_language"
	CodeMissingItem        = "missing_item"
)

// Codes lists every reason code.
func Codes() []string {
	return []string{CodeEmpty, CodeTooLong, CodeBannedTerm, CodeMedicalClaim, CodeFinancialClaim,
		CodeUngroundedPrice, CodeUngroundedDiscount, CodeUngroundedNumber, CodeUngroundedDate,
		CodePersonalData, CodeWrongLanguage, CodeMissingItem}
}

// IsSoft reports whether a code is a quality warning rather than a hard
// failure. Only missing_item is soft; Check still reports it, and callers
// that want the copy to name the item (as the golden sets do) treat it as a
// failure.
func IsSoft(code string) bool { return code == CodeMissingItem }

// DefaultMaxRunes are the default length limits, in characters (runes; a
// Chinese character counts as one), per language and channel:
//
//	channel              zh-CN   en    why
//	push                   50   100   lock-screen preview before truncation
//	sms                    70   160   one GSM-7 segment; one UCS-2 segment for Chinese
//	email_subject          40    78   inbox subject line before truncation
//	banner                 20    40   legible at a glance on a banner
//	email_body           1000  2000
//	product_description   500  1000
func DefaultMaxRunes() map[copywriting.Language]map[copywriting.Channel]int {
	return map[copywriting.Language]map[copywriting.Channel]int{
		copywriting.Chinese: {
			copywriting.Push: 50, copywriting.SMS: 70, copywriting.EmailSubject: 40,
			copywriting.Banner: 20, copywriting.EmailBody: 1000, copywriting.ProductDescription: 500,
		},
		copywriting.English: {
			copywriting.Push: 100, copywriting.SMS: 160, copywriting.EmailSubject: 78,
			copywriting.Banner: 40, copywriting.EmailBody: 2000, copywriting.ProductDescription: 1000,
		},
	}
}

// Config tunes the guardrails. The zero value means the defaults:
// every field left zero takes its default in Check.
type Config struct {
	// MaxRunes are the length limits per language and channel, in runes.
	// Entries override the defaults one by one; a limit <= 0 disables it.
	MaxRunes map[copywriting.Language]map[copywriting.Channel]int `json:"max_runes,omitempty"`
	// Terms are the banned and regulated terms per language; nil means
	// DefaultTerms for zh-CN and en, and a non-nil map replaces both (a
	// language left out has no list). To extend the defaults, Merge onto
	// DefaultTerms; LoadTerms reads a list from a file. The lists of every language are checked against every
	// text, because mixed-language copy is common.
	Terms map[copywriting.Language]Terms `json:"terms,omitempty"`
	// MinScriptShare is the share of the text (by the units of
	// CheckLanguage) that must be in the requested language's script;
	// default 0.5.
	MinScriptShare float64 `json:"min_script_share,omitempty"`
	// Disabled lists codes not to check.
	Disabled []string `json:"disabled,omitempty"`
}

// DefaultConfig returns the defaults, spelled out.
func DefaultConfig() Config {
	return Config{
		MaxRunes: DefaultMaxRunes(),
		Terms: map[copywriting.Language]Terms{
			copywriting.Chinese: DefaultTerms(copywriting.Chinese),
			copywriting.English: DefaultTerms(copywriting.English),
		},
		MinScriptShare: 0.5,
	}
}

// maxRunes is the limit for a language and channel (0: none).
func (c Config) maxRunes(lang copywriting.Language, ch copywriting.Channel) int {
	k := langKey(lang)
	if m, ok := c.MaxRunes[k][ch]; ok {
		return m
	}
	if m, ok := c.MaxRunes[lang][ch]; ok {
		return m
	}
	if k != copywriting.Chinese {
		k = copywriting.English
	}
	return defaultMaxRunes[k][ch]
}

var defaultMaxRunes = DefaultMaxRunes()

// terms is every configured list, the requested language's first.
func (c Config) terms(lang copywriting.Language) []Terms {
	m := c.Terms
	if m == nil {
		return []Terms{defaultZh, defaultEn}
	}
	k := langKey(lang)
	var out []Terms
	if t, ok := m[k]; ok {
		out = append(out, t)
	}
	keys := make([]string, 0, len(m))
	for l := range m {
		if l != k {
			keys = append(keys, string(l))
		}
	}
	sort.Strings(keys)
	for _, l := range keys {
		out = append(out, m[copywriting.Language(l)])
	}
	return out
}

func (c Config) disabled(code string) bool {
	for _, d := range c.Disabled {
		if d == code {
			return true
		}
	}
	return false
}

// Check runs every guardrail on text and returns the violations, ordered by
// span. No violation means the text may be used.
func Check(text string, lang copywriting.Language, ch copywriting.Channel, facts copywriting.Facts, cfg Config) []copywriting.Violation {
	orig := text
	if !utf8.ValidString(text) {
		// spans then refer to the repaired text; they are clamped below to
		// stay inside the original
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	var vs []copywriting.Violation
	if v := CheckEmpty(text); len(v) > 0 {
		if !cfg.disabled(CodeEmpty) {
			return v
		}
		return nil
	}
	vs = append(vs, CheckLength(text, lang, ch, cfg)...)
	vs = append(vs, CheckTerms(text, cfg.terms(lang)...)...)
	vs = append(vs, CheckPersonalData(text)...)
	vs = append(vs, CheckGrounding(text, facts)...)
	vs = append(vs, CheckLanguage(text, lang, facts.ItemTitles, cfg.MinScriptShare)...)
	vs = append(vs, CheckItem(text, facts.ItemTitles)...)
	out := vs[:0]
	for _, v := range vs {
		if !cfg.disabled(v.Code) {
			out = append(out, v)
		}
	}
	for i := range out {
		for j := range out[i].Span {
			out[i].Span[j] = min(max(out[i].Span[j], 0), len(orig))
		}
		out[i].Span[0] = min(out[i].Span[0], out[i].Span[1])
	}
	sortViolations(out)
	return out
}

func sortViolations(vs []copywriting.Violation) {
	sort.SliceStable(vs, func(i, j int) bool {
		if vs[i].Span[0] != vs[j].Span[0] {
			return vs[i].Span[0] < vs[j].Span[0]
		}
		return vs[i].Code < vs[j].Code
	})
}

func violation(code string, s, e int, format string, args ...any) copywriting.Violation {
	return copywriting.Violation{Code: code, Message: fmt.Sprintf(format, args...), Span: [2]int{s, e}}
}

// CheckEmpty reports a text with no letter or digit.
func CheckEmpty(text string) []copywriting.Violation {
	for _, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return nil
		}
	}
	return []copywriting.Violation{violation(CodeEmpty, 0, 0, "the text is empty")}
}

// CheckLength reports a text longer than the channel's limit in runes; the
// span covers the part beyond the limit.
func CheckLength(text string, lang copywriting.Language, ch copywriting.Channel, cfg Config) []copywriting.Violation {
	max := cfg.maxRunes(lang, ch)
	if max <= 0 {
		return nil
	}
	n := utf8.RuneCountInString(text)
	if n <= max {
		return nil
	}
	cut, i := 0, 0
	for off := range text {
		if i == max {
			cut = off
			break
		}
		i++
	}
	return []copywriting.Violation{violation(CodeTooLong, cut, len(text),
		"%d characters, over the %s limit of %d for %s", n, ch, max, langKey(lang))}
}

// CheckTerms reports every banned or regulated term of the lists in text.
func CheckTerms(text string, lists ...Terms) []copywriting.Violation {
	var all Terms
	for _, l := range lists {
		all = all.Merge(l)
	}
	var vs []copywriting.Violation
	for _, m := range findTerms(text, all) {
		code, what := CodeBannedTerm, "banned term"
		switch m.term.Category {
		case CategoryMedical:
			code, what = CodeMedicalClaim, "medical claim"
		case CategoryFinancial:
			code, what = CodeFinancialClaim, "financial promise"
		case CategoryAbsolute:
			what = "absolute term"
		}
		vs = append(vs, violation(code, m.start, m.end, "%s %q", what, text[m.start:m.end]))
	}
	return vs
}

// CheckLanguage reports a text not mostly in the requested language. The
// text is measured in units: for zh-CN each Han character and each Latin
// word is a unit, for en each Latin word is a unit and each Han character
// half a unit; a letter of any other script is a unit. Latin words of one or
// two letters (units such as ml, kg, the T of T恤), well-known units and
// acronyms, and the words of the item titles (brand names) are not counted.
// At least minShare (default 0.5) of the units must be Han (zh-CN) or Latin
// (en). Other languages are not checked.
func CheckLanguage(text string, lang copywriting.Language, titles []string, minShare float64) []copywriting.Violation {
	if minShare <= 0 {
		minShare = 0.5
	}
	k := langKey(lang)
	if k != copywriting.Chinese && k != copywriting.English {
		return nil
	}
	skip := map[string]bool{}
	for _, t := range titles {
		for _, w := range latinWords(t) {
			skip[strings.ToLower(w)] = true
		}
	}
	var han, latin, other float64
	for _, w := range latinWords(text) {
		lw := strings.ToLower(w)
		if len([]rune(w)) <= 2 || skip[lw] || knownUnits[lw] {
			continue
		}
		latin++
	}
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			han++
		case unicode.IsLetter(r) && !unicode.Is(unicode.Latin, r):
			other++
		}
	}
	var own, total float64
	if k == copywriting.Chinese {
		own, total = han, han+latin+other
	} else {
		own, total = latin, latin+han/2+other
	}
	if total == 0 {
		return nil
	}
	if own/total < minShare {
		return []copywriting.Violation{violation(CodeWrongLanguage, 0, 0,
			"the text is not mostly %s (%.0f%% of it is)", k, 100*own/total)}
	}
	return nil
}

var knownUnits = map[string]bool{
	"mah": true, "usb": true, "led": true, "app": true, "vip": true, "wifi": true, "wi-fi": true,
	"pcs": true, "ml": true, "kg": true, "cm": true, "mm": true, "gb": true, "tb": true, "nfc": true,
	"spf": true, "oled": true, "lcd": true, "diy": true, "ins": true, "logo": true, "plus": true,
	"pro": true, "max": true, "mini": true, "ultra": true, "lite": true,
}

// latinWords splits s into runs of Latin letters (with inner ' and -).
func latinWords(s string) []string {
	var out []string
	start := -1
	for i, r := range s {
		isL := unicode.Is(unicode.Latin, r) && unicode.IsLetter(r)
		inner := (r == '\'' || r == '-' || r == '’') && start >= 0
		if isL || inner {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, strings.Trim(s[start:i], "'-’"))
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, strings.Trim(s[start:], "'-’"))
	}
	return out
}

// CheckItem reports a text that mentions none of the items. It is lenient:
// an item counts as mentioned when the text holds its title, a word of four
// or more Latin letters from the title that is not a generic word, or two
// Han characters in a row from the title that are not part of a generic
// pair (新款, 男士, 套装, ...). No titles, no check.
func CheckItem(text string, titles []string) []copywriting.Violation {
	if len(titles) == 0 {
		return nil
	}
	low := strings.ToLower(text)
	for _, t := range titles {
		if mentions(low, strings.ToLower(t)) {
			return nil
		}
	}
	return []copywriting.Violation{violation(CodeMissingItem, 0, 0, "the text mentions none of the items (%s)", strings.Join(titles, "; "))}
}

func mentions(low, title string) bool {
	title = strings.TrimSpace(title)
	if title == "" {
		return false
	}
	if strings.Contains(low, title) {
		return true
	}
	for _, w := range latinWords(title) {
		if len(w) >= 4 && !genericWords[w] && containsWord(low, w) {
			return true
		}
	}
	// runs of letters and digits together form model names: "iphone 15"
	rs := []rune(title)
	generic := make([]bool, len(rs)) // runes inside a generic pair
	for i := 0; i+1 < len(rs); i++ {
		if genericPairs[string(rs[i:i+2])] {
			generic[i], generic[i+1] = true, true
		}
	}
	for i := 0; i+1 < len(rs); i++ {
		if generic[i] || generic[i+1] {
			continue
		}
		if unicode.Is(unicode.Han, rs[i]) && unicode.Is(unicode.Han, rs[i+1]) {
			pair := string(rs[i : i+2])
			if !genericPairs[pair] && strings.Contains(low, pair) {
				return true
			}
		}
	}
	return false
}

func containsWord(low, w string) bool {
	for _, sp := range occurrences(low, w) {
		if sp[0] > 0 && isASCIILetter(low[sp[0]-1]) {
			continue
		}
		// allow plural and possessive endings
		e := sp[1]
		if e < len(low) && isASCIILetter(low[e]) && !strings.HasPrefix(low[e:], "s") {
			continue
		}
		return true
	}
	return false
}

var genericWords = map[string]bool{
	"with": true, "from": true, "pack": true, "edition": true, "new": true, "men's": true, "women's": true,
	"mens": true, "womens": true, "unisex": true, "size": true, "large": true, "small": true, "medium": true,
	"black": true, "white": true, "grey": true, "gray": true, "blue": true, "classic": true, "premium": true,
	"style": true, "piece": true, "pieces": true, "series": true, "version": true, "kids": true, "home": true,
}

var genericPairs = map[string]bool{
	"新款": true, "男士": true, "女士": true, "男款": true, "女款": true, "套装": true, "正品": true,
	"官方": true, "旗舰": true, "包邮": true, "同款": true, "春季": true, "夏季": true, "秋季": true,
	"冬季": true, "儿童": true, "家用": true, "大号": true, "小号": true, "中号": true, "黑色": true,
	"白色": true, "经典": true, "系列": true,
}
