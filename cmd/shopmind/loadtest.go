package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/shopmind/shopmind/loadtest"
)

func runLoadtest(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs := newFlags("loadtest", "Drive a bounded HTTP load against a shopmind server on loopback and print throughput and\n"+
		"p50/p90/p99 latency per route. Without --url it generates a synthetic shop in a temporary\n"+
		"store, starts `shopmind serve` on it as a separate process, waits for the first model and\n"+
		"measures that. Request ids follow the synthetic shop (syn-user-N, syn-item-N).", errOut)
	target := fs.String("url", "", "base URL of a running server (default: start one on a synthetic shop)")
	duration := fs.Duration("duration", 10*time.Second, "measured time")
	warmup := fs.Duration("warmup", 2*time.Second, "unmeasured time before")
	clients := fs.Int("clients", 16, "concurrent clients")
	mix := fs.String("mix", "recommend=1", "weighted routes: recommend, similar, bought-together, session, popular, ingest, healthz (the baseline) (e.g. recommend=8,ingest=1,similar=1)")
	users := fs.Int("users", 5000, "users of the synthetic shop")
	items := fs.Int("items", 10000, "items of the synthetic shop")
	key := fs.String("api-key", os.Getenv("SHOPMIND_LOADTEST_KEY"), "API key to send (also SHOPMIND_LOADTEST_KEY)")
	jsonOut := fs.String("json", "", "also write the result as JSON to this file")
	if err := fs.Parse(args); err != nil {
		return parseErr(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q; see shopmind loadtest --help", fs.Args())
	}
	if *duration <= 0 || *duration > 10*time.Minute || *clients < 1 || *clients > 1024 {
		return errors.New("--duration must be in (0, 10m] and --clients in [1, 1024]")
	}
	targets, err := loadTargets(*mix, *users, *items, *key)
	if err != nil {
		return err
	}
	base := strings.TrimRight(*target, "/")
	if base == "" {
		stop, url, err := hostShop(ctx, *users, *items, errOut)
		if err != nil {
			return err
		}
		defer stop()
		base = url
	}
	for i := range targets {
		make := targets[i].Make
		targets[i].Make = func(ctx context.Context, rng *rand.Rand) (*http.Request, error) {
			req, err := make(ctx, rng)
			if err == nil {
				req.URL, err = req.URL.Parse(base + req.URL.String())
			}
			return req, err
		}
	}
	fmt.Fprintf(errOut, "loadtest: %d clients for %s (after %s warm-up) against %s, mix %s\n", *clients, *duration, *warmup, base, *mix)
	res, err := loadtest.Run(ctx, loadtest.Config{Clients: *clients, Duration: *duration, Warmup: *warmup, Targets: targets, Seed: 1})
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "route\trequests\terrors\treq/s\tp50 ms\tp90 ms\tp99 ms\tmax ms\t")
	for _, r := range res.Routes {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%.2f\t%.2f\t%.2f\t%.1f\t\n", r.Name, r.Requests, r.Errors, r.RPS, r.P50, r.P90, r.P99, r.Max)
	}
	tw.Flush()
	for _, r := range res.Routes {
		if r.FirstError != "" {
			fmt.Fprintf(out, "%s: first error: %s\n", r.Name, r.FirstError)
		}
	}
	if *jsonOut != "" {
		b, _ := json.MarshalIndent(res, "", "  ")
		if err := os.WriteFile(*jsonOut, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", *jsonOut, err)
		}
	}
	if res.Errors > 0 {
		return fmt.Errorf("%d of %d requests failed", res.Errors, res.Requests)
	}
	return nil
}

