package pop

import (
	"context"
	"math"
	"testing"

	"github.com/shopmind/shopmind/recommend"
)

func data(seqs ...[]recommend.Event) *recommend.Data {
	d := &recommend.Data{Items: make([]string, 4), Seqs: seqs}
	d.Users = make([]string, len(seqs))
	return d
}

func TestPop(t *testing.T) {
	d := data(
		[]recommend.Event{{Item: 1, Weight: 5}, {Item: 2, Weight: 1}},
		[]recommend.Event{{Item: 1, Weight: 1}, {Item: 3, Weight: 1}, {Item: 3, Weight: 1}},
	)
	tests := []struct {
		name     string
		weighted bool
		want     []float32
	}{
		{"counts", false, []float32{0, 2, 1, 2}},
		{"weights", true, []float32{0, 6, 1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := New()
			p.Weighted = tt.weighted
			if err := p.Fit(context.Background(), d); err != nil {
				t.Fatal(err)
			}
			got := make([]float32, 4)
			p.Score(nil, got)
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("scores %v want %v", got, tt.want)
				}
			}
			// Ties (items 1 and 3 by count) go to the lower index.
			if top := recommend.TopN(got, 2, nil); tt.name == "counts" && (top[0].Item != 1 || top[1].Item != 3) {
				t.Errorf("top %v", top)
			}
		})
	}
}

func TestTrending(t *testing.T) {
	const day = 86400
	d := data(
		[]recommend.Event{{Item: 1, Time: 10 * day}, {Item: 2, Time: 9 * day}},
		[]recommend.Event{{Item: 3, Time: 2 * day}, {Item: 2, Time: 3 * day}},
	)
	tests := []struct {
		name    string
		perUser bool
		want    []float64
	}{
		// now = day 10; half-life 1 day.
		{"global", false, []float64{0, 1, 0.5 + math.Exp2(-7), math.Exp2(-8)}},
		// ages from each user's last event: user 1 at day 10, user 2 at day 3.
		{"per user", true, []float64{0, 1, 0.5 + 1, 0.5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewTrending(day)
			m.PerUser = tt.perUser
			if err := m.Fit(context.Background(), d); err != nil {
				t.Fatal(err)
			}
			got := make([]float32, 4)
			m.Score(nil, got)
			for i := range got {
				if math.Abs(float64(got[i])-tt.want[i]) > 1e-6 {
					t.Fatalf("scores %v want %v", got, tt.want)
				}
			}
		})
	}
	if err := NewTrending(0).Fit(context.Background(), d); err == nil {
		t.Error("a zero half-life was accepted")
	}
}

func BenchmarkPopScore(b *testing.B) {
	d := &recommend.Data{Items: make([]string, 20000), Seqs: [][]recommend.Event{{{Item: 5}}}}
	p := New()
	_ = p.Fit(context.Background(), d)
	scores := make([]float32, 20000)
	for b.Loop() {
		p.Score(nil, scores)
	}
}

func BenchmarkTrendingScore(b *testing.B) {
	d := &recommend.Data{Items: make([]string, 20000), Seqs: [][]recommend.Event{{{Item: 5, Time: 100}}}}
	m := NewTrending(86400)
	_ = m.Fit(context.Background(), d)
	scores := make([]float32, 20000)
	for b.Loop() {
		m.Score(nil, scores)
	}
}
