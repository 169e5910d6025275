package pop

import (
	"bytes"
	"context"
	"hash/crc32"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/shopmind/shopmind/recommend"
	"github.com/shopmind/shopmind/recommend/internal/rectest"
)

func sameCounts(t *testing.T, a, b recommend.Recommender, n int) {
	t.Helper()
	sa, sb := make([]float32, n), make([]float32, n)
	a.Score(nil, sa)
	b.Score([]recommend.Event{{Item: 1, Weight: 1}}, sb)
	for j := range sa {
		if math.Float32bits(sa[j]) != math.Float32bits(sb[j]) {
			t.Fatalf("item %d: %v before marshalling, %v after", j, sa[j], sb[j])
		}
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	d, _ := rectest.Planted(5, 400, 200, 8, 8)
	for u, s := range d.Seqs {
		for p := range s {
			s[p].Weight = float32(1 + (u+p)%5)
			s[p].Time = int64(u*10 + p*3600)
		}
	}
	n := d.NumItems()
	for _, weighted := range []bool{false, true} {
		p := New()
		p.Weighted = weighted
		if err := p.Fit(context.Background(), d); err != nil {
			t.Fatal(err)
		}
		data, err := p.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("pop, %d items: %d bytes", n, len(data))
		got := &Pop{Weighted: !weighted, counts: []float32{1}}
		if err := got.UnmarshalBinary(data); err != nil {
			t.Fatal(err)
		}
		if got.Weighted != weighted {
			t.Fatal("Weighted is lost")
		}
		sameCounts(t, p, got, n)
		if again, err := got.MarshalBinary(); err != nil || !bytes.Equal(again, data) {
			t.Fatalf("marshalling the unmarshalled model gives other bytes (err %v)", err)
		}
	}
	for _, m := range []*Trending{
		NewTrending(86400),
		{HalfLife: 7200, Now: 5_000_000, PerUser: true, Weighted: true},
	} {
		if err := m.Fit(context.Background(), d); err != nil {
			t.Fatal(err)
		}
		data, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if len(data) != cap(data) {
			t.Errorf("artefact of %d bytes in a buffer of %d", len(data), cap(data))
		}
		var got Trending
		if err := got.UnmarshalBinary(data); err != nil {
			t.Fatal(err)
		}
		if got.HalfLife != m.HalfLife || got.Now != m.Now || got.PerUser != m.PerUser || got.Weighted != m.Weighted {
			t.Fatalf("settings %+v, want %+v", got, m)
		}
		sameCounts(t, m, &got, n)
		if again, err := got.MarshalBinary(); err != nil || !bytes.Equal(again, data) {
			t.Fatalf("marshalling the unmarshalled model gives other bytes (err %v)", err)
		}
	}
}

func TestUnmarshalRejects(t *testing.T) {
	d := data([]recommend.Event{{Item: 1, Weight: 5, Time: 100}, {Item: 2, Weight: 1, Time: 50}})
	p := New()
	if _, err := p.MarshalBinary(); err == nil {
		t.Error("an unfitted model was marshalled")
	}
	if err := p.Fit(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	valid, err := p.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var got Pop
	rejects(t, valid, got.UnmarshalBinary)
	bad := slices.Clone(valid)
	bad[5] = 2 // Weighted
	if err := got.UnmarshalBinary(reseal(bad)); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("a boolean of 2: %v", err)
	}
	if got.counts != nil {
		t.Fatal("a refused artefact changed the model")
	}

	tr := NewTrending(10)
	if _, err := tr.MarshalBinary(); err == nil {
		t.Error("an unfitted model was marshalled")
	}
	if err := tr.Fit(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	valid, err = tr.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var gotT Trending
	rejects(t, valid, gotT.UnmarshalBinary)
	for _, h := range []float64{0, -1, math.NaN()} {
		bad := slices.Clone(valid)
		le.PutUint64(bad[5:], math.Float64bits(h))
		if err := gotT.UnmarshalBinary(reseal(bad)); err == nil || !strings.Contains(err.Error(), "corrupt") {
			t.Errorf("half-life %v: %v", h, err)
		}
	}
	// Pop and Trending artefacts are not interchangeable.
	if err := got.UnmarshalBinary(valid); err == nil || !strings.Contains(err.Error(), "not a") {
		t.Errorf("a trending artefact read as popularity: %v", err)
	}
}

func FuzzUnmarshal(f *testing.F) {
	d := data([]recommend.Event{{Item: 1, Weight: 5, Time: 100}, {Item: 2, Weight: 1, Time: 50}})
	p, tr := New(), NewTrending(10)
	_ = p.Fit(context.Background(), d)
	_ = tr.Fit(context.Background(), d)
	for _, m := range []interface{ MarshalBinary() ([]byte, error) }{p, tr} {
		data, err := m.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, in := range [][]byte{data, reseal(data)} {
			var p Pop
			if p.UnmarshalBinary(in) == nil {
				if out, err := p.MarshalBinary(); err != nil || !bytes.Equal(out, in) {
					t.Fatalf("an accepted artefact does not marshal back to itself (err %v)", err)
				}
			}
			var tr Trending
			if tr.UnmarshalBinary(in) == nil {
				if out, err := tr.MarshalBinary(); err != nil || !bytes.Equal(out, in) {
					t.Fatalf("an accepted artefact does not marshal back to itself (err %v)", err)
				}
			}
		}
	})
}

// reseal returns data with its checksum recomputed, so that a corruption
// reaches the payload checks.
func reseal(data []byte) []byte {
	if len(data) < frameBytes {
		return data
	}
	out := slices.Clone(data)
	le.PutUint32(out[len(out)-4:], crc32.Checksum(out[:len(out)-4], castagnoli))
	return out
}

// rejects fails unless unmarshal refuses every damaged form of the valid
// artefact: empty, other versions, another kind tag, every truncation, bit
// flips, a trailing byte, and truncations and extensions with a recomputed
// checksum (which only the payload checks can catch).
func rejects(t *testing.T, valid []byte, unmarshal func([]byte) error) {
	t.Helper()
	try := func(what string, data []byte, want string) {
		t.Helper()
		err := unmarshal(data)
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
	try("kind", reseal(bad), "not a")
	step := max(1, len(valid)/500)
	for n := 1; n < len(valid); n += step {
		try("truncated", valid[:n], "")
		if n >= frameBytes && n != len(valid)-4 {
			try("truncated and resealed", reseal(append(slices.Clone(valid[:n]), 0, 0, 0, 0)), "corrupt")
		}
	}
	for i := 0; i < len(valid); i += step {
		bad := slices.Clone(valid)
		bad[i] ^= 1 << (i % 8)
		try("bit flip", bad, "")
	}
	try("trailing byte", append(slices.Clone(valid), 0), "checksum")
	try("trailing byte, resealed", reseal(append(slices.Clone(valid), 0)), "after the payload")
}