// loadTargets builds the request makers of the mix; URLs are relative.
func loadTargets(mix string, users, items int, key string) ([]loadtest.Target, error) {
	if users < 1 || items < 2 {
		return nil, errors.New("--users must be at least 1 and --items at least 2")
	}
	user := func(rng *rand.Rand) string { return "syn-user-" + strconv.Itoa(1+rng.IntN(users)) }
	item := func(rng *rand.Rand) string { return "syn-item-" + strconv.Itoa(1+rng.IntN(items)) }
	get := func(path func(*rand.Rand) string) func(context.Context, *rand.Rand) (*http.Request, error) {
		return func(ctx context.Context, rng *rand.Rand) (*http.Request, error) {
			return authed(http.NewRequestWithContext(ctx, "GET", path(rng), nil))(key)
		}
	}
	post := func(path string, body func(*rand.Rand) []byte) func(context.Context, *rand.Rand) (*http.Request, error) {
		return func(ctx context.Context, rng *rand.Rand) (*http.Request, error) {
			return authed(http.NewRequestWithContext(ctx, "POST", path, bytes.NewReader(body(rng))))(key)
		}
	}
	var seq int64
	known := map[string]func(context.Context, *rand.Rand) (*http.Request, error){
		"recommend":       get(func(r *rand.Rand) string { return "/v1/users/" + user(r) + "/recommendations?n=10" }),
		"similar":         get(func(r *rand.Rand) string { return "/v1/items/" + item(r) + "/similar?n=10" }),
		"bought-together": get(func(r *rand.Rand) string { return "/v1/items/" + item(r) + "/bought-together?n=10" }),
		"popular":         get(func(*rand.Rand) string { return "/v1/recommendations/popular?n=10" }),
		// The baseline: the cheapest route through the same server stack.
		"healthz": get(func(*rand.Rand) string { return "/healthz" }),
		"session": post("/v1/recommendations/session", func(r *rand.Rand) []byte {
			b, _ := json.Marshal(map[string]any{"items": []string{item(r), item(r), item(r)}, "n": 10})
			return b
		}),
		"ingest": post("/v1/events", func(r *rand.Rand) []byte {
			evs := make([]map[string]any, 10)
			now := time.Now().UTC().Format(time.RFC3339Nano)
			for i := range evs {
				seq++
				evs[i] = map[string]any{"id": fmt.Sprintf("load-%d-%d-%d", os.Getpid(), r.Uint64(), seq), "type": "view",
					"user_id": user(r), "item_id": item(r), "timestamp": now}
			}
			b, _ := json.Marshal(evs)
			return b
		}),
	}
	var out []loadtest.Target
	for part := range strings.SplitSeq(mix, ",") {
		name, w, ok := strings.Cut(strings.TrimSpace(part), "=")
		weight, err := strconv.Atoi(w)
		mk, known := known[name]
		if !ok || err != nil || weight < 1 || !known {
			return nil, fmt.Errorf("--mix %q: write route=weight,... with routes recommend, similar, bought-together, session, popular, ingest, healthz", part)
		}
		out = append(out, loadtest.Target{Name: name, Weight: weight, Make: mk})
	}
	return out, nil
}

func authed(req *http.Request, err error) func(key string) (*http.Request, error) {
	return func(key string) (*http.Request, error) {
		if err == nil && key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		if err == nil && req.Method == "POST" {
			req.Header.Set("Content-Type", "application/json")
		}
		return req, err
	}
}

// hostShop generates a synthetic shop in a temporary directory, starts
// `shopmind serve` on it and waits for the first recommendation model.
func hostShop(ctx context.Context, users, items int, errOut io.Writer) (stop func(), base string, err error) {
	dir, err := os.MkdirTemp("", "shopmind-loadtest-")
	if err != nil {
		return nil, "", err
	}
	cleanup := func() { os.RemoveAll(dir) }
	fmt.Fprintf(errOut, "loadtest: generating a synthetic shop of %d users and %d items in %s\n", users, items, dir)
	if err := runDemo(ctx, []string{"--no-serve", "--data", dir, "--users", strconv.Itoa(users), "--items", strconv.Itoa(items), "--log-level", "warn"}, io.Discard, errOut); err != nil {
		cleanup()
		return nil, "", fmt.Errorf("generating the shop: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cleanup()
		return nil, "", err
	}
	addr := ln.Addr().String()
	ln.Close()
	self, err := os.Executable()
	if err != nil {
		cleanup()
		return nil, "", err
	}
	cmd := exec.CommandContext(ctx, self, "serve", "--addr", addr, "--data", dir, "--log-level", "warn")
	cmd.Env = append(os.Environ(), "SHOPMIND_API_KEYS=")
	cmd.Stderr = errOut
	if err := cmd.Start(); err != nil {
		cleanup()
		return nil, "", err
	}
	stop = func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		cleanup()
	}
	base = "http://" + addr
	deadline := time.Now().Add(3 * time.Minute)
	for {
		resp, err := http.Get(base + "/v1/models/recommend")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			stop()
			return nil, "", errors.New("the server did not publish a recommendation model within 3 minutes")
		}
		time.Sleep(200 * time.Millisecond)
	}
	fmt.Fprintf(errOut, "loadtest: server ready on %s with a trained model\n", base)
	return stop, base, nil
}
