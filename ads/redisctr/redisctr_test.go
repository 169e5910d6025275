package redisctr_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopmind/shopmind/ads"
	"github.com/shopmind/shopmind/ads/adstest"
	"github.com/shopmind/shopmind/ads/redisctr"
	"github.com/shopmind/shopmind/internal/testenv"
)

// open connects to SHOPMIND_TEST_REDIS with a random key prefix that the
// test deletes at the end; without the variable the test skips.
func open(t testing.TB) *redisctr.Counters {
	t.Helper()
	url := testenv.RedisURL(t)
	prefix := "shopmind-test:" + rand.Text()[:12] + ":"
	c, err := redisctr.Open(context.Background(), url, prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.DeleteAll(context.Background()); err != nil {
			t.Errorf("cleaning up %s*: %v", prefix, err)
		}
		c.Close()
	})
	return c
}

func TestRedisCounters(t *testing.T) {
	adstest.Run(t, func(t *testing.T) ads.Counters { return open(t) })
}

func TestRedisCleansUp(t *testing.T) {
	c := open(t)
	ctx := t.Context()
	c.Charge(ctx, ads.CampaignDay{Campaign: "a", Day: "2025-03-01"}, 5, 0, 0)
	c.SaveDecision(ctx, "d", []byte("x"), time.Minute)
	if err := c.DeleteAll(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.LoadDecision(ctx, "d"); err != ads.ErrUnknownDecision {
		t.Errorf("decision after DeleteAll: %v", err)
	}
	// Daily spend keys expire; total keys do not.
	c.Charge(ctx, ads.CampaignDay{Campaign: "a", Day: "2025-03-01"}, 5, 0, 0)
	keys, _ := c.Client().Keys(ctx, "*spend:{a}:*").Result()
	for _, k := range keys {
		ttl, _ := c.Client().PTTL(ctx, k).Result()
		if daily := k[len(k)-5:] != "total"; daily != (ttl > 0) {
			t.Errorf("key %s has TTL %v", k, ttl)
		}
	}
}

// TestRedisEngineSharedBudget runs two engines (two nodes) on the same
// Redis counters with 16 concurrent deciders: the shared budgets hold.
func TestRedisEngineSharedBudget(t *testing.T) {
	c := open(t)
	cs := []ads.Campaign{
		{ID: "a", Advertiser: "x", Status: ads.Active, BidType: ads.CPM, Bid: 10, DailyBudget: 0.15, FrequencyCap: 2,
			Creatives: []ads.Creative{{ID: "k", ItemID: "i"}}},
		{ID: "b", Advertiser: "y", Status: ads.Active, BidType: ads.CPC, Bid: 0.2, DailyBudget: 1,
			Creatives: []ads.Creative{{ID: "k", ItemID: "i"}}},
	}
	var nodes []*ads.Engine
	for i := range 2 {
		e := ads.NewEngine(c, ads.StatsPredictor{}, ads.Config{ReserveCPM: 3, Seed: uint64(i + 1), Pacing: ads.PacingConfig{Disabled: true}})
		if err := e.SetCampaigns(cs); err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, e)
	}
	at := time.Date(2025, 3, 5, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	seen := map[string]int{}
	var errs atomic.Int64
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			ctx := context.Background()
			e := nodes[w%2]
			for i := range 60 {
				user := fmt.Sprint("u", (w*60+i)%40)
				d, err := e.Decide(ctx, &ads.Request{User: user, Slots: 2, Context: ads.Context{Time: at}})
				if err != nil {
					errs.Add(1)
					return
				}
				for s, ad := range d.Ads {
					mu.Lock()
					seen[user+"/"+ad.CampaignID]++
					mu.Unlock()
					if _, err := e.Feedback(ctx, d.Record, s, ads.Impression); err != nil {
						errs.Add(1)
					}
					if _, err := e.Feedback(ctx, d.Record, s, ads.Click); err != nil {
						errs.Add(1)
					}
				}
			}
		})
	}
	wg.Wait()
	if errs.Load() > 0 {
		t.Fatalf("%d Redis errors", errs.Load())
	}
	daily, total := make([]int64, 2), make([]int64, 2)
	keys := []ads.CampaignDay{{Campaign: "a", Day: "2025-03-05"}, {Campaign: "b", Day: "2025-03-05"}}
	if err := c.Spend(t.Context(), keys, daily, total); err != nil {
		t.Fatal(err)
	}
	if daily[0] != 150_000 || daily[1] != 1_000_000 {
		t.Errorf("spend %v, want both budgets spent exactly (150000, 1000000)", daily)
	}
	for k, n := range seen {
		if k[len(k)-1] == 'a' && n > 2 {
			t.Errorf("%s served %d times under a cap of 2", k, n)
		}
	}
}

// BenchmarkRedisCharge measures check-and-add throughput against Redis
// from parallel goroutines.
func BenchmarkRedisCharge(b *testing.B) {
	c := open(b)
	var id atomic.Int64
	b.SetParallelism(8) // round trips overlap: 8 goroutines per CPU
	b.RunParallel(func(pb *testing.PB) {
		k := id.Add(1)
		i := 0
		for pb.Next() {
			i++
			key := ads.CampaignDay{Campaign: fmt.Sprint("c", (int(k)*7+i)%64), Day: "2025-03-05"}
			if _, err := c.Charge(context.Background(), key, 1000, 1<<50, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
}
