package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/shopmind/shopmind/config"
	"github.com/shopmind/shopmind/ingest"
	"github.com/shopmind/shopmind/recserve"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
	"github.com/shopmind/shopmind/synth"
)

func runDemo(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs := newFlags("demo", "Generate a synthetic shop (bilingual catalogue, users, weeks of sessions), store it in a\n"+
		"fresh embedded store and serve the API on loopback. Needs no network, dataset or API key.", errOut)
	seed := fs.Int64("seed", 1, "generator seed (same seed, same shop)")
	users := fs.Int("users", 1000, "number of users")
	items := fs.Int("items", 300, "number of items")
	days := fs.Int("days", 28, "days of behaviour")
	noServe := fs.Bool("no-serve", false, "generate and store, then exit without serving")
	b := config.Bind(fs, "addr", "data", "log_level", "log_format")
	if err := fs.Parse(args); err != nil {
		return parseErr(err)
	}
	cfg, err := config.Load(fs, b, os.Getenv)
	if err != nil {
		return err
	}
	if len(cfg.APIKeys) > 0 {
		return fmt.Errorf("the demo serves without API keys on loopback; unset SHOPMIND_API_KEYS")
	}
	dataSet := false
	fs.Visit(func(f *flag.Flag) { dataSet = dataSet || f.Name == "data" })
	if !dataSet && os.Getenv("SHOPMIND_DATA") == "" {
		dir, err := os.MkdirTemp("", "shopmind-demo-")
		if err != nil {
			return fmt.Errorf("creating a directory for the demo store: %w", err)
		}
		cfg.Data = dir
	}
	if fi, err := os.Stat(filepath.Join(cfg.Data, "shopmind.db")); err == nil && fi.Size() > 0 {
		return fmt.Errorf("%s already holds a store; the demo wants a fresh one: pass another --data or remove it", cfg.Data)
	}
	log := newLogger(cfg, errOut)

	start := time.Now()
	fmt.Fprintf(out, "generating a shop: %d users, %d items, %d days (seed %d)\n", *users, *items, *days, *seed)
	// The shop's weeks end today, so recency and lifecycle look as they would
	// in a live shop.
	begin := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -*days)
	sh, err := synth.Generate(synth.Config{Seed: *seed, Users: *users, Items: *items, Days: *days, Start: begin})
	if err != nil {
		return fmt.Errorf("generating the demo shop: %w", err)
	}
	// A past e-mail coupon test (spring-coupon) for the uplift models,
	// campaign plans and next actions to learn from.
	if err := synth.AddCampaign(sh, synth.CampaignConfig{}); err != nil {
		return fmt.Errorf("adding the demo's coupon test: %w", err)
	}
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := loadShop(ctx, st, sh, errOut); err != nil {
		return err
	}
	stats, err := st.Stats(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "stored %d items, %d users, %d events in %s (store: %s)\n",
		stats.Items, stats.Users, stats.Events, time.Since(start).Round(time.Millisecond), cfg.Data)
	// Train the recommendation models before serving, so the first answers
	// are personal rather than fallbacks.
	trainStart := time.Now()
	rc, err := recConfig(cfg)
	if err != nil {
		return err
	}
	m, err := recserve.New(st, nil, nil, rc, log).Train(ctx, nil)
	if err != nil {
		return fmt.Errorf("training the demo's recommendation models: %w", err)
	}
	fmt.Fprintf(out, "trained recommendation model %s in %s\n", m.Version, time.Since(trainStart).Round(time.Millisecond))
	if *noServe {
		return nil
	}
	ln, err := listen(cfg, log)
	if err != nil {
		return err
	}
	return serveOn(ctx, cfg, log, st, ln, func(addr string) { printTryNext(out, addr, sh, cfg.Data) })
}

