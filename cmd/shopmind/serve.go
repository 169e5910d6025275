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

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/shopmind/shopmind/ads"
	"github.com/shopmind/shopmind/ads/redisctr"
	"github.com/shopmind/shopmind/ads/storectr"
	"github.com/shopmind/shopmind/api"
	"github.com/shopmind/shopmind/audience"
	"github.com/shopmind/shopmind/catalog"
	"github.com/shopmind/shopmind/config"
	"github.com/shopmind/shopmind/consent"
	"github.com/shopmind/shopmind/copyserve"
	"github.com/shopmind/shopmind/copyserve/redisarms"
	"github.com/shopmind/shopmind/copywriting"
	"github.com/shopmind/shopmind/copywriting/guard"
	"github.com/shopmind/shopmind/copywriting/llm"
	"github.com/shopmind/shopmind/ctr/ftrl"
	"github.com/shopmind/shopmind/erasure"
	"github.com/shopmind/shopmind/experiment"
	"github.com/shopmind/shopmind/ingest"
	"github.com/shopmind/shopmind/internal/feedwatch"
	"github.com/shopmind/shopmind/internal/redisx"
	"github.com/shopmind/shopmind/leader"
	"github.com/shopmind/shopmind/profile"
	"github.com/shopmind/shopmind/ratelimit"
	"github.com/shopmind/shopmind/recommend/bundle"
	"github.com/shopmind/shopmind/recserve"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
	_ "github.com/shopmind/shopmind/store/storeall"
	"github.com/shopmind/shopmind/strategy"
	"github.com/shopmind/shopmind/telemetry"
	"github.com/shopmind/shopmind/ui"
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

