package content

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/go-ego/gse"

	"github.com/shopmind/shopmind/shop"
)

// Term key prefixes. Plain words (English stems, Chinese words) have none.
const (
	catPrefix   = "cat:"
	brandPrefix = "brand:"
	attrPrefix  = "attr:"
)

// maxAttrValueLen bounds attribute values that become terms: longer strings
// are prose, not a value two items could share.
const maxAttrValueLen = 64

// emitFunc receives one term occurrence: its key (what vectors are built
// on) and its surface form (what a person reads in SharedTerms).
type emitFunc func(key, surface string)

// itemTerms calls emit for every term occurrence of it, with the weight of
// the field it came from.
func itemTerms(it *shop.Item, cfg *Config, emit func(key, surface string, w float32)) {
	field := func(w float32) emitFunc {
		return func(key, surface string) { emit(key, surface, w) }
	}
	if w := cfg.TitleWeight; w > 0 {
		words(it.Title, field(w))
	}
	if w := cfg.DescriptionWeight; w > 0 {
		words(it.Description, field(w))
	}
	if w := cfg.CategoryWeight; w > 0 {
		f := field(w)
		var path strings.Builder
		for _, level := range it.Category {
			level = strings.TrimSpace(level)
			if level == "" {
				continue
			}
			if path.Len() > 0 {
				path.WriteString(" > ")
			}
			path.WriteString(strings.ToLower(level))
			f(catPrefix+path.String(), level)
			words(level, f)
		}
	}
	if w := cfg.BrandWeight; w > 0 {
		if b := strings.TrimSpace(it.Brand); b != "" {
			f := field(w)
			f(brandPrefix+strings.ToLower(b), b)
			words(b, f)
		}
	}
	if w := cfg.TagWeight; w > 0 {
		f := field(w)
		for _, tag := range it.Tags {
			words(tag, f)
		}
	}
	if w := cfg.AttributeWeight; w > 0 && len(it.Attributes) > 0 {
		f := field(w)
		keys := make([]string, 0, len(it.Attributes))
		for k := range it.Attributes {
			keys = append(keys, k)
		}
		// Sorted so that float sums do not depend on map order.
		slices.Sort(keys)
		for _, k := range keys {
			attrTerms(k, it.Attributes[k], f)
		}
	}
}

// attrTerms emits "attr:key=value" for a string or number value, or for
// each string or number element of a list. Other values (maps, booleans,
// nested lists) are skipped.
func attrTerms(key string, v any, emit emitFunc) {
	key = strings.TrimSpace(key)
	if key == "" {
		return
	}
	one := func(v any) {
		var s string
		switch x := v.(type) {
		case string:
			s = strings.TrimSpace(x)
		case float64:
			s = strconv.FormatFloat(x, 'g', -1, 64)
		case float32:
			s = strconv.FormatFloat(float64(x), 'g', -1, 32)
		case int:
			s = strconv.Itoa(x)
		case int64:
			s = strconv.FormatInt(x, 10)
		case int32:
			s = strconv.FormatInt(int64(x), 10)
		default:
			return
		}
		if s == "" || len(s) > maxAttrValueLen {
			return
		}
		emit(attrPrefix+strings.ToLower(key)+"="+strings.ToLower(s), key+": "+s)
	}
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			one(e)
		}
	case []string:
		for _, e := range x {
			one(e)
		}
	default:
		one(v)
	}
}

// words splits free text into word terms. Runs of Han characters are
// segmented into Chinese words; everything else is split on characters that
// are neither letters nor digits, lower-cased, stop words and one-character
// tokens dropped, and ASCII words stemmed.
func words(s string, emit emitFunc) {
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
			hanWords(s[i:j], emit)
			i = j
		case isWordRune(r):
			j := i + size
			for j < len(s) {
				r, n := utf8.DecodeRuneInString(s[j:])
				if !isWordRune(r) || unicode.Is(unicode.Han, r) {
					break
				}
				j += n
			}
			latinWord(s[i:j], emit)
			i = j
		default:
			i += size
		}
	}
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// latinWord handles one run of letters and digits outside Han script.
func latinWord(w string, emit emitFunc) {
	w = strings.ToLower(w)
	if utf8.RuneCountInString(w) < 2 || englishStop[w] {
		return
	}
	emit(stem(w), w)
}

