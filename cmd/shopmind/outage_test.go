package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/config"
	"github.com/shopmind/shopmind/internal/tcpproxy"
	"github.com/shopmind/shopmind/internal/testenv"
	"github.com/shopmind/shopmind/store"
)

// PostgreSQL goes away under a running node and comes back: while it is
// gone writes answer 503 with Retry-After and readiness is 503; when it is
// back, without a restart, writes succeed, readiness is 200, the profile
// follower catches up with the new events, the elected work is led again,
// and no background loop has stopped.
func TestPostgresOutageAndRecovery(t *testing.T) {
	u, err := url.Parse(testenv.PostgresSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy, err := tcpproxy.New(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	u.Host = proxy.Addr()
	q := u.Query()
	q.Set("connect_timeout", "2")
	u.RawQuery = q.Encode()
	st, err := store.Open(t.Context(), u.String(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() }) // after serveOn stops (cleanups run last first)
	cfg := config.Default()
	cfg.Data = t.TempDir()
	srv := serveInProcess(t, cfg, st)
	base := "http://" + srv.addr
	client := &http.Client{Timeout: 10 * time.Second}

	get := func(path string) *http.Response {
		resp, err := client.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	post := func(user string, n int) *http.Response {
		body := fmt.Sprintf(`[{"id":"%s-%d","type":"view","user_id":%q,"item_id":"i%d","timestamp":"2026-11-01T10:00:00Z"}]`, user, n, user, n)
		resp, err := client.Post(base+"/v1/events", "application/json", bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatalf("POST /v1/events: %v", err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	waitUntil(t, 20*time.Second, "readiness", func() bool { return get("/readyz").StatusCode == 200 })
	if r := post("before", 1); r.StatusCode != 200 {
		t.Fatalf("write before the outage: %d", r.StatusCode)
	}
	waitUntil(t, 10*time.Second, "the trainer lead", func() bool { return leads(t, srv.addr, "recommend-trainer") })

	proxy.Cut()
	for i := range 3 {
		start := time.Now()
		r := post("during", i)
		if r.StatusCode != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
			t.Errorf("write %d during the outage: %d, Retry-After %q; want 503 with Retry-After", i, r.StatusCode, r.Header.Get("Retry-After"))
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("write %d during the outage took %v", i, d)
		}
	}
	if r := get("/readyz"); r.StatusCode != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
		t.Errorf("readiness during the outage: %d; want 503 with Retry-After", r.StatusCode)
	}
	if r := get("/healthz"); r.StatusCode != 200 {
		t.Errorf("liveness during the outage: %d; the process is alive", r.StatusCode)
	}
	time.Sleep(3 * time.Second) // the followers poll and fail a few times

	proxy.Restore()
	restored := time.Now()
	waitUntil(t, 10*time.Second, "writes after the restore", func() bool { return post("after", 1).StatusCode == 200 })
	waitUntil(t, 10*time.Second, "readiness after the restore", func() bool { return get("/readyz").StatusCode == 200 })
	t.Logf("writes and readiness back %v after the restore", time.Since(restored).Round(time.Millisecond))
	waitUntil(t, 10*time.Second, "the profile of a user first seen after the restore",
		func() bool { return get("/v1/users/after/profile").StatusCode == 200 })
	waitUntil(t, 15*time.Second, "the trainer lead after the restore", func() bool { return leads(t, srv.addr, "recommend-trainer") })
	for _, stopped := range []string{"profiles stopped", "recommendations stopped", "consent stopped", "ads stopped", "experiments stopped", "assistant stopped"} {
		if strings.Contains(srv.log.String(), stopped) {
			t.Errorf("log says %q: a follower gave up during the outage", stopped)
		}
	}
}
