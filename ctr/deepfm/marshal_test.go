package deepfm

import (
	"bytes"
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/shopmind/shopmind/ctr/deepfm/nn"
	"github.com/shopmind/shopmind/ctr/deepfm/nn/nntest"
)

func TestMarshalRoundTrip(t *testing.T) {
	train, _, _ := Synthetic(11, 2000)
	test, _, _ := Synthetic(12, 500)
	for _, cfg := range []Config{
		{Factors: 6, Hidden: []int{12, 6}, Dropout: 0.1, TrainConfig: nn.TrainConfig{Epochs: 2, Seed: 5}},
		{Factors: 5, FMOnly: true, Space: 1 << 12, TrainConfig: nn.TrainConfig{Epochs: 2, Beta1: 0.8, L2: -1}},
		{Factors: 3, Hidden: []int{}, TrainConfig: nn.TrainConfig{Epochs: 1}},
	} {
		m := fit(t, cfg, train, nil)
		data, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if len(data) != cap(data) {
			t.Errorf("artefact of %d bytes in a buffer of %d: the size is not computed ahead", len(data), cap(data))
		}
		t.Logf("%s, %d rows: %d bytes", m.Name(), m.Config().Space, len(data))
		other := fit(t, Config{Factors: 2, Hidden: []int{3}, TrainConfig: nn.TrainConfig{Epochs: 1}}, train, nil)
		other.Predict(&test[0]) // warm its pool with buffers of another shape
		for _, got := range []*Model{new(Model), other} {
			if err := got.UnmarshalBinary(data); err != nil {
				t.Fatal(err)
			}
			for i := range test {
				if p, q := m.Predict(&test[i]), got.Predict(&test[i]); math.Float64bits(p) != math.Float64bits(q) {
					t.Fatalf("%s: example %d predicts %v after the round trip, %v before", m.Name(), i, q, p)
				}
			}
			if got.Name() != m.Name() || !slices.Equal(got.Config().Hidden, m.Config().Hidden) || got.BestEpoch() != m.BestEpoch() {
				t.Errorf("configuration %+v after the round trip, %+v before", got.Config(), m.Config())
			}
			again, err := got.MarshalBinary()
			if err != nil || !bytes.Equal(again, data) {
				t.Errorf("re-marshalling gives other bytes (%v)", err)
			}
		}
	}
}

func TestUnmarshalRefuses(t *testing.T) {
	train, _, _ := Synthetic(13, 500)
	m := fit(t, Config{Factors: 4, Hidden: []int{8}, TrainConfig: nn.TrainConfig{Epochs: 1}}, train, nil)
	data, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := new(Model).MarshalBinary(); err == nil {
		t.Error("marshalling an unfitted model succeeded")
	}
	badFactors := slices.Clone(data)
	binary.LittleEndian.PutUint64(badFactors[5:], 5) // Factors 4 → 5: the table no longer fits
	badRate := slices.Clone(data)
	at := 5 + 8 + 8 + 8 + 1 + 8 + 8 + 8 // the learning rate
	binary.LittleEndian.PutUint64(badRate[at:], math.Float64bits(math.NaN()))
	cases := nntest.Corruptions(data)
	cases["wrong factors"] = nntest.Reframe(badFactors)
	cases["NaN rate"] = nntest.Reframe(badRate)
	for name, d := range cases {
		got := fit(t, Config{Factors: 2, TrainConfig: nn.TrainConfig{Epochs: 1}}, train, nil)
		before := got.Predict(&train[0])
		err := got.UnmarshalBinary(d)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		t.Logf("%s: %v", name, err)
		if !strings.HasPrefix(err.Error(), "deepfm: ") {
			t.Errorf("%s: error %q does not name the package", name, err)
		}
		if got.Predict(&train[0]) != before {
			t.Errorf("%s: a refused artefact changed the model", name)
		}
	}
}
