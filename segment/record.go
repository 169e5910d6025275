package segment

import "github.com/shopmind/shopmind/shop"

// Kind is the type of a profile field as the language sees it.
type Kind int

// Field kinds.
const (
	Number Kind = iota + 1
	String
	Bool
)

func (k Kind) String() string {
	switch k {
	case Number:
		return "number"
	case String:
		return "string"
	case Bool:
		return "bool"
	}
	return "invalid"
}

// Field is one profile field an expression may name.
type Field struct {
	Name string
	Kind Kind
	Doc  string
}

// Schema lists the fields of a Record, by position: field i of the schema is
// read with Record.Number(i), Record.Str(i) or Record.Flag(i) according to
// its Kind. The profile package provides shopmind's schema.
type Schema []Field

// Record is one user's profile as an expression sees it. Implementations
// must be cheap to call: an expression is evaluated over millions of records.
type Record interface {
	Number(field int) float64
	Str(field int) string
	Flag(field int) bool
	// Count is the number of events of type t in the last days days (days
	// == 0: ever).
	Count(t shop.EventType, days int) float64
	// DaysSince is the number of days since the last event of type t, or
	// +Inf if there was none.
	DaysSince(t shop.EventType) float64
	// Affinity is the time-decayed affinity (0..1) to a category or brand
	// name, 0 if none.
	Affinity(name string) float64
}
