package pop

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/shopmind/shopmind/internal/binfmt/binfmttest"
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
	valid := binfmttest.MustMarshal(t, p)
	var got Pop
	binfmttest.Corruptions(t, valid, got.UnmarshalBinary)
	bad := slices.Clone(valid)
	bad[5] = 2 // Weighted
	binfmttest.Rejects(t, "a boolean of 2", binfmttest.Reseal(bad), got.UnmarshalBinary, "corrupt")
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
	valid = binfmttest.MustMarshal(t, tr)
	var gotT Trending
	binfmttest.Corruptions(t, valid, gotT.UnmarshalBinary)
	for _, h := range []float64{0, -1, math.NaN()} {
		binfmttest.Rejects(t, fmt.Sprintf("half-life %v", h), binfmttest.Patch64(valid, 5, math.Float64bits(h)), gotT.UnmarshalBinary, "corrupt")
	}
	// Pop and Trending artefacts are not interchangeable.
	binfmttest.Rejects(t, "a trending artefact read as popularity", valid, got.UnmarshalBinary, "not a")
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
		for _, in := range [][]byte{data, binfmttest.Reseal(data)} {
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
