package bundle_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/shopmind/shopmind/recommend"
	"github.com/shopmind/shopmind/recommend/bundle"
	"github.com/shopmind/shopmind/recommend/internal/rectest"
	"github.com/shopmind/shopmind/shop"
)

func planted(t *testing.T) (*recommend.Data, []int32) {
	t.Helper()
	d, test := rectest.Planted(7, 600, 300, 10, 12)
	d.Meta = make([]shop.Item, d.NumItems())
	for i := range d.Meta {
		d.Meta[i] = shop.Item{ID: d.Items[i], Title: "item " + d.Items[i], Category: []string{"c" + string(rune('a'+i%10))}}
	}
	return d, test
}

func TestTrainAndRoundTrip(t *testing.T) {
	d, test := planted(t)
	var stages []string
	b, err := bundle.Train(t.Context(), d, bundle.Default(), func(s string) { stages = append(stages, s) })
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"validation", "trending", "seq", "ease", "knn", "rules", "content"}
	if !slices.Equal(stages, want) {
		t.Errorf("stages %v, want %v", stages, want)
	}
	if !slices.Equal(b.Info.Parts, []string{"trending", "seq", "ease", "knn", "rules", "content"}) {
		t.Errorf("parts %v", b.Info.Parts)
	}
	v := b.Info.Validation
	if v == nil || v.Users < 100 || v.HR10 <= 0 || v.NDCG10 <= 0 || v.NDCG10 > v.HR10 {
		t.Fatalf("validation %+v; want measured on ≥ 100 users with 0 < NDCG@10 ≤ HR@10", v)
	}
	// The blend beats popularity on the planted clusters' held-out items.
	if hr := rectest.HitRate(b.Blend, d, test, 10); hr < 0.3 {
		t.Errorf("blend HR@10 on the planted held-out items = %.3f, want ≥ 0.3", hr)
	}
	data, err := b.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	got, err := bundle.Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Items, b.Items) || !slices.Equal(got.Popular, b.Popular) || got.Info.WEase != b.Info.WEase {
		t.Fatal("round trip changed the items, the popular list or the blend weights")
	}
	s1, s2 := make([]float32, d.NumItems()), make([]float32, d.NumItems())
	for u := range 50 {
		hist := d.Seqs[u]
		b.Blend.Score(hist, s1)
		got.Blend.Score(hist, s2)
		if !slices.Equal(s1, s2) {
			t.Fatalf("user %d scores differ after the round trip", u)
		}
	}
	if a, c := b.KNN.Neighbors(3, 5), got.KNN.Neighbors(3, 5); !slices.Equal(a, c) {
		t.Errorf("neighbours differ after the round trip: %v vs %v", a, c)
	}
	if i, ok := got.Index(d.Items[42]); !ok || i != 42 {
		t.Errorf("Index(%s) = %d, %v", d.Items[42], i, ok)
	}
}

func TestUnmarshalRefusesGarbage(t *testing.T) {
	d, _ := planted(t)
	b, err := bundle.Train(t.Context(), d, bundle.Config{NoContent: true, NoTune: true, WEase: 0.5}, nil)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := b.MarshalBinary()
	for name, bad := range map[string][]byte{
		"empty":     nil,
		"magic":     append([]byte("XXXX"), data[4:]...),
		"version":   append(append([]byte("SMRB"), 9), data[5:]...),
		"truncated": data[:len(data)/2],
	} {
		if _, err := bundle.Unmarshal(bad); err == nil {
			t.Errorf("%s: Unmarshal accepted it", name)
		}
	}
}

func TestNoData(t *testing.T) {
	if _, err := bundle.Train(context.Background(), &recommend.Data{Items: []string{"a"}, Seqs: [][]recommend.Event{nil}, Users: []string{"u"}}, bundle.Config{}, nil); !errors.Is(err, bundle.ErrNoData) {
		t.Errorf("Train without events: %v, want ErrNoData", err)
	}
}

func FuzzUnmarshal(f *testing.F) {
	d, _ := rectest.Planted(1, 60, 30, 3, 6)
	b, err := bundle.Train(context.Background(), d, bundle.Config{NoContent: true, NoTune: true}, nil)
	if err != nil {
		f.Fatal(err)
	}
	data, _ := b.MarshalBinary()
	f.Add(data)
	f.Add([]byte("SMRB\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		bundle.Unmarshal(data) // must not panic
	})
}
