package loadtest_test

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopmind/shopmind/loadtest"
)

func TestRunCountsAndFails(t *testing.T) {
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		if r.URL.Path == "/bad" {
			http.Error(w, "no", http.StatusInternalServerError)
			return
		}
		time.Sleep(2 * time.Millisecond)
		w.Write([]byte(`ok`))
	}))
	defer srv.Close()
	get := func(path string) func(ctx context.Context, _ *rand.Rand) (*http.Request, error) {
		return func(ctx context.Context, _ *rand.Rand) (*http.Request, error) {
			return http.NewRequestWithContext(ctx, "GET", srv.URL+path, nil)
		}
	}
	res, err := loadtest.Run(t.Context(), loadtest.Config{
		Clients: 4, Duration: 500 * time.Millisecond, Warmup: 100 * time.Millisecond,
		Targets: []loadtest.Target{{Name: "good", Weight: 3, Make: get("/good")}, {Name: "bad", Weight: 1, Make: get("/bad")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	good, bad, all := res.Routes[0], res.Routes[1], res.Routes[2]
	if good.Errors != 0 || bad.Errors != bad.Requests || bad.Requests == 0 {
		t.Errorf("good %d/%d errors, bad %d/%d errors; want none and all", good.Errors, good.Requests, bad.Errors, bad.Requests)
	}
	if all.Requests != good.Requests+bad.Requests || all.Requests > served.Load() {
		t.Errorf("all = %d requests, routes sum to %d, server saw %d", all.Requests, good.Requests+bad.Requests, served.Load())
	}
	// 4 clients, ≥2 ms each: at most ~2,000 requests/s in all.
	if res.RPS <= 0 || res.RPS > 2500 {
		t.Errorf("RPS = %.0f, want between 0 and 2,500", res.RPS)
	}
	if good.P50 < 2 || good.P99 < good.P50 || good.Max < good.P99 {
		t.Errorf("good latencies p50 %.2f p99 %.2f max %.2f ms; want ≥ 2 ms and ordered", good.P50, good.P99, good.Max)
	}
	share := float64(good.Requests) / float64(all.Requests)
	if share < 0.6 || share > 0.9 {
		t.Errorf("good share %.2f, want about 0.75", share)
	}
}
