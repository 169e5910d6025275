package api

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/shopmind/shopmind/config"
	"github.com/shopmind/shopmind/telemetry"
)

// With max_inflight requests blocked in their handlers, the next request is
// refused at once with 429 and Retry-After; health and metrics still answer;
// once a slot frees, requests are served again.
func TestMaxInflight(t *testing.T) {
	const limit = 3
	cfg := config.Default()
	cfg.MaxInflight = limit
	s := New(Deps{Config: cfg, Metrics: telemetry.New(), Logger: slog.New(slog.DiscardHandler)})
	release := make(chan struct{})
	entered := make(chan struct{}, limit+1)
	mux := http.NewServeMux()
	mux.Handle("GET /v1/slow", s.wrap(route{method: "GET", path: "/v1/slow", scope: config.ScopeRead,
		handle: func(w http.ResponseWriter, r *http.Request) {
			entered <- struct{}{}
			<-release
			writeJSON(w, http.StatusOK, map[string]string{"status": "done"})
		}}))
	mux.Handle("/", s.Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()

	var wg sync.WaitGroup
	codes := make([]int, limit)
	for i := range limit {
		wg.Go(func() {
			resp, err := http.Get(srv.URL + "/v1/slow")
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			codes[i] = resp.StatusCode
		})
	}
	for range limit {
		<-entered
	}
	resp, err := http.Get(srv.URL + "/v1/slow")
	if err != nil {
		t.Fatal(err)
	}
	var p struct{ Type string }
	json.NewDecoder(resp.Body).Decode(&p)
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" ||
		resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("request %d: %d, Retry-After %q, %s; want 429 problem+json with Retry-After",
			limit+1, resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header.Get("Content-Type"))
	}
	for _, path := range []string{"/healthz", "/metrics"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s while the node is full: %d; health and metrics are never refused", path, resp.StatusCode)
		}
	}
	close(release)
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusOK {
			t.Errorf("blocked request %d finished with %d", i, c)
		}
	}
	resp, err = http.Get(srv.URL + "/v1/slow")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("after the slots freed: %d", resp.StatusCode)
	}
	if n := s.inflight.n.Load(); n != 0 {
		t.Errorf("%d slots still held after every request finished", n)
	}
}

// max_inflight 0 means no bound.
func TestMaxInflightUnbounded(t *testing.T) {
	l := inflight{}
	for range 10_000 {
		if !l.acquire(httptest.NewRecorder()) {
			t.Fatal("refused with no bound")
		}
	}
}
