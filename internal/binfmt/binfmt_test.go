package binfmt

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"math"
	"slices"
	"strings"
	"testing"
)

var testFrame = Frame{Pkg: "seq", Tag: "test", Kind: "test model"}

// reseal returns data with its checksum recomputed, independently of the
// package, so that a corruption reaches the payload checks.
func reseal(data []byte) []byte {
	out := slices.Clone(data)
	if len(out) >= FrameBytes {
		sum := crc32.Checksum(out[:len(out)-4], crc32.MakeTable(crc32.Castagnoli))
		binary.LittleEndian.PutUint32(out[len(out)-4:], sum)
	}
	return out
}

// frame wraps payload in a valid frame of testFrame's tag.
func frame(payload ...byte) []byte {
	data := append([]byte{Version}, testFrame.Tag...)
	data = append(data, payload...)
	return reseal(append(data, 0, 0, 0, 0))
}

// everything writes one value of each kind, in a buffer of exactly its size.
func everything() []byte {
	w := testFrame.NewWriter(1 + 8 + 8 + 8 + 4 + 1 + 1 +
		SliceBytes(2, 4) + SliceBytes(2, 4) + SliceBytes(1, 8) + SliceBytes(1, 8) + SliceBytes(2, 8) +
		SliceBytes(2, 1) + SliceBytes(0, 4))
	w.U8(0xab)
	w.U64(0x0102030405060708)
	w.Int(-2)
	w.F64(1.5)
	w.F32(-0.25)
	w.Bool(true)
	w.Bool(false)
	w.F32s([]float32{1, -2})
	w.I32s([]int32{-1, 7})
	w.F64s([]float64{2})
	w.I64s([]int64{-3})
	w.Ints([]int{4, -5})
	w.Str("hi")
	w.F32s(nil)
	return w.Finish()
}

// TestGolden pins the byte format: version, tag, little-endian payload and
// CRC-32C of all before it.
func TestGolden(t *testing.T) {
	want := []byte{
		1, 't', 'e', 's', 't',
		0xab,
		8, 7, 6, 5, 4, 3, 2, 1,
		0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0, 0, 0, 0, 0, 0, 0xf8, 0x3f, // 1.5
		0, 0, 0x80, 0xbe, // -0.25
		1, 0,
		2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0, // f32s 1, -2
		2, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 7, 0, 0, 0, // i32s -1, 7
		1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x40, // f64s 2
		1, 0, 0, 0, 0, 0, 0, 0, 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // i64s -3
		2, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // ints 4, -5
		2, 0, 0, 0, 0, 0, 0, 0, 'h', 'i',
		0, 0, 0, 0, 0, 0, 0, 0, // empty f32s
		0, 0, 0, 0, // checksum, filled in below
	}
	want = reseal(want)
	got := everything()
	if !bytes.Equal(got, want) {
		t.Fatalf("artefact\n% x\nwant\n% x", got, want)
	}
	if cap(got) != len(got) {
		t.Errorf("artefact of %d bytes in a buffer of %d", len(got), cap(got))
	}
	if empty := testFrame.NewWriter(0).Finish(); !bytes.Equal(empty, frame()) || len(empty) != FrameBytes {
		t.Errorf("empty payload: % x", empty)
	}
}

func TestRoundTrip(t *testing.T) {
	r, err := testFrame.Open(everything())
	if err != nil {
		t.Fatal(err)
	}
	if v := r.U8(); v != 0xab {
		t.Errorf("U8 %x", v)
	}
	if v := r.U64(); v != 0x0102030405060708 {
		t.Errorf("U64 %x", v)
	}
	if v := r.Int(); v != -2 {
		t.Errorf("Int %d", v)
	}
	if v := r.F64(); v != 1.5 {
		t.Errorf("F64 %v", v)
	}
	if v := r.F32(); v != -0.25 {
		t.Errorf("F32 %v", v)
	}
	if a, b := r.Bool(), r.Bool(); !a || b {
		t.Errorf("Bool %v %v", a, b)
	}
	if v := r.F32s(); !slices.Equal(v, []float32{1, -2}) {
		t.Errorf("F32s %v", v)
	}
	if v := r.I32s(); !slices.Equal(v, []int32{-1, 7}) {
		t.Errorf("I32s %v", v)
	}
	if v := r.F64s(); !slices.Equal(v, []float64{2}) {
		t.Errorf("F64s %v", v)
	}
	if v := r.I64s(); !slices.Equal(v, []int64{-3}) {
		t.Errorf("I64s %v", v)
	}
	if v := r.Ints(); !slices.Equal(v, []int{4, -5}) {
		t.Errorf("Ints %v", v)
	}
	if v := r.Str(); v != "hi" {
		t.Errorf("Str %q", v)
	}
	if v := r.F32s(); len(v) != 0 {
		t.Errorf("empty F32s %v", v)
	}
	if r.Len() != 0 {
		t.Errorf("%d bytes left", r.Len())
	}
	if err := r.Finish(); err != nil {
		t.Fatal(err)
	}

	// NaN payloads and infinities keep their bits.
	w := testFrame.NewWriter(0)
	nan64, nan32 := math.Float64frombits(0x7ff8000000000123), math.Float32frombits(0x7fc00123)
	w.F64(nan64)
	w.F32(nan32)
	w.F64s([]float64{math.Inf(-1)})
	r, err = testFrame.Open(w.Finish())
	if err != nil {
		t.Fatal(err)
	}
	if math.Float64bits(r.F64()) != 0x7ff8000000000123 || math.Float32bits(r.F32()) != 0x7fc00123 ||
		!slices.Equal(r.F64s(), []float64{math.Inf(-1)}) || r.Finish() != nil {
		t.Error("NaN or infinity changed")
	}
}