// loadShop writes a generated shop through the same validation as the API.
func loadShop(ctx context.Context, st store.Store, sh *synth.Shop, progressOut io.Writer) error {
	svc := ingest.New(st, nil, nil)
	if _, err := svc.Items(ctx, rows(sh.Items)); err != nil {
		return err
	}
	if _, err := svc.Users(ctx, rows(sh.Users)); err != nil {
		return err
	}
	bar := newProgress(progressOut, "storing events")
	const batch = 1000
	for i := 0; i < len(sh.Events); i += batch {
		sum, err := svc.Events(ctx, rows(sh.Events[i:min(i+batch, len(sh.Events))]))
		if err != nil {
			return err
		}
		if sum.Refused > 0 {
			r := firstRefused(sum)
			return fmt.Errorf("the generator produced an invalid event (a bug): %s %s", r.ID, r.Error)
		}
		bar.set(int64(i+batch), int64(len(sh.Events)), int64(i+batch))
	}
	bar.finish()
	return nil
}

func rows[T any](vs []T) []ingest.Row[T] {
	out := make([]ingest.Row[T], len(vs))
	for i, v := range vs {
		out[i].Value = v
	}
	return out
}

func firstRefused(s ingest.Summary) ingest.Result {
	for _, r := range s.Results {
		if r.Status == ingest.Refused {
			return r
		}
	}
	return ingest.Result{}
}

func printTryNext(w io.Writer, addr string, sh *synth.Shop, data string) {
	user, item := sh.Users[0].ID, sh.Items[0].ID
	for _, e := range sh.Events {
		if e.Type == shop.Purchase {
			user, item = e.UserID, e.ItemID
			break
		}
	}
	base := "http://" + addr
	cat := ""
	if len(sh.Items[0].Category) > 0 {
		cat = sh.Items[0].Category[0]
	}
	fmt.Fprintf(w, `
dashboard: %[1]s/ui/
shopmind demo is serving on %[1]s (Ctrl-C to stop; the store stays in %[2]s).
Try:
  curl -s %[1]s/v1/stats
  curl -s '%[1]s/v1/items?limit=3'
  curl -s '%[1]s/v1/items?category=%[3]s&limit=3'
  curl -s %[1]s/v1/items/%[4]s
  curl -s %[1]s/v1/users/%[5]s
  curl -s '%[1]s/v1/users/%[5]s/events?limit=5'
  curl -s %[1]s/v1/users/%[5]s/profile
  curl -s -X POST %[1]s/v1/segments -d '{"name":"repeat buyers","expression":"frequency >= 2 and recency_days <= 30"}'
  curl -s '%[1]s/v1/clusters?k=4'
  curl -s %[1]s/v1/users/%[5]s/next-action
  curl -s -X POST %[1]s/v1/segments -d '{"id":"buyers","name":"buyers","expression":"frequency >= 1"}'
  curl -s -X POST %[1]s/v1/plans -d '{"segment":"buyers","offer_cost":10,"margin":0.3,"budget":500,"limit":5}'
  curl -s '%[1]s/v1/users/%[5]s/recommendations?n=5&explain=true'
  curl -s '%[1]s/v1/items/%[4]s/similar?n=5&explain=true'
  curl -s '%[1]s/v1/items/%[4]s/bought-together?n=5&explain=true'
  curl -s -X POST '%[1]s/v1/recommendations/session?explain=true' -d '{"items":["%[4]s"],"n":5}'
  curl -s %[1]s/v1/models/recommend
  curl -s -X POST %[1]s/v1/assist/chat -d '{"session":"try","user":"%[5]s","message":"我的订单到哪了？"}'
  curl -s -X POST %[1]s/v1/assist/chat -d '{"session":"try-en","user":"%[5]s","message":"How do I return an item?"}'
  curl -s %[1]s/v1/users/%[5]s/consent
  curl -s -X POST %[1]s/v1/events -d '[{"id":"try-1","type":"view","user_id":"%[5]s","item_id":"%[4]s"}]'
  curl -s %[1]s/metrics | grep shopmind_events_ingested
  curl -s %[1]s/v1/openapi.json
`, base, data, url.QueryEscape(cat), item, user)
}
