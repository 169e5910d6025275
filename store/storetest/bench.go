package storetest

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// BenchBatch is the number of events per AppendEvents call in Bench.
const BenchBatch = 1000

// Bench measures AppendEvents on the store open returns: each iteration
// appends one batch of BenchBatch new events (distinct ids) spread over about
// 1,000 users and 5,000 items, with sessions and context set as a shop's
// tracker would send them. It reports events/s besides ns/op (per batch).
func Bench(b *testing.B, open func(b *testing.B) store.Store) {
	s := open(b)
	ctx := b.Context()
	gen := newEventGen(42)
	var events int
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		batch := gen.batch(BenchBatch)
		b.StartTimer()
		res, err := s.AppendEvents(ctx, batch)
		if err != nil {
			b.Fatalf("AppendEvents: %v", err)
		}
		if len(res) != len(batch) {
			b.Fatalf("AppendEvents of %d events returned %d results", len(batch), len(res))
		}
		for i, ok := range res {
			if !ok {
				b.Fatalf("AppendEvents reported new event %q as a duplicate", batch[i].ID)
			}
		}
		events += len(batch)
	}
	if sec := b.Elapsed().Seconds(); sec > 0 {
		b.ReportMetric(float64(events)/sec, "events/s")
	}
}

// eventGen makes realistic, valid events with ids that never repeat.
type eventGen struct {
	rng  *rand.Rand
	next int
	now  time.Time
}

func newEventGen(seed uint64) *eventGen {
	return &eventGen{rng: rand.New(rand.NewPCG(seed, seed)), now: time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)}
}

var (
	benchChannels = []string{"app", "web", "mini_program"}
	benchDevices  = []string{"mobile", "desktop", "tablet"}
	benchPages    = []string{"home", "search", "category", "product_detail", "cart"}
)

func (g *eventGen) batch(n int) []shop.Event {
	out := make([]shop.Event, n)
	for i := range out {
		g.next++
		g.now = g.now.Add(time.Duration(g.rng.IntN(2000)) * time.Millisecond).Truncate(time.Microsecond)
		user := g.rng.IntN(1000)
		e := shop.Event{
			ID:        fmt.Sprintf("bench-%09d", g.next),
			Type:      shop.View,
			UserID:    fmt.Sprintf("user-%04d", user),
			ItemID:    fmt.Sprintf("sku-%05d", g.rng.IntN(5000)),
			Timestamp: g.now,
			SessionID: fmt.Sprintf("sess-%04d-%d", user, g.next/50),
			Context: shop.Context{
				Channel:   benchChannels[g.rng.IntN(len(benchChannels))],
				Device:    benchDevices[g.rng.IntN(len(benchDevices))],
				Page:      benchPages[g.rng.IntN(len(benchPages))],
				Placement: "recs_home_1",
				Referrer:  "https://www.example.com/campaign?utm_source=newsletter",
			},
		}
		switch r := g.rng.IntN(100); {
		case r < 10:
			e.Type = shop.Click
		case r < 15:
			e.Type = shop.AddToCart
			e.Quantity = 1
		case r < 17:
			e.Type = shop.Purchase
			e.Quantity = float64(1 + g.rng.IntN(3))
			e.Revenue = float64(g.rng.IntN(50000)) / 100
			e.Currency = "CNY"
			e.OrderID = fmt.Sprintf("order-%d", g.next)
		case r < 22:
			e.Type = shop.Search
			e.ItemID = ""
			e.Query = "green tea gift set"
		case r < 25:
			e.Type = shop.AdImpression
			e.Context.CampaignID = "cmp-spring"
			e.Context.AdID = fmt.Sprintf("ad-%d", g.rng.IntN(20))
			e.Context.CreativeID = "cr-1"
		}
		out[i] = e
	}
	return out
}
