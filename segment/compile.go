package segment

import (
	"github.com/shopmind/shopmind/shop"
)

// The checked tree is compiled to a tree of closures, one per node that
// depends on the record. Subtrees that do not depend on it are folded into
// constants first. Evaluating calls the closures and the Record's methods
// and nothing else: no allocation, no interface conversion, no map lookup
// except for long lists.

type (
	boolFn func(Record) bool
	numFn  func(Record) float64
	strFn  func(Record) string
)

// A compiled value is either a constant or a function of the record.
type (
	cbool struct {
		fn    boolFn
		c     bool
		konst bool
	}
	cnum struct {
		fn    numFn
		c     float64
		konst bool
	}
	cstr struct {
		fn    strFn
		c     string
		konst bool
	}
)

func compileBool(n *node) boolFn {
	c := cBool(n)
	if c.konst {
		return constBool(c.c)
	}
	return c.fn
}

func constBool(v bool) boolFn {
	if v {
		return func(Record) bool { return true }
	}
	return func(Record) bool { return false }
}

func (c cnum) get() numFn {
	if c.konst {
		v := c.c
		return func(Record) float64 { return v }
	}
	return c.fn
}

func (c cstr) get() strFn {
	if c.konst {
		v := c.c
		return func(Record) string { return v }
	}
	return c.fn
}

func (c cbool) get() boolFn {
	if c.konst {
		return constBool(c.c)
	}
	return c.fn
}

