package assist

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/shopmind/shopmind/internal/textan"
)

// Languages of answers.
const (
	LangZH = "zh-CN"
	LangEN = "en"
)

// detectLang says zh-CN when the text has any Han character, else en.
func detectLang(s string) string {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return LangZH
		}
	}
	return LangEN
}

// langOf maps a document's language tag to LangZH or LangEN ("" stays "").
func langOf(tag string) string {
	t := strings.ToLower(tag)
	switch {
	case t == "":
		return ""
	case strings.HasPrefix(t, "zh"):
		return LangZH
	}
	return LangEN
}

// terms are the units confidence and sentence selection count: the words
// of the retrieval analysis (gse-segmented Chinese, Porter-stemmed English)
// without question words, stop words and single letters or characters.
func terms(s string) []string {
	var out []string
	analyzer.Words(s, func(key, surface string) {
		if !stopWords[key] && !stopWords[strings.ToLower(surface)] && (utf8.RuneCountInString(key) > 1 || isDigits(key)) {
			out = append(out, key)
		}
	})
	return out
}

var analyzer = textan.Analyzer{Stem: textan.PorterStem}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

var enStop = setOf("a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "is", "are", "was", "be", "it",
	"i", "me", "my", "you", "your", "we", "our", "us", "do", "does", "did", "can", "could", "how", "what", "when",
	"where", "which", "who", "why", "will", "would", "with", "at", "by", "from", "this", "that", "there", "have",
	"has", "if", "not", "no", "yes", "please", "hi", "hello", "any", "much", "long", "get", "about", "want", "need", "as", "so")

var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, set := range []map[string]bool{enStop, zhStop} {
		for w := range set {
			m[w] = true
		}
	}
	// Feelings and requests for a person say nothing of the topic.
	for _, w := range append(append(append([]string(nil), angryWords...), humanWords...), humanWeak...) {
		m[w] = true
	}
	return m
}()

var zhStop = setOf("请问", "怎么", "什么", "可以", "能", "不能", "能不能", "我", "我的", "你们", "我们", "是不是", "不是", "一下", "多久", "如何", "的话", "有没有", "没有", "哪些", "为什么", "怎么办", "怎样", "多少", "吗", "呢", "吧", "啊", "了", "的", "是", "在", "有", "和", "要", "个", "这", "那", "请", "还", "会", "都", "就", "也", "给", "让", "把", "被", "想", "几", "哪", "哪里", "多长时间", "时候", "什么时候", "一个", "一款", "一双", "一些", "几个", "几天", "多少钱", "或者", "还是", "然后", "现在")

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// coverage is the share of the query's distinct terms found in text: a
// Chinese term counts when text contains it (segmentation of a short
// question and a long passage can cut differently), an English term when
// text has a word with the same stem.
func coverage(query []string, text string) float64 {
	if len(query) == 0 {
		return 0
	}
	have := map[string]bool{}
	analyzer.Words(text, func(key, _ string) { have[key] = true })
	lower := strings.ToLower(text)
	seen := map[string]bool{}
	hit, n := 0, 0
	for _, q := range query {
		if seen[q] {
			continue
		}
		seen[q] = true
		n++
		if have[q] || hasHan(q) && strings.Contains(lower, q) {
			hit++
		}
	}
	return float64(hit) / float64(n)
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}
