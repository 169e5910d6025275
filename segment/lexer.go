package segment

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind uint8

const (
	tEOF tokKind = iota
	tNumber
	tString
	tDuration
	tIdent
	tAnd   // and &&
	tOr    // or ||
	tNot   // not !
	tIn    // in
	tTrue  // true
	tFalse // false
	tLParen
	tRParen
	tLBrack
	tRBrack
	tComma
	tPlus
	tMinus
	tStar
	tSlash
	tLT
	tLE
	tGT
	tGE
	tEQ
	tNE
)

// token is one lexeme. text is the source text; num holds a number's value
// or a duration's length in hours; str holds a string's unescaped value.
type token struct {
	kind tokKind
	pos  pos
	text string
	num  float64
	str  string
}

// describe names a token for "expected X, found Y" messages.
func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "the end of the expression"
	case tString:
		return "string " + t.text
	case tNumber:
		return "number " + t.text
	case tDuration:
		return "duration " + t.text
	case tIdent:
		return "name " + quote(t.text)
	}
	return quote(t.text)
}

var keywords = map[string]tokKind{
	"and": tAnd, "or": tOr, "not": tNot, "in": tIn, "true": tTrue, "false": tFalse,
}

// lookalikes are characters that input methods (Chinese ones in particular)
// produce in place of the ASCII ones the language uses.
var lookalikes = map[rune]string{
	'“': `"`, '”': `"`, '＂': `"`, '（': "(", '）': ")", '［': "[", '］': "]", '【': "[", '】': "]",
	'，': ",", '、': ",", '＝': "==", '＜': "<", '＞': ">", '！': "!", '＋': "+", '－': "-", '＊': "*", '／': "/",
}

// lex splits src into tokens, ending with one tEOF token. src has already been
// checked against MaxSourceLen.
func lex(src string) ([]token, *Error) {
	l := lexer{src: src, line: 1, col: 1}
	var toks []token
	for {
		t, err := l.next()
		if err != nil {
			return nil, err
		}
		toks = append(toks, t)
		if t.kind == tEOF {
			return toks, nil
		}
	}
}

type lexer struct {
	src       string
	off       int // byte offset of the next rune
	line, col int // position of the next rune
}

func (l *lexer) peek() rune {
	if l.off >= len(l.src) {
		return -1
	}
	r, _ := utf8.DecodeRuneInString(l.src[l.off:])
	return r
}

func (l *lexer) peekAt(n int) rune {
	off := l.off
	for ; n > 0 && off < len(l.src); n-- {
		_, size := utf8.DecodeRuneInString(l.src[off:])
		off += size
	}
	if off >= len(l.src) {
		return -1
	}
	r, _ := utf8.DecodeRuneInString(l.src[off:])
	return r
}

func (l *lexer) advance() rune {
	r, size := utf8.DecodeRuneInString(l.src[l.off:])
	l.off += size
	if r == '\n' {
		l.line++
		l.col = 1
	} else {
		l.col++
	}
	return r
}

func (l *lexer) here() pos { return pos{l.line, l.col} }

func isIdentStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }
func isIdentPart(r rune) bool  { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }
func isDigit(r rune) bool      { return r >= '0' && r <= '9' }

func (l *lexer) next() (token, *Error) {
	for {
		r := l.peek()
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(l.src[l.off:]); size <= 1 {
				return token{}, errAt(l.here(), "the expression is not valid UTF-8")
			}
		}
		if r < 0 || !unicode.IsSpace(r) {
			break
		}
		l.advance()
	}
	start, p := l.off, l.here()
	r := l.peek()
	if r < 0 {
		return token{kind: tEOF, pos: p}, nil
	}
	tok := func(k tokKind, n int) (token, *Error) {
		for range n {
			l.advance()
		}
		return token{kind: k, pos: p, text: l.src[start:l.off]}, nil
	}
	switch {
	case isDigit(r):
		return l.number()
	case r == '.' && isDigit(l.peekAt(1)):
		return token{}, errAt(p, "a number must start with a digit: write 0%s", l.runOfNumber())
	case r == '"':
		return l.string()
	case isIdentStart(r):
		for isIdentPart(l.peek()) {
			l.advance()
		}
		text := l.src[start:l.off]
		if k, ok := keywords[strings.ToLower(text)]; ok {
			return token{kind: k, pos: p, text: text}, nil
		}
		return token{kind: tIdent, pos: p, text: text}, nil
	}
	r2 := l.peekAt(1)
	switch r {
	case '(':
		return tok(tLParen, 1)
	case ')':
		return tok(tRParen, 1)
	case '[':
		return tok(tLBrack, 1)
	case ']':
		return tok(tRBrack, 1)
	case ',':
		return tok(tComma, 1)
	case '+':
		return tok(tPlus, 1)
	case '-':
		return tok(tMinus, 1)
	case '*':
		return tok(tStar, 1)
	case '/':
		return tok(tSlash, 1)
	case '<':
		switch r2 {
		case '=':
			return tok(tLE, 2)
		case '>':
			return token{}, errAt(p, "use != for \"not equal\"")
		}
		return tok(tLT, 1)
	case '>':
		if r2 == '=' {
			return tok(tGE, 2)
		}
		return tok(tGT, 1)
	case '=':
		if r2 == '=' {
			return tok(tEQ, 2)
		}
		return token{}, errAt(p, "use == to compare (a single = is not an operator)")
	case '!':
		if r2 == '=' {
			return tok(tNE, 2)
		}
		return tok(tNot, 1)
	case '&':
		if r2 == '&' {
			return tok(tAnd, 2)
		}
		return token{}, errAt(p, "use and (or &&) to combine conditions")
	case '|':
		if r2 == '|' {
			return tok(tOr, 2)
		}
		return token{}, errAt(p, "use or (or ||) to combine conditions")
	case '\'':
		return token{}, errAt(p, "strings are written in double quotes, such as \"at_risk\"")
	}
	if ascii, ok := lookalikes[r]; ok {
		return token{}, errAt(p, "unexpected character %q; use the plain %s instead (check the input method)", r, ascii)
	}
	if unicode.IsPrint(r) {
		return token{}, errAt(p, "unexpected character %q", r)
	}
	return token{}, errAt(p, "unexpected character %U", r)
}

