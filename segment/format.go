package segment

import (
	"math"
	"strconv"
	"strings"
)

// Binding strength of each syntactic level, loosest first.
const (
	precOr = iota + 1
	precAnd
	precNot
	precCompare
	precSum
	precProduct
	precUnary
	precPrimary
)

func prec(n *node) int {
	switch n.op {
	case opOr:
		return precOr
	case opAnd:
		return precAnd
	case opNot:
		return precNot
	case opLT, opLE, opGT, opGE, opEQ, opNE, opIn, opNotIn:
		return precCompare
	case opAdd, opSub:
		return precSum
	case opMul, opDiv:
		return precProduct
	case opNeg:
		return precUnary
	case opNum:
		if n.num < 0 || math.Signbit(n.num) {
			return precUnary
		}
	}
	return precPrimary
}

// format renders n in canonical form: lower-case keywords, one space around
// binary operators, parentheses only where the grammar needs them, numbers in
// their shortest exact spelling and windows in days. Parsing the result gives
// back the same tree.
func format(n *node) string {
	var b strings.Builder
	formatTo(&b, n)
	return b.String()
}

func formatTo(b *strings.Builder, n *node) {
	// operand writes k, in parentheses when it binds looser than min.
	operand := func(k *node, min int) {
		if prec(k) < min {
			b.WriteByte('(')
			formatTo(b, k)
			b.WriteByte(')')
			return
		}
		formatTo(b, k)
	}
	switch n.op {
	case opNum:
		b.WriteString(formatNumber(n.num))
	case opStr:
		b.WriteString(quote(n.str))
	case opBool:
		b.WriteString(strconv.FormatBool(n.b))
	case opField:
		b.WriteString(n.str)
	case opCount, opDaysSince, opAffinity:
		b.WriteString(funcName(n.op))
		b.WriteByte('(')
		b.WriteString(quote(n.str))
		if n.days > 0 {
			b.WriteString(", ")
			b.WriteString(strconv.Itoa(n.days))
			b.WriteByte('d')
		}
		b.WriteByte(')')
	case opNeg:
		b.WriteByte('-')
		if k := n.kids[0]; prec(k) == precUnary {
			b.WriteByte(' ') // "- -x", not "--x"
		}
		operand(n.kids[0], precUnary)
	case opNot:
		b.WriteString("not ")
		operand(n.kids[0], precNot)
	case opAdd, opSub, opMul, opDiv:
		// Left-associative: an operand of the same level needs parentheses
		// on the right only.
		p := prec(n)
		operand(n.kids[0], p)
		b.WriteByte(' ')
		b.WriteString(opText[n.op])
		b.WriteByte(' ')
		operand(n.kids[1], p+1)
	case opLT, opLE, opGT, opGE, opEQ, opNE:
		operand(n.kids[0], precSum)
		b.WriteByte(' ')
		b.WriteString(opText[n.op])
		b.WriteByte(' ')
		operand(n.kids[1], precSum)
	case opIn, opNotIn:
		operand(n.kids[0], precSum)
		b.WriteByte(' ')
		b.WriteString(opText[n.op])
		b.WriteString(" [")
		for i, e := range n.list {
			if i > 0 {
				b.WriteString(", ")
			}
			if n.lkind == vNumber {
				b.WriteString(formatNumber(e.num))
			} else {
				b.WriteString(quote(e.str))
			}
		}
		b.WriteByte(']')
	case opAnd, opOr:
		for i, k := range n.kids {
			if i > 0 {
				b.WriteByte(' ')
				b.WriteString(opText[n.op])
				b.WriteByte(' ')
			}
			operand(k, prec(n)+1)
		}
	}
}

func funcName(o op) string {
	for _, f := range functions {
		if f.op == o {
			return f.name
		}
	}
	return "?"
}

// formatNumber spells v exactly in the fewest digits, in plain decimal
// notation unless that would be very long.
func formatNumber(v float64) string {
	if a := math.Abs(v); a == 0 || (a >= 1e-4 && a < 1e21) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
