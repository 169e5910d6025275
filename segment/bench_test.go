package segment_test

import (
	"sync"
	"testing"

	"github.com/shopmind/shopmind/segment"
	"github.com/shopmind/shopmind/shop"
)

// benchExpr is a realistic audience: browsed a lot this week, bought nothing
// this month, visited in the last two weeks.
const benchExpr = `count("view", 7d) > 3 and not count("purchase", 30d) > 0 and recency_days <= 14`

const benchRecords = 1_000_000

// benchProfiles are generated once for all benchmarks (about 300 MB).
var benchProfiles = sync.OnceValue(func() []profile { return randomProfiles(benchRecords, 42) })

// BenchmarkEval1M evaluates an expression over 1,000,000 fixed-array
// profiles; one op is the whole pass, and ns/record is the cost per profile.
// The target is at most 1 s per pass on one core. handwritten-baseline is
// benchExpr written in Go against the same Record interface, for scale.
func BenchmarkEval1M(b *testing.B) {
	ps := benchProfiles()
	recency := fieldIndex("recency_days")
	handwritten := func(r segment.Record) bool {
		return r.Count(shop.View, 7) > 3 && !(r.Count(shop.Purchase, 30) > 0) && r.Number(recency) <= 14
	}
	for _, bc := range []struct {
		name string
		eval func(segment.Record) bool
	}{
		{"brief", mustCompile(b, benchExpr).Eval},
		{"mixed", mustCompile(b, `(affinity("Beauty") > 0.2 or monetary >= 100) and lifecycle in ["at_risk", "lapsed"] and has_consent_ads and days_since("purchase") > 30`).Eval},
		{"handwritten-baseline", handwritten},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			hits := 0
			for b.Loop() {
				hits = 0
				for i := range ps {
					if bc.eval(&ps[i]) {
						hits++
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchRecords, "ns/record")
			b.ReportMetric(float64(hits)/benchRecords, "selected")
		})
	}
}

// BenchmarkCompile measures compiling a mid-sized expression.
func BenchmarkCompile(b *testing.B) {
	src := `count("view", 7d) > 3 and not count("purchase", 30d) > 0 and (affinity("Beauty") > 0.2 or monetary >= 100) and lifecycle in ["at_risk", "lapsed"]`
	b.ReportAllocs()
	for b.Loop() {
		if _, err := segment.Compile(src, testSchema); err != nil {
			b.Fatal(err)
		}
	}
}