// TestOpenRejects checks the frame: every refusal names the package, and
// the checks come in order — emptiness, version, length, tag, checksum.
func TestOpenRejects(t *testing.T) {
	valid := everything()
	try := func(what string, data []byte, want string) {
		t.Helper()
		r, err := testFrame.Open(data)
		switch {
		case err == nil:
			t.Errorf("%s: accepted", what)
		case r != nil:
			t.Errorf("%s: a reader with error %v", what, err)
		case !strings.HasPrefix(err.Error(), "seq: "):
			t.Errorf("%s: error %q does not name the package", what, err)
		case !strings.Contains(err.Error(), want):
			t.Errorf("%s: error %q does not say %q", what, err, want)
		}
	}
	try("nil", nil, "seq: empty artefact")
	try("empty", []byte{}, "empty")
	for _, v := range []byte{0, 2, 255} {
		bad := slices.Clone(valid)
		bad[0] = v
		try("version", reseal(bad), "unknown artefact format version")
		try("short version", []byte{v}, "version")
	}
	for n := 1; n < FrameBytes; n++ {
		try("short", valid[:n], "truncated to")
	}
	bad := slices.Clone(valid)
	copy(bad[1:5], "tesT")
	try("kind", reseal(bad), `seq: not a test model artefact (kind tag "tesT", want "test")`)
	try("kind of a short artefact", reseal([]byte{1, 'x', 'x', 'x', 'x', 0, 0, 0, 0}), "not a test model")
	for n := FrameBytes; n < len(valid); n++ {
		try("truncated", valid[:n], "checksum mismatch")
	}
	for i := 5; i < len(valid); i++ {
		for bit := range 8 {
			bad := slices.Clone(valid)
			bad[i] ^= 1 << bit
			try("bit flip", bad, "checksum mismatch")
		}
	}
	try("trailing byte", append(slices.Clone(valid), 0), "checksum mismatch")
	if _, err := testFrame.Open(frame()); err != nil {
		t.Errorf("an empty payload: %v", err)
	}
	other := Frame{Pkg: "pop", Tag: "trnd", Kind: "trending model"}
	if _, err := other.Open(valid); err == nil || err.Error() != `pop: not a trending model artefact (kind tag "test", want "trnd")` {
		t.Errorf("another frame: %v", err)
	}
}

