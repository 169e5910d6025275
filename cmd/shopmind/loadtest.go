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
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/shopmind/shopmind/config"
	"github.com/shopmind/shopmind/loadtest"
	"github.com/shopmind/shopmind/recserve"
	"github.com/shopmind/shopmind/synth"
)

// memoryMetrics are what a soak samples from each node's /metrics: the heap
// in use (a sawtooth over GC cycles), the heap goal set by the last GC (twice
// the live heap at the default GOGC, so a steadier trend) and resident memory.
var memoryMetrics = []string{"go_memstats_heap_inuse_bytes", "go_memstats_next_gc_bytes", "process_resident_memory_bytes"}

func runLoadtest(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs := newFlags("loadtest", "Drive a bounded HTTP load against shopmind on loopback and print throughput and\n"+
		"p50/p90/p99 latency per route. Without --url it generates a synthetic shop in a temporary\n"+
		"store, starts `shopmind serve` on it as a separate process, waits for the first model and\n"+
		"measures that; with --cluster N it starts N `--role api` nodes and one `--role trainer` on\n"+
		"the PostgreSQL store named by --store (and Redis by --redis) instead, filling the store\n"+
		"with the synthetic shop if it holds no events. With --url a,b,c it round-robins over\n"+
		"running servers. Request ids follow the synthetic shop (syn-user-N, syn-item-N).\n"+
		"With --soak it keeps the load for that long and samples every node's heap and resident\n"+
		"memory from /metrics every --sample, printing the curve and writing it to --plot.", errOut)
	target := fs.String("url", "", "base URLs of running servers, comma-separated, used round-robin (default: start one on a synthetic shop)")
	cluster := fs.Int("cluster", 0, "start this many --role api nodes and one --role trainer on --store (PostgreSQL) and measure them")
	storeURL := fs.String("store", "", "with --cluster: the PostgreSQL store URL (its search_path schema must exist)")
	redisURL := fs.String("redis", "", "with --cluster: Redis URL for shared ad counters and rate limits (optional)")
	duration := fs.Duration("duration", 10*time.Second, "measured time")
	warmup := fs.Duration("warmup", 2*time.Second, "unmeasured time before")
	clients := fs.Int("clients", 16, "concurrent clients")
	mix := fs.String("mix", "recommend=1", "weighted routes: "+strings.Join(routeNames, ", ")+" (healthz is the baseline), e.g. ingest=1,recommend=4,decide=2")
	baseline := fs.Bool("baseline", false, "first measure healthz=1 for the same time against the same servers, and print the mix's throughput as a share of it")
	campaigns := fs.Int("campaigns", 5, "ad campaigns to create (idempotently) before a mix with decide")
	users := fs.Int("users", 5000, "users of the synthetic shop")
	items := fs.Int("items", 10000, "items of the synthetic shop")
	key := fs.String("api-key", os.Getenv("SHOPMIND_LOADTEST_KEY"), "API key to send (also SHOPMIND_LOADTEST_KEY); needs ingest and read, and admin to create campaigns")
	jsonOut := fs.String("json", "", "also write the result (or the soak's points) as JSON to this file")
	soak := fs.Duration("soak", 0, "run a soak of this length instead of one measurement (up to 2h; not for CI)")
	sample := fs.Duration("sample", 10*time.Second, "with --soak: how often memory is sampled")
	plot := fs.String("plot", "soak.html", "with --soak: write the memory curve as an HTML page with an SVG chart here")
	if err := fs.Parse(args); err != nil {
		return parseErr(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q; see shopmind loadtest --help", fs.Args())
	}
	if *soak == 0 && (*duration <= 0 || *duration > 10*time.Minute) || *clients < 1 || *clients > 1024 {
		return errors.New("--duration must be in (0, 10m] and --clients in [1, 1024]")
	}
	if *soak < 0 || *soak > 2*time.Hour || *soak > 0 && (*sample < time.Second || *sample > *soak) {
		return errors.New("--soak must be in (0, 2h] and --sample in [1s, soak]")
	}
	if *cluster < 0 || *cluster > 16 || *cluster > 0 && (*target != "" || !strings.HasPrefix(*storeURL, "postgres")) {
		return errors.New("--cluster takes 1 to 16 nodes, a PostgreSQL --store URL and no --url")
	}
	if *cluster == 0 && (*storeURL != "" || *redisURL != "") {
		return errors.New("--store and --redis are for --cluster; a node started without it uses a temporary embedded store")
	}
	targets, err := loadTargets(*mix, *users, *items, *key)
	if err != nil {
		return err
	}
	var bases []string
	for b := range strings.SplitSeq(*target, ",") {
		if b = strings.TrimRight(strings.TrimSpace(b), "/"); b != "" {
			bases = append(bases, b)
		}
	}
	switch {
	case *cluster > 0:
		stop, urls, err := hostCluster(ctx, *cluster, *storeURL, *redisURL, *users, *items, errOut)
		if err != nil {
			return err
		}
		defer stop()
		bases = urls
	case len(bases) == 0:
		stop, url, err := hostShop(ctx, *users, *items, errOut)
		if err != nil {
			return err
		}
		defer stop()
		bases = []string{url}
	}
	client := loadClient(*clients)
	if strings.Contains(*mix, "decide") {
		if err := ensureCampaigns(ctx, client, bases, *campaigns, *items, *key); err != nil {
			return err
		}
	}
	targets = onBases(targets, bases)
	if *soak > 0 {
		return runSoak(ctx, out, errOut, client, bases, targets, *clients, *soak, *sample, *warmup, *plot, *jsonOut, *mix)
	}
	run := func(ts []loadtest.Target, mix string) (loadtest.Result, error) {
		fmt.Fprintf(errOut, "loadtest: %d clients for %s (after %s warm-up) against %s, mix %s\n", *clients, *duration, *warmup, strings.Join(bases, ","), mix)
		return loadtest.Run(ctx, loadtest.Config{Clients: *clients, Duration: *duration, Warmup: *warmup, Targets: ts, Client: client, Seed: 1})
	}
	var base loadtest.Result
	if *baseline {
		hz, err := loadTargets("healthz=1", *users, *items, *key)
		if err != nil {
			return err
		}
		if base, err = run(onBases(hz, bases), "healthz=1 (baseline)"); err != nil {
			return err
		}
		printResult(out, base)
	}
	res, err := run(targets, *mix)
	if err != nil {
		return err
	}
	printResult(out, res)
	if *baseline && base.RPS > 0 {
		fmt.Fprintf(out, "mix throughput %.0f req/s = %.2f× the /healthz baseline of %.0f req/s\n", res.RPS, res.RPS/base.RPS, base.RPS)
	}
	if *jsonOut != "" {
		doc := map[string]any{"servers": bases, "mix": *mix, "result": res}
		if *baseline {
			doc["baseline"] = base
		}
		if err := writeJSON(*jsonOut, doc); err != nil {
			return err
		}
	}
	if res.Errors > 0 || base.Errors > 0 {
		return fmt.Errorf("%d of %d requests failed", res.Errors+base.Errors, res.Requests+base.Requests)
	}
	return nil
}

func loadClient(clients int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = clients * 2
	tr.MaxIdleConnsPerHost = clients * 2
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// onBases makes the targets' relative URLs absolute, each request going to
// the next server in turn.
func onBases(targets []loadtest.Target, bases []string) []loadtest.Target {
	var next atomic.Uint64
	out := make([]loadtest.Target, len(targets))
	for i, t := range targets {
		mk := t.Make
		t.Make = func(ctx context.Context, rng *rand.Rand) (*http.Request, error) {
			req, err := mk(ctx, rng)
			if err == nil {
				base := bases[(next.Add(1)-1)%uint64(len(bases))]
				req.URL, err = req.URL.Parse(base + req.URL.String())
			}
			return req, err
		}
		out[i] = t
	}
	return out
}

func printResult(out io.Writer, res loadtest.Result) {
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
}

func writeJSON(path string, v any) error {
	b, _ := json.MarshalIndent(v, "", "  ")
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// runSoak keeps the load for d and samples every server's memory each
// sample interval; it fails when any request failed.
func runSoak(ctx context.Context, out, errOut io.Writer, client *http.Client, bases []string, targets []loadtest.Target, clients int, d, every, warmup time.Duration, plot, jsonOut, mix string) error {
	var names []string
	for i := range bases {
		for _, m := range memoryMetrics {
			names = append(names, nodeValue(i, m))
		}
	}
	probe := func(ctx context.Context) (map[string]float64, error) {
		v := make(map[string]float64, len(names))
		for i, b := range bases {
			m, err := loadtest.Scrape(ctx, client, b, memoryMetrics...)
			if err != nil {
				return nil, err
			}
			for k, x := range m {
				v[nodeValue(i, k)] = x
			}
		}
		return v, nil
	}
	fmt.Fprintf(errOut, "loadtest: soak of %s with %d clients against %s, mix %s, memory every %s\n", d, clients, strings.Join(bases, ","), mix, every)
	// Fixed widths: each line is printed as its sample is taken.
	fmt.Fprintf(out, "%7s %8s %7s %8s", "minute", "req/s", "errors", "p99 ms")
	for _, n := range names {
		fmt.Fprintf(out, " %*s", max(len(n)+4, 10), n+" MiB")
	}
	fmt.Fprintln(out)
	var errs int64
	points, err := loadtest.Soak(ctx, loadtest.SoakConfig{
		Load:     loadtest.Config{Clients: clients, Targets: targets, Client: client, Seed: 1},
		Duration: d, Every: every, Warmup: warmup, Probe: probe,
	}, func(p loadtest.Point) {
		errs += p.Errors
		fmt.Fprintf(out, "%7.2f %8.0f %7d %8.2f", p.At.Minutes(), p.RPS, p.Errors, p.P99)
		for _, n := range names {
			fmt.Fprintf(out, " %*.1f", max(len(n)+4, 10), p.Values[n]/(1<<20))
		}
		fmt.Fprintln(out)
	})
	if len(points) > 0 {
		fmt.Fprintln(out, "summary (MiB; growth from the first sample after warm-up to the last; slope over the second half):")
		for _, n := range names {
			c := loadtest.Summarise(points, n)
			fmt.Fprintf(out, "  %s: start %.1f, max %.1f, end %.1f, growth %+.1f%%, late slope %+.2f MiB/min\n",
				n, c.Start/(1<<20), c.Max/(1<<20), c.End/(1<<20), 100*c.Growth, c.LateSlope/(1<<20))
		}
		if plot != "" {
			f, ferr := os.Create(plot)
			if ferr == nil {
				ferr = loadtest.WritePlot(f, fmt.Sprintf("shopmind soak: %s, %d clients, mix %s", d, clients, mix), "MiB", 1<<20, points, names)
				if cerr := f.Close(); ferr == nil {
					ferr = cerr
				}
			}
			if ferr != nil {
				return fmt.Errorf("writing the plot %s: %w", plot, ferr)
			}
			fmt.Fprintf(errOut, "loadtest: memory curve written to %s\n", plot)
		}
		if jsonOut != "" {
			if werr := writeJSON(jsonOut, map[string]any{"servers": bases, "mix": mix, "points": points}); werr != nil {
				return werr
			}
		}
	}
	if err != nil {
		return err
	}
	if errs > 0 {
		return fmt.Errorf("%d requests failed during the soak", errs)
	}
	return nil
}

func nodeValue(node int, metric string) string {
	short := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(metric, "go_memstats_"), "process_"), "_bytes")
	return fmt.Sprintf("node%d_%s", node+1, short)
}

var routeNames = []string{"recommend", "similar", "bought-together", "session", "popular", "ingest", "decide", "healthz"}

// ingestTypes are the event types an ingest batch draws from, with their
// shares of a shop's traffic.
var ingestTypes = []struct {
	typ    string
	weight int
}{{"view", 70}, {"click", 15}, {"add_to_cart", 10}, {"favorite", 5}}

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
	var seq atomic.Int64
	devices := []string{"mobile", "desktop", "tablet"}
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
		// A batch of one user's session: ten events on items of the shop.
		"ingest": post("/v1/events", func(r *rand.Rand) []byte {
			evs := make([]map[string]any, 10)
			now := time.Now().UTC().Format(time.RFC3339Nano)
			u := user(r)
			for i := range evs {
				typ, w := "view", r.IntN(100)
				for _, t := range ingestTypes {
					if w < t.weight {
						typ = t.typ
						break
					}
					w -= t.weight
				}
				evs[i] = map[string]any{"id": fmt.Sprintf("load-%d-%x-%d", os.Getpid(), r.Uint64(), seq.Add(1)), "type": typ,
					"user_id": u, "item_id": item(r), "timestamp": now}
			}
			b, _ := json.Marshal(evs)
			return b
		}),
		"decide": post("/v1/ads/decide", func(r *rand.Rand) []byte {
			b, _ := json.Marshal(map[string]any{"user": user(r), "context": map[string]any{"device": devices[r.IntN(len(devices))]}, "slots": 1})
			return b
		}),
	}
	var out []loadtest.Target
	for part := range strings.SplitSeq(mix, ",") {
		name, w, ok := strings.Cut(strings.TrimSpace(part), "=")
		weight, err := strconv.Atoi(w)
		mk, known := known[name]
		if !ok || err != nil || weight < 1 || !known {
			return nil, fmt.Errorf("--mix %q: write route=weight,... with routes %s", part, strings.Join(routeNames, ", "))
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

// ensureCampaigns creates n CPC campaigns (loadtest-1 …) through the first
// server, each with two creatives on items of the synthetic shop and a
// budget the load cannot spend; one that exists already is kept. It then
// waits until every server's ad decisions return an ad, so the load
// measures auctions rather than empty answers.
func ensureCampaigns(ctx context.Context, client *http.Client, bases []string, n, items int, key string) error {
	for i := 1; i <= n; i++ {
		c := map[string]any{"id": fmt.Sprintf("loadtest-%d", i), "advertiser": fmt.Sprintf("loadtest-adv-%d", 1+i%3),
			"bid_type": "cpc", "bid": 0.2 + 0.1*float64(i), "daily_budget": 1e9,
			"creatives": []any{
				map[string]any{"id": "a", "item_id": "syn-item-" + strconv.Itoa(1+(i*7)%items), "text": "Load test offer A"},
				map[string]any{"id": "b", "item_id": "syn-item-" + strconv.Itoa(1+(i*13)%items), "text": "Load test offer B"},
			}}
		b, _ := json.Marshal(c)
		req, err := authed(http.NewRequestWithContext(ctx, "POST", bases[0]+"/v1/campaigns", bytes.NewReader(b)))(key)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("creating campaign %s: %w", c["id"], err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusConflict {
			return fmt.Errorf("creating campaign %s: status %d: %.300s (the API key needs the admin scope)", c["id"], resp.StatusCode, body)
		}
	}
	if n == 0 {
		return nil
	}
	for _, base := range bases {
		deadline := time.Now().Add(30 * time.Second)
		for {
			req, err := authed(http.NewRequestWithContext(ctx, "POST", base+"/v1/ads/decide", strings.NewReader(`{"user":"syn-user-1","slots":1}`)))(key)
			if err != nil {
				return err
			}
			var d struct {
				Ads []json.RawMessage `json:"ads"`
			}
			resp, err := client.Do(req)
			if err == nil {
				json.NewDecoder(resp.Body).Decode(&d)
				resp.Body.Close()
			}
			if len(d.Ads) > 0 {
				break
			}
			if time.Now().After(deadline) || ctx.Err() != nil {
				return fmt.Errorf("%s returned no ad within 30 s of creating the campaigns", base)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	return nil
}

// node is a `shopmind serve` process started for the measurement.
type node struct {
	cmd  *exec.Cmd
	base string
}

// startNode starts `shopmind serve` with args on a free loopback port.
func startNode(ctx context.Context, errOut io.Writer, args ...string) (*node, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, self, append([]string{"serve", "--addr", addr, "--log-level", "warn"}, args...)...)
	cmd.Env = append(os.Environ(), "SHOPMIND_API_KEYS=")
	cmd.Stderr = errOut
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &node{cmd: cmd, base: "http://" + addr}, nil
}

// stop interrupts the node and waits for its graceful shutdown.
func (n *node) stop() {
	n.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { n.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		n.cmd.Process.Kill()
		<-done
	}
}

// waitFor polls path on base until it answers 200.
func waitFor(ctx context.Context, base, path string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		resp, err := http.Get(base + path)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("%s%s did not answer 200 within %s", base, path, limit)
		}
		time.Sleep(200 * time.Millisecond)
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
	n, err := startNode(ctx, errOut, "--data", dir)
	if err != nil {
		cleanup()
		return nil, "", err
	}
	stop = func() { n.stop(); cleanup() }
	if err := waitFor(ctx, n.base, "/v1/models/recommend", 3*time.Minute); err != nil {
		stop()
		return nil, "", fmt.Errorf("the server did not publish a recommendation model: %w", err)
	}
	fmt.Fprintf(errOut, "loadtest: server ready on %s with a trained model\n", n.base)
	return stop, n.base, nil
}

// hostCluster starts one trainer and n API nodes on the PostgreSQL store
// (and Redis) on loopback, after filling the store with a synthetic shop
// and training a model when it holds no events yet, and returns the API
// nodes' URLs once each serves the model.
func hostCluster(ctx context.Context, n int, storeURL, redisURL string, users, items int, errOut io.Writer) (stop func(), bases []string, err error) {
	cfg := config.Default()
	cfg.Store = storeURL
	log := newLogger(cfg, errOut)
	log = log.With("in", "loadtest")
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return nil, nil, err
	}
	stats, err := st.Stats(ctx)
	if err == nil && stats.Events == 0 {
		fmt.Fprintf(errOut, "loadtest: filling %s with a synthetic shop of %d users and %d items\n", redactURL(storeURL), users, items)
		var sh *synth.Shop
		sh, err = synth.Generate(synth.Config{Seed: 1, Users: users, Items: items, Days: 28, Start: time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -28)})
		if err == nil {
			err = loadShop(ctx, st, sh, errOut)
		}
		if err == nil {
			var rc recserve.Config
			if rc, err = recConfig(cfg); err == nil {
				_, err = recserve.New(st, nil, nil, rc, log).Train(ctx, nil)
			}
		}
	} else if err == nil {
		fmt.Fprintf(errOut, "loadtest: %s already holds %d events; using them (ids must follow the synthetic shop)\n", redactURL(storeURL), stats.Events)
	}
	st.Close()
	if err != nil {
		return nil, nil, fmt.Errorf("preparing the cluster's store: %w", err)
	}
	common := []string{"--store", storeURL}
	if redisURL != "" {
		common = append(common, "--redis", redisURL)
	}
	var nodes []*node
	stop = func() {
		for _, nd := range nodes {
			nd.stop()
		}
	}
	// The trainer does not retrain during the measurement (train_interval 0:
	// only when no model exists).
	tr, err := startNode(ctx, errOut, append([]string{"--role", "trainer", "--train-interval", "0"}, common...)...)
	if err != nil {
		return nil, nil, err
	}
	nodes = append(nodes, tr)
	for range n {
		nd, err := startNode(ctx, errOut, append([]string{"--role", "api"}, common...)...)
		if err != nil {
			stop()
			return nil, nil, err
		}
		nodes = append(nodes, nd)
		bases = append(bases, nd.base)
	}
	for _, b := range bases {
		if err := waitFor(ctx, b, "/v1/models/recommend", 3*time.Minute); err != nil {
			stop()
			return nil, nil, err
		}
	}
	fmt.Fprintf(errOut, "loadtest: cluster ready: trainer %s, API nodes %s\n", tr.base, strings.Join(bases, ","))
	return stop, bases, nil
}
