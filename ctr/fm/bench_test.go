package fm

import (
	"context"
	"testing"

	"github.com/shopmind/shopmind/ctr"
)

// wide is the benchmark source: 30 fields, so 30 active features per
// example, of 20 to 100000 values each, hashed into the default space of
// 1<<20, with a user × item interaction.
func wide() *synth {
	cards := make([]int, 30)
	for f := range cards {
		cards[f] = []int{20000, 5000, 20, 300, 100000}[f%5]
	}
	return newSynth(5, cards, 0.3, -2, 4, 1, 1<<20)
}

// BenchmarkFitPass trains one pass, 8 factors, over 100000 examples of 30
// features.
func BenchmarkFitPass(b *testing.B) {
	train, _ := wide().draw(6, 100000)
	n := 0
	for b.Loop() {
		if err := New(Config{Epochs: 1}).Fit(context.Background(), train, nil); err != nil {
			b.Fatal(err)
		}
		n += len(train)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "examples/s")
}

func trained(b *testing.B) (*Model, []ctr.Example) {
	b.Helper()
	s := wide()
	train, _ := s.draw(6, 100000)
	m := New(Config{Epochs: 1})
	if err := m.Fit(context.Background(), train, nil); err != nil {
		b.Fatal(err)
	}
	cands, _ := s.draw(7, 1000)
	return m, cands
}

// BenchmarkPredict scores one example of 30 features, 8 factors.
func BenchmarkPredict(b *testing.B) {
	m, cands := trained(b)
	i := 0
	for b.Loop() {
		m.Predict(&cands[i])
		i = (i + 1) % len(cands)
	}
}

// BenchmarkScore100 scores 100 candidates of 30 features.
func BenchmarkScore100(b *testing.B) {
	m, cands := trained(b)
	i := 0
	for b.Loop() {
		for k := range 100 {
			m.Predict(&cands[i+k])
		}
		i = (i + 100) % len(cands)
	}
}
