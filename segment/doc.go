// Package segment owns shopmind's segment language: the small, typed
// expressions marketers write to define an audience, such as
//
//	count("view", 7d) > 3 and not count("purchase", 30d) > 0
//
// ("viewed more than three times this week and bought nothing this month").
// The package compiles an expression against a Schema of profile fields and
// evaluates it over Records, one user's profile each. It is pure: no I/O, no
// clock, no globals that change. Building profiles is the profile package's
// job; the Record and Schema types in record.go are the contract between
// the two.
//
// # Use
//
//	e, err := segment.Compile(src, schema) // err is a *segment.Error with Line and Col
//	in := e.Eval(profile)                  // no allocation; safe for concurrent use
//	e.Fields()                             // what it reads, for previews
//	e.String()                             // canonical form
//
// # The language
//
// An expression is true or false for each user. It is built from:
//
//   - Numbers: 3, 0.25, 1e6. All numbers are 64-bit floating point; an
//     integer is just a number without a fraction.
//   - Strings in double quotes: "at_risk", "美妆". Inside, write \" for a
//     double quote and \\ for a backslash; there are no other escapes, and a
//     string ends on its line.
//   - true and false.
//   - Profile fields, by their name in the schema: recency_days, lifecycle,
//     has_consent_ads. Each has a type, number, string or bool. Field names
//     are case-sensitive; a misspelt one is refused with the closest known
//     name ("unknown field "recncy_days"; did you mean "recency_days"?").
//   - Function calls on the user's behaviour (below).
//
// These are combined with operators, from the loosest binding to the
// tightest:
//
//	or  ||                     either side is true
//	and &&                     both sides are true
//	not !                      the operand is false
//	< <= > >= == != in not in  compare; in and not in test membership in a list
//	+ -                        add, subtract
//	* /                        multiply, divide
//	-                          negate (unary minus)
//
// Parentheses group as usual. and and or stop as soon as the answer is
// known. Keywords (and, or, not, in, true, false) and function names are
// case-insensitive: AND, Or and COUNT work too.
//
// not binds looser than comparisons and tighter than and, so
// not count("purchase", 30d) > 0 means not (count("purchase", 30d) > 0),
// and not a and b means (not a) and b. A comparison of two true/false
// values gives the same answer whichever way not is read.
//
// # Types
//
// Every expression has a type, checked when it is compiled; a whole
// segment must be true or false.
//
//   - + - * / take numbers and give a number.
//   - < <= > >= compare numbers; == and != compare two numbers, two
//     strings or two bools. Strings compare exactly (case and spaces count).
//   - x in [v, ...] and x not in [v, ...] test a number or a string
//     against a list written in brackets. A list holds only strings or only
//     numbers, matching x; its elements are literals (a number may have a
//     minus sign), a trailing comma is allowed, and [] is an empty list.
//   - and, or and not take true/false.
//
// Comparisons do not chain: write a < b and b < c, not a < b < c. A type
// error names the types and points at the offending token, as in
// "line 1, column 11: cannot compare string "lifecycle" with number 3" for
// lifecycle == 3. Lines and columns count from 1, and columns count
// characters, so a Chinese character is one column.
//
// # Functions
//
//	count("type")            number of the user's events of that type, ever
//	count("type", window)    ... within the last window
//	days_since("type")       days since the user's last event of that type
//	affinity("name")         the user's affinity to a category or brand, 0..1
//
// The type is an event type of package shop, written as a string: view,
// search, click, add_to_cart, remove_from_cart, favorite, purchase, rating,
// review, ad_impression, ad_click, ad_conversion, message_sent,
// message_open, message_click, coupon_redeem. Any other is refused when the
// expression is compiled, with the closest known type.
//
// A window is a duration: a whole number followed by d (days), w (weeks) or
// h (hours): 7d, 4w, 48h. It must come to a whole number of days, at least
// 1d and at most 365d. Durations may appear only as the window of count.
//
// days_since gives +Inf (infinitely many days) to a user who never had an
// event of that type. So days_since("purchase") > 30 is true for users who
// never bought, and days_since("purchase") <= 30 is false for them; to mean
// "bought, but not in the last 30 days" write
// count("purchase") > 0 and days_since("purchase") > 30.
//
// affinity's name is passed to the profile as written; an unknown name
// gives 0.
//
// # Arithmetic
//
// Division by zero gives 0, not infinity: monetary / frequency is 0 for a
// user with no orders, so monetary / frequency > 50 is false for them.
// Otherwise arithmetic is IEEE 754: an undefined result (such as
// days_since("purchase") - days_since("view") when both are +Inf) is NaN,
// and every comparison with NaN is false except !=.
//
// # Grammar
//
// In EBNF (as in the Go specification); tokens may be separated by any
// white space, including line breaks:
//
//	Expression = OrExpr .
//	OrExpr     = AndExpr { ( "or" | "||" ) AndExpr } .
//	AndExpr    = NotExpr { ( "and" | "&&" ) NotExpr } .
//	NotExpr    = ( "not" | "!" ) NotExpr | Comparison .
//	Comparison = Sum [ CompareOp Sum | [ "not" ] "in" List ] .
//	CompareOp  = "<" | "<=" | ">" | ">=" | "==" | "!=" .
//	Sum        = Product { ( "+" | "-" ) Product } .
//	Product    = Unary { ( "*" | "/" ) Unary } .
//	Unary      = "-" Unary | Primary .
//	Primary    = number | string | "true" | "false" | Field | Call | "(" Expression ")" .
//	Field      = identifier .
//	Call       = "count" "(" string [ "," duration ] ")"
//	           | "days_since" "(" string ")"
//	           | "affinity" "(" string ")" .
//	List       = "[" [ Element { "," Element } [ "," ] ] "]" .
//	Element    = [ "-" ] number | string .
//
//	identifier = letter { letter | digit } .    (letter: a Unicode letter or "_")
//	number     = digits [ "." digits ] [ ( "e" | "E" ) [ "+" | "-" ] digits ] .
//	duration   = digits ( "d" | "h" | "w" ) .
//	string     = `"` { character | `\"` | `\\` } `"` .
//	digits     = digit { digit } .
//
// A number must start with a digit (0.5, not .5). Keywords are reserved:
// a schema field named like one cannot be used.
//
// # Limits
//
// These keep compiling and evaluating cheap whatever is typed in; going
// over one is a compile error, never a crash:
//
//   - MaxSourceLen: 4 KiB (4,096 bytes) of source.
//   - MaxDepth: 32 levels of nesting, counting parentheses, not and unary
//     minus.
//   - MaxNodes: 256 operands and operators. A function call is one operand;
//     in or not in is one operator, whatever the length of its list.
//   - MaxListLen: 1,000 elements in one list.
//   - MaxWindowDays: count windows up to 365d.
//
// # Canonical form
//
// String gives the expression with lower-case keywords, one space around
// operators, parentheses only where needed, numbers in their shortest exact
// spelling and windows in days (4w becomes 28d, && becomes and). Compiling
// the canonical form gives the same expression again.
//
// # Examples
//
//	count("purchase") >= 1
//	count("view", 7d) > 3 and not count("purchase", 30d) > 0
//	affinity("Beauty") > 0.2 or monetary >= 100
//	lifecycle in ["at_risk", "lapsed"]
//	recency_days <= 30 and affinity("shoes") > 0.2
//	days_since("purchase") > 90 and has_consent_ads
//	monetary / frequency >= 200 and price_band != "low"
//	(count("add_to_cart", 2w) > 0 or count("favorite", 2w) > 0)
//	    and count("purchase", 2w) == 0
//
// (The field names above are those of the example schema in the tests; the
// profile package defines shopmind's own.)
package segment
