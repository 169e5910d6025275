package guard

import (
	"regexp"
	"strconv"

	"github.com/shopmind/shopmind/copywriting"
)

var (
	reEmail     = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`)
	reIDNumber  = regexp.MustCompile(`\d{17}[\dXx]`)
	reCard      = regexp.MustCompile(`\d{4}(?:[ \-]?\d{4}){2,3}(?:[ \-]?\d{1,3})?|\d{13,19}`)
	reCNMobile  = regexp.MustCompile(`(?:\+?86[ \-]?)?1[3-9]\d[ \-]?\d{4}[ \-]?\d{4}`)
	reIntlPhone = regexp.MustCompile(`\+\d{1,3}[ \-]?(?:\(\d{1,4}\)[ \-]?)?\d{1,4}(?:[ \-]?\d{2,4}){1,4}`)
	reLandline  = regexp.MustCompile(`\(?\d{3,4}\)?[ \-]\d{3,4}[ \-]?\d{4}|[48]00\d{7}`)
)

// CheckPersonalData reports phone numbers (Chinese mobiles, international
// numbers written with +, landlines and 400/800 numbers written with
// separators, US-style numbers), e-mail addresses, Chinese resident id
// numbers (18 characters with a valid birth date and checksum) and bank card
// numbers (13 to 19 digits passing the Luhn check).
//
// Full-width digits count as digits.
func CheckPersonalData(text string) []copywriting.Violation {
	n, pos := normalizeDigits(text)
	return normText{text: text, n: n, pos: pos}.back(personalIn(n))
}

// personalIn is CheckPersonalData on a text with ASCII digits.
func personalIn(text string) []copywriting.Violation {
	var vs []copywriting.Violation
	var taken [][2]int
	free := func(s, e int) bool {
		for _, t := range taken {
			if s < t[1] && t[0] < e {
				return false
			}
		}
		return true
	}
	add := func(s, e int, what string) {
		taken = append(taken, [2]int{s, e})
		vs = append(vs, violation(CodePersonalData, s, e, "%s %q", what, text[s:e]))
	}
	for _, sp := range reEmail.FindAllStringIndex(text, -1) {
		add(sp[0], sp[1], "e-mail address")
	}
	type kind struct {
		re   *regexp.Regexp
		what string
		ok   func(digits string) bool
	}
	kinds := []kind{
		{reIDNumber, "resident id number", validIDNumber},
		{reCard, "bank card number", func(d string) bool { return len(d) >= 13 && len(d) <= 19 && luhn(d) }},
		{reCNMobile, "phone number", func(string) bool { return true }},
		{reIntlPhone, "phone number", func(d string) bool { return len(d) >= 7 && len(d) <= 15 }},
		{reLandline, "phone number", func(d string) bool { return len(d) >= 10 && len(d) <= 12 }},
	}
	for _, k := range kinds {
		for _, sp := range k.re.FindAllStringIndex(text, -1) {
			s, e := sp[0], sp[1]
			if s > 0 && (isASCIIAlnum(text[s-1]) || text[s-1] == '.' || text[s-1] == ',') && text[s] != '+' && text[s] != '(' {
				continue
			}
			if e < len(text) && (isASCIIDigit(text[e]) || isASCIILetter(text[e]) && k.what != "phone number") {
				continue
			}
			if e+1 < len(text) && (text[e] == '.' || text[e] == ',') && isASCIIDigit(text[e+1]) {
				continue // a decimal number
			}
			if !free(s, e) {
				continue
			}
			d := digitsOf(text[s:e])
			if !k.ok(d) {
				continue
			}
			add(s, e, k.what)
		}
	}
	return vs
}

func digitsOf(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if isASCIIDigit(s[i]) || s[i] == 'X' || s[i] == 'x' {
			b = append(b, s[i])
		}
	}
	return string(b)
}

// validIDNumber checks an 18-character PRC resident id number: a plausible
// birth date in positions 7–14 and the ISO 7064 MOD 11-2 check character.
func validIDNumber(id string) bool {
	if len(id) != 18 {
		return false
	}
	y, _ := strconv.Atoi(id[6:10])
	m, _ := strconv.Atoi(id[10:12])
	d, _ := strconv.Atoi(id[12:14])
	if y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1 || d > 31 {
		return false
	}
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		if !isASCIIDigit(id[i]) {
			return false
		}
		sum += int(id[i]-'0') * w
	}
	check := "10X98765432"[sum%11]
	c := id[17]
	if c == 'x' {
		c = 'X'
	}
	return c == check
}

// luhn reports whether a digit string passes the Luhn check.
func luhn(d string) bool {
	sum, double := 0, false
	for i := len(d) - 1; i >= 0; i-- {
		c := d[i]
		if !isASCIIDigit(c) {
			return false
		}
		n := int(c - '0')
		if double {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
		double = !double
	}
	return sum%10 == 0
}
