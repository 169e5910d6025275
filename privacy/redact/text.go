package redact

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// E-mail addresses: an RFC-ish local part (ASCII plus Latin, Greek and
// Cyrillic letters), '@' (or the full-width '＠'), and a domain ending in
// a label of letters.
var emailRe = regexp.MustCompile(`[A-Za-z0-9\p{Latin}\p{Greek}\p{Cyrillic}._%+\-]+\s?[@＠]\s?[A-Za-z0-9\p{Latin}\p{Greek}\p{Cyrillic}\-]+(?:\.[A-Za-z0-9\p{Latin}\p{Greek}\p{Cyrillic}\-]+)*\.[A-Za-z\p{Latin}]{2,24}`)

// Obfuscated e-mail addresses: "name at example dot com",
// "name [at] example [dot] com", "name(at)example(dot)com". The last label
// is captured to check it looks like a top-level domain.
var obfuscatedEmailRe = regexp.MustCompile(`(?i)[a-z0-9._%+\-]+\s*(?:[\[\(\{<]\s*(?:at|@)\s*[\]\)\}>]|\s+at\s+)\s*[a-z0-9\-]+(?:\s*(?:[\[\(\{<]\s*dot\s*[\]\)\}>]|[\[\(\{<]\.[\]\)\}>]|\s+dot\s+)\s*([a-z0-9\-]+))+`)

func findEmails(s string, spans []Span) []Span {
	// The e-mail pattern has no literal prefix, so it runs only on a window
	// around each '@' (an address is at most 254 bytes long).
	wide := strings.Contains(s, "＠")
	for off := 0; off < len(s); {
		k := strings.IndexByte(s[off:], '@')
		if wide {
			if w := strings.Index(s[off:], "＠"); w >= 0 && (k < 0 || w < k) {
				k = w
			}
		}
		if k < 0 {
			break
		}
		at := off + k
		lo, hi := emailWindow(s, at)
		for _, m := range emailRe.FindAllStringIndex(s[lo:hi], -1) {
			if lo+m[0] <= at && at < lo+m[1] {
				spans = append(spans, Span{Start: lo + m[0], End: lo + m[1], Kind: Email})
			}
		}
		off = at + 1
	}
	if !hasObfuscatedDot(s) {
		return spans
	}
	for _, m := range obfuscatedEmailRe.FindAllStringSubmatchIndex(s, -1) {
		if m[0] > 0 && isWordByte(s[m[0]-1]) {
			continue
		}
		if tld := s[m[2]:m[3]]; !isLetters(tld) || len(tld) < 2 || len(tld) > 24 {
			continue
		}
		spans = append(spans, Span{Start: m[0], End: m[1], Kind: Email})
	}
	return spans
}

// emailWindow returns the stretch of address characters around the '@' at
// at (at most 256 bytes each side, one space allowed next to the '@').
func emailWindow(s string, at int) (lo, hi int) {
	lo = at
	if lo > 0 && s[lo-1] == ' ' {
		lo--
	}
	for lo > 0 && at-lo < 256 {
		r, n := utf8.DecodeLastRuneInString(s[:lo])
		if !isAddressRune(r) {
			break
		}
		lo -= n
	}
	_, n := utf8.DecodeRuneInString(s[at:])
	hi = at + n
	if hi < len(s) && s[hi] == ' ' {
		hi++
	}
	for hi < len(s) && hi-at < 256 {
		r, n := utf8.DecodeRuneInString(s[hi:])
		if !isAddressRune(r) {
			break
		}
		hi += n
	}
	return lo, hi
}

func isAddressRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isWordByte(byte(r)) || strings.IndexByte("._%+-", byte(r)) >= 0
	}
	return unicode.In(r, unicode.Latin, unicode.Greek, unicode.Cyrillic)
}

// hasObfuscatedDot is a cheap necessary condition for obfuscatedEmailRe.
func hasObfuscatedDot(s string) bool {
	for i := 0; i+2 < len(s); i++ {
		switch s[i] {
		case 'd', 'D':
			if s[i+1]|0x20 == 'o' && s[i+2]|0x20 == 't' {
				return true
			}
		case '[', '(', '{', '<':
			if s[i+1] == '.' {
				return true
			}
		}
	}
	return false
}

// runeStart clamps i to [0, len(s)] and moves it back to a rune boundary.
func runeStart(s string, i int) int {
	if i <= 0 {
		return 0
	}
	if i >= len(s) {
		return len(s)
	}
	for k := 0; k < utf8.UTFMax-1 && i > 0 && !utf8.RuneStart(s[i]); k++ {
		i--
	}
	return i
}

