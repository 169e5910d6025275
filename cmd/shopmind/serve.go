package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/shopmind/shopmind/ads"
	"github.com/shopmind/shopmind/ads/redisctr"
	"github.com/shopmind/shopmind/ads/storectr"
	"github.com/shopmind/shopmind/api"
	"github.com/shopmind/shopmind/audience"
	"github.com/shopmind/shopmind/catalog"
	"github.com/shopmind/shopmind/config"
	"github.com/shopmind/shopmind/copyserve"
	"github.com/shopmind/shopmind/copywriting"
	"github.com/shopmind/shopmind/copywriting/guard"
	"github.com/shopmind/shopmind/copywriting/llm"
	"github.com/shopmind/shopmind/ctr/ftrl"
	"github.com/shopmind/shopmind/ingest"
	"github.com/shopmind/shopmind/profile"
	"github.com/shopmind/shopmind/recommend/bundle"
	"github.com/shopmind/shopmind/recserve"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
	_ "github.com/shopmind/shopmind/store/storeall"
	"github.com/shopmind/shopmind/telemetry"
)

func runServe(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs := newFlags("serve", "Serve the HTTP API (events, items, users, health, metrics) until interrupted.", errOut)
	b := config.Bind(fs)
	if err := fs.Parse(args); err != nil {
		return parseErr(err)
	}
	cfg, err := config.Load(fs, b, os.Getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, errOut)
	ln, err := listen(cfg, log)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		ln.Close()
		return err
	}
	defer st.Close()
	return serveOn(ctx, cfg, log, st, ln, nil)
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(h)
}

func openStore(ctx context.Context, cfg config.Config, log *slog.Logger) (store.Store, error) {
	url := cfg.StoreURL()
	openCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	st, err := store.Open(openCtx, url, store.Options{})
	if err != nil {
		return nil, fmt.Errorf("opening the store: %w", err)
	}
	log.Info("store open", "store", redactURL(url))
	return st, nil
}

// openAds builds the ad service: counters in Redis when configured (shared
// by every node), in the store otherwise (one node; they survive restarts).
// In the store, lapsed counters and decision records are deleted every
// ten minutes until the returned close function runs.
func openAds(ctx context.Context, cfg config.Config, st store.Store, aud *audience.Service, profiles *profile.Service, log *slog.Logger) (*ads.Service, func(), error) {
	var counters ads.Counters
	var closeFn func()
	if cfg.Redis != "" {
		c, err := redisctr.Open(ctx, cfg.Redis, "shopmind:")
		if err != nil {
			return nil, nil, fmt.Errorf("opening the Redis ad counters at %s: %w (unset redis to keep them in the store on one node)", redactURL(cfg.Redis), err)
		}
		counters, closeFn = c, func() { c.Close() }
		log.Info("ad counters in Redis", "redis", redactURL(cfg.Redis))
	} else {
		c := storectr.New(st, "")
		cleanCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		done := make(chan struct{})
		go func() {
			defer close(done)
			c.Run(cleanCtx, 10*time.Minute, func(err error) { log.Warn("deleting lapsed ad counters", "err", err) })
		}()
		counters, closeFn = c, func() { cancel(); <-done }
		log.Info("ad counters in the store")
	}
	// Click and conversion models learn online from the ad events this node
	// ingests; per-creative counts answer until they have seen enough.
	crosses, err := ads.ParseCrosses(cfg.AdsCrosses)
	if err != nil {
		closeFn()
		return nil, nil, fmt.Errorf("ads_crosses: %w", err)
	}
	pred := ads.NewOnlinePredictor(ftrl.DefaultConfig(), crosses)
	adsCfg := ads.ServiceConfig{Profile: func(user string) ads.ProfileFeatures {
		v, ok := profiles.PeekView(user)
		if !ok {
			return ads.ProfileFeatures{}
		}
		f := ads.ProfileFeatures{Lifecycle: v.Lifecycle.Stage, PriceBand: v.PriceBand}
		if len(v.TopCategories) > 0 {
			f.TopCategory = v.TopCategories[0].Name
		}
		return f
	}}
	return ads.NewService(st, counters, pred, aud, adsCfg, log), closeFn, nil
}

// copyConfig maps the configuration onto the copy service's; extra term
// lists are read here, so a bad file stops the start with a clear error.
func copyConfig(cfg config.Config) (copyserve.Config, error) {
	var g guard.Config
	for _, f := range []struct {
		lang copywriting.Language
		path string
	}{{copywriting.Chinese, cfg.CopyTermsZH}, {copywriting.English, cfg.CopyTermsEN}} {
		if f.path == "" {
			continue
		}
		extra, err := guard.LoadTerms(f.path)
		if err != nil {
			return copyserve.Config{}, fmt.Errorf("copy terms for %s: %w", f.lang, err)
		}
		if g.Terms == nil {
			g.Terms = map[copywriting.Language]guard.Terms{copywriting.Chinese: guard.DefaultTerms(copywriting.Chinese), copywriting.English: guard.DefaultTerms(copywriting.English)}
		}
		g.Terms[f.lang] = g.Terms[f.lang].Merge(extra)
	}
	repairs := cfg.CopyMaxRepairs
	if repairs == 0 {
		repairs = -1 // none, as configured
	}
	return copyserve.Config{
		MaxRepairs: repairs,
		Guard:      g,
		LLM:        llm.Config{BaseURL: cfg.LLMBaseURL, APIKey: cfg.LLMAPIKey, Model: cfg.LLMModel, Timeout: cfg.LLMTimeout.Duration},
	}, nil
}

