package profile

import (
	"fmt"
	"testing"
	"time"

	"github.com/shopmind/shopmind/segment"
	"github.com/shopmind/shopmind/shop"
)

// BenchmarkSegmentOverProfiles evaluates a segment expression over 1,000,000
// real in-memory profiles through the Record adapter (the target is one pass
// in ≤ 1 s on one core: run with -cpu 1).
func BenchmarkSegmentOverProfiles(b *testing.B) {
	const n = 1_000_000
	bl := NewBuilder(Config{})
	items := []*shop.Item{serum, tea}
	types := []shop.EventType{shop.View, shop.View, shop.AddToCart, shop.View, shop.Purchase}
	ps := make([]*Profile, n)
	for i := range ps {
		p := New(fmt.Sprint(i))
		for k := range 5 {
			e := shop.Event{Type: types[(i+k)%5], OrderID: "o", Revenue: 50, Timestamp: t0.Add(time.Duration((i*7+k*13)%(60*24)) * time.Hour)}
			bl.Apply(p, &e, items[(i+k)%2])
		}
		ps[i] = p
	}
	expr, err := segment.Compile(`count("view", 7d) > 1 and not count("purchase", 30d) > 0 and affinity("Beauty") > 0.2 or monetary >= 100`, Schema)
	if err != nil {
		b.Fatal(err)
	}
	ctx := &Context{Now: t0.AddDate(0, 0, 60).Unix()}
	rec := bl.NewRecord(ps[0], ctx, nil)
	b.ResetTimer()
	selected := 0
	for b.Loop() {
		selected = 0
		for _, p := range ps {
			rec.Reset(p, ctx, nil)
			if expr.Eval(rec) {
				selected++
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/profile")
	b.ReportMetric(float64(selected)/n, "selected")
}
