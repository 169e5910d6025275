package segment

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/shopmind/shopmind/shop"
)

// This file checks the compiler (constant folding, specialised closures,
// mirrored comparisons, list matching) against a plain tree-walking
// interpreter of the same syntax tree, on random expressions and records.

type value struct {
	num float64
	str string
	b   bool
}

// interp evaluates n directly from the language's definition.
func interp(n *node, r Record) value {
	switch n.op {
	case opNum:
		return value{num: n.num}
	case opStr:
		return value{str: n.str}
	case opBool:
		return value{b: n.b}
	case opField:
		switch n.typ {
		case vNumber:
			return value{num: r.Number(n.field)}
		case vString:
			return value{str: r.Str(n.field)}
		}
		return value{b: r.Flag(n.field)}
	case opCount:
		return value{num: r.Count(shop.EventType(n.str), n.days)}
	case opDaysSince:
		return value{num: r.DaysSince(shop.EventType(n.str))}
	case opAffinity:
		return value{num: r.Affinity(n.str)}
	case opNeg:
		return value{num: -interp(n.kids[0], r).num}
	case opNot:
		return value{b: !interp(n.kids[0], r).b}
	case opAnd:
		for _, k := range n.kids {
			if !interp(k, r).b {
				return value{b: false}
			}
		}
		return value{b: true}
	case opOr:
		for _, k := range n.kids {
			if interp(k, r).b {
				return value{b: true}
			}
		}
		return value{b: false}
	case opIn, opNotIn:
		x := interp(n.kids[0], r)
		found := false
		for _, e := range n.list {
			if (n.lkind == vNumber && e.num == x.num) || (n.lkind == vString && e.str == x.str) {
				found = true
			}
		}
		return value{b: found == (n.op == opIn)}
	}
	a, b := interp(n.kids[0], r), interp(n.kids[1], r)
	switch n.op {
	case opAdd:
		return value{num: a.num + b.num}
	case opSub:
		return value{num: a.num - b.num}
	case opMul:
		return value{num: a.num * b.num}
	case opDiv:
		if b.num == 0 {
			return value{num: 0}
		}
		return value{num: a.num / b.num}
	}
	var eq bool
	switch n.kids[0].typ {
	case vNumber:
		switch n.op {
		case opLT:
			return value{b: a.num < b.num}
		case opLE:
			return value{b: a.num <= b.num}
		case opGT:
			return value{b: a.num > b.num}
		case opGE:
			return value{b: a.num >= b.num}
		}
		eq = a.num == b.num
	case vString:
		eq = a.str == b.str
	default:
		eq = a.b == b.b
	}
	return value{b: eq == (n.op == opEQ)}
}

var interpSchema = Schema{
	{Name: "n0", Kind: Number}, {Name: "n1", Kind: Number}, {Name: "n2", Kind: Number},
	{Name: "s0", Kind: String}, {Name: "s1", Kind: String},
	{Name: "b0", Kind: Bool}, {Name: "b1", Kind: Bool},
}

var (
	interpNums = []float64{0, math.Copysign(0, -1), 1, 2, 3, -1, 0.5, 30, math.Inf(1), math.NaN()}
	interpStrs = []string{"", "a", "b", "北京"}
)

// randRecord answers from fixed random tables.
type randRecord struct {
	nums  [3]float64
	strs  [2]string
	flags [2]bool
	calls map[string]float64
}

func newRandRecord(rng *rand.Rand) *randRecord {
	r := &randRecord{calls: map[string]float64{}}
	for i := range r.nums {
		r.nums[i] = interpNums[rng.IntN(len(interpNums))]
	}
	for i := range r.strs {
		r.strs[i] = interpStrs[rng.IntN(len(interpStrs))]
	}
	for i := range r.flags {
		r.flags[i] = rng.IntN(2) == 0
	}
	for _, t := range []string{"view", "purchase"} {
		for _, d := range []int{0, 1, 7} {
			r.calls[fmt.Sprint("c", t, d)] = float64(rng.IntN(4))
		}
		r.calls["d"+t] = []float64{0, 3, 40, math.Inf(1)}[rng.IntN(4)]
	}
	for _, a := range []string{"x", "y"} {
		r.calls["a"+a] = float64(rng.IntN(3)) / 2
	}
	return r
}

