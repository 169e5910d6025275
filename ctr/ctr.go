// Package ctr owns the common ground of click and conversion prediction:
// the sparse, field-aware example every model reads, the schema that turns
// named raw values into hashed features (the same code for training and for
// serving), named feature crosses, the Model contract, and the metrics
// every evaluation reports (AUC, log loss, expected calibration error).
//
// Models live in subpackages (ctr/ftrl, ctr/fm, ctr/deepfm, ctr/esmm) and
// calibration in ctr/calibrate; all are pure: no I/O, trainable and testable
// on slices.
package ctr

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Feature is one active feature: its field (index into Schema.Fields, then
// the crosses), its hashed index in [0, Schema.Space) and its value (1 for
// categorical features).
type Feature struct {
	Field int32
	Index uint32
	Value float32
}

// Example is one impression: its features, whether it was clicked and
// whether it converted (Conversion is 1 only for clicked impressions that
// converted, so P(conversion | impression) = P(click)·P(conversion | click)).
// Time orders examples for time-based splits (Unix seconds; 0 if unknown).
type Example struct {
	Features   []Feature
	Click      float32
	Conversion float32
	Time       int64
}

// Model predicts the probability of a click.
//
// Fit trains on train; valid (may be nil) is for early stopping or
// choosing the number of epochs, never for the reported test. Predict must
// be safe for concurrent use after Fit and should not allocate.
type Model interface {
	Name() string
	Fit(ctx context.Context, train, valid []Example) error
	Predict(x *Example) float64
}

// Raw is one named input value set: a field and its categorical values (one
// for most fields; several for multi-valued fields such as genres).
type Raw struct {
	Field  string
	Values []string
}

// Schema maps raw values to features. Fields are the input fields in order;
// Crosses are named products of two or more fields ("user_id×item_id"), each
// its own field after the inputs. Space is the hashed index space shared by
// all fields (a power of two; default 1<<20).
type Schema struct {
	Fields  []string
	Crosses [][]string
	Space   uint32
}

// NumFields counts input fields and crosses.
func (s *Schema) NumFields() int { return len(s.Fields) + len(s.Crosses) }

// FieldName names field f (crosses as "a×b").
func (s *Schema) FieldName(f int) string {
	if f < len(s.Fields) {
		return s.Fields[f]
	}
	return strings.Join(s.Crosses[f-len(s.Fields)], "×")
}

// Check reports an unusable schema: no fields, a duplicate field, a cross
// naming an unknown field or fewer than two, or a space that is not a
// power of two.
func (s *Schema) Check() error {
	if len(s.Fields) == 0 {
		return fmt.Errorf("ctr: the schema has no fields")
	}
	for i, f := range s.Fields {
		if f == "" || slices.Contains(s.Fields[:i], f) {
			return fmt.Errorf("ctr: field %q is empty or repeated", f)
		}
	}
	for _, c := range s.Crosses {
		if len(c) < 2 {
			return fmt.Errorf("ctr: cross %v needs at least two fields", c)
		}
		for _, f := range c {
			if !slices.Contains(s.Fields, f) {
				return fmt.Errorf("ctr: cross %s names unknown field %q", strings.Join(c, "×"), f)
			}
		}
	}
	if sp := s.space(); sp&(sp-1) != 0 {
		return fmt.Errorf("ctr: space %d is not a power of two", sp)
	}
	return nil
}

func (s *Schema) space() uint32 {
	if s.Space == 0 {
		return 1 << 20
	}
	return s.Space
}

// FNV-1a, inline so hashing allocates nothing.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

func fnvByte(h uint64, b byte) uint64 { return (h ^ uint64(b)) * fnvPrime }

// fieldState is the FNV-1a state after field f's name and a zero byte.
func (s *Schema) fieldState(f int) uint64 {
	h := uint64(fnvOffset)
	if f < len(s.Fields) {
		h = fnvString(h, s.Fields[f])
	} else {
		for k, part := range s.Crosses[f-len(s.Fields)] {
			if k > 0 {
				h = fnvString(h, "×")
			}
			h = fnvString(h, part)
		}
	}
	return fnvByte(h, 0)
}

// Hash is the index of value in field f: FNV-1a over the field's name
// (FieldName), a zero byte and the value, reduced to the space.
func (s *Schema) Hash(f int, value string) uint32 {
	return uint32(fnvString(s.fieldState(f), value) & uint64(s.space()-1))
}

// maxStackFields is how many input fields Encode tracks without allocating.
const maxStackFields = 32

// Encode appends the features of raw to dst and returns it: every value of
// every known field (unknown fields and empty values are skipped; a field
// with several values weighs each 1/n so the field's total is 1), then every
// cross over the first value of each of its fields, joined by 0x1f (skipped
// when one is missing). Training and serving both call it, so they cannot
// disagree. It allocates nothing beyond growing dst (for up to 32 fields).
func (s *Schema) Encode(raw []Raw, dst []Feature) []Feature {
	var stack [maxStackFields]string
	var first []string
	if len(s.Fields) <= maxStackFields {
		first = stack[:len(s.Fields)]
	} else {
		first = make([]string, len(s.Fields))
	}
	mask := uint64(s.space() - 1)
	for _, r := range raw {
		f := slices.Index(s.Fields, r.Field)
		if f < 0 {
			continue
		}
		n := 0
		for _, v := range r.Values {
			if v != "" {
				n++
			}
		}
		if n == 0 {
			continue
		}
		state := s.fieldState(f)
		for _, v := range r.Values {
			if v == "" {
				continue
			}
			if first[f] == "" {
				first[f] = v
			}
			dst = append(dst, Feature{Field: int32(f), Index: uint32(fnvString(state, v) & mask), Value: 1 / float32(n)})
		}
	}
	for c, cross := range s.Crosses {
		f := len(s.Fields) + c
		h := s.fieldState(f)
		ok := true
		for k, name := range cross {
			v := first[slices.Index(s.Fields, name)]
			if v == "" {
				ok = false
				break
			}
			if k > 0 {
				h = fnvByte(h, 0x1f)
			}
			h = fnvString(h, v)
		}
		if ok {
			dst = append(dst, Feature{Field: int32(f), Index: uint32(h & mask), Value: 1})
		}
	}
	return dst
}