// div is the language's division: dividing by zero gives 0, so a ratio with
// nothing below it (monetary / frequency for a user with no orders) counts as
// nothing rather than as infinitely much.
func div(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func arith(o op, a, b float64) float64 {
	switch o {
	case opAdd:
		return a + b
	case opSub:
		return a - b
	case opMul:
		return a * b
	}
	return div(a, b)
}

func cNum(n *node) cnum {
	switch n.op {
	case opNum:
		return cnum{c: n.num, konst: true}
	case opField:
		i := n.field
		return cnum{fn: func(r Record) float64 { return r.Number(i) }}
	case opCount:
		t, d := shop.EventType(n.str), n.days
		return cnum{fn: func(r Record) float64 { return r.Count(t, d) }}
	case opDaysSince:
		t := shop.EventType(n.str)
		return cnum{fn: func(r Record) float64 { return r.DaysSince(t) }}
	case opAffinity:
		name := n.str
		return cnum{fn: func(r Record) float64 { return r.Affinity(name) }}
	case opNeg:
		k := cNum(n.kids[0])
		if k.konst {
			return cnum{c: -k.c, konst: true}
		}
		f := k.fn
		return cnum{fn: func(r Record) float64 { return -f(r) }}
	}
	l, r := cNum(n.kids[0]), cNum(n.kids[1])
	if l.konst && r.konst {
		return cnum{c: arith(n.op, l.c, r.c), konst: true}
	}
	if r.konst {
		f, c := l.fn, r.c
		switch n.op {
		case opAdd:
			return cnum{fn: func(x Record) float64 { return f(x) + c }}
		case opSub:
			return cnum{fn: func(x Record) float64 { return f(x) - c }}
		case opMul:
			return cnum{fn: func(x Record) float64 { return f(x) * c }}
		}
		if c == 0 {
			return cnum{c: 0, konst: true}
		}
		return cnum{fn: func(x Record) float64 { return f(x) / c }}
	}
	f, g := l.get(), r.fn
	switch n.op {
	case opAdd:
		return cnum{fn: func(x Record) float64 { return f(x) + g(x) }}
	case opSub:
		return cnum{fn: func(x Record) float64 { return f(x) - g(x) }}
	case opMul:
		return cnum{fn: func(x Record) float64 { return f(x) * g(x) }}
	}
	return cnum{fn: func(x Record) float64 { return div(f(x), g(x)) }}
}

func cStr(n *node) cstr {
	if n.op == opStr {
		return cstr{c: n.str, konst: true}
	}
	i := n.field // the only other string-valued node is a field
	return cstr{fn: func(r Record) string { return r.Str(i) }}
}

func compare(o op, a, b float64) bool {
	switch o {
	case opLT:
		return a < b
	case opLE:
		return a <= b
	case opGT:
		return a > b
	case opGE:
		return a >= b
	case opEQ:
		return a == b
	}
	return a != b
}

// mirror gives the operator that compares b with a as o compares a with b.
func mirror(o op) op {
	switch o {
	case opLT:
		return opGT
	case opLE:
		return opGE
	case opGT:
		return opLT
	case opGE:
		return opLE
	}
	return o
}

func cBool(n *node) cbool {
	switch n.op {
	case opBool:
		return cbool{c: n.b, konst: true}
	case opField:
		i := n.field
		return cbool{fn: func(r Record) bool { return r.Flag(i) }}
	case opNot:
		k := cBool(n.kids[0])
		if k.konst {
			return cbool{c: !k.c, konst: true}
		}
		f := k.fn
		return cbool{fn: func(r Record) bool { return !f(r) }}
	case opAnd, opOr:
		return cLogic(n)
	case opIn, opNotIn:
		return cIn(n)
	}
	// A comparison.
	switch n.kids[0].typ {
	case vNumber:
		return cCompareNum(n.op, cNum(n.kids[0]), cNum(n.kids[1]))
	case vString:
		l, r := cStr(n.kids[0]), cStr(n.kids[1])
		eq := n.op == opEQ
		switch {
		case l.konst && r.konst:
			return cbool{c: (l.c == r.c) == eq, konst: true}
		case l.konst:
			l, r = r, l
			fallthrough
		case r.konst:
			f, c := l.fn, r.c
			if eq {
				return cbool{fn: func(x Record) bool { return f(x) == c }}
			}
			return cbool{fn: func(x Record) bool { return f(x) != c }}
		}
		f, g := l.fn, r.fn
		if eq {
			return cbool{fn: func(x Record) bool { return f(x) == g(x) }}
		}
		return cbool{fn: func(x Record) bool { return f(x) != g(x) }}
	}
	l, r := cBool(n.kids[0]), cBool(n.kids[1])
	eq := n.op == opEQ
	switch {
	case l.konst && r.konst:
		return cbool{c: (l.c == r.c) == eq, konst: true}
	case l.konst:
		l, r = r, l
		fallthrough
	case r.konst:
		// x == true is x; x == false and x != true are not x.
		if r.c == eq {
			return l
		}
		f := l.fn
		return cbool{fn: func(x Record) bool { return !f(x) }}
	}
	f, g := l.fn, r.fn
	if eq {
		return cbool{fn: func(x Record) bool { return f(x) == g(x) }}
	}
	return cbool{fn: func(x Record) bool { return f(x) != g(x) }}
}

func cCompareNum(o op, l, r cnum) cbool {
	if l.konst && r.konst {
		return cbool{c: compare(o, l.c, r.c), konst: true}
	}
	if l.konst {
		l, r, o = r, l, mirror(o)
	}
	if r.konst {
		f, c := l.fn, r.c
		switch o {
		case opLT:
			return cbool{fn: func(x Record) bool { return f(x) < c }}
		case opLE:
			return cbool{fn: func(x Record) bool { return f(x) <= c }}
		case opGT:
			return cbool{fn: func(x Record) bool { return f(x) > c }}
		case opGE:
			return cbool{fn: func(x Record) bool { return f(x) >= c }}
		case opEQ:
			return cbool{fn: func(x Record) bool { return f(x) == c }}
		}
		return cbool{fn: func(x Record) bool { return f(x) != c }}
	}
	f, g := l.fn, r.fn
	switch o {
	case opLT:
		return cbool{fn: func(x Record) bool { return f(x) < g(x) }}
	case opLE:
		return cbool{fn: func(x Record) bool { return f(x) <= g(x) }}
	case opGT:
		return cbool{fn: func(x Record) bool { return f(x) > g(x) }}
	case opGE:
		return cbool{fn: func(x Record) bool { return f(x) >= g(x) }}
	case opEQ:
		return cbool{fn: func(x Record) bool { return f(x) == g(x) }}
	}
	return cbool{fn: func(x Record) bool { return f(x) != g(x) }}
}

// cLogic compiles and/or with short-circuit evaluation. Constant operands
// decide the whole (false for and, true for or) or drop out.
func cLogic(n *node) cbool {
	isAnd := n.op == opAnd
	var fns []boolFn
	for _, k := range n.kids {
		c := cBool(k)
		if !c.konst {
			fns = append(fns, c.fn)
			continue
		}
		if c.c != isAnd {
			// false in an and, true in an or.
			return cbool{c: c.c, konst: true}
		}
	}
	switch len(fns) {
	case 0:
		return cbool{c: isAnd, konst: true}
	case 1:
		return cbool{fn: fns[0]}
	case 2:
		a, b := fns[0], fns[1]
		if isAnd {
			return cbool{fn: func(r Record) bool { return a(r) && b(r) }}
		}
		return cbool{fn: func(r Record) bool { return a(r) || b(r) }}
	case 3:
		a, b, c := fns[0], fns[1], fns[2]
		if isAnd {
			return cbool{fn: func(r Record) bool { return a(r) && b(r) && c(r) }}
		}
		return cbool{fn: func(r Record) bool { return a(r) || b(r) || c(r) }}
	}
	if isAnd {
		return cbool{fn: func(r Record) bool {
			for _, f := range fns {
				if !f(r) {
					return false
				}
			}
			return true
		}}
	}
	return cbool{fn: func(r Record) bool {
		for _, f := range fns {
			if f(r) {
				return true
			}
		}
		return false
	}}
}

// Lists up to this long are searched in order; longer ones through a map.
const linearListMax = 8

func cIn(n *node) cbool {
	want := n.op == opIn
	if len(n.list) == 0 {
		return cbool{c: !want, konst: true}
	}
	if n.kids[0].typ == vString {
		l := cStr(n.kids[0])
		set := make(map[string]struct{}, len(n.list))
		var vals []string
		for _, e := range n.list {
			if _, dup := set[e.str]; !dup {
				set[e.str] = struct{}{}
				vals = append(vals, e.str)
			}
		}
		if l.konst {
			_, ok := set[l.c]
			return cbool{c: ok == want, konst: true}
		}
		f := l.fn
		if len(vals) == 1 {
			v := vals[0]
			return cbool{fn: func(r Record) bool { return (f(r) == v) == want }}
		}
		if len(vals) <= linearListMax {
			return cbool{fn: func(r Record) bool {
				s := f(r)
				for _, v := range vals {
					if s == v {
						return want
					}
				}
				return !want
			}}
		}
		return cbool{fn: func(r Record) bool {
			_, ok := set[f(r)]
			return ok == want
		}}
	}
	l := cNum(n.kids[0])
	set := make(map[float64]struct{}, len(n.list))
	var vals []float64
	for _, e := range n.list {
		if _, dup := set[e.num]; !dup {
			set[e.num] = struct{}{}
			vals = append(vals, e.num)
		}
	}
	if l.konst {
		_, ok := set[l.c]
		return cbool{c: ok == want, konst: true}
	}
	f := l.fn
	if len(vals) <= linearListMax {
		return cbool{fn: func(r Record) bool {
			x := f(r)
			for _, v := range vals {
				if x == v {
					return want
				}
			}
			return !want
		}}
	}
	return cbool{fn: func(r Record) bool {
		_, ok := set[f(r)]
		return ok == want
	}}
}
