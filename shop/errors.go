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

// checkText accepts valid UTF-8 without NUL bytes up to max bytes (stores
// such as PostgreSQL cannot hold NUL in text).
func checkText(field, s string, max int) error {
	if len(s) > max {
		return fieldErr(field, "is %d bytes long; the limit is %d", len(s), max)
	}
	if !utf8.ValidString(s) {
		return fieldErr(field, "is not valid UTF-8")
	}
	if strings.IndexByte(s, 0) >= 0 {
		return fieldErr(field, "contains a NUL character")
	}
	return nil
}

// maxAttrDepth bounds nesting in free-form attributes.
const maxAttrDepth = 8

// checkAttributes walks free-form attribute values: keys and strings must be
// storable text, numbers finite, nesting shallow.
func checkAttributes(field string, m map[string]any) error {
	if len(m) > MaxAttributes {
		return fieldErr(field, "has %d keys; the limit is %d", len(m), MaxAttributes)
	}
	var walk func(path string, v any, depth int) error
	walk = func(path string, v any, depth int) error {
		if depth > maxAttrDepth {
			return fieldErr(path, "nests deeper than %d levels", maxAttrDepth)
		}
		switch x := v.(type) {
		case string:
			return checkText(path, x, MaxTextLen)
		case float64:
			if !finite(x) {
				return fieldErr(path, "must be a finite number")
			}
		case map[string]any:
			for k, sub := range x {
				if err := checkText(path+" key", k, MaxShortLen); err != nil {
					return err
				}
				if err := walk(path+"."+k, sub, depth+1); err != nil {
					return err
				}
			}
		case []any:
			for i, sub := range x {
				if err := walk(fmt.Sprintf("%s[%d]", path, i), sub, depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for k, v := range m {
		if err := checkText(field+" key", k, MaxShortLen); err != nil {
			return err
		}
		if err := walk(field+"."+k, v, 1); err != nil {
			return err
		}
	}
	return nil
}
