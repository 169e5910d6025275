// Package binfmt owns the binary artefact format shared by the model
// packages — the recommenders (recommend/als, ease, knn, pop, rules, seq)
// and the click models (ctr/ftrl, ctr/fm and the others under ctr): the
// framing — format version, kind tag, checksum — and the little-endian
// writer and reader of the scalars and slices their payloads are made of.
// Each model package describes its own payload and checks its meaning;
// binfmt checks only that the bytes are well-formed. Kind tags are unique
// across the module. An artefact is, little-endian throughout:
//
//	format version u8 | kind tag, 4 bytes | payload | CRC-32C u32 of all before it
//
// In a payload an int is 8 bytes (int64), a float64 8 (its bits), a float32
// 4, a bool 1 (0 or 1), and a slice is its length (u64) followed by its
// elements. A Writer writes into one buffer allocated at the artefact's
// final size; a Reader checks every length against the bytes left before it
// allocates, so garbage cannot make it allocate more than the input's size
// in elements.
package binfmt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"slices"
)

const (
	// Version is the format version this build writes and reads.
	Version = 1
	// FrameBytes is the size of the frame around a payload: version, kind
	// tag and checksum.
	FrameBytes = 1 + 4 + 4
)

var (
	le         = binary.LittleEndian
	castagnoli = crc32.MakeTable(crc32.Castagnoli)
)

// Frame names one kind of artefact.
type Frame struct {
	// Pkg is the model package, the prefix of every error ("seq").
	Pkg string
	// Tag is the kind tag, exactly 4 bytes ("seq ").
	Tag string
	// Kind names what the tag stands for in errors ("seq model").
	Kind string
}

// SliceBytes is the encoded size of a slice of n elements of size bytes.
func SliceBytes(n, size int) int { return 8 + n*size }

// Writer appends to a buffer allocated once at its final size.
type Writer struct{ b []byte }

// NewWriter starts an artefact of kind f.Tag with room for payload bytes.
// It panics if the tag is not 4 bytes long.
func (f Frame) NewWriter(payload int) *Writer {
	if len(f.Tag) != 4 {
		panic(fmt.Sprintf("binfmt: kind tag %q is not 4 bytes", f.Tag))
	}
	w := &Writer{b: make([]byte, 0, FrameBytes+payload)}
	w.b = append(w.b, Version)
	w.b = append(w.b, f.Tag...)
	return w
}

// The scalar writers: U8 1 byte, U64 and Int (as an int64) 8, F64 its 8
// bits, F32 its 4, Bool 1 byte, 0 or 1.

func (w *Writer) U8(v uint8)    { w.b = append(w.b, v) }
func (w *Writer) U64(v uint64)  { w.b = le.AppendUint64(w.b, v) }
func (w *Writer) Int(v int)     { w.U64(uint64(int64(v))) }
func (w *Writer) F64(v float64) { w.U64(math.Float64bits(v)) }
func (w *Writer) F32(v float32) { w.b = le.AppendUint32(w.b, math.Float32bits(v)) }

func (w *Writer) Bool(v bool) {
	if v {
		w.U8(1)
	} else {
		w.U8(0)
	}
}

// Elems writes the length n of a slice and returns the n·size bytes of its
// elements for the caller to fill, little-endian.
func (w *Writer) Elems(n, size int) []byte {
	w.U64(uint64(n))
	at := len(w.b)
	w.b = slices.Grow(w.b, n*size)[:at+n*size]
	return w.b[at:]
}

// The slice writers write the length, then the elements as the scalar
// writers do (I32s 4 bytes each, I64s and Ints 8).

func (w *Writer) F32s(v []float32) {
	p := w.Elems(len(v), 4)
	for i, x := range v {
		le.PutUint32(p[4*i:], math.Float32bits(x))
	}
}

func (w *Writer) I32s(v []int32) {
	p := w.Elems(len(v), 4)
	for i, x := range v {
		le.PutUint32(p[4*i:], uint32(x))
	}
}

func (w *Writer) F64s(v []float64) {
	p := w.Elems(len(v), 8)
	for i, x := range v {
		le.PutUint64(p[8*i:], math.Float64bits(x))
	}
}

func (w *Writer) I64s(v []int64) {
	p := w.Elems(len(v), 8)
	for i, x := range v {
		le.PutUint64(p[8*i:], uint64(x))
	}
}

func (w *Writer) Ints(v []int) {
	p := w.Elems(len(v), 8)
	for i, x := range v {
		le.PutUint64(p[8*i:], uint64(int64(x)))
	}
}

// Str writes s as a slice of bytes.
func (w *Writer) Str(s string) { copy(w.Elems(len(s), 1), s) }

// Finish appends the checksum and returns the artefact.
func (w *Writer) Finish() []byte {
	return le.AppendUint32(w.b, crc32.Checksum(w.b, castagnoli))
}

// Reader reads a payload, remembering the first error: once one is
// recorded, every read returns a zero value.
type Reader struct {
	pkg string
	b   []byte // the payload not read yet
	err error
}