func (r *randRecord) Number(i int) float64 { return r.nums[i] }
func (r *randRecord) Str(i int) string     { return r.strs[i-3] }
func (r *randRecord) Flag(i int) bool      { return r.flags[i-5] }
func (r *randRecord) Count(t shop.EventType, days int) float64 {
	return r.calls[fmt.Sprint("c", t, days)]
}
func (r *randRecord) DaysSince(t shop.EventType) float64 { return r.calls["d"+string(t)] }
func (r *randRecord) Affinity(name string) float64       { return r.calls["a"+name] }

// gen writes random well-typed expressions; every compound part is in
// parentheses so the generator need not know the precedence rules.
type gen struct{ rng *rand.Rand }

func (g gen) pick(xs ...string) string { return xs[g.rng.IntN(len(xs))] }

func (g gen) num(d int) string {
	if d <= 0 || g.rng.IntN(3) == 0 {
		return g.pick("0", "1", "2", "0.5", "-1", "30", "n0", "n1", "n2",
			`count("view")`, `count("purchase", 7d)`, `count("view", 24h)`,
			`days_since("purchase")`, `days_since("view")`, `affinity("x")`, `affinity("y")`)
	}
	switch g.rng.IntN(3) {
	case 0:
		return "-(" + g.num(d-1) + ")"
	}
	return "(" + g.num(d-1) + " " + g.pick("+", "-", "*", "/") + " " + g.num(d-1) + ")"
}

func (g gen) str() string { return g.pick(`""`, `"a"`, `"b"`, `"北京"`, "s0", "s1") }

func (g gen) list(number bool) string {
	var items []string
	for range g.rng.IntN(12) {
		if number {
			items = append(items, g.pick("0", "-0", "1", "2", "3", "-1", "0.5", "30"))
		} else {
			items = append(items, g.pick(`""`, `"a"`, `"b"`, `"北京"`, `"c"`))
		}
	}
	return "[" + strings.Join(items, ", ") + "]"
}

func (g gen) bool(d int) string {
	if d <= 0 {
		return g.pick("true", "false", "b0", "b1", "n0 > 1", `s0 == "a"`)
	}
	switch g.rng.IntN(9) {
	case 0:
		return "(" + g.num(d-1) + " " + g.pick("<", "<=", ">", ">=", "==", "!=") + " " + g.num(d-1) + ")"
	case 1:
		return "(" + g.str() + " " + g.pick("==", "!=") + " " + g.str() + ")"
	case 2:
		return "((" + g.bool(d-1) + ") " + g.pick("==", "!=") + " (" + g.bool(d-1) + "))"
	case 3:
		return "(not " + g.bool(d-1) + ")"
	case 4:
		return "(" + g.num(d-1) + " " + g.pick("in", "not in") + " " + g.list(true) + ")"
	case 5:
		return "(" + g.str() + " " + g.pick("in", "not in") + " " + g.list(false) + ")"
	}
	parts := []string{g.bool(d - 1)}
	for range 1 + g.rng.IntN(3) {
		parts = append(parts, g.bool(d-1))
	}
	return "(" + strings.Join(parts, " "+g.pick("and", "or")+" ") + ")"
}

func TestCompilerMatchesInterpreter(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	g := gen{rng}
	records := make([]*randRecord, 64)
	for i := range records {
		records[i] = newRandRecord(rng)
	}
	for range 3000 {
		src := g.bool(1 + rng.IntN(4))
		root, err := parse(src, interpSchema)
		if err != nil {
			t.Fatalf("generated %s: %v", src, err)
		}
		eval := compileBool(root)
		for _, r := range records {
			if got, want := eval(r), interp(root, r).b; got != want {
				t.Fatalf("%s on %+v: compiled %v, interpreted %v", src, *r, got, want)
			}
		}
		// The canonical form parses to a tree that interprets the same.
		canon := format(root)
		root2, err := parse(canon, interpSchema)
		if err != nil {
			t.Fatalf("canonical form %s of %s: %v", canon, src, err)
		}
		if again := format(root2); again != canon {
			t.Fatalf("canonical form not stable: %s then %s", canon, again)
		}
		for _, r := range records {
			if a, b := interp(root, r).b, interp(root2, r).b; a != b {
				t.Fatalf("%s and its canonical form %s differ on %+v", src, canon, *r)
			}
		}
	}
}
