package segment

import (
	"slices"
	"strconv"
	"strings"

	"github.com/shopmind/shopmind/shop"
)

// Limits on an expression. Each keeps compile time, memory and the depth of
// the recursive parts of the package bounded whatever the input.
const (
	MaxSourceLen  = 4096 // bytes of source
	MaxDepth      = 32   // nested parentheses, not and unary minus
	MaxNodes      = 256  // operands and operators (a list counts once)
	MaxListLen    = 1000 // elements of one list literal
	MaxWindowDays = 365  // longest window of count(type, window)
)

// vtype is the type of a value in the language.
type vtype uint8

const (
	vInvalid vtype = iota
	vNumber
	vString
	vBool
)

func (t vtype) String() string {
	switch t {
	case vNumber:
		return "number"
	case vString:
		return "string"
	case vBool:
		return "bool"
	}
	return "invalid"
}

type op uint8

const (
	opNum op = iota + 1
	opStr
	opBool
	opField
	opCount
	opDaysSince
	opAffinity
	opNeg
	opNot
	opAdd
	opSub
	opMul
	opDiv
	opLT
	opLE
	opGT
	opGE
	opEQ
	opNE
	opIn
	opNotIn
	opAnd
	opOr
)

var opText = [...]string{
	opAdd: "+", opSub: "-", opMul: "*", opDiv: "/",
	opLT: "<", opLE: "<=", opGT: ">", opGE: ">=", opEQ: "==", opNE: "!=",
	opIn: "in", opNotIn: "not in", opAnd: "and", opOr: "or",
}

// node is one node of the syntax tree. Every node carries its type, checked
// when the node is built.
type node struct {
	op    op
	typ   vtype
	start pos // first token of the node
	at    pos // the operator, function or literal token

	num   float64 // opNum
	str   string  // opStr; event type or affinity name of a call; field name
	b     bool    // opBool
	field int     // opField: index in the schema
	days  int     // opCount: window in days, 0 = ever
	kids  []*node // operands; for opIn and opNotIn only kids[0]
	list  []elem  // opIn, opNotIn
	lkind vtype   // kind of the list elements; vInvalid for an empty list
}

type elem struct {
	num float64
	str string
}

type function struct {
	op   op
	name string
	doc  string
}

var functions = []function{
	{opCount, "count", `count("type") or count("type", window)`},
	{opDaysSince, "days_since", `days_since("type")`},
	{opAffinity, "affinity", `affinity("category or brand")`},
}

func functionNames() []string {
	names := make([]string, len(functions))
	for i, f := range functions {
		names[i] = f.name
	}
	return names
}

func eventTypeNames() []string {
	names := make([]string, len(shop.EventTypes))
	for i, t := range shop.EventTypes {
		names[i] = string(t)
	}
	return names
}

type parser struct {
	toks   []token
	i      int
	schema Schema
	fields map[string]int
	depth  int
	nodes  int
}

func parse(src string, schema Schema) (*node, *Error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, schema: schema, fields: make(map[string]int, len(schema))}
	for i, f := range schema {
		if _, dup := p.fields[f.Name]; !dup {
			p.fields[f.Name] = i
		}
	}
	if p.tok().kind == tEOF {
		return nil, errAt(p.tok().pos, "the expression is empty")
	}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.tok(); t.kind != tEOF {
		return nil, p.unexpected(t, "an operator such as and, or, == or >")
	}
	switch n.typ {
	case vNumber:
		return nil, errAt(n.start, "the expression is a number, but a segment needs true or false; compare it, as in %s > 0", shorten(format(n)))
	case vString:
		return nil, errAt(n.start, "the expression is a string, but a segment needs true or false; compare it, as in %s == \"value\"", shorten(format(n)))
	}
	return n, nil
}

func (p *parser) tok() token  { return p.toks[p.i] }
func (p *parser) peek() token { return p.toks[min(p.i+1, len(p.toks)-1)] }
func (p *parser) take() token { t := p.toks[p.i]; p.i = min(p.i+1, len(p.toks)-1); return t }