// englishStop is a small list of English function words. Content words,
// even common ones ("new", "set"), are left to inverse document frequency.
var englishStop = toSet(
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

// chineseStop lists Chinese function words that the segmenter returns as
// words of their own.
var chineseStop = toSet(
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

// stem is a light English suffix stripper for lower-case ASCII words. It
// removes plurals (-s, -es after s/x/ch/sh/z, -ies → -y) and the verb
// endings -ing and -ed (-ied → -y), after which a doubled final consonant
// is undoubled ("running" → "run") and an e is put back where the stem
// plainly lost one: after -at, -bl and -iz ("created" → "create"), and
// after a short consonant–vowel–consonant stem ("hiking" → "hike"). It
// never strips a final e, which would merge words such as "care" and "car".
// Stems are usually words, but need not be; SharedTerms shows surface
// forms anyway. Words of three letters or fewer, and words with anything
// but a–z, are returned unchanged.
func stem(w string) string {
	if len(w) <= 3 {
		return w
	}
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return w
		}
	}
	// Plurals.
	switch {
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		w = w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "sses") || strings.HasSuffix(w, "xes") || strings.HasSuffix(w, "ches") ||
		strings.HasSuffix(w, "shes") || strings.HasSuffix(w, "zzes"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "ss") || strings.HasSuffix(w, "us") || strings.HasSuffix(w, "is"):
	case strings.HasSuffix(w, "s"):
		w = w[:len(w)-1]
	}
	// Verb endings, only when what remains has a vowel.
	switch {
	case strings.HasSuffix(w, "ied") && len(w) > 4:
		return w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "eed"):
		return w
	case strings.HasSuffix(w, "ing") && len(w) >= 6 && hasVowel(w[:len(w)-3]):
		return restore(w[:len(w)-3])
	case strings.HasSuffix(w, "ed") && len(w) >= 5 && hasVowel(w[:len(w)-2]):
		return restore(w[:len(w)-2])
	}
	return w
}

func hasVowel(s string) bool { return strings.ContainsAny(s, "aeiouy") }

func isVowel(c byte) bool { return strings.IndexByte("aeiou", c) >= 0 }

// restore mends a stem that lost -ing or -ed: it drops one of two equal
// final consonants other than l, s and z ("stopp" → "stop", but "fill",
// "dress" and "buzz" stay), and adds the e that -at, -bl, -iz and short
// consonant–vowel–consonant stems lose ("creat" → "create", "hik" →
// "hike"; not after w, x or y: "fix").
func restore(s string) string {
	n := len(s)
	switch {
	case n >= 3 && s[n-1] == s[n-2] && !isVowel(s[n-1]) && strings.IndexByte("lsz", s[n-1]) < 0:
		return s[:n-1]
	case strings.HasSuffix(s, "at") || strings.HasSuffix(s, "bl") || strings.HasSuffix(s, "iz"):
		return s + "e"
	case n >= 3 && !isVowel(s[n-3]) && isVowel(s[n-2]) && !isVowel(s[n-1]) &&
		strings.IndexByte("wxy", s[n-1]) < 0 && vowelGroups(s) == 1:
		return s + "e"
	}
	return s
}

// vowelGroups counts the runs of vowels in s.
func vowelGroups(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if isVowel(s[i]) && (i == 0 || !isVowel(s[i-1])) {
			n++
		}
	}
	return n
}

// Chinese segmentation.
//
// The segmenter is gse's simplified-Chinese dictionary (jieba's word list,
// about 350,000 words) with its HMM for unknown words. gse embeds its
// dictionaries in its Go package (go:embed), so LoadDictEmbed("zh_s") loads
// it from memory: no files outside the module cache are read at build time
// and none at run time, and there is no network. Measured on the 2-core
// development machine (BenchmarkSegmenterLoad), loading takes 0.8–1.0 s,
// allocates about 400 MB on the way and keeps about 130 MB of heap; so it
// happens once per process, the first time Han text is tokenised, and the
// segmenter is shared (gse's cutting only reads the dictionary). A
// catalogue without Han characters never loads it. The embedded
// dictionaries (gse embeds its Japanese one too) add about 32 MB to any
// binary importing this package.
var (
	segOnce sync.Once
	segZH   *gse.Segmenter
)

// segmenter returns the shared Chinese segmenter, or nil if its dictionary
// could not be loaded (then Han text falls back to character bigrams).
func segmenter() *gse.Segmenter {
	segOnce.Do(func() {
		s := new(gse.Segmenter)
		s.SkipLog = true
		if err := s.LoadDictEmbed("zh_s"); err != nil || s.Dict == nil {
			return
		}
		segZH = s
	})
	return segZH
}

// hanWords segments one run of Han characters. It uses gse's search mode
// with its HMM for unknown words, so a long word also yields its dictionary
// sub-words ("空气净化" → 空气, 净化, 空气净化), which lets differently
// segmented titles still share terms. Stop words are dropped. Consecutive
// one-character words are joined pairwise into bigrams, since they are
// usually a word missing from the dictionary ("防", "摔" → 防摔); a lone
// one-character word ("鞋") is kept as it is.
func hanWords(run string, emit emitFunc) {
	seg := segmenter()
	if seg == nil {
		bigrams(run, emit)
		return
	}
	var single []string // current run of one-character words
	flush := func() {
		if len(single) == 1 {
			emit(single[0], single[0])
		}
		for i := 1; i < len(single); i++ {
			w := single[i-1] + single[i]
			emit(w, w)
		}
		single = single[:0]
	}
	for _, w := range seg.CutSearch(run, true) {
		w = strings.TrimSpace(w)
		if w == "" {
			continue
		}
		if chineseStop[w] {
			flush()
			continue
		}
		if utf8.RuneCountInString(w) == 1 {
			single = append(single, w)
			continue
		}
		flush()
		emit(w, w)
	}
	flush()
}

// bigrams emits the overlapping character pairs of a Han run (the single
// character if the run has one).
func bigrams(run string, emit emitFunc) {
	rs := []rune(run)
	if len(rs) == 1 {
		emit(run, run)
		return
	}
	for i := 1; i < len(rs); i++ {
		w := string(rs[i-1 : i+1])
		emit(w, w)
	}
}
