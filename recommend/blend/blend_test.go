package blend

import (
	"context"
	"math"
	"sync"
	"testing"

	"github.com/shopmind/shopmind/recommend"
)

// fixed is a model with fixed scores that counts its fits.
type fixed struct {
	name   string
	scores []float32
	fits   int
}

func (f *fixed) Name() string                                { return f.name }
func (f *fixed) Fit(context.Context, *recommend.Data) error  { f.fits++; return nil }
func (f *fixed) Score(_ []recommend.Event, scores []float32) { copy(scores, f.scores) }

func TestBlend(t *testing.T) {
	a := &fixed{name: "a", scores: []float32{4, 2, 1, 0}}
	b := &fixed{name: "b", scores: []float32{0, 10, 30, 20}}
	hist := []recommend.Event{{Item: 0}}
	tests := []struct {
		name string
		norm Norm
		wb   float64
		want []float64
	}{
		{"none", None, 0.1, []float64{4, 3, 4, 2}},
		// max outside the history: a's is 2 (item 0 is history), b's 30
		{"max", Max, 1, []float64{2, 1 + 1.0/3, 0.5 + 1, 2.0 / 3}},
		{"weight zero skips the part", Max, 0, []float64{2, 1, 0.5, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &Model{Norm: tt.norm, Parts: []Part{{a, 1}, {b, tt.wb}}}
			if err := m.Fit(context.Background(), &recommend.Data{}); err != nil {
				t.Fatal(err)
			}
			got := make([]float32, 4)
			m.Score(hist, got)
			for j := range got {
				if math.Abs(float64(got[j])-tt.want[j]) > 1e-6 {
					t.Fatalf("scores %v want %v", got, tt.want)
				}
			}
		})
	}
	if a.fits != 0 {
		t.Errorf("parts were fitted %d times without FitParts", a.fits)
	}
}

func TestZScore(t *testing.T) {
	a := &fixed{name: "a", scores: []float32{1, 2, 3, 4}}
	m := &Model{Norm: ZScore, Parts: []Part{{a, 2}}}
	got := make([]float32, 4)
	m.Score(nil, got)
	sd := math.Sqrt(1.25)
	for j, v := range []float64{-1.5, -0.5, 0.5, 1.5} {
		if math.Abs(float64(got[j])-2*v/sd) > 1e-6 {
			t.Fatalf("scores %v", got)
		}
	}
}

func TestFit(t *testing.T) {
	a := &fixed{name: "a", scores: []float32{1}}
	m := New(Max, Part{a, 1})
	if err := m.Fit(context.Background(), &recommend.Data{}); err != nil || a.fits != 1 {
		t.Errorf("New fits the parts: err %v, fits %d", err, a.fits)
	}
	if m.Name() != "blend(a)" {
		t.Errorf("name %q", m.Name())
	}
	for _, bad := range []*Model{{Norm: "rank", Parts: []Part{{a, 1}}}, {Norm: Max}, {Norm: Max, Parts: []Part{{a, math.NaN()}}}} {
		if err := bad.Fit(context.Background(), &recommend.Data{}); err == nil {
			t.Errorf("%+v was accepted", bad)
		}
	}
}

// TestHistoryRestoredForLongHistories checks that Max normalisation puts
// the history scores back, repeats included.
func TestHistoryRestoredForLongHistories(t *testing.T) {
	n := 300
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(i)
	}
	a := &fixed{name: "a", scores: s}
	m := &Model{Norm: Max, Parts: []Part{{a, 1}}}
	var hist []recommend.Event
	for i := range 200 {
		hist = append(hist, recommend.Event{Item: int32(n - 1 - i%150)})
	}
	got := make([]float32, n)
	m.Score(hist, got)
	top := float32(n - 1 - 150) // the best item outside the history
	for i := range got {
		if math.Abs(float64(got[i]-s[i]/top)) > 1e-6 {
			t.Fatalf("item %d: %v want %v", i, got[i], s[i]/top)
		}
	}
}

func TestConcurrentScore(t *testing.T) {
	a := &fixed{name: "a", scores: []float32{1, 2, 3}}
	b := &fixed{name: "b", scores: []float32{3, 2, 1}}
	m := &Model{Norm: Max, Parts: []Part{{a, 1}, {b, 2}}}
	want := make([]float32, 3)
	m.Score(nil, want)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got := make([]float32, 3)
			for range 1000 {
				m.Score(nil, got)
				for j := range got {
					if got[j] != want[j] {
						t.Errorf("concurrent score %v want %v", got, want)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

func BenchmarkScore(b *testing.B) {
	const n = 20000
	x, y := make([]float32, n), make([]float32, n)
	for i := range x {
		x[i], y[i] = float32(i%97), float32(i%31)
	}
	m := &Model{Norm: Max, Parts: []Part{{&fixed{name: "x", scores: x}, 1}, {&fixed{name: "y", scores: y}, 0.5}}}
	scores := make([]float32, n)
	hist := []recommend.Event{{Item: 3}, {Item: 99}}
	for b.Loop() {
		m.Score(hist, scores)
	}
}
