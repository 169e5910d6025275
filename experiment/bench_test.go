package experiment_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shopmind/shopmind/experiment"
	"github.com/shopmind/shopmind/shop"
)

// BenchmarkResults measures a results call on 20,000 exposed users (with
// a purchase each) once the feed has been read: the repeated-call cost.
func BenchmarkResults(b *testing.B) {
	ctx := context.Background()
	st := openStore(b)
	now := time.Now().UTC()
	svc := experiment.NewService(st, experiment.Config{}, nil)
	e, err := svc.Create(ctx, experiment.Experiment{ID: "bench", Start: now.Add(-48 * time.Hour), Holdout: 0.05,
		Variants: []experiment.Variant{{Name: "control", Weight: 1}, {Name: "a", Weight: 1}, {Name: "b", Weight: 1}}})
	if err != nil {
		b.Fatal(err)
	}
	var evs []shop.Event
	for i := range 20000 {
		u := fmt.Sprintf("u%d", i)
		evs = append(evs,
			shop.Event{ID: u + "-x", Type: shop.View, UserID: u, ItemID: "i", Timestamp: now.Add(-time.Hour), Context: shop.Context{Experiment: e.ID}},
			shop.Event{ID: u + "-b", Type: shop.Purchase, UserID: u, ItemID: "i", Revenue: 10, Currency: "CNY", Timestamp: now.Add(-30 * time.Minute)})
		if len(evs) == 10000 {
			if _, err := st.AppendEvents(ctx, evs); err != nil {
				b.Fatal(err)
			}
			evs = evs[:0]
		}
	}
	start := time.Now()
	if _, err := svc.Results(ctx, e.ID); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(time.Since(start).Milliseconds()), "first-call-ms")
	b.ResetTimer()
	for b.Loop() {
		if _, err := svc.Results(ctx, e.ID); err != nil {
			b.Fatal(err)
		}
	}
}
