// Package binfmttest holds the test helpers of the packages whose artefacts
// are framed by internal/binfmt: damaging an artefact, resealing its
// checksum so that the damage reaches the payload checks, and asserting that
// a decoder refuses the result. It is imported by tests only.
//
// The checksum is computed here with a CRC-32C table of its own, not taken
// from binfmt, so that the tests pin the checksum independently.
package binfmttest

import (
	"encoding"
	"encoding/binary"
	"hash/crc32"
	"slices"
	"strings"
	"testing"

	"github.com/shopmind/shopmind/internal/binfmt"
)

var (
	le         = binary.LittleEndian
	castagnoli = crc32.MakeTable(crc32.Castagnoli)
)

// Reseal returns a copy of data with its checksum (the last 4 bytes)
// recomputed, so that a corruption reaches the payload checks. Data shorter
// than a frame is returned as it is.
func Reseal(data []byte) []byte {
	if len(data) < binfmt.FrameBytes {
		return data
	}
	out := slices.Clone(data)
	le.PutUint32(out[len(out)-4:], crc32.Checksum(out[:len(out)-4], castagnoli))
	return out
}

// Patch64 returns a resealed copy of data with the little-endian 8 bytes at
// off replaced by v.
func Patch64(data []byte, off int, v uint64) []byte {
	out := slices.Clone(data)
	le.PutUint64(out[off:], v)
	return Reseal(out)
}

// Patch32 returns a resealed copy of data with the little-endian 4 bytes at
// off replaced by v.
func Patch32(data []byte, off int, v uint32) []byte {
	out := slices.Clone(data)
	le.PutUint32(out[off:], v)
	return Reseal(out)
}

// Rejects fails t, going on, unless decode refuses data with an error that
// contains want; what names the case in the failure.
func Rejects(t testing.TB, what string, data []byte, decode func([]byte) error, want string) {
	t.Helper()
	if err := decode(data); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("%s: error %v, want one saying %q", what, err, want)
	}
}

// RejectsAll calls Rejects for every named artefact of cases.
func RejectsAll(t testing.TB, cases map[string][]byte, decode func([]byte) error, want string) {
	t.Helper()
	for what, data := range cases {
		Rejects(t, what, data, decode, want)
	}
}

// Corruptions fails t, at once, unless decode refuses every damaged form of
// the valid artefact: empty, other versions, another kind tag, every
// truncation, bit flips, a trailing byte, and truncations and extensions
// with a recomputed checksum (which only the payload checks can catch). On
// large artefacts the truncations and bit flips are taken at a step that
// makes about 500 of each.
func Corruptions(t testing.TB, valid []byte, decode func([]byte) error) {
	t.Helper()
	try := func(what string, data []byte, want string) {
		t.Helper()
		err := decode(data)
		if err == nil {
			t.Fatalf("%s: accepted", what)
		}
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("%s: error %q does not say %q", what, err, want)
		}
	}
	try("nil", nil, "empty")
	for _, v := range []byte{0, 2, 255} {
		bad := slices.Clone(valid)
		bad[0] = v
		try("version", bad, "version")
	}
	bad := slices.Clone(valid)
	copy(bad[1:5], "xxxx")
	try("kind", Reseal(bad), "not a")
	step := max(1, len(valid)/500)
	for n := 1; n < len(valid); n += step {
		try("truncated", valid[:n], "")
		if n >= binfmt.FrameBytes && n != len(valid)-4 {
			try("truncated and resealed", Reseal(append(slices.Clone(valid[:n]), 0, 0, 0, 0)), "corrupt")
		}
	}
	for i := 0; i < len(valid); i += step {
		bad := slices.Clone(valid)
		bad[i] ^= 1 << (i % 8)
		try("bit flip", bad, "")
	}
	try("trailing byte", append(slices.Clone(valid), 0), "checksum")
	try("trailing byte, resealed", Reseal(append(slices.Clone(valid), 0)), "after the payload")
}

// MustMarshal returns the artefact of m, failing t at once when m cannot be
// marshalled.
func MustMarshal(t testing.TB, m encoding.BinaryMarshaler) []byte {
	t.Helper()
	data, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Guarded returns decode checked on every call: an error must start with
// prefix (the package's, "fm: "), and unchanged must still report true
// afterwards — a refused artefact leaves the model as it was.
func Guarded(t testing.TB, decode func([]byte) error, prefix string, unchanged func() bool) func([]byte) error {
	return func(data []byte) error {
		t.Helper()
		err := decode(data)
		if err != nil && !strings.HasPrefix(err.Error(), prefix) {
			t.Errorf("error %q does not start with %q", err, prefix)
		}
		if !unchanged() {
			t.Fatalf("a refused artefact changed the model (error %v)", err)
		}
		return err
	}
}