func (p *parser) unexpected(t token, want string) *Error {
	switch t.kind {
	case tDuration:
		return errAt(t.pos, "a duration such as %s can only be the window of count, as in count(\"view\", %s)", t.text, t.text)
	case tLBrack:
		return errAt(t.pos, "a list can only follow in or not in, as in lifecycle in [\"at_risk\", \"lapsed\"]")
	}
	return errAt(t.pos, "expected %s, found %s", want, t.describe())
}

// newNode counts a node against MaxNodes.
func (p *parser) newNode(n *node) (*node, *Error) {
	if err := p.count(n.at); err != nil {
		return nil, err
	}
	return n, nil
}

// count counts one operand or operator, found at at, against MaxNodes.
func (p *parser) count(at pos) *Error {
	p.nodes++
	if p.nodes > MaxNodes {
		return errAt(at, "the expression has more than %d operands and operators; split it into simpler segments", MaxNodes)
	}
	return nil
}

// enter and leave bracket every recursive descent, bounding it by MaxDepth.
func (p *parser) enter(t token) *Error {
	p.depth++
	if p.depth > MaxDepth {
		return errAt(t.pos, "the expression is nested more than %d levels deep (parentheses, not and minus signs)", MaxDepth)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// or = and { ("or" | "||") and } .
func (p *parser) or() (*node, *Error) {
	return p.chain(tOr, opOr, (*parser).and)
}

// and = not { ("and" | "&&") not } .
func (p *parser) and() (*node, *Error) {
	return p.chain(tAnd, opAnd, (*parser).not)
}

// chain parses a run of and or or operators into one flat node: both are
// associative and their operands have no side effects.
func (p *parser) chain(kind tokKind, o op, operand func(*parser) (*node, *Error)) (*node, *Error) {
	first, err := operand(p)
	if err != nil {
		return nil, err
	}
	if p.tok().kind != kind {
		return first, nil
	}
	n := &node{op: o, typ: vBool, start: first.start, at: p.tok().pos}
	add := func(k *node) *Error {
		if k.typ != vBool {
			return errAt(k.start, "%s needs true or false on both sides, not %s", opText[o], describe(k))
		}
		if k.op == o {
			n.kids = append(n.kids, k.kids...)
		} else {
			n.kids = append(n.kids, k)
		}
		return nil
	}
	if err := add(first); err != nil {
		return nil, err
	}
	for p.tok().kind == kind {
		if err := p.count(p.take().pos); err != nil {
			return nil, err
		}
		k, err := operand(p)
		if err != nil {
			return nil, err
		}
		if err := add(k); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// not = ("not" | "!") not | comparison .
func (p *parser) not() (*node, *Error) {
	t := p.tok()
	if t.kind != tNot {
		return p.comparison()
	}
	if p.peek().kind == tIn {
		return nil, errAt(t.pos, "not in needs a value on its left, as in lifecycle not in [\"lapsed\"]")
	}
	if err := p.enter(t); err != nil {
		return nil, err
	}
	defer p.leave()
	p.take()
	k, err := p.not()
	if err != nil {
		return nil, err
	}
	if k.typ != vBool {
		return nil, errAt(k.start, "not needs true or false, not %s", describe(k))
	}
	return p.newNode(&node{op: opNot, typ: vBool, start: t.pos, at: t.pos, kids: []*node{k}})
}

var compareOps = map[tokKind]op{tLT: opLT, tLE: opLE, tGT: opGT, tGE: opGE, tEQ: opEQ, tNE: opNE}

// comparison = sum [ compare_op sum | [ "not" ] "in" list ] .
func (p *parser) comparison() (*node, *Error) {
	l, err := p.sum()
	if err != nil {
		return nil, err
	}
	t := p.tok()
	if t.kind == tIn || (t.kind == tNot && p.peek().kind == tIn) {
		return p.in(l)
	}
	o, ok := compareOps[t.kind]
	if !ok {
		return l, nil
	}
	p.take()
	r, err := p.sum()
	if err != nil {
		return nil, err
	}
	if next := p.tok(); p.atComparison() {
		return nil, errAt(next.pos, "comparisons cannot be chained; join them with and, as in a < b and b < c")
	}
	switch {
	case l.typ != r.typ:
		return nil, errAt(t.pos, "cannot compare %s with %s", describe(l), describe(r))
	case l.typ != vNumber && o != opEQ && o != opNE:
		return nil, errAt(t.pos, "%s compares only numbers, not %s; %ss can only be compared with == and !=", t.text, describe(l), l.typ)
	}
	return p.newNode(&node{op: o, typ: vBool, start: l.start, at: t.pos, kids: []*node{l, r}})
}

// atComparison reports whether the next token starts a comparison operator.
func (p *parser) atComparison() bool {
	k := p.tok().kind
	return compareOps[k] != 0 || k == tIn || (k == tNot && p.peek().kind == tIn)
}

// in parses the rest of `x [not] in [list]`.
func (p *parser) in(l *node) (*node, *Error) {
	at := p.take()
	o := opIn
	if at.kind == tNot {
		o = opNotIn
		p.take()
	}
	lb := p.tok()
	if lb.kind != tLBrack {
		return nil, errAt(lb.pos, "%s needs a list in brackets, as in [\"at_risk\", \"lapsed\"]; found %s", opText[o], lb.describe())
	}
	p.take()
	n := &node{op: o, typ: vBool, start: l.start, at: at.pos, kids: []*node{l}}
	for p.tok().kind != tRBrack {
		if len(n.list) == MaxListLen {
			return nil, errAt(p.tok().pos, "the list has more than %d elements", MaxListLen)
		}
		t := p.take()
		neg := false
		if t.kind == tMinus && p.tok().kind == tNumber {
			neg = true
			t = p.take()
		}
		var k vtype
		switch t.kind {
		case tNumber:
			k = vNumber
			v := t.num
			if neg {
				v = -v
			}
			n.list = append(n.list, elem{num: v})
		case tString:
			k = vString
			n.list = append(n.list, elem{str: t.str})
		default:
			return nil, p.unexpected(t, "a string or a number in the list")
		}
		if n.lkind == vInvalid {
			n.lkind = k
		} else if k != n.lkind {
			return nil, errAt(t.pos, "a list holds only strings or only numbers, but this %s follows a %s", k, n.lkind)
		}
		switch p.tok().kind {
		case tComma:
			p.take()
		case tRBrack:
		default:
			return nil, p.unexpected(p.tok(), "a comma or ]")
		}
	}
	p.take()
	if next := p.tok(); p.atComparison() {
		return nil, errAt(next.pos, "comparisons cannot be chained; join them with and")
	}
	if l.typ != vNumber && l.typ != vString {
		return nil, errAt(at.pos, "%s tests a number or a string, not %s", opText[o], describe(l))
	}
	if n.lkind != vInvalid && n.lkind != l.typ {
		return nil, errAt(at.pos, "cannot look for %s in a list of %ss", describe(l), n.lkind)
	}
	return p.newNode(n)
}

var (
	sumOps     = map[tokKind]op{tPlus: opAdd, tMinus: opSub}
	productOps = map[tokKind]op{tStar: opMul, tSlash: opDiv}
)

// sum = product { ("+" | "-") product } .
func (p *parser) sum() (*node, *Error) { return p.arith(sumOps, (*parser).product) }

// product = unary { ("*" | "/") unary } .
func (p *parser) product() (*node, *Error) { return p.arith(productOps, (*parser).unary) }

func (p *parser) arith(ops map[tokKind]op, operand func(*parser) (*node, *Error)) (*node, *Error) {
	l, err := operand(p)
	if err != nil {
		return nil, err
	}
	for {
		t := p.tok()
		o, ok := ops[t.kind]
		if !ok {
			return l, nil
		}
		p.take()
		r, err := operand(p)
		if err != nil {
			return nil, err
		}
		for _, k := range []*node{l, r} {
			if k.typ != vNumber {
				return nil, errAt(k.start, "%s needs numbers, not %s", t.text, describe(k))
			}
		}
		if l, err = p.newNode(&node{op: o, typ: vNumber, start: l.start, at: t.pos, kids: []*node{l, r}}); err != nil {
			return nil, err
		}
	}
}

// unary = "-" unary | primary .
func (p *parser) unary() (*node, *Error) {
	t := p.tok()
	if t.kind != tMinus {
		return p.primary()
	}
	if err := p.enter(t); err != nil {
		return nil, err
	}
	defer p.leave()
	p.take()
	k, err := p.unary()
	if err != nil {
		return nil, err
	}
	if k.typ != vNumber {
		return nil, errAt(k.start, "- needs a number, not %s", describe(k))
	}
	if k.op == opNum {
		// A negative literal is a literal: -5 reads and prints as one.
		k.num = -k.num
		k.start = t.pos
		return k, nil
	}
	return p.newNode(&node{op: opNeg, typ: vNumber, start: t.pos, at: t.pos, kids: []*node{k}})
}

// primary = number | string | "true" | "false" | field | call | "(" expression ")" .
func (p *parser) primary() (*node, *Error) {
	t := p.tok()
	switch t.kind {
	case tNumber:
		p.take()
		return p.newNode(&node{op: opNum, typ: vNumber, start: t.pos, at: t.pos, num: t.num})
	case tString:
		p.take()
		return p.newNode(&node{op: opStr, typ: vString, start: t.pos, at: t.pos, str: t.str})
	case tTrue, tFalse:
		p.take()
		return p.newNode(&node{op: opBool, typ: vBool, start: t.pos, at: t.pos, b: t.kind == tTrue})
	case tLParen:
		if err := p.enter(t); err != nil {
			return nil, err
		}
		defer p.leave()
		p.take()
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if c := p.tok(); c.kind != tRParen {
			return nil, p.unexpected(c, "an operator or a ) to close the ( at line "+strconv.Itoa(t.pos.line)+", column "+strconv.Itoa(t.pos.col))
		}
		p.take()
		return n, nil
	case tIdent:
		if p.peek().kind == tLParen {
			return p.call()
		}
		return p.field()
	case tNot:
		return nil, errAt(t.pos, "put not and what it negates in parentheses here, as in a == (not b)")
	}
	return nil, p.unexpected(t, "a value (a number, a string, a field or a function call)")
}

func (p *parser) field() (*node, *Error) {
	t := p.take()
	if i, ok := p.fields[t.text]; ok {
		k := p.schema[i].Kind
		var typ vtype
		switch k {
		case Number:
			typ = vNumber
		case String:
			typ = vString
		case Bool:
			typ = vBool
		default:
			return nil, errAt(t.pos, "field %s has kind %v in the schema, which the language cannot read", quote(t.text), k)
		}
		return p.newNode(&node{op: opField, typ: typ, start: t.pos, at: t.pos, field: i, str: t.text})
	}
	names := make([]string, len(p.schema))
	for i, f := range p.schema {
		names[i] = f.Name
	}
	msg := "unknown field " + quote(t.text)
	if s := closest(t.text, names); s != "" {
		return nil, errAt(t.pos, "%s; did you mean %s?", msg, quote(s))
	}
	for _, f := range functions {
		if strings.ToLower(t.text) == f.name {
			return nil, errAt(t.pos, "%s is a function; call it as %s", f.name, f.doc)
		}
	}
	if shop.EventType(t.text).Valid() {
		return nil, errAt(t.pos, "%s; to count %s events write count(%s)", msg, t.text, quote(t.text))
	}
	if len(names) > 0 && len(names) <= 32 {
		sorted := slices.Clone(names)
		slices.Sort(sorted)
		return nil, errAt(t.pos, "%s; the fields are %s", msg, quoteList(sorted))
	}
	return nil, errAt(t.pos, "%s", msg)
}

// call = function "(" string [ "," duration ] ")" .
func (p *parser) call() (*node, *Error) {
	name := p.take()
	var fn *function
	for i := range functions {
		if strings.ToLower(name.text) == functions[i].name {
			fn = &functions[i]
		}
	}
	if fn == nil {
		if _, ok := p.fields[name.text]; ok {
			return nil, errAt(name.pos, "%s is a field, not a function; use it without parentheses", quote(name.text))
		}
		msg := "unknown function " + quote(name.text)
		if s := closest(name.text, functionNames()); s != "" {
			return nil, errAt(name.pos, "%s; did you mean %s?", msg, s)
		}
		return nil, errAt(name.pos, "%s; the functions are %s", msg, strings.Join(functionNames(), ", "))
	}
	n := &node{op: fn.op, typ: vNumber, start: name.pos, at: name.pos}
	p.take() // (
	arg := p.tok()
	switch arg.kind {
	case tString:
		p.take()
	case tIdent:
		return nil, errAt(arg.pos, "the argument of %s is written in double quotes: %s(%s)", fn.name, fn.name, quote(arg.text))
	case tRParen:
		return nil, errAt(arg.pos, "%s needs an argument: %s", fn.name, fn.doc)
	default:
		return nil, p.unexpected(arg, "a string in double quotes: "+fn.doc)
	}
	n.str = arg.str
	if fn.op == opAffinity {
		if strings.TrimSpace(n.str) == "" {
			return nil, errAt(arg.pos, "affinity needs a category or brand name, such as affinity(\"Beauty\")")
		}
	} else if !shop.EventType(n.str).Valid() {
		msg := "unknown event type " + quote(n.str)
		if s := closest(n.str, eventTypeNames()); s != "" {
			return nil, errAt(arg.pos, "%s; did you mean %s?", msg, quote(s))
		}
		return nil, errAt(arg.pos, "%s; the event types are %s", msg, strings.Join(eventTypeNames(), ", "))
	}
	if fn.op == opCount && p.tok().kind == tComma {
		p.take()
		w := p.tok()
		if w.kind != tDuration {
			if w.kind == tNumber {
				return nil, errAt(w.pos, "the window needs a unit: %sd for days, %sw for weeks or %sh for hours", w.text, w.text, w.text)
			}
			return nil, p.unexpected(w, "a window such as 7d, 4w or 48h")
		}
		p.take()
		hours := int(w.num)
		switch {
		case hours%24 != 0:
			return nil, errAt(w.pos, "the window %s is not a whole number of days; profiles count events by day", w.text)
		case hours < 24:
			return nil, errAt(w.pos, "the window must be at least 1d; for all time leave it out: count(%s)", quote(n.str))
		case hours > MaxWindowDays*24:
			return nil, errAt(w.pos, "the window %s is longer than %dd", w.text, MaxWindowDays)
		}
		n.days = hours / 24
	}
	if c := p.tok(); c.kind != tRParen {
		if c.kind == tComma {
			return nil, errAt(c.pos, "%s takes these arguments: %s", fn.name, fn.doc)
		}
		return nil, p.unexpected(c, "a ) to close "+fn.name+"(")
	}
	p.take()
	return p.newNode(n)
}

// describe names a value with its type for type errors: `string "lifecycle"`
// (a field), `number 3`, `number count("view")`, `number (monetary / 2)`.
func describe(n *node) string {
	switch n.op {
	case opField:
		return n.typ.String() + " " + quote(n.str)
	case opNum, opStr, opBool, opCount, opDaysSince, opAffinity:
		return n.typ.String() + " " + shorten(format(n))
	}
	return n.typ.String() + " (" + shorten(format(n)) + ")"
}

func shorten(s string) string {
	const max = 40
	if r := []rune(s); len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}
