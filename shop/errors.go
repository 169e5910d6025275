package shop

import (
	"fmt"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// FieldError says which field of an entity is wrong and how to fix it.
type FieldError struct {
	Field  string // JSON name, dotted for nested fields ("context.ad_id")
	Detail string // a sentence a person can act on
}

func (e *FieldError) Error() string { return e.Field + " " + e.Detail }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Detail: fmt.Sprintf(format, args...)}
}

// checkID accepts identifiers of printable characters up to MaxIDLen bytes.
func checkID(field, id string) error {
	if id == "" {
		return fieldErr(field, "is missing")
	}
	if len(id) > MaxIDLen {
		return fieldErr(field, "is %d bytes long; the limit is %d", len(id), MaxIDLen)
	}
	if !utf8.ValidString(id) {
		return fieldErr(field, "is not valid UTF-8")
	}
	if strings.IndexFunc(id, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return fieldErr(field, "%q contains control characters", id)
	}
	if strings.TrimSpace(id) != id {
		return fieldErr(field, "%q has leading or trailing spaces", id)
	}
	return nil
}

// CheckID validates an identifier taken from a URL path or query.
func CheckID(field, id string) error { return checkID(field, id) }

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
