package ftrl

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/shopmind/shopmind/ctr"
)

// wide is the benchmark source: 30 fields, so 30 active features per
// example, of 20 to 100000 values each, hashed into the default space of
// 1<<20.
func wide() *synth {
	cards := make([]int, 30)
	for f := range cards {
		cards[f] = []int{20, 300, 5000, 100000}[f%4]
	}
	return newSynth(5, cards, 0.3, -2, 1<<20)
}

// BenchmarkFit trains one pass over 200000 examples of 30 features; the
// examples/s metric is the training throughput on one core.
func BenchmarkFit(b *testing.B) {
	train, _ := wide().draw(6, 200000)
	n := 0
	for b.Loop() {
		if err := New(Config{}).Fit(context.Background(), train, nil); err != nil {
			b.Fatal(err)
		}
		n += len(train)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "examples/s")
}

// BenchmarkUpdate is online learning, one example (30 features) and one
// write lock per call.
func BenchmarkUpdate(b *testing.B) {
	train, _ := wide().draw(6, 200000)
	m := New(Config{})
	i := 0
	for b.Loop() {
		m.Update(&train[i])
		if i++; i == len(train) {
			i = 0
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "examples/s")
}

func trained(b *testing.B) (*Model, []ctr.Example) {
	b.Helper()
	s := wide()
	train, _ := s.draw(6, 200000)
	m := New(Config{})
	if err := m.Fit(context.Background(), train, nil); err != nil {
		b.Fatal(err)
	}
	cands, _ := s.draw(7, 1000)
	return m, cands
}

// BenchmarkPredict scores one example of 30 features.
func BenchmarkPredict(b *testing.B) {
	m, cands := trained(b)
	i := 0
	for b.Loop() {
		m.Predict(&cands[i])
		i = (i + 1) % len(cands)
	}
}

// BenchmarkScore100 scores 100 candidates of 30 features, one Predict (one
// read lock) each, as a ctr.Model caller would.
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

// BenchmarkScore100Batch scores the same with PredictBatch: one read lock.
func BenchmarkScore100Batch(b *testing.B) {
	m, cands := trained(b)
	out := make([]float64, 100)
	i := 0
	for b.Loop() {
		m.PredictBatch(cands[i:i+100], out)
		i = (i + 100) % len(cands)
	}
}

// BenchmarkPredictWhileUpdating scores 100 candidates with Predict on all
// Ps while one goroutine learns online without pause: the read path under
// write contention (updates/s is the writer's rate meanwhile).
func BenchmarkPredictWhileUpdating(b *testing.B) {
	m, cands := trained(b)
	stream, _ := wide().draw(8, 50000)
	var stop atomic.Bool
	var updates atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; !stop.Load(); i = (i + 1) % len(stream) {
			m.Update(&stream[i])
			updates.Add(1)
		}
	})
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			for k := range 100 {
				m.Predict(&cands[i+k])
			}
			i = (i + 100) % len(cands)
		}
	})
	b.StopTimer()
	stop.Store(true)
	wg.Wait()
	b.ReportMetric(float64(updates.Load())/b.Elapsed().Seconds(), "updates/s")
}

// BenchmarkUpdateWhilePredicting learns online while every other P scores
// without pause: the write path under read contention (scores/s is the
// readers' rate of single predictions meanwhile).
func BenchmarkUpdateWhilePredicting(b *testing.B) {
	m, cands := trained(b)
	stream, _ := wide().draw(8, 50000)
	var stop atomic.Bool
	var scores atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; !stop.Load(); i = (i + 1) % len(cands) {
			m.Predict(&cands[i])
			scores.Add(1)
		}
	})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Update(&stream[i%len(stream)])
	}
	b.StopTimer()
	stop.Store(true)
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "examples/s")
	b.ReportMetric(float64(scores.Load())/b.Elapsed().Seconds(), "scores/s")
}
