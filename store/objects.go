package store

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrInvalid wraps errors about arguments a backend cannot store as given
// (callers should fix the input, not retry).
var ErrInvalid = errors.New("invalid argument")

// MaxObjectKey is the longest kind or id of an object, in bytes.
const MaxObjectKey = 256

// CheckObjectKey refuses kinds and ids no backend can key an object by:
// empty, longer than MaxObjectKey bytes, with a NUL byte (object cursors use
// it as a separator) or not UTF-8 (PostgreSQL cannot store it, so every
// backend refuses it alike). The error wraps ErrInvalid.
func CheckObjectKey(kind, id string) error {
	if err := CheckObjectName("kind", kind); err != nil {
		return err
	}
	return CheckObjectName("id", id)
}

// CheckObjectName checks one of an object's kind or id; what says which.
func CheckObjectName(what, v string) error {
	switch {
	case v == "":
		return fmt.Errorf("object %s is empty; give a non-empty %s: %w", what, what, ErrInvalid)
	case len(v) > MaxObjectKey:
		return fmt.Errorf("object %s is %d bytes long; at most %d bytes are allowed: %w", what, len(v), MaxObjectKey, ErrInvalid)
	case strings.IndexByte(v, 0) >= 0:
		return fmt.Errorf("object %s %q contains a NUL byte, which is not allowed: %w", what, v, ErrInvalid)
	case !utf8.ValidString(v):
		return fmt.Errorf("object %s %q is not valid UTF-8: %w", what, v, ErrInvalid)
	}
	return nil
}
