package redisctr_test

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/url"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/shopmind/shopmind/ads"
	"github.com/shopmind/shopmind/ads/redisctr"
	"github.com/shopmind/shopmind/internal/tcpproxy"
	"github.com/shopmind/shopmind/internal/testenv"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// With no Redis at all, decisions still get budget, frequency and records,
// on conservative local limits, and the fallback says it is degraded.
func TestFallbackDeadRedis(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 20 * time.Millisecond})
	defer rdb.Close()
	f := ads.NewFallback(redisctr.New(rdb, "x:"), ads.FallbackConfig{Timeout: 50 * time.Millisecond, Log: quiet()})
	ctx := t.Context()
	key := ads.CampaignDay{Campaign: "c", Day: "2025-03-05"}
	start := time.Now()
	var charged int64
	for range 50 {
		n, err := f.Charge(ctx, key, 100, 10_000, 0)
		if err != nil {
			t.Fatal(err)
		}
		charged += n
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("50 charges with Redis dead took %v; the fallback should answer at once", took)
	}
	if !f.Degraded() || charged != 500 {
		t.Errorf("degraded %v, charged %d; want true and 5%% of 10000", f.Degraded(), charged)
	}
	if err := f.SaveDecision(ctx, "d", []byte("r"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if b, err := f.LoadDecision(ctx, "d"); err != nil || string(b) != "r" {
		t.Errorf("local decision record: %q, %v", b, err)
	}
}

// A real Redis behind a proxy that is cut and restored mid-test: the
// fallback degrades, limits charges locally, and when Redis answers again it
// goes back by itself and adds what it charged meanwhile.
func TestFallbackCutAndRestore(t *testing.T) {
	raw := testenv.RedisURL(t)
	opt, err := redis.ParseURL(raw)
	if err != nil {
		t.Fatal(err)
	}
	proxy, err := tcpproxy.New(opt.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	u, _ := url.Parse(raw)
	u.Host = proxy.Addr()
	prefix := "shopmind-test:" + rand.Text()[:12] + ":"
	ctx := t.Context()
	c, err := redisctr.Open(ctx, u.String(), prefix)
	if err != nil {
		t.Fatal(err)
	}
	direct, err := redisctr.Open(ctx, raw, prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		direct.DeleteAll(context.Background())
		direct.Close()
		c.Close()
	})
	f := ads.NewFallback(c, ads.FallbackConfig{Timeout: 100 * time.Millisecond, ProbeInterval: 200 * time.Millisecond, Log: quiet()})
	key := ads.CampaignDay{Campaign: "c", Day: "2025-03-05"}
	d, tot := make([]int64, 1), make([]int64, 1)
	if n, err := f.Charge(ctx, key, 3000, 10_000, 0); err != nil || n != 3000 {
		t.Fatalf("charge through Redis: %d, %v", n, err)
	}
	if err := f.Spend(ctx, []ads.CampaignDay{key}, d, tot); err != nil || d[0] != 3000 {
		t.Fatalf("spend %d, %v", d[0], err)
	}

	proxy.Cut()
	var charged int64
	for range 20 {
		n, err := f.Charge(ctx, key, 100, 10_000, 0)
		if err != nil {
			t.Fatal(err)
		}
		charged += n
	}
	if !f.Degraded() || charged != 500 {
		t.Fatalf("with Redis cut: degraded %v, charged %d (want true, 500)", f.Degraded(), charged)
	}
	if ok, _ := f.ClaimFrequency(ctx, "u", key, 5); !ok {
		t.Error("first impression refused while degraded")
	}
	if ok, _ := f.ClaimFrequency(ctx, "u", key, 5); ok {
		t.Error("second impression allowed while degraded")
	}
	direct.Spend(ctx, []ads.CampaignDay{key}, d, tot)
	if d[0] != 3000 {
		t.Errorf("Redis spend while cut %d; want 3000 (local charges stay local)", d[0])
	}

	proxy.Restore()
	deadline := time.Now().Add(5 * time.Second)
	for f.Degraded() && time.Now().Before(deadline) {
		f.Spend(ctx, []ads.CampaignDay{key}, d, tot)
		time.Sleep(20 * time.Millisecond)
	}
	if f.Degraded() {
		t.Fatal("still degraded 5 s after Redis came back")
	}
	direct.Spend(ctx, []ads.CampaignDay{key}, d, tot)
	if d[0] != 3500 || tot[0] != 3500 {
		t.Errorf("Redis spend after recovery %d/%d; want 3500 (the degraded charges added)", d[0], tot[0])
	}
	fr := make([]int64, 1)
	direct.Frequency(ctx, "u", []ads.CampaignDay{key}, fr)
	if fr[0] != 1 {
		t.Errorf("Redis frequency of u after recovery %d; want 1", fr[0])
	}
	if n, err := f.Charge(ctx, key, 100, 10_000, 0); err != nil || n != 100 {
		t.Errorf("charge after recovery: %d, %v", n, err)
	}
}

// A Redis that accepts connections but never answers: each call gives up
// at the fallback's timeout, not at the client's own (seconds-long) ones.
func TestFallbackHungRedis(t *testing.T) {
	hung := tcpproxy.Hung(t)
	c := redisctr.New(redis.NewClient(&redis.Options{Addr: hung, ContextTimeoutEnabled: true}), "x:")
	defer c.Close()
	f := ads.NewFallback(c, ads.FallbackConfig{Timeout: 50 * time.Millisecond, Log: quiet()})
	start := time.Now()
	n, err := f.Charge(t.Context(), ads.CampaignDay{Campaign: "c", Day: "d"}, 10, 1000, 0)
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Errorf("a charge against a hung Redis took %v; want about the 50 ms timeout", took)
	}
	if err != nil || n != 10 || !f.Degraded() {
		t.Errorf("charge %d, %v, degraded %v; want 10 from the local allowance (5%% of 1000 = 50)", n, err, f.Degraded())
	}
}
