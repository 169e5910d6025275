package redact

import (
	"slices"
	"strings"
)

// Numbers: telephone numbers, identity numbers and bank cards are all runs
// of digit groups separated by spaces, dashes or parentheses, optionally
// starting with '+'. The scanner finds such runs, then classifies the
// longest sub-run of groups that is personal data, leftmost first.

// group is one run of digits (and a final X for identity numbers) at byte
// offsets [start, end) of the text.
type group struct{ start, end int }

// maxDigits is the longest digit string any classifier accepts (a 19-digit
// card, or "0086" plus a 15-digit number), which bounds the sub-run search.
const maxDigits = 20

func findNumbers(s string, spans []Span) []Span {
	i := 0
	for i < len(s) {
		c := s[i]
		start := i
		switch {
		case c == '+' || c == '(':
			if i+1 >= len(s) || !(isDigit(s[i+1]) || s[i+1] == '(' && c == '+' || c == '(' && s[i+1] == '+' && i+2 < len(s) && isDigit(s[i+2])) {
				i++
				continue
			}
		case isDigit(c):
		default:
			i++
			continue
		}
		if start > 0 && (isWordByte(s[start-1]) || s[start-1] == '.' && start > 1 && isDigit(s[start-2]) || s[start-1] == '+') {
			// Part of a code or a decimal: skip the whole alphanumeric stretch.
			i = skipWord(s, i)
			continue
		}
		groups, end, ok := scanRun(s, start)
		if !ok {
			i = skipWord(s, end)
			continue
		}
		spans = classifyRun(s, start, groups, spans)
		i = end
	}
	return spans
}

// skipWord moves past the alphanumeric (and '.', '+', '-') stretch at i.
func skipWord(s string, i int) int {
	if i == 0 || i < len(s) && !isWordByte(s[i]) {
		i++
	}
	for i < len(s) && (isWordByte(s[i]) || s[i] == '.' || s[i] == '+') {
		i++
	}
	return i
}

// scanRun reads digit groups from start. It returns the groups, the end of
// the run, and false when the run is glued to letters or is a decimal.
func scanRun(s string, start int) ([]group, int, bool) {
	var groups []group
	i := start
	if s[i] == '(' && i+1 < len(s) && s[i+1] == '+' {
		i++
	}
	if s[i] == '+' {
		i++
	}
	for {
		// Optional opening parenthesis before a group.
		if i < len(s) && s[i] == '(' {
			i++
		}
		if i >= len(s) || !isDigit(s[i]) {
			break
		}
		g := group{start: i}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		g.end = i
		groups = append(groups, g)
		// Separator: up to three of space, dash, parentheses, then a digit.
		j := i
		for j < len(s) && j-i < 3 && (s[j] == ' ' || s[j] == '-' || s[j] == ')' || s[j] == '(') {
			j++
		}
		if j == i || j >= len(s) || !isDigit(s[j]) {
			if i < len(s) && s[i] == ')' {
				i++ // a closing parenthesis ends the run harmlessly
			}
			break
		}
		i = j
	}
	if len(groups) == 0 {
		return nil, i + 1, false
	}
	end := groups[len(groups)-1].end
	// A final X belongs to an identity number.
	if end < len(s) && (s[end] == 'X' || s[end] == 'x') && (end+1 == len(s) || !isWordByte(s[end+1])) {
		groups[len(groups)-1].end = end + 1
		end++
	}
	if end < len(s) && isWordByte(s[end]) {
		return nil, end, false
	}
	if end+1 < len(s) && (s[end] == '.' || s[end] == ',') && isDigit(s[end+1]) {
		return nil, end + 1, false // 1299.00, 1,299
	}
	if i < end {
		i = end
	}
	return groups, i, true
}

// classifyRun finds personal data among the run's groups: for each start
// group, the longest sub-run that classifies wins.
func classifyRun(s string, runStart int, groups []group, spans []Span) []Span {
	plus := s[runStart] == '+' || strings.HasPrefix(s[runStart:], "(+")
	digits := make([]byte, 0, maxDigits+1)
	var sizes []int
	for i := 0; i < len(groups); {
		best, bestKind := -1, ""
		digits, sizes = digits[:0], sizes[:0]
		for j := i; j < len(groups); j++ {
			digits = append(digits, s[groups[j].start:groups[j].end]...)
			sizes = append(sizes, groups[j].end-groups[j].start)
			if len(digits) > maxDigits {
				break
			}
			if kind := classify(digits, plus && i == 0, sizes, groupHasParen(s, groups[i])); kind != "" {
				best, bestKind = j, kind
			}
		}
		if best < 0 {
			i++
			continue
		}
		start := groups[i].start
		if i == 0 {
			start = runStart
		} else if start > 0 && s[start-1] == '(' {
			start--
		}
		end := groups[best].end
		if end < len(s) && s[end] == ')' {
			end++
		}
		spans = append(spans, Span{Start: start, End: end, Kind: bestKind})
		i = best + 1
	}
	return spans
}

