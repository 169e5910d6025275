package segment

import (
	"slices"
)

// Expr is a compiled segment expression. It is immutable and safe for
// concurrent use by many goroutines.
type Expr struct {
	eval   boolFn
	canon  string
	fields []string
}

// Compile parses src and checks it against schema. The error, if any, is an
// *Error pointing at the offending token.
func Compile(src string, schema Schema) (*Expr, error) {
	if len(src) > MaxSourceLen {
		return nil, errAt(posOf(src, MaxSourceLen), "the expression is %d bytes long; the limit is %d bytes (4 KiB)", len(src), MaxSourceLen)
	}
	root, err := parse(src, schema)
	if err != nil {
		return nil, err
	}
	return &Expr{eval: compileBool(root), canon: format(root), fields: reads(root)}, nil
}

// Eval reports whether r is in the segment. It does not allocate.
func (e *Expr) Eval(r Record) bool { return e.eval(r) }

// String returns the canonical form of the expression. Compiling it again
// gives an equivalent expression with the same canonical form.
func (e *Expr) String() string { return e.canon }

// Fields lists what the expression reads, each once, in order of first
// appearance: schema field names, and function calls in canonical form such
// as count("view", 7d). A preview can show each user's value of each one.
// Names are those written in the expression, even where constant folding
// makes the value irrelevant.
func (e *Expr) Fields() []string { return slices.Clone(e.fields) }

// reads collects the fields and calls under n.
func reads(n *node) []string {
	var out []string
	var walk func(*node)
	walk = func(n *node) {
		switch n.op {
		case opField, opCount, opDaysSince, opAffinity:
			if s := format(n); !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
		for _, k := range n.kids {
			walk(k)
		}
	}
	walk(n)
	return out
}

// posOf returns the position of byte offset off in src.
func posOf(src string, off int) pos {
	p := pos{1, 1}
	for i, r := range src {
		if i >= off {
			break
		}
		if r == '\n' {
			p.line++
			p.col = 1
		} else {
			p.col++
		}
	}
	return p
}