// recConfig maps the configuration onto the recommendation service's.
func recConfig(cfg config.Config) (recserve.Config, error) {
	boosts, err := recserve.ParseBoosts(cfg.RecBoosts)
	if err != nil {
		return recserve.Config{}, fmt.Errorf("recommend_boosts: %w", err)
	}
	return recserve.Config{
		TrainInterval: cfg.TrainInterval.Duration,
		PollInterval:  cfg.ModelPollInterval.Duration,
		Bundle:        bundle.Default(),
		Weights:       cfg.Weights(),
		Rules: recserve.Rules{
			ExcludePurchased: cfg.RecExcludePurchased, ExcludeSeen: cfg.RecExcludeSeen,
			IncludeOutOfStock: cfg.RecIncludeOutOfStock, Boosts: boosts,
			MaxPerCategory: cfg.RecMaxPerCategory, MMR: cfg.RecMMR,
		},
	}, nil
}

// redactURL hides a password in a store URL before logging it.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// listen opens the listener, refusing a non-loopback address when no API keys
// are configured.
func listen(cfg config.Config, log *slog.Logger) (net.Listener, error) {
	host, _, _ := net.SplitHostPort(cfg.Addr)
	if len(cfg.APIKeys) == 0 {
		if !isLoopback(host) {
			return nil, fmt.Errorf("refusing to listen on %s without API keys: set api_keys (SHOPMIND_API_KEYS) or use a loopback address such as 127.0.0.1", cfg.Addr)
		}
		log.Warn("no API keys configured: the API is unauthenticated and listens on loopback only")
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w (is another process using the port? choose one with --addr)", cfg.Addr, err)
	}
	return ln, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// serveOn serves the API on ln until ctx ends, then shuts down gracefully.
// ready, if not nil, is called once the server accepts connections.
func serveOn(ctx context.Context, cfg config.Config, log *slog.Logger, st store.Store, ln net.Listener, ready func(addr string)) error {
	metrics := telemetry.New()
	timed := metrics.Store(st)
	cat := catalog.New(timed)
	profiles := profile.NewService(timed, profile.ServiceConfig{
		Profile:     profile.Config{HalfLife: cfg.ProfileHalfLife.Duration, Location: cfg.Location(), Weights: cfg.Weights()},
		RFMInterval: cfg.RFMInterval.Duration,
		CLVHorizon:  cfg.CLVHorizonDays,
		Catalog:     cat,
	}, log)
	recCfg, err := recConfig(cfg)
	if err != nil {
		return err
	}
	recCfg.Train = true
	recs := recserve.New(timed, profiles, cat, recCfg, log)
	metrics.GaugeFunc("shopmind_recommend_model_age_seconds", "Age of the recommendation model in force (0 before the first).",
		func() float64 { return recs.ModelAge().Seconds() })
	metrics.GaugeFunc("shopmind_recommend_model_swaps", "Recommendation models put in force on this node since start.",
		func() float64 { return float64(recs.Swaps()) })
	metrics.GaugeFunc("shopmind_profile_feed_lag_seconds", "How far profiles were behind the event feed at the last poll.",
		func() float64 { return profiles.Lag().Seconds() })
	metrics.GaugeFunc("shopmind_profile_applied_seq", "Sequence number of the last event folded into profiles.",
		func() float64 { return float64(profiles.Applied()) })
	metrics.GaugeFunc("shopmind_profiles", "Users with a profile in memory.", func() float64 { return float64(profiles.Users()) })
	runCtx, stopProfiles := context.WithCancel(ctx)
	defer stopProfiles()
	go func() {
		if err := profiles.Run(runCtx); err != nil {
			log.Error("profiles stopped", "err", err)
		}
	}()
	go func() {
		if err := recs.Run(runCtx); err != nil {
			log.Error("recommendations stopped", "err", err)
		}
	}()
	aud := audience.New(timed, profiles)
	adsSvc, closeAds, err := openAds(ctx, cfg, timed, aud, profiles, log)
	if err != nil {
		return err
	}
	defer closeAds()
	go func() {
		if err := adsSvc.Run(runCtx); err != nil {
			log.Error("ads stopped", "err", err)
		}
	}()
	cc, err := copyConfig(cfg)
	if err != nil {
		return err
	}
	copySvc, err := copyserve.New(cc, log)
	if err != nil {
		return err
	}
	// Copy jobs resume what the store holds queued or running, then run new ones.
	copyJobs := copyserve.NewJobs(copyJobGenerator(copySvc), timed, api.CopyJobMembers(aud), api.CopyJobUser(timed, profiles), copyJobsConfig(cfg), log)
	go func() {
		if err := copyJobs.Run(runCtx); err != nil {
			log.Error("copy jobs stopped", "err", err)
		}
	}()
	ing := ingest.New(timed, nil, metrics)
	ing.OnItems(func(items []shop.Item) { cat.Put(items...) })
	// Copy bandit statistics are in this process's memory (a shared Redis
	// implementation of copyserve.ArmCounters is still to come).
	copyBandit, err := copyserve.NewBandit(copySvc, timed, nil, copyserve.BanditConfig{}, log)
	if err != nil {
		return err
	}
	ing.OnEvents(func(ctx context.Context, evs []shop.Event) {
		adsSvc.ApplyShopEvents(ctx, evs)
		copyBandit.ApplyShopEvents(ctx, evs)
	})
	srv := api.New(api.Deps{
		Config:          cfg,
		Store:           timed,
		Ingest:          ing,
		Metrics:         metrics,
		Logger:          log,
		Profiles:        profiles,
		Audience:        aud,
		Recommendations: recs,
		Ads:             adsSvc,
		Copy:            copySvc,
		CopyJobs:        copyJobs,
		CopyBandit:      copyBandit,
		Catalog:         cat,
	})
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	addr := ln.Addr().String()
	log.Info("serving", "addr", "http://"+addr, "version", version)
	if ready != nil {
		ready(addr)
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout.Duration)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout.Duration)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}