func groupHasParen(s string, g group) bool {
	return g.start > 0 && s[g.start-1] == '(' || g.end < len(s) && s[g.end] == ')'
}

// classify names the kind of a digit string (possibly ending in X), or "".
// plus says the run started with '+'; sizes are the lengths of the digit
// groups; paren says the first group was in parentheses.
func classify(d []byte, plus bool, sizes []int, paren bool) string {
	n := len(d)
	if n < 7 {
		return ""
	}
	last := d[n-1]
	if last == 'X' || last == 'x' {
		if n == 18 && slices.Min(sizes) >= 3 && validID18(d) {
			return IDNumber
		}
		return ""
	}
	if plus {
		// +86 138..., +44 20 ...: E.164 allows at most 15 digits.
		if n >= 8 && n <= 15 && (len(sizes) == 1 || slices.Min(sizes[1:]) >= 2) {
			return Phone
		}
		return ""
	}
	// People group these numbers in threes and fours, not in ones: a run of
	// single digits is a list, not a number.
	shortest := slices.Min(sizes)
	switch {
	case shortest < 2:
		return ""
	case isMobileCN(d):
		return Phone
	case d[0] == '0' && d[1] == '0' && n >= 10 && n <= 17:
		return Phone // 00 international prefix
	case shortest < 3:
	case n == 18 && validID18(d):
		return IDNumber
	case n == 15 && validID15(d):
		return IDNumber
	case n >= 13 && n <= 19 && cardPrefix(d) && luhn(d):
		return BankCard
	case isLandlineCN(d, sizes, paren):
		return Phone
	case len(sizes) == 3 && sizes[0] == 3 && sizes[1] == 3 && sizes[2] == 4 && d[0] >= '2':
		return Phone // North American (555) 123-4567, 555-123-4567
	}
	return ""
}

func isMobileCN(d []byte) bool {
	switch {
	case len(d) == 13 && d[0] == '8' && d[1] == '6':
		d = d[2:]
	case len(d) == 15 && string(d[:4]) == "0086":
		d = d[4:]
	}
	return len(d) == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9'
}

// isLandlineCN: 0 + area code (2–3 more digits) + 7–8 digit local number,
// the area code written as its own group or in parentheses.
func isLandlineCN(d []byte, sizes []int, paren bool) bool {
	n := len(d)
	if d[0] != '0' || d[1] == '0' || n < 10 || n > 12 {
		return false
	}
	if len(sizes) > 1 || paren {
		return (sizes[0] == 3 || sizes[0] == 4) && n-sizes[0] >= 7 && n-sizes[0] <= 8
	}
	// Unseparated: only the two-digit-area-code cities (010, 020–029) with
	// an 8-digit local number, which is how such numbers are usually written.
	return n == 11 && (d[1] == '1' && d[2] == '0' || d[1] == '2')
}

var id18Weights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// validID18 checks an 18-character resident identity number: 17 digits, a
// check character by ISO 7064 MOD 11-2, a region starting 1–8 and a valid
// birth date (YYYYMMDD at offset 6).
func validID18(d []byte) bool {
	if len(d) != 18 || d[0] < '1' || d[0] > '8' {
		return false
	}
	sum := 0
	for i := range 17 {
		if !isDigit(d[i]) {
			return false
		}
		sum += int(d[i]-'0') * id18Weights[i]
	}
	want := "10X98765432"[sum%11]
	got := d[17]
	if got == 'x' {
		got = 'X'
	}
	if got != want {
		return false
	}
	year := atoi(d[6:10])
	return year >= 1900 && year <= 2099 && validMonthDay(atoi(d[10:12]), atoi(d[12:14]))
}

// validID15 checks the old 15-digit form: region 1–8, YYMMDD at offset 6.
func validID15(d []byte) bool {
	return len(d) == 15 && d[0] >= '1' && d[0] <= '8' && validMonthDay(atoi(d[8:10]), atoi(d[10:12]))
}

func validMonthDay(m, day int) bool { return m >= 1 && m <= 12 && day >= 1 && day <= 31 }

func atoi(d []byte) int {
	n := 0
	for _, c := range d {
		n = n*10 + int(c-'0')
	}
	return n
}

// cardPrefix reports whether d starts like a payment card: Visa 4,
// Mastercard 51–55 and 2221–2720, Amex/Diners/JCB 3, UnionPay and
// Discover 6.
func cardPrefix(d []byte) bool {
	switch d[0] {
	case '3', '4', '6':
		return true
	case '5':
		return d[1] >= '1' && d[1] <= '5'
	case '2':
		p := atoi(d[:4])
		return p >= 2221 && p <= 2720
	}
	return false
}

// luhn reports whether the digits pass the Luhn (mod 10) check.
func luhn(d []byte) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i] - '0')
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return sum%10 == 0
}
