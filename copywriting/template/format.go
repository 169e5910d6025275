package template

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/shopmind/shopmind/copywriting"
)

// Limits are the conservative per-channel length limits the writer keeps,
// in characters (runes), for Chinese and English.
var Limits = map[string]map[copywriting.Channel]int{
	"zh": {
		copywriting.Push:               50,
		copywriting.SMS:                70,
		copywriting.EmailSubject:       40,
		copywriting.Banner:             20,
		copywriting.EmailBody:          500,
		copywriting.ProductDescription: 300,
	},
	"en": {
		copywriting.Push:               100,
		copywriting.SMS:                160,
		copywriting.EmailSubject:       78,
		copywriting.Banner:             40,
		copywriting.EmailBody:          1500,
		copywriting.ProductDescription: 800,
	},
}

// Limit is the length limit the writer keeps for a language and channel
// (0 when the channel is unknown).
func Limit(lang copywriting.Language, ch copywriting.Channel) int {
	return Limits[langKey(string(lang))][ch]
}

// textLen counts characters (runes): Chinese per character, English per
// character.
func textLen(s string) int { return utf8.RuneCountInString(s) }

// roundCents rounds as copywriting.FactsOf does, so discounted prices match
// the facts exactly.
func roundCents(x float64) float64 { return float64(int64(x*100+0.5)) / 100 }

// num writes an amount as the facts hold it: whole numbers without
// decimals, others with two.
func num(x float64) string {
	if x == math.Trunc(x) {
		return strconv.FormatFloat(x, 'f', 0, 64)
	}
	return strconv.FormatFloat(roundCents(x), 'f', 2, 64)
}

// pctNum writes a percent without trailing zeros: 20, 12.5.
func pctNum(x float64) string { return strconv.FormatFloat(roundCents(x), 'f', -1, 64) }

// money writes an amount with its currency. style 0 is the symbol form
// (¥199, $19.99); style 1 in Chinese is the suffix form (199元).
func money(lang string, x float64, currency string, style int) string {
	n := num(x)
	cur := strings.ToUpper(currency)
	if lang == "zh" {
		switch cur {
		case "", "CNY", "RMB":
			if style == 1 {
				return n + "元"
			}
			return "¥" + n
		case "USD":
			return n + "美元"
		case "EUR":
			return n + "欧元"
		case "GBP":
			return n + "英镑"
		case "JPY":
			return n + "日元"
		case "HKD":
			return n + "港元"
		}
		return n + " " + cur
	}
	switch cur {
	case "", "USD":
		return "$" + n
	case "EUR":
		return "€" + n
	case "GBP":
		return "£" + n
	case "CNY", "RMB", "JPY":
		return "¥" + n
	}
	return cur + " " + n
}

// zhe writes a discount percent as 折: 20 % off is 8折, 15 % off 8.5折.
func zhe(pct float64) string {
	if pct <= 0 || pct >= 100 {
		return ""
	}
	v := math.Round((100-pct)*10) / 100 // tenths of the price, two decimals
	return strconv.FormatFloat(v, 'f', -1, 64) + "折"
}

// nameForms lists ways to name an item, longest first: the full title, its
// prefixes cut at spaces (never mid-word), and the brand.
func nameForms(it copywriting.Item) []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		s = strings.TrimSpace(s)
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	title := strings.TrimSpace(it.Title)
	add(title)
	words := strings.Fields(title)
	brandFirst := it.Brand != "" && strings.HasPrefix(strings.ToLower(title), strings.ToLower(it.Brand)+" ")
	if hasHan(title) {
		// Chinese titles put the product first and details after: cut
		// trailing segments, and try the product segment on its own
		for k := len(words) - 1; k >= 2; k-- {
			add(strings.Join(words[:k], " "))
		}
		if brandFirst && len(words) >= 2 {
			add(strings.Join(words[:2], " "))
			if utf8.RuneCountInString(words[1]) >= 2 {
				add(words[1])
			}
		}
	} else {
		// English titles end in the product noun: drop the brand, keep
		// the brand with the noun, keep the last two words
		rest := words
		if brandFirst {
			rest = strings.Fields(title[len(it.Brand):])
			add(strings.Join(rest, " "))
		}
		if n := len(words); n >= 3 {
			last := words[n-1]
			if brandFirst && len(rest) >= 2 {
				add(it.Brand + " " + last)
			}
			add(strings.Join(words[n-2:], " "))
		}
	}
	add(it.Brand)
	sort.SliceStable(out, func(i, j int) bool { return textLen(out[i]) > textLen(out[j]) })
	return out
}

// attrsOf lists attribute values fit to print: sorted by key, without digits
// (a number in an attribute is no fact the guardrails know), not too long.
func attrsOf(lang string, it copywriting.Item, max int) []string {
	keys := make([]string, 0, len(it.Attributes))
	for k := range it.Attributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		v := strings.TrimSpace(it.Attributes[k])
		if v == "" || strings.ContainsFunc(v, unicode.IsDigit) || textLen(v) > 24 {
			continue
		}
		if lang == "zh" && !hasHan(v) {
			continue
		}
		if lang == "en" && hasHan(v) {
			continue
		}
		out = append(out, v)
		if len(out) == max {
			break
		}
	}
	return out
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

func joinAttrs(lang string, vs []string) string {
	if lang == "zh" {
		return strings.Join(vs, "、")
	}
	switch len(vs) {
	case 0:
		return ""
	case 1:
		return vs[0]
	}
	return strings.Join(vs[:len(vs)-1], ", ") + " and " + vs[len(vs)-1]
}