// openAds builds the ad service: counters in Redis when rdb is set, in the
// store's counters otherwise (shared through the store, slower per
// decision; they survive restarts).
// In the store, lapsed counters and decision records are deleted every
// ten minutes until the returned close function runs. Redis counters sit
// behind ads.Fallback: while Redis does not answer, decisions go on with
// local, conservative limits and shopmind_ads_counters_degraded is 1.
func openAds(ctx context.Context, cfg config.Config, st store.Store, rdb *redis.Client, metrics *telemetry.Metrics, aud *audience.Service, profiles *profile.Service, log *slog.Logger) (*ads.Service, func(), error) {
	var counters ads.Counters
	var closeFn func()
	if rdb != nil {
		c := redisctr.New(rdb, cfg.RedisPrefix)
		share := cfg.AdsDegradedShare
		if share == 0 {
			share = -1 // configured: no budget spent while degraded
		}
		fb := ads.NewFallback(c, ads.FallbackConfig{BudgetShare: share, Log: log})
		metrics.GaugeFunc("shopmind_ads_counters_degraded", "1 while Redis does not answer and ad decisions use local, conservative limits.",
			func() float64 {
				if fb.Degraded() {
					return 1
				}
				return 0
			})
		counters, closeFn = fb, func() {}
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
	// applies, and load the models the elected trainer publishes from every
	// node's feedback; per-creative counts answer until they have seen
	// enough.
	crosses, err := ads.ParseCrosses(cfg.AdsCrosses)
	if err != nil {
		closeFn()
		return nil, nil, fmt.Errorf("ads_crosses: %w", err)
	}
	pred := ads.NewOnlinePredictor(ftrl.DefaultConfig(), crosses)
	adsCfg := ads.ServiceConfig{RefreshInterval: cfg.AdsRefreshInterval.Duration, Profile: func(user string) ads.ProfileFeatures {
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
			MaxItemShare: cfg.RecMaxItemShare, MaxBrandShare: cfg.RecMaxBrandShare,
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
		// Every follower polls its feed this often: the staleness bound.
		PollInterval: cfg.FeedPollInterval.Duration,
	}, log)
	recCfg, err := recConfig(cfg)
	if err != nil {
		return err
	}
	// Training runs under a store lock (TrainLoop below), not in Run.
	recCfg.Train = false
	recs := recserve.New(timed, profiles, cat, recCfg, log)
	required, err := cfg.RequiredConsent()
	if err != nil {
		return err
	}
	// Consent is enforced from memory: every node follows the consent feed.
	cons := consent.New(timed, required, cfg.FeedPollInterval.Duration, log)
	if err := cons.Sync(ctx); err != nil {
		return fmt.Errorf("reading consent: %w", err)
	}
	recs.UseConsent(cons)
	metrics.GaugeFunc("shopmind_recommend_model_age_seconds", "Age of the recommendation model in force (0 before the first).",
		func() float64 { return recs.ModelAge().Seconds() })
	metrics.GaugeFunc("shopmind_recommend_model_swaps", "Recommendation models put in force on this node since start.",
		func() float64 { return float64(recs.Swaps()) })
	metrics.GaugeFunc("shopmind_profile_feed_lag_seconds", "How far profiles were behind the event feed at the last poll.",
		func() float64 { return profiles.Lag().Seconds() })
	metrics.GaugeFunc("shopmind_profile_applied_seq", "Sequence number of the last event folded into profiles.",
		func() float64 { return float64(profiles.Applied()) })
	metrics.GaugeFunc("shopmind_profiles", "Users with a profile in memory.", func() float64 { return float64(profiles.Users()) })
	// Staleness of the feed followers: exported, and bounded in /readyz.
	feeds := feedwatch.New(cfg.FeedPollInterval.Duration,
		feedwatch.Follower{Name: "profile", SinceSync: profiles.SinceSync},
		feedwatch.Follower{Name: "consent", SinceSync: cons.SinceSync},
		feedwatch.Follower{Name: "catalog", SinceSync: cat.SinceSync})
	feeds.Register(metrics)
	metrics.GaugeFunc("shopmind_catalog_feed_lag_seconds", "How far the catalogue view was behind the item feed at the last poll.",
		func() float64 { return cat.Lag().Seconds() })
	metrics.GaugeFunc("shopmind_catalog_applied_seq", "Item feed position the catalogue view reflects.",
		func() float64 { return float64(cat.Seq()) })
	runCtx, stopProfiles := context.WithCancel(ctx)
	defer stopProfiles()
	go func() {
		if err := profiles.Run(runCtx); err != nil {
			log.Error("profiles stopped", "err", err)
		}
	}()
	go scrubDeletions(runCtx, timed, cfg.DeletionFeedRetention.Duration, log)
	// The catalogue view follows the item feed (profiles and
	// recommendations share it).
	go func() { _ = cat.Run(runCtx, cfg.FeedPollInterval.Duration, log) }()
	go func() {
		if err := recs.Run(runCtx); err != nil {
			log.Error("recommendations stopped", "err", err)
		}
	}()
	if cfg.Role != "api" {
		runElected(runCtx, timed, metrics, "recommend-trainer", recs.TrainLoop, log)
	}
	// One Redis client for everything shared fast: ad counters, the copy
	// bandit's statistics, rate limits.
	var rdb *redis.Client
	if cfg.Redis != "" {
		if rdb, err = redisx.Open(ctx, cfg.Redis); err != nil {
			return fmt.Errorf("opening Redis at %s: %w (unset redis to keep the shared counters in the store)", redactURL(cfg.Redis), err)
		}
		defer rdb.Close()
	}
	aud := audience.New(timed, profiles)
	adsSvc, closeAds, err := openAds(ctx, cfg, timed, rdb, metrics, aud, profiles, log)
	if err != nil {
		return err
	}
	defer closeAds()
	adsSvc.UseConsent(cons)
	// Every node erases a deleted user's weights from its online ad models.
	cons.OnDeletion(func(ctx context.Context, user string) { adsSvc.EraseUser(ctx, user) })
	go func() {
		if err := cons.Run(runCtx); err != nil {
			log.Error("consent stopped", "err", err)
		}
	}()
	go func() {
		if err := adsSvc.Run(runCtx); err != nil {
			log.Error("ads stopped", "err", err)
		}
	}()
	if cfg.Role != "api" {
		// One process learns the click and conversion models from every
		// node's ad feedback and publishes them; every node loads them
		// within ads_refresh_interval.
		crosses, _ := ads.ParseCrosses(cfg.AdsCrosses) // checked by openAds
		runElected(runCtx, timed, metrics, "ads-trainer", func(ctx context.Context) error {
			return adsSvc.TrainModels(ctx, ads.NewOnlinePredictor(ftrl.DefaultConfig(), crosses), cfg.AdsModelInterval.Duration)
		}, log)
	}
	metrics.GaugeFunc("shopmind_ads_model_loaded", "1 once this node has loaded an ad model the trainer published.",
		func() float64 {
			if adsSvc.ModelVersion() != "" {
				return 1
			}
			return 0
		})
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
	if cfg.Role != "api" {
		runElected(runCtx, timed, metrics, "copy-jobs", copyJobs.Run, log)
	}
	ing := ingest.New(timed, nil, metrics)
	seal, err := piiPolicy(cfg, log, true)
	if err != nil {
		return err
	}
	ing.UsePII(seal)
	ing.OnItems(func(items []shop.Item) { cat.Put(items...) })
	// Copy bandit statistics are shared by every node: in Redis when it is
	// configured, else in the store's counters.
	var arms copyserve.ArmCounters = copyserve.NewStoreArmCounters(timed, "")
	if rdb != nil {
		arms = redisarms.New(rdb, cfg.RedisPrefix)
	}
	copyBandit, err := copyserve.NewBandit(copySvc, timed, arms, copyserve.BanditConfig{}, log)
	if err != nil {
		return err
	}
	ing.OnEvents(func(ctx context.Context, evs []shop.Event) {
		adsSvc.ApplyShopEvents(ctx, evs)
		copyBandit.ApplyShopEvents(ctx, evs)
	})
	experiments := experiment.NewService(timed, experiment.Config{}, log)
	go func() {
		if err := experiments.Run(runCtx); err != nil {
			log.Error("experiments stopped", "err", err)
		}
	}()
	assistSvc, err := openAssist(runCtx, cfg, timed, cat, recs, log)
	if err != nil {
		return err
	}
	go func() {
		if err := assistSvc.Run(runCtx); err != nil {
			log.Error("assistant stopped", "err", err)
		}
	}()
	var limiter ratelimit.Limiter
	if rdb != nil && cfg.RateLimit > 0 {
		rl := ratelimit.NewRedis(rdb, cfg.RedisPrefix+"rl:", cfg.RateLimit, cfg.RateBurst, log)
		limiter = rl
		metrics.GaugeFunc("shopmind_rate_limit_degraded", "1 while Redis does not answer and rate limits are per node.",
			func() float64 {
				if rl.Degraded() {
					return 1
				}
				return 0
			})
	}
	// One strategy service for the API and the dashboard.
	strat, err := strategy.New(timed, aud, api.StrategyConfig(cfg, log))
	if err != nil {
		log.Error("next actions are misconfigured; plans and next actions are off", "err", err)
		strat = nil
	}
	// One erasure service deletes users for the API and the dashboard.
	erase := erasure.New(erasure.Deps{Store: timed, Profiles: profiles, CopyJobs: copyJobs, Ads: adsSvc, Assist: assistSvc, Logger: log})
	srv := api.New(api.Deps{
		Erasure:         erase,
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
		Assist:          assistSvc,
		Strategy:        strat,
		Catalog:         cat,
		Feeds:           feeds,
		PII:             seal,
		RateLimiter:     limiter,
		HealthOnly:      cfg.Role == "trainer",
		// Experiments follow the event feed (and sync on each results call).
		Experiments: experiments,
	})
	// The dashboard (/ui/) sits beside the JSON API on the same listener,
	// outside its routes table and OpenAPI document; the trainer serves none.
	handler := srv.Handler()
	if cfg.Role != "trainer" {
		root := http.NewServeMux()
		root.Handle("/ui/", ui.New(ui.Deps{Store: timed, Profiles: profiles, Audience: aud, Recommendations: recs,
			Consent: cons, Ads: adsSvc, Copy: copySvc, CopyJobs: copyJobs, CopyBandit: copyBandit, Assist: assistSvc,
			Strategy: strat, Experiments: experiments, Erasure: erase, Config: cfg, Keys: cfg.APIKeys, Logger: log}))
		root.Handle("/", handler)
		handler = root
	}
	hs := &http.Server{
		Handler:           handler,
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

// runElected runs work on whichever process holds the store lock name (see
// package leader): one at a time across every node on the store, a
// standby taking over when the holder dies. The gauge
// shopmind_leader{work=name} is 1 while this process leads.
func runElected(ctx context.Context, st store.Store, metrics *telemetry.Metrics, name string, work func(context.Context) error, log *slog.Logger) {
	e := leader.New(st, name, 0, log)
	metrics.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "shopmind_leader", Help: "1 while this process runs the named work (one process at a time across the cluster).",
		ConstLabels: prometheus.Labels{"work": name},
	}, func() float64 {
		if e.Leading() {
			return 1
		}
		return 0
	}))
	go e.Run(ctx, work)
}
