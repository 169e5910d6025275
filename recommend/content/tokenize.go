package content

import (
	"slices"
	"strconv"
	"strings"

	"github.com/shopmind/shopmind/internal/textan"
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

// Text analysis (word splitting, stop words, stemming, Chinese
// segmentation) lives in internal/textan, shared with retrieval; these
// wrappers keep the content recommender on its light stemmer.

// words splits free text into word terms (textan.Words: light stemming).
func words(s string, emit emitFunc) { textan.Words(s, textan.EmitFunc(emit)) }

// stem is textan.LightStem.
func stem(w string) string { return textan.LightStem(w) }

// bigrams emits the overlapping character pairs of a Han run.
func bigrams(run string, emit emitFunc) { textan.Bigrams(run, textan.EmitFunc(emit)) }

func isWordRune(r rune) bool { return textan.IsWordRune(r) }