func isLetters(s string) bool {
	for i := range len(s) {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// Chinese street addresses: optional province, city, district and town,
// then either a road with a house number ("张江路100号", "88弄3号1201室")
// or an estate with building and room ("阳光小区3栋2单元501室").
var cnAddressRe = regexp.MustCompile(
	`(?:\p{Han}{2,8}(?:省|自治区))?(?:\p{Han}{1,8}(?:市|州|盟))?(?:\p{Han}{1,8}(?:区|县|旗))?(?:\p{Han}{1,8}(?:镇|乡|街道))?` +
		`(?:` +
		`\p{Han}{1,12}?(?:大道|大街|路|街|巷|胡同|道)\s*\d{1,5}\s*(?:号|弄)(?:\s*[0-9A-Za-z]{1,5}\s*(?:号楼|号|弄|栋|幢|座|单元|楼|层|室|户))*` +
		`|` +
		`\p{Han}{1,12}?(?:小区|花园|公寓|大厦|苑|新村|家园|公馆)\s*(?:[0-9A-Za-z]{1,5}\s*(?:号楼|号|弄|栋|幢|座|单元|楼|层|室|户)\s*)+` +
		`)`)

// addressLeadIns are words that often precede an address and are matched
// by the greedy place-name pattern; the span starts after the last one.
var addressLeadIns = []string{"地址", "住在", "住址", "寄到", "送到", "发到", "收货", "位于", "在", "到", "是", "为"}

// English street addresses: a house number, one to four capitalised words
// (or ordinals such as 5th), a street type, and an optional unit.
var enAddressRe = regexp.MustCompile(`^\d{1,6}[A-Za-z]?,?\s+(?:(?:[A-Z][A-Za-z'\-]*|\d{1,3}(?:st|nd|rd|th))\.?\s+){1,4}(?:Street|St|Road|Rd|Avenue|Ave|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Way|Terrace|Highway|Hwy|Parkway|Pkwy|Square|Sq)\b\.?(?:,?\s*(?:Apt|Apartment|Suite|Ste|Unit|Room|Flat|#)\.?\s*#?[0-9A-Za-z\-]{1,6})?`)

func findAddresses(s string, spans []Span) []Span {
	// The Chinese pattern runs on a window around each road or estate word
	// that is followed by a house or building number.
	for _, kw := range cnAddressAnchors {
		for off := 0; off < len(s); {
			k := strings.Index(s[off:], kw)
			if k < 0 {
				break
			}
			at := off + k
			off = at + len(kw)
			if !hasHouseNumber(s, off) {
				continue
			}
			lo, hi := runeStart(s, at-cnWindowBefore), runeStart(s, off+cnWindowAfter)
			for _, m := range cnAddressRe.FindAllStringIndex(s[lo:hi], -1) {
				if lo+m[0] <= at && at < lo+m[1] {
					spans = append(spans, Span{Start: trimLeadIn(s, lo+m[0], lo+m[1]), End: lo + m[1], Kind: Address})
				}
			}
		}
	}
	// The English pattern is anchored at each house number.
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) || i > 0 && isWordByte(s[i-1]) || !mayStartStreet(s, i) {
			continue
		}
		if m := enAddressRe.FindStringIndex(s[i:runeStart(s, i+enWindow)]); m != nil {
			spans = append(spans, Span{Start: i, End: i + m[1], Kind: Address})
			i += m[1] - 1
		}
	}
	return spans
}

// Window sizes in bytes around an address anchor: place names before it
// (up to about 50 Chinese characters), numbers and units after it.
const (
	cnWindowBefore = 160
	cnWindowAfter  = 96
	enWindow       = 200
)

var cnAddressAnchors = []string{"路", "街", "道", "巷", "胡同", "小区", "花园", "公寓", "大厦", "苑", "新村", "家园", "公馆"}

// mayStartStreet is a cheap necessary condition for enAddressRe at i: a
// house number, an optional letter and comma, white space, then a capital
// letter or a digit.
func mayStartStreet(s string, i int) bool {
	j := i
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	if j-i > 6 {
		return false
	}
	if j < len(s) && (s[j]|0x20 >= 'a' && s[j]|0x20 <= 'z') {
		j++
	}
	if j < len(s) && s[j] == ',' {
		j++
	}
	k := j
	for k < len(s) && (s[k] == ' ' || s[k] == '\t' || s[k] == '\n' || s[k] == '\r' || s[k] == '\f' || s[k] == '\v') {
		k++
	}
	return k > j && k < len(s) && (s[k] >= 'A' && s[k] <= 'Z' || isDigit(s[k]))
}

// cnUnits end a house, building or room number in a Chinese address.
var cnUnits = []string{"号", "弄", "栋", "幢", "座", "单元", "楼", "层", "室", "户"}

// hasHouseNumber is a cheap necessary condition for a Chinese address
// anchored before i: up to five letters or digits, then a unit word.
func hasHouseNumber(s string, i int) bool {
	i = skipSpaces(s, i)
	j := i
	for j < len(s) && j-i <= 5 && isWordByte(s[j]) {
		j++
	}
	if j == i || j-i > 5 {
		return false
	}
	j = skipSpaces(s, j)
	for _, u := range cnUnits {
		if strings.HasPrefix(s[j:], u) {
			return true
		}
	}
	return false
}

func skipSpaces(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// trimLeadIn moves the start of a Chinese address past words such as
// "住在" that the place-name pattern swallowed.
func trimLeadIn(s string, start, end int) int {
	for _, w := range addressLeadIns {
		// Only cut inside the place-name prefix, never inside the road.
		if k := strings.LastIndex(s[start:end], w); k >= 0 && k+len(w) < end-start {
			if cnAddressRe.MatchString(s[start+k+len(w) : end]) {
				start += k + len(w)
			}
		}
	}
	return start
}