// Open checks the frame of data — version, kind tag, checksum — and returns
// a Reader of its payload.
func (f Frame) Open(data []byte) (*Reader, error) {
	switch {
	case len(data) == 0:
		return nil, fmt.Errorf("%s: empty artefact", f.Pkg)
	case data[0] != Version:
		return nil, fmt.Errorf("%s: unknown artefact format version %d (this build reads version %d)", f.Pkg, data[0], Version)
	case len(data) < FrameBytes:
		return nil, fmt.Errorf("%s: artefact truncated to %d bytes", f.Pkg, len(data))
	case string(data[1:5]) != f.Tag:
		return nil, fmt.Errorf("%s: not a %s artefact (kind tag %q, want %q)", f.Pkg, f.Kind, data[1:5], f.Tag)
	}
	body := data[:len(data)-4]
	if crc32.Checksum(body, castagnoli) != le.Uint32(data[len(data)-4:]) {
		return nil, errors.New(f.Pkg + ": artefact checksum mismatch: the data is truncated or corrupt")
	}
	return &Reader{pkg: f.Pkg, b: body[5:]}, nil
}

// Fail records a corruption, described by format and args, unless an error
// is recorded already.
func (r *Reader) Fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%s: corrupt artefact: %w", r.pkg, fmt.Errorf(format, args...))
	}
}

// Err returns the first error recorded, or nil.
func (r *Reader) Err() error { return r.err }

// Len returns the number of payload bytes not read yet.
func (r *Reader) Len() int { return len(r.b) }

func (r *Reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n > len(r.b) {
		r.Fail("payload ends %d bytes early", n-len(r.b))
		return nil
	}
	p := r.b[:n:n]
	r.b = r.b[n:]
	return p
}

// The scalar and slice readers read what the Writer methods of the same
// names write. At the end of the payload, or once an error is recorded, they
// return zero values and nil slices.

func (r *Reader) U8() uint8 {
	if p := r.take(1); p != nil {
		return p[0]
	}
	return 0
}

func (r *Reader) U64() uint64 {
	if p := r.take(8); p != nil {
		return le.Uint64(p)
	}
	return 0
}

// Int reads an int, failing when it does not fit this platform's int.
func (r *Reader) Int() int {
	v := int64(r.U64())
	if int64(int(v)) != v {
		r.Fail("integer %d out of range", v)
	}
	return int(v)
}

func (r *Reader) F64() float64 { return math.Float64frombits(r.U64()) }

func (r *Reader) F32() float32 {
	if p := r.take(4); p != nil {
		return math.Float32frombits(le.Uint32(p))
	}
	return 0
}

// Bool reads a bool, failing on a byte other than 0 and 1.
func (r *Reader) Bool() bool {
	v := r.U8()
	if v > 1 {
		r.Fail("boolean byte %d", v)
	}
	return v == 1
}

// elems reads a slice length and returns its n·size bytes, failing when
// fewer are left.
func (r *Reader) elems(size int) (int, []byte) {
	n := r.U64()
	if r.err == nil && n > uint64(len(r.b)/size) {
		r.Fail("a slice of %d elements in %d bytes", n, len(r.b))
	}
	if r.err != nil {
		return 0, nil
	}
	return int(n), r.take(int(n) * size)
}

func (r *Reader) F32s() []float32 {
	n, p := r.elems(4)
	if p == nil {
		return nil
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = math.Float32frombits(le.Uint32(p[4*i:]))
	}
	return out
}

func (r *Reader) I32s() []int32 {
	n, p := r.elems(4)
	if p == nil {
		return nil
	}
	out := make([]int32, n)
	for i := range out {
		out[i] = int32(le.Uint32(p[4*i:]))
	}
	return out
}

func (r *Reader) F64s() []float64 {
	n, p := r.elems(8)
	if p == nil {
		return nil
	}
	out := make([]float64, n)
	for i := range out {
		out[i] = math.Float64frombits(le.Uint64(p[8*i:]))
	}
	return out
}

func (r *Reader) I64s() []int64 {
	n, p := r.elems(8)
	if p == nil {
		return nil
	}
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(le.Uint64(p[8*i:]))
	}
	return out
}

// Ints reads a slice of ints, failing when one does not fit this platform's
// int.
func (r *Reader) Ints() []int {
	n, p := r.elems(8)
	if p == nil {
		return nil
	}
	out := make([]int, n)
	for i := range out {
		v := int64(le.Uint64(p[8*i:]))
		if int64(int(v)) != v {
			r.Fail("integer %d out of range", v)
			return nil
		}
		out[i] = int(v)
	}
	return out
}

// Str reads a string written by Writer.Str.
func (r *Reader) Str() string {
	_, p := r.elems(1)
	return string(p)
}

// Finish fails on bytes left after the payload and returns the first error.
func (r *Reader) Finish() error {
	if r.err == nil && len(r.b) != 0 {
		r.Fail("%d bytes after the payload", len(r.b))
	}
	return r.err
}

// ValidRows reports whether ptr indexes the rows of a compressed sparse
// matrix of rows rows and nnz entries: rows+1 offsets from 0 to nnz, never
// decreasing. The model packages check their decoded offsets with it.
func ValidRows[T int | int64](ptr []T, rows, nnz int) bool {
	if rows < 0 || len(ptr) != rows+1 || ptr[0] != 0 || ptr[rows] != T(nnz) {
		return false
	}
	for i := range rows {
		if ptr[i+1] < ptr[i] {
			return false
		}
	}
	return true
}
