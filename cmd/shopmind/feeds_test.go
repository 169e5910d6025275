package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/config"
	"github.com/shopmind/shopmind/store"
)

// feedNode runs serveOn on st until the test ends and returns its address.
func feedNode(t *testing.T, cfg config.Config, st store.Store) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done, ready := make(chan error, 1), make(chan string, 1)
	go func() {
		done <- serveOn(ctx, cfg, slog.New(slog.DiscardHandler), st, ln, func(addr string) { ready <- addr })
	}()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case addr := <-ready:
		return addr
	case err := <-done:
		t.Fatalf("serveOn: %v", err)
	case <-time.After(time.Minute): // slow under -race on a busy machine
		t.Fatal("serveOn did not start within a minute")
	}
	return ""
}

// metric reads one unlabelled sample from a node's /metrics.
func metric(t *testing.T, addr, name string) (float64, bool) {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			return f, err == nil
		}
	}
	return 0, false
}

// Two nodes over one store: an item written or deleted through one is in
// the other's catalogue view within the feed poll interval, and every
// follower's staleness is in /metrics.
func TestCatalogueFollowsFeedAcrossNodes(t *testing.T) {
	cfg := config.Default()
	cfg.Data = t.TempDir() // the store and the generated PII key live here, not in the working directory
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(cfg.Data, "shop.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg.Addr = "127.0.0.1:0"
	cfg.FeedPollInterval = config.Duration{Duration: 50 * time.Millisecond}
	a, b := feedNode(t, cfg, st), feedNode(t, cfg, st)

	for _, name := range []string{"shopmind_profile_feed_since_sync_seconds", "shopmind_consent_feed_since_sync_seconds",
		"shopmind_catalog_feed_since_sync_seconds", "shopmind_catalog_feed_lag_seconds", "shopmind_profile_feed_lag_seconds"} {
		if v, ok := metric(t, b, name); !ok || v < 0 || v > 5 {
			t.Errorf("%s on node b = %v (present %v); want a small non-negative number of seconds", name, v, ok)
		}
	}
	// applied waits until node b's catalogue reflects a feed position above
	// seq and returns how long that took.
	applied := func(seq float64) (float64, time.Duration) {
		t.Helper()
		start := time.Now()
		for {
			if v, ok := metric(t, b, "shopmind_catalog_applied_seq"); ok && v > seq {
				return v, time.Since(start)
			}
			if time.Since(start) > 5*time.Second {
				t.Fatalf("node b's catalogue did not move past item feed position %v within 5 s", seq)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	before, _ := metric(t, b, "shopmind_catalog_applied_seq")
	do := func(method, path, body string, want int) {
		t.Helper()
		req, _ := http.NewRequest(method, "http://"+a+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("%s %s on node a = %d %s, want %d", method, path, resp.StatusCode, msg, want)
		}
	}
	do("PUT", "/v1/items/tea", `{"id":"tea","title":"Green tea","price":12,"currency":"CNY"}`, http.StatusOK)
	put, took := applied(before)
	t.Logf("a put through node a reached node b's catalogue in %v (poll 50 ms)", took.Round(time.Millisecond))
	do("DELETE", "/v1/items/tea", "", http.StatusNoContent)
	_, took = applied(put)
	t.Logf("a deletion through node a reached node b's catalogue in %v", took.Round(time.Millisecond))
	if resp, err := http.Get("http://" + b + "/readyz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz on node b = %v, %v; want 200", resp, err)
	} else {
		resp.Body.Close()
	}
}
