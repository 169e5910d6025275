// Package redact finds personal data in free text and replaces it with
// placeholders before the text leaves shopmind (for example in a prompt to
// an LLM provider). It recognises Chinese and international telephone
// numbers, e-mail addresses (also the "name at example dot com" spelling),
// Chinese resident identity numbers, bank card numbers and street
// addresses in Chinese and English.
//
// The package is pure: no I/O, no global state beyond compiled patterns.
//
// Trade-offs. Redaction is a second line of defence, so it leans towards
// redacting, but it tries not to eat the numbers marketing text is full of:
//
//   - A number glued to ASCII letters or underscores ("SKU13812345678",
//     "A-100") is treated as a code and left alone; so are decimals
//     ("1299.00") and dates ("2023-11-01").
//   - Long digit runs without a checkable structure are left alone: an
//     18-digit run is an identity number only when its ISO 7064 MOD 11-2
//     check digit and its birth date are valid; a 13–19 digit run is a bank
//     card only when it passes the Luhn check and starts like a card (4, 5,
//     2221–2720, 3, 6). So an order id like 20231101123456 stays, while one
//     in ten random card-like numbers would still be redacted.
//   - A 15-digit run with a valid birth date at positions 7–12 is taken as
//     an old-form identity number (no check digit exists for those).
//   - Landlines need their area code separated ("021-12345678",
//     "(010) 6552 1234") unless they start with 010 or 02x and have 11
//     digits; international numbers need a leading "+" or "00".
//   - Addresses are recognised only at street level (a road or estate plus a
//     house number); a city or district alone is not personal data.
//   - Full-width digits and numbers written in Chinese numerals are not
//     recognised.
package redact

import (
	"slices"
	"strings"
)

// The kinds of personal data, also the words inside the placeholders.
const (
	Phone    = "phone"
	Email    = "email"
	IDNumber = "id_number"
	BankCard = "bank_card"
	Address  = "address"
)

// Span is one piece of personal data found in a string: the byte offsets
// [Start, End) and its kind (one of the constants above).
type Span struct {
	Start, End int
	Kind       string
}

// Placeholder is the text that replaces personal data of a kind.
func Placeholder(kind string) string { return "[" + kind + "]" }

// maxPasses bounds how often String re-scans its own output. Each pass
// removes digits, '@' signs or address characters, so the text reaches a
// fixed point in very few passes; the bound only guards against surprises.
const maxPasses = 8

// String returns s with every piece of personal data replaced by its
// placeholder, such as "[phone]" or "[email]". Text that is not personal
// data is kept byte for byte. The result contains nothing Find recognises,
// so String(String(s)) == String(s).
func String(s string) string {
	for range maxPasses {
		spans := Find(s)
		if len(spans) == 0 {
			return s
		}
		s = replace(s, spans)
	}
	return s
}

func replace(s string, spans []Span) string {
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for _, sp := range spans {
		b.WriteString(s[last:sp.Start])
		b.WriteString(Placeholder(sp.Kind))
		last = sp.End
	}
	b.WriteString(s[last:])
	return b.String()
}

// Contains reports whether s holds any personal data Find recognises.
func Contains(s string) bool { return len(Find(s)) > 0 }

// Find returns the personal data in s as non-overlapping spans in order of
// position. Overlapping findings (an e-mail address whose local part is a
// phone number) are merged into one span of the longer finding's kind.
func Find(s string) []Span {
	var spans []Span
	spans = findEmails(s, spans)
	spans = findNumbers(s, spans)
	spans = findAddresses(s, spans)
	return merge(spans)
}

func merge(spans []Span) []Span {
	if len(spans) < 2 {
		return spans
	}
	slices.SortFunc(spans, func(a, b Span) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		return b.End - a.End
	})
	out := spans[:1]
	for _, sp := range spans[1:] {
		cur := &out[len(out)-1]
		if sp.Start >= cur.End {
			out = append(out, sp)
			continue
		}
		if sp.End > cur.End {
			if sp.End-sp.Start > cur.End-cur.Start {
				cur.Kind = sp.Kind
			}
			cur.End = sp.End
		}
	}
	return out
}

// isWordByte reports whether c glues a number or address to a code:
// ASCII letters, digits and underscore.
func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
