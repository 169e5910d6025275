package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/shopmind/shopmind/config"
	"github.com/shopmind/shopmind/internal/testenv"
	"github.com/shopmind/shopmind/store"
)

// syncBuffer collects a child process's output for the test.
type syncBuffer = testenv.SyncBuffer

// inProcess is serveOn running in the test's process.
type inProcess struct {
	addr   string
	cancel context.CancelFunc
	done   chan error
	log    *syncBuffer
}

// serveInProcess runs serveOn on st until the test ends or cancel is
// called, and waits until it accepts connections.
func serveInProcess(t *testing.T, cfg config.Config, st store.Store) *inProcess {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &inProcess{done: make(chan error, 1), log: &syncBuffer{}}
	log := slog.New(slog.NewTextHandler(p.log, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	ready := make(chan string, 1)
	go func() { p.done <- serveOn(ctx, cfg, log, st, ln, func(addr string) { ready <- addr }) }()
	select {
	case p.addr = <-ready:
	case err := <-p.done:
		t.Fatalf("serveOn: %v\n%s", err, p.log)
	case <-time.After(20 * time.Second):
		t.Fatal("serveOn did not start within 20 s")
	}
	t.Cleanup(func() {
		cancel()
		select {
		case <-p.done:
		case <-time.After(30 * time.Second):
			t.Error("serveOn did not return within 30 s of its context ending")
		}
	})
	return p
}

// SIGTERM (the context ending) while a request is in flight: the request
// still gets its answer and its events are stored, new connections are
// refused from the moment shutdown begins, and serveOn returns cleanly.
func TestShutdownDrainsRequestsInFlight(t *testing.T) {
	cfg := config.Default()
	cfg.Data = t.TempDir()
	cfg.ShutdownTimeout = config.Duration{Duration: 10 * time.Second}
	st, err := store.Open(t.Context(), "sqlite:"+filepath.Join(cfg.Data, "shop.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() }) // after serveOn stops (cleanups run last first)
	srv := serveInProcess(t, cfg, st)

	// A batch whose body arrives in two parts: the handler is working on it
	// (reading the body) when shutdown begins.
	body := []byte(`[{"id":"in-flight-1","type":"view","user_id":"u1","item_id":"i1","timestamp":"2026-11-01T10:00:00Z"},` +
		`{"id":"in-flight-2","type":"view","user_id":"u1","item_id":"i2","timestamp":"2026-11-01T10:01:00Z"}]`)
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", "http://"+srv.addr+"/v1/events", pr)
	req.Header.Set("Content-Type", "application/json")
	req.ContentLength = int64(len(body))
	type answer struct {
		status int
		body   []byte
		err    error
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			answered <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		answered <- answer{status: resp.StatusCode, body: b}
	}()
	half := len(body) / 2
	if _, err := pw.Write(body[:half]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the server reads the headers and starts the handler

	srv.cancel()
	refused := false
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", srv.addr, 200*time.Millisecond)
		if err != nil {
			refused = true
			break
		}
		c.Close()
	}
	if !refused {
		t.Error("new connections still accepted 5 s after shutdown began")
	}
	select {
	case a := <-answered:
		t.Fatalf("the request in flight was answered before its body was sent: %+v", a)
	case err := <-srv.done:
		t.Fatalf("serveOn returned with a request in flight: %v", err)
	default:
	}

	if _, err := pw.Write(body[half:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	a := <-answered
	if a.err != nil || a.status != http.StatusOK {
		t.Fatalf("request in flight during shutdown: status %d, err %v, body %s", a.status, a.err, a.body)
	}
	var sum struct {
		Results []struct{ ID, Status string } `json:"results"`
	}
	if err := json.Unmarshal(a.body, &sum); err != nil || len(sum.Results) != 2 {
		t.Fatalf("answer %s: %v", a.body, err)
	}
	for _, r := range sum.Results {
		if r.Status != "accepted" {
			t.Errorf("row %s: %s", r.ID, r.Status)
		}
	}
	select {
	case err := <-srv.done:
		if err != nil {
			t.Errorf("serveOn after a graceful shutdown: %v", err)
		}
		srv.done <- err // for the cleanup
	case <-time.After(15 * time.Second):
		t.Fatal("serveOn did not return after the request in flight finished")
	}
	evs, err := st.EventsSince(context.Background(), 0, 10)
	if err != nil || len(evs) != 2 {
		t.Errorf("stored events after shutdown: %d, %v; want the 2 acknowledged", len(evs), err)
	}
}