// runOfNumber returns the number-like text at the current offset, for messages.
func (l *lexer) runOfNumber() string {
	end := l.off
	for end < len(l.src) {
		r, size := utf8.DecodeRuneInString(l.src[end:])
		if !isIdentPart(r) && r != '.' {
			break
		}
		end += size
	}
	return l.src[l.off:end]
}

// number lexes a number (digits, an optional fraction, an optional exponent)
// or a duration (whole digits followed by d, h or w).
func (l *lexer) number() (token, *Error) {
	start, p := l.off, l.here()
	whole := true
	for isDigit(l.peek()) {
		l.advance()
	}
	if l.peek() == '.' {
		whole = false
		l.advance()
		if !isDigit(l.peek()) {
			return token{}, errAt(p, "a digit must follow the decimal point in %s", l.src[start:l.off])
		}
		for isDigit(l.peek()) {
			l.advance()
		}
	}
	if r := l.peek(); (r == 'e' || r == 'E') && (isDigit(l.peekAt(1)) || ((l.peekAt(1) == '+' || l.peekAt(1) == '-') && isDigit(l.peekAt(2)))) {
		whole = false
		l.advance()
		if r := l.peek(); r == '+' || r == '-' {
			l.advance()
		}
		for isDigit(l.peek()) {
			l.advance()
		}
	}
	digits := l.src[start:l.off]
	if r := l.peek(); isIdentPart(r) {
		unit := r
		l.advance()
		if isIdentPart(l.peek()) || (unit != 'd' && unit != 'h' && unit != 'w') {
			for isIdentPart(l.peek()) {
				l.advance()
			}
			return token{}, errAt(p, "%s is neither a number nor a duration; durations are whole numbers with d, h or w, such as 7d, 12h or 4w", quote(l.src[start:l.off]))
		}
		if !whole {
			return token{}, errAt(p, "duration %s must be a whole number of %s", l.src[start:l.off], unitName(unit))
		}
		n, err := strconv.ParseUint(digits, 10, 32)
		if err != nil || n > 1e6 {
			return token{}, errAt(p, "duration %s is too long; windows are at most %dd", l.src[start:l.off], MaxWindowDays)
		}
		hours := float64(n)
		switch unit {
		case 'd':
			hours *= 24
		case 'w':
			hours *= 7 * 24
		}
		return token{kind: tDuration, pos: p, text: l.src[start:l.off], num: hours}, nil
	}
	v, err := strconv.ParseFloat(digits, 64)
	if err != nil {
		// The syntax was checked above, so this is a range error.
		return token{}, errAt(p, "number %s is out of range", digits)
	}
	return token{kind: tNumber, pos: p, text: digits, num: v}, nil
}

func unitName(u rune) string {
	switch u {
	case 'd':
		return "days"
	case 'h':
		return "hours"
	}
	return "weeks"
}

// string lexes a double-quoted string with the escapes \" and \\.
func (l *lexer) string() (token, *Error) {
	start, p := l.off, l.here()
	l.advance() // opening quote
	var b strings.Builder
	for {
		r := l.peek()
		switch {
		case r < 0 || r == '\n':
			return token{}, errAt(p, "string is not closed; add a \" before the end of the line")
		case r == utf8.RuneError:
			if _, size := utf8.DecodeRuneInString(l.src[l.off:]); size <= 1 {
				return token{}, errAt(l.here(), "the expression is not valid UTF-8")
			}
		case r == '"':
			l.advance()
			return token{kind: tString, pos: p, text: l.src[start:l.off], str: b.String()}, nil
		case r == '\\':
			ep := l.here()
			l.advance()
			switch e := l.peek(); e {
			case '"', '\\':
				l.advance()
				b.WriteRune(e)
				continue
			case -1, '\n':
				return token{}, errAt(p, "string is not closed; add a \" before the end of the line")
			default:
				return token{}, errAt(ep, "unknown escape \\%c in string; only \\\" and \\\\ are allowed", e)
			}
		case unicode.IsControl(r):
			return token{}, errAt(l.here(), "control character %U in string", r)
		}
		b.WriteRune(l.advance())
	}
}

// quote renders s in double quotes with the language's own escapes, so that
// it can be pasted back into an expression.
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}
