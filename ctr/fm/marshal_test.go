package fm

import (
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/shopmind/shopmind/internal/binfmt/binfmttest"
)

// Offsets in the payload of MarshalBinary (after the version byte and the
// 4-byte tag).
const (
	offK       = 5
	offLR      = offK + 8
	offL2      = offLR + 8
	offEpochs  = offK + 32
	offPatient = offEpochs + 8
	offSpace   = offPatient + 8 + 8 + 1
	offKept    = offSpace + 8
	offW0      = offKept + 8
	offRows    = offW0 + 8 // length, then the indices
	offRowData = offRows + 8
)

func TestMarshalRoundTrip(t *testing.T) {
	s := interacting()
	train, _ := s.draw(2, 5000)
	valid, _ := s.draw(4, 2000)
	for _, cfg := range []Config{
		{Space: 1 << 16, Epochs: 2},
		{Space: 1 << 16, K: 3, LearningRate: 0.2, L2: -1, InitStd: 0.1, Epochs: 3, Patience: 1, Seed: 5, Ordered: true},
	} {
		m := fit(t, cfg, train, valid)
		data, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if cap(data) != len(data) {
			t.Errorf("artefact of %d bytes in a buffer of %d: the size computed is off", len(data), cap(data))
		}
		var got Model // the zero value may receive an artefact
		if err := got.UnmarshalBinary(data); err != nil {
			t.Fatal(err)
		}
		if got.Config() != m.Config() || got.Epochs() != m.Epochs() {
			t.Fatalf("config %+v epochs %d, want %+v %d", got.Config(), got.Epochs(), m.Config(), m.Epochs())
		}
		for i := range valid {
			if a, b := got.Predict(&valid[i]), m.Predict(&valid[i]); a != b {
				t.Fatalf("example %d: %v after the round trip, %v before", i, a, b)
			}
		}
		again, err := got.MarshalBinary()
		if err != nil || !slices.Equal(again, data) {
			t.Errorf("a second round trip changes the artefact (%v)", err)
		}
		// Only the rows seen are stored: far less than the space.
		if rows := int(binary.LittleEndian.Uint64(data[offRows:])); rows == 0 || rows > 1600 {
			t.Errorf("%d rows stored for 1420 values of the fixture", rows)
		}
	}
}

func TestMarshalRejects(t *testing.T) {
	if _, err := New(Config{}).MarshalBinary(); err == nil || !strings.Contains(err.Error(), "unfitted") {
		t.Errorf("unfitted: %v", err)
	}
	s := interacting()
	train, _ := s.draw(2, 2000)
	m := fit(t, Config{Space: 1 << 16, K: 4, Epochs: 1}, train, nil)
	data := binfmttest.MustMarshal(t, m)
	x := &train[0]
	want := m.Predict(x)
	decode := binfmttest.Guarded(t, m.UnmarshalBinary, "fm: ", func() bool { return m.Predict(x) == want })
	binfmttest.Corruptions(t, data, decode)
	refuse := func(what string, bad []byte, msg string) {
		t.Helper()
		binfmttest.Rejects(t, what, bad, decode, msg)
	}
	refuse("empty", nil, "empty artefact")
	refuse("truncated", data[:len(data)-7], "checksum mismatch")
	for _, i := range []int{0, 2, offSpace, offRowData + 1, len(data) - 1} {
		bad := slices.Clone(data)
		bad[i] ^= 0x01
		refuse("bit flip", bad, "")
	}
	other := slices.Clone(data)
	copy(other[1:5], "ftrl")
	refuse("another kind", binfmttest.Reseal(other), "not a factorisation machine artefact")

	patch := func(at int, v uint64) []byte { return binfmttest.Patch64(data, at, v) }
	patch32 := func(at int, v uint32) []byte { return binfmttest.Patch32(data, at, v) }
	refuse("K", patch(offK, MaxK+1), "K must be in")
	refuse("K 3", patch(offK, 3), "values for")
	refuse("learning rate", patch(offLR, math.Float64bits(0)), "LearningRate and InitStd")
	refuse("L2", patch(offL2, math.Float64bits(math.Inf(1))), "L2 must not be negative")
	refuse("patience", patch(offPatient, 0), "Epochs and Patience")
	refuse("space", patch(offSpace, 1<<32), "Space must be")
	refuse("kept", patch(offKept, 2), "2 epochs kept of 1")
	refuse("w0", patch(offW0, math.Float64bits(math.NaN())), "bias NaN")
	refuse("row out of space", patch32(offRowData, 1<<16), "row index 65536")
	second := binary.LittleEndian.Uint32(data[offRowData+4:])
	refuse("repeated row", patch32(offRowData, second), "indices must increase")
	n := int(binary.LittleEndian.Uint64(data[offRows:]))
	offVals := offRowData + 4*n + 8
	refuse("NaN parameter", patch32(offVals+4*7, math.Float32bits(float32(math.Inf(-1)))), "has parameter -Inf")
	refuse("trailing", binfmttest.Reseal(append(slices.Clone(data[:len(data)-4]), 9, 0, 0, 0, 0)), "1 bytes after the payload")
}