// TestReaderRejects checks the payload reads: running short, oversized
// slice lengths (which must fail before allocating), bad booleans and
// trailing bytes, and that the first error sticks.
func TestReaderRejects(t *testing.T) {
	open := func(payload ...byte) *Reader {
		t.Helper()
		r, err := testFrame.Open(frame(payload...))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	u64 := func(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }
	check := func(what string, r *Reader, want string) {
		t.Helper()
		err := r.Finish()
		switch {
		case err == nil:
			t.Errorf("%s: accepted", what)
		case !strings.HasPrefix(err.Error(), "seq: corrupt artefact: "):
			t.Errorf("%s: error %q", what, err)
		case !strings.Contains(err.Error(), want):
			t.Errorf("%s: error %q does not say %q", what, err, want)
		}
	}

	r := open(1, 2, 3, 4, 5)
	if v := r.U64(); v != 0 {
		t.Errorf("a short U64 read %d", v)
	}
	check("short u64", r, "payload ends 3 bytes early")
	r = open(1, 2, 3)
	r.F32()
	check("short f32", r, "payload ends 1 bytes early")
	r = open()
	r.U8()
	check("no u8", r, "payload ends 1 bytes early")

	r = open(2)
	if r.Bool() {
		t.Error("boolean byte 2 read as true")
	}
	check("bool", r, "boolean byte 2")

	r = open(0, 0)
	r.U8()
	check("trailing", r, "1 bytes after the payload")

	// Slice lengths beyond the bytes left, including ones whose byte size
	// overflows an int.
	for _, n := range []uint64{3, 1 << 29, 1 << 61, 1 << 62, 1 << 63, math.MaxUint64} {
		payload := append(u64(n), make([]byte, 16)...)
		for name, read := range map[string]func(*Reader) bool{
			"F32s": func(r *Reader) bool { return r.F32s() == nil },
			"I32s": func(r *Reader) bool { return r.I32s() == nil },
			"F64s": func(r *Reader) bool { return r.F64s() == nil },
			"I64s": func(r *Reader) bool { return r.I64s() == nil },
			"Ints": func(r *Reader) bool { return r.Ints() == nil },
			"Str":  func(r *Reader) bool { return r.Str() == "" },
		} {
			if n == 3 && (name == "F32s" || name == "I32s" || name == "Str") {
				continue // 3 elements of 4 bytes or less fit in 16
			}
			r := open(payload...)
			if !read(r) {
				t.Errorf("%s of length %d returned elements", name, n)
			}
			check(name+" oversized", r, "a slice of")
		}
	}
	// Exactly the bytes left is fine; one more element is not.
	r = open(append(u64(2), make([]byte, 16)...)...)
	if v := r.F64s(); len(v) != 2 || r.Finish() != nil {
		t.Errorf("a slice filling the payload: %v %v", v, r.Err())
	}
	r = open(append(u64(3), make([]byte, 16)...)...)
	r.F64s()
	check("one element too many", r, "a slice of 3 elements in 16 bytes")

	// The first error sticks; later reads return zero values.
	r = open(append([]byte{7}, u64(42)...)...)
	r.Bool()
	if r.Err() == nil {
		t.Fatal("boolean byte 7 accepted")
	}
	first := r.Err()
	if r.U64() != 0 || r.Int() != 0 || r.F64() != 0 || r.F32s() != nil || r.Len() != 8 {
		t.Error("reads after an error returned data")
	}
	r.Fail("something else")
	if r.Err() != first || r.Finish() != first {
		t.Errorf("the first error %v was replaced by %v", first, r.Err())
	}

	// Fail formats its arguments after the package's prefix.
	r = open()
	r.Fail("%d items of %s", 3, "x")
	if err := r.Finish(); err == nil || err.Error() != "seq: corrupt artefact: 3 items of x" {
		t.Errorf("Fail: %v", err)
	}
}

func TestNewWriterTag(t *testing.T) {
	for _, tag := range []string{"", "abc", "abcde"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("tag %q accepted", tag)
				}
			}()
			Frame{Pkg: "x", Tag: tag}.NewWriter(0)
		}()
	}
}

func TestValidRows(t *testing.T) {
	for _, c := range []struct {
		ptr       []int
		rows, nnz int
		want      bool
	}{
		{[]int{0}, 0, 0, true},
		{[]int{0, 2, 2, 5}, 3, 5, true},
		{nil, 0, 0, false},
		{nil, -1, 0, false},
		{[]int{0, 2, 5}, 3, 5, false},
		{[]int{1, 2, 5}, 2, 5, false},
		{[]int{0, 2, 4}, 2, 5, false},
		{[]int{0, 3, 2, 5}, 3, 5, false},
		{[]int{0, -1, 5}, 2, 5, false},
	} {
		if got := ValidRows(c.ptr, c.rows, c.nnz); got != c.want {
			t.Errorf("ValidRows(%v, %d, %d) = %v", c.ptr, c.rows, c.nnz, got)
		}
	}
	if !ValidRows([]int64{0, 1, 1}, 2, 1) || ValidRows([]int64{0, 1, 0}, 2, 0) {
		t.Error("ValidRows of int64")
	}
}

func FuzzOpen(f *testing.F) {
	f.Add(everything())
	f.Add(frame())
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, in := range [][]byte{data, reseal(data)} {
			r, err := testFrame.Open(in)
			if err != nil {
				continue
			}
			// Any payload reads to an end without panicking or
			// allocating more elements than it has bytes.
			for r.Err() == nil && r.Len() > 0 {
				if s := r.F32s(); len(s) > len(in) {
					t.Fatalf("%d elements from %d bytes", len(s), len(in))
				}
				r.Str()
				r.Bool()
			}
			r.Finish()
		}
	})
}
