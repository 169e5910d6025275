// Package loadtest owns bounded HTTP load generation: a fixed number of
// clients drive a weighted mix of requests against a server for a fixed
// time, and the latency of every request is kept per route so throughput
// and percentiles can be reported. It is meant for loopback: it has no
// pacing or coordinated-omission correction, so it measures a closed system
// (each client sends its next request when the last one is answered).
package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Target is one kind of request in the mix.
type Target struct {
	Name   string
	Weight int // relative share of requests (> 0)
	// Make builds a request; rng is the calling client's own.
	Make func(ctx context.Context, rng *rand.Rand) (*http.Request, error)
	// Check, if set, inspects a 2xx body; an error counts the request as
	// failed.
	Check func(body []byte) error
}

// Config is one run.
type Config struct {
	Clients  int           // concurrent clients (default 16)
	Duration time.Duration // measured time (default 10 s)
	Warmup   time.Duration // unmeasured time before (default 1 s)
	Targets  []Target
	Client   *http.Client // default: keep-alive client sized for Clients
	Seed     uint64
}

// Route is what one target measured.
type Route struct {
	Name     string  `json:"route"`
	Requests int64   `json:"requests"`
	Errors   int64   `json:"errors"`
	RPS      float64 `json:"rps"`
	P50      float64 `json:"p50_ms"`
	P90      float64 `json:"p90_ms"`
	P99      float64 `json:"p99_ms"`
	Max      float64 `json:"max_ms"`
	// FirstError describes the first failure, if any.
	FirstError string `json:"first_error,omitempty"`
}

// Result is a whole run.
type Result struct {
	Clients  int     `json:"clients"`
	Seconds  float64 `json:"seconds"`
	Requests int64   `json:"requests"`
	Errors   int64   `json:"errors"`
	RPS      float64 `json:"rps"`
	Routes   []Route `json:"routes"` // in Targets order, then "all"
}

type sample struct {
	target int
	lat    time.Duration
	err    error
}

// Run drives the load and returns the measurements. It stops early, with
// what it has, when ctx ends.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if len(cfg.Targets) == 0 {
		return Result{}, errors.New("loadtest: no targets")
	}
	total := 0
	for _, t := range cfg.Targets {
		if t.Weight <= 0 || t.Make == nil {
			return Result{}, fmt.Errorf("loadtest: target %q needs a positive weight and a request maker", t.Name)
		}
		total += t.Weight
	}
	if cfg.Clients <= 0 {
		cfg.Clients = 16
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 10 * time.Second
	}
	if cfg.Warmup < 0 {
		cfg.Warmup = 0
	} else if cfg.Warmup == 0 {
		cfg.Warmup = time.Second
	}
	client := cfg.Client
	if client == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConns = cfg.Clients * 2
		tr.MaxIdleConnsPerHost = cfg.Clients * 2
		client = &http.Client{Transport: tr, Timeout: 30 * time.Second}
	}
	pick := func(rng *rand.Rand) int {
		r := rng.IntN(total)
		for i, t := range cfg.Targets {
			if r < t.Weight {
				return i
			}
			r -= t.Weight
		}
		return len(cfg.Targets) - 1
	}
	runCtx, cancel := context.WithTimeout(ctx, cfg.Warmup+cfg.Duration)
	defer cancel()
	measureFrom := time.Now().Add(cfg.Warmup)
	measureTo := measureFrom.Add(cfg.Duration)
	per := make([][]sample, cfg.Clients)
	var wg sync.WaitGroup
	for c := range cfg.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(cfg.Seed, uint64(c)+1))
			var out []sample
			for runCtx.Err() == nil {
				ti := pick(rng)
				t := cfg.Targets[ti]
				req, err := t.Make(runCtx, rng)
				if err != nil {
					out = append(out, sample{target: ti, err: err})
					continue
				}
				start := time.Now()
				err = do(client, req, t.Check)
				end := time.Now()
				if runCtx.Err() != nil {
					// Cut off by the end of the run (its deadline can fall a
					// moment before measureTo), not a failure.
					break
				}
				if start.Before(measureFrom) {
					continue
				}
				out = append(out, sample{target: ti, lat: end.Sub(start), err: err})
			}
			per[c] = out
		}()
	}
	wg.Wait()
	secs := cfg.Duration.Seconds()
	if now := time.Now(); now.Before(measureTo) {
		secs = max(now.Sub(measureFrom).Seconds(), 1e-9)
	}
	res := Result{Clients: cfg.Clients, Seconds: secs}
	all := make([][]time.Duration, len(cfg.Targets)+1)
	routes := make([]Route, len(cfg.Targets)+1)
	for i, t := range cfg.Targets {
		routes[i].Name = t.Name
	}
	routes[len(cfg.Targets)].Name = "all"
	for _, out := range per {
		for _, s := range out {
			for _, i := range []int{s.target, len(cfg.Targets)} {
				routes[i].Requests++
				if s.err != nil {
					routes[i].Errors++
					if routes[i].FirstError == "" {
						routes[i].FirstError = s.err.Error()
					}
					continue
				}
				all[i] = append(all[i], s.lat)
			}
		}
	}
	for i := range routes {
		lat := all[i]
		slices.Sort(lat)
		routes[i].RPS = float64(routes[i].Requests) / secs
		routes[i].P50, routes[i].P90, routes[i].P99 = ms(quantile(lat, 0.5)), ms(quantile(lat, 0.9)), ms(quantile(lat, 0.99))
		if len(lat) > 0 {
			routes[i].Max = ms(lat[len(lat)-1])
		}
	}
	last := routes[len(routes)-1]
	res.Requests, res.Errors, res.RPS = last.Requests, last.Errors, last.RPS
	res.Routes = routes
	if len(cfg.Targets) == 1 {
		res.Routes = routes[:1]
	}
	return res, ctx.Err()
}

func do(client *http.Client, req *http.Request, check func([]byte) error) error {
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: status %d: %.200s", req.Method, req.URL.Path, resp.StatusCode, body)
	}
	if check != nil {
		return check(body)
	}
	return nil
}

// quantile is the nearest-rank quantile of sorted latencies.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
