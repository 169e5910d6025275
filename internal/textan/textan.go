// Package textan owns shopmind's text analysis: splitting free text into
// word terms for search and similarity. English words are lower-cased,
// stop words dropped and stemmed (a light suffix stripper, or the Porter
// algorithm); runs of Han characters are segmented into Chinese words by
// gse. It is pure: no I/O beyond loading gse's embedded dictionary once.
// Packages that index text (recommend/content, retrieval) share it so that
// they tokenise alike; it must not import any shopmind package.
package textan

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// EmitFunc receives one term occurrence: its key (what indexes are built
// on) and its surface form (what a person reads).
type EmitFunc func(key, surface string)

// Analyzer configures Words. The zero value is the analysis the content
// recommender uses: the light stemmer, no character bigrams.
type Analyzer struct {
	// Stem maps a lower-case word to its stem; nil means LightStem.
	Stem func(string) string
	// HanBigrams also emits every overlapping pair of Han characters,
	// keyed with BigramPrefix, besides the segmented words: a fallback
	// that matches where the segmenter cut a query and a document
	// differently.
	HanBigrams bool
}

// BigramPrefix marks the keys of the extra character bigrams an Analyzer
// with HanBigrams emits, so that they never collide with word keys.
const BigramPrefix = "\x00bg:"

// Words splits s with the zero Analyzer (light stemming).
func Words(s string, emit EmitFunc) { Analyzer{}.Words(s, emit) }

// Words splits free text into word terms. Runs of Han characters are
// segmented into Chinese words; everything else is split on characters that
// are neither letters nor digits, lower-cased, stop words and one-character
// tokens dropped, and ASCII words stemmed.
func (a Analyzer) Words(s string, emit EmitFunc) {
	stem := a.Stem
	if stem == nil {
		stem = LightStem
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case unicode.Is(unicode.Han, r):
			j := i + size
			for j < len(s) {
				r, n := utf8.DecodeRuneInString(s[j:])
				if !unicode.Is(unicode.Han, r) {
					break
				}
				j += n
			}
			HanWords(s[i:j], emit)
			if a.HanBigrams {
				Bigrams(s[i:j], func(k, surface string) { emit(BigramPrefix+k, surface) })
			}
			i = j
		case IsWordRune(r):
			j := i + size
			for j < len(s) {
				r, n := utf8.DecodeRuneInString(s[j:])
				if !IsWordRune(r) || unicode.Is(unicode.Han, r) {
					break
				}
				j += n
			}
			latinWord(s[i:j], stem, emit)
			i = j
		default:
			i += size
		}
	}
}

// IsWordRune reports whether r can be part of a word: a letter, a digit or
// a non-spacing mark.
func IsWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// latinWord handles one run of letters and digits outside Han script.
func latinWord(w string, stem func(string) string, emit EmitFunc) {
	w = strings.ToLower(w)
	if utf8.RuneCountInString(w) < 2 || EnglishStop[w] {
		return
	}
	emit(stem(w), w)
}

// EnglishStop is a small list of English function words. Content words,
// even common ones ("new", "set"), are left to inverse document frequency.
var EnglishStop = toSet(
	"a", "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at",
	"be", "been", "but", "by", "can", "could", "did", "do", "does", "each", "for",
	"from", "had", "has", "have", "he", "her", "here", "him", "his", "how", "i",
	"if", "in", "into", "is", "it", "its", "just", "me", "more", "most", "my",
	"no", "not", "of", "off", "on", "only", "or", "other", "our", "out", "over",
	"own", "during", "she", "so", "some", "such", "than", "that", "the", "their", "them",
	"then", "there", "these", "they", "this", "those", "through", "to", "too",
	"up", "us", "very", "was", "we", "were", "what", "when", "where", "which",
	"while", "who", "why", "will", "with", "would", "you", "your", "yours",
)

// ChineseStop lists Chinese function words that the segmenter returns as
// words of their own.
var ChineseStop = toSet(
	"的", "了", "和", "与", "及", "是", "在", "也", "都", "就", "并", "或", "等",
	"之", "其", "为", "这", "那", "个", "着", "对", "从", "以", "把", "被", "让",
	"给", "很", "更", "最", "还", "又", "而", "我", "你", "您", "他", "她", "它",
	"们", "我们", "你们", "他们", "一个", "这个", "那个", "以及", "并且", "或者",
	"可以", "非常", "不", "有", "没有", "就是", "一款", "款", "件",
)

func toSet(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}
