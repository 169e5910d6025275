package als

import (
	"bytes"
	"context"
	"math"
	"slices"
	"testing"

	"github.com/shopmind/shopmind/internal/binfmt/binfmttest"
	"github.com/shopmind/shopmind/recommend"
	"github.com/shopmind/shopmind/recommend/internal/rectest"
)

// planted is rectest.WeightedPlanted.
func planted(testing.TB) *recommend.Data { return rectest.WeightedPlanted() }

func fitted(t testing.TB, cfg Config, d *recommend.Data) *Model {
	t.Helper()
	m := New(cfg)
	if err := m.Fit(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	return m
}

func sameBits(a, b []float32) bool {
	return slices.EqualFunc(a, b, func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) })
}

func TestMarshalRoundTrip(t *testing.T) {
	d := planted(t)
	n := d.NumItems()
	hists := append([][]recommend.Event{nil, {{Item: int32(n) + 5, Weight: 5}}, {{Item: 3, Weight: -2}}, {{Item: 7, Weight: 2}}}, d.Seqs...)
	cfg := Config{Factors: 12, Iterations: 3, Alpha: 4, Lambda: 2, CGSteps: 2, Seed: 9, Workers: 1}
	m := fitted(t, cfg, d)
	data, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if len(data) != cap(data) {
		t.Errorf("artefact of %d bytes in a buffer of %d: the size is not computed ahead", len(data), cap(data))
	}
	t.Logf("%d items, %d users, %d factors: %d bytes", n, len(d.Users), m.Dim(), len(data))

	// Into the zero value, and into a model of other factors whose scratch
	// pool is warm.
	other := fitted(t, Config{Factors: 4, Iterations: 1}, d)
	other.Score(d.Seqs[0], make([]float32, n))
	for _, got := range []*Model{new(Model), other} {
		if err := got.UnmarshalBinary(data); err != nil {
			t.Fatal(err)
		}
		c := got.Config()
		if c.Workers < 1 {
			t.Fatalf("workers %d", c.Workers)
		}
		c.Workers = cfg.Workers
		if c != m.Config() {
			t.Fatalf("config %+v, want %+v", c, m.Config())
		}
		if !sameBits(got.ItemFactors(), m.ItemFactors()) || !slices.EqualFunc(got.UserVectors(), m.UserVectors(), sameBits) {
			t.Fatal("factors differ")
		}
		sa, sb := make([]float32, n), make([]float32, n)
		ua, ub := make([]float32, m.Dim()), make([]float32, m.Dim())
		for h, hist := range hists {
			m.Score(hist, sa)
			got.Score(hist, sb)
			if !sameBits(sa, sb) {
				t.Fatalf("history %d: scores differ after marshalling", h)
			}
			if m.FoldIn(hist, ua) != got.FoldIn(hist, ub) || !sameBits(ua, ub) {
				t.Fatalf("history %d: fold-in differs after marshalling", h)
			}
		}
		again, err := got.MarshalBinary()
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("marshalling the unmarshalled model gives other bytes (err %v)", err)
		}
	}
}

func TestUnmarshalRejects(t *testing.T) {
	d, _ := rectest.Planted(3, 30, 12, 3, 4)
	m := fitted(t, Config{Factors: 3, Iterations: 1}, d)
	valid := binfmttest.MustMarshal(t, m)
	var got Model
	binfmttest.Corruptions(t, valid, got.UnmarshalBinary)
	if got.item != nil {
		t.Fatal("a refused artefact changed the model")
	}
	damage := func(change func(*Model)) []byte {
		c := New(m.cfg)
		c.numItems, c.user, c.item, c.gram, c.pop = m.numItems, m.user, m.item, m.gram, m.pop
		change(c)
		return binfmttest.MustMarshal(t, c)
	}
	patch := func(off int, v uint64) []byte { return binfmttest.Patch64(valid, off, v) }
	binfmttest.RejectsAll(t, map[string][]byte{
		"user factors cut":       damage(func(c *Model) { c.user = c.user[:len(c.user)-1] }),
		"popularity of 11 items": damage(func(c *Model) { c.pop = c.pop[:11] }),
		"factors 0":              patch(5, 0),
		"factors 2":              patch(5, 2),
		"another item count":     patch(5+8+8+4+4+8+8, 11),
		"huge slice length":      patch(5+8+8+4+4+8+8+8, 1<<61),
		"negative iterations":    patch(5+8, math.MaxUint64),
	}, got.UnmarshalBinary, "corrupt")
	if _, err := New(Config{}).MarshalBinary(); err == nil {
		t.Error("an unfitted model was marshalled")
	}
	var zero Model
	if _, err := zero.MarshalBinary(); err == nil {
		t.Error("the zero model was marshalled")
	}
}

func FuzzUnmarshal(f *testing.F) {
	d, _ := rectest.Planted(3, 30, 12, 3, 4)
	data, err := fitted(f, Config{Factors: 3, Iterations: 1}, d).MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, in := range [][]byte{data, binfmttest.Reseal(data)} {
			var m Model
			if m.UnmarshalBinary(in) != nil {
				continue
			}
			if out, err := m.MarshalBinary(); err != nil || !bytes.Equal(out, in) {
				t.Fatalf("an accepted artefact does not marshal back to itself (err %v)", err)
			}
			m.Score([]recommend.Event{{Item: 0, Weight: 1}}, make([]float32, m.numItems))
		}
	})
}
