package ftrl

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
	offAlpha   = 5
	offL1      = offAlpha + 16
	offEpochs  = offAlpha + 32
	offSpace   = offEpochs + 8 + 8 + 1
	offKept    = offSpace + 8
	offBiasS   = offKept + 8 + 4
	offIdx     = offBiasS + 4 // length, then the indices
	offIdxData = offIdx + 8
)

func TestMarshalRoundTrip(t *testing.T) {
	s := linear()
	train, _ := s.draw(2, 20000)
	valid, _ := s.draw(4, 2000)
	for _, cfg := range []Config{
		{Space: 1 << 16},
		{Space: 1 << 16, Alpha: 0.7, Beta: 0.5, L1: -1, L2: -1, Epochs: 3, Seed: 9, Ordered: true},
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
		if got.Config() != m.Config() || got.Epochs() != m.Epochs() || got.Stats() != m.Stats() {
			t.Fatalf("config %+v epochs %d stats %+v, want %+v %d %+v", got.Config(), got.Epochs(), got.Stats(), m.Config(), m.Epochs(), m.Stats())
		}
		for i := range valid {
			if a, b := got.Predict(&valid[i]), m.Predict(&valid[i]); a != b {
				t.Fatalf("example %d: %v after the round trip, %v before", i, a, b)
			}
		}
		// Online learning goes on exactly where it stopped.
		for i := range valid[:500] {
			m.Update(&valid[i])
			got.Update(&valid[i])
		}
		for i := range valid {
			if a, b := got.Predict(&valid[i]), m.Predict(&valid[i]); a != b {
				t.Fatalf("after updates, example %d: %v and %v", i, a, b)
			}
		}
		again, err := got.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if data2, _ := m.MarshalBinary(); !slices.Equal(again, data2) {
			t.Error("the same state marshals differently")
		}
		// Only active coordinates are stored: far less than the space.
		if n := len(data); n > 12*m.Stats().Active+200 {
			t.Errorf("artefact of %d bytes for %d active coordinates", n, m.Stats().Active)
		}
	}
}

func TestMarshalRejects(t *testing.T) {
	if _, err := New(Config{}).MarshalBinary(); err == nil || !strings.Contains(err.Error(), "untrained") {
		t.Errorf("untrained: %v", err)
	}
	s := linear()
	train, _ := s.draw(2, 2000)
	m := fit(t, Config{Space: 1 << 16}, train, nil)
	data := binfmttest.MustMarshal(t, m)
	x := &train[0]
	want := m.Predict(x)
	decode := binfmttest.Guarded(t, m.UnmarshalBinary, "ftrl: ", func() bool { return m.Predict(x) == want })
	binfmttest.Corruptions(t, data, decode)
	refuse := func(what string, bad []byte, msg string) {
		t.Helper()
		binfmttest.Rejects(t, what, bad, decode, msg)
	}
	refuse("empty", nil, "empty artefact")
	refuse("truncated", data[:len(data)-9], "checksum mismatch")
	for _, i := range []int{0, 3, 9, offIdxData + 2, len(data) - 2} {
		bad := slices.Clone(data)
		bad[i] ^= 0x10
		refuse("bit flip", bad, "")
	}
	other := slices.Clone(data)
	copy(other[1:5], "knn ")
	refuse("another kind", binfmttest.Reseal(other), "not a logistic FTRL model artefact")

	patch := func(at int, v uint64) []byte { return binfmttest.Patch64(data, at, v) }
	patch32 := func(at int, v uint32) []byte { return binfmttest.Patch32(data, at, v) }
	refuse("alpha", patch(offAlpha, math.Float64bits(-1)), "Alpha and Beta must be positive")
	refuse("L1 NaN", patch(offL1, math.Float64bits(math.NaN())), "L1 and L2")
	refuse("epochs", patch(offEpochs, 0), "Epochs must be positive")
	refuse("space", patch(offSpace, 0), "Space must be")
	refuse("huge space", patch(offSpace, 1<<40), "Space must be")
	refuse("kept epochs", patch(offKept, 5), "5 epochs kept of 1")
	refuse("bias", patch32(offBiasS, math.Float32bits(-1)), "bias state")
	refuse("index out of space", patch32(offIdxData, 1<<16), "feature index 65536")
	refuse("negative index", patch32(offIdxData, math.MaxUint32), "feature index -1")
	second := binary.LittleEndian.Uint32(data[offIdxData+4:])
	refuse("repeated index", patch32(offIdxData, second), "indices must increase")
	n := int(binary.LittleEndian.Uint64(data[offIdx:]))
	offZ := offIdxData + 4*n + 8
	refuse("NaN z", patch32(offZ, math.Float32bits(float32(math.NaN()))), "has state z NaN")
	refuse("negative √n", patch32(offZ+4*n+8, math.Float32bits(-2)), "√n -2")
	refuse("length", patch(offZ-8, uint64(n-1)), "")
	refuse("trailing", binfmttest.Reseal(append(slices.Clone(data[:len(data)-4]), 0, 0, 0, 0, 0)), "1 bytes after the payload")
}
