// Package config owns shopmind's settings: their defaults, the JSON config
// file, SHOPMIND_* environment variables and command-line flags, applied in
// that order (a flag beats the environment, which beats the file, which beats
// the default). Every setting is declared once in the table in settings.go,
// which also documents it; docs/CONFIG.md is checked against that table.
//
// It imports only the data model (for event types) and the standard library.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/shopmind/shopmind/privacy/pii"
	"github.com/shopmind/shopmind/shop"
)

// Scope is a permission an API key carries.
type Scope string

// API key scopes. Admin implies the others.
const (
	ScopeIngest Scope = "ingest" // write events, items and users
	ScopeRead   Scope = "read"   // read everything
	ScopeAdmin  Scope = "admin"  // delete and administer
)

// Scopes lists the valid scopes.
var Scopes = []Scope{ScopeIngest, ScopeRead, ScopeAdmin}

// APIKey is one accepted bearer token and what it may do.
type APIKey struct {
	Key    string  `json:"key"`
	Scopes []Scope `json:"scopes"`
}

// Allows reports whether the key carries scope s (admin carries every scope).
func (k APIKey) Allows(s Scope) bool {
	return slices.Contains(k.Scopes, s) || slices.Contains(k.Scopes, ScopeAdmin)
}

// Duration is a time.Duration that reads "30s" from JSON.
type Duration struct{ time.Duration }

// UnmarshalJSON reads a Go duration string such as "30s" or "5m".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a duration string such as \"30s\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	d.Duration = v
	return nil
}

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// Config holds every setting. The zero value is not usable; start from Default.
type Config struct {
	Addr            string                     `json:"addr"`
	Data            string                     `json:"data"`
	Store           string                     `json:"store"`
	APIKeys         []APIKey                   `json:"api_keys"`
	MaxBodyBytes    int64                      `json:"max_body_bytes"`
	MaxBatch        int                        `json:"max_batch"`
	EventWeights    map[shop.EventType]float64 `json:"event_weights"`
	LogLevel        string                     `json:"log_level"`
	LogFormat       string                     `json:"log_format"`
	ShutdownTimeout Duration                   `json:"shutdown_timeout"`
	ProfileHalfLife Duration                   `json:"profile_half_life"`
	Timezone        string                     `json:"timezone"`
	RFMInterval     Duration                   `json:"rfm_interval"`
	CLVHorizonDays  int                        `json:"clv_horizon_days"`

	// Privacy of aggregates (packages audience and privacy/dp).
	MinGroupSize    int     `json:"min_group_size"`
	DPEpsilonBudget float64 `json:"dp_epsilon_budget"`

	Redis              string   `json:"redis"`
	RedisPrefix        string   `json:"redis_prefix"`
	AdsDegradedShare   float64  `json:"ads_degraded_budget_share"`
	MaxInflight        int      `json:"max_inflight"`
	AdsCrosses         string   `json:"ads_crosses"`
	RateLimit          float64  `json:"rate_limit"`
	RateBurst          int      `json:"rate_burst"`
	LLMBaseURL         string   `json:"llm_base_url"`
	LLMAPIKey          string   `json:"llm_api_key"`
	LLMModel           string   `json:"llm_model"`
	LLMTimeout         Duration `json:"llm_timeout"`
	CopyMaxRepairs     int      `json:"copy_max_repairs"`
	CopyTermsZH        string   `json:"copy_terms_zh"`
	CopyTermsEN        string   `json:"copy_terms_en"`
	CopyJobConcurrency int      `json:"copy_job_concurrency"`
	CopyJobRPM         int      `json:"copy_job_requests_per_minute"`
	CopyJobTPM         int      `json:"copy_job_tokens_per_minute"`
	TrainInterval      Duration `json:"train_interval"`
	ModelPollInterval  Duration `json:"model_poll_interval"`
	FeedPollInterval   Duration `json:"feed_poll_interval"` // the staleness bound of the feed followers
	// AdsRefreshInterval is how often every node re-reads the campaigns
	// (a campaign changed through another node serves within it).
	AdsRefreshInterval Duration `json:"ads_refresh_interval"`
	// AdsModelInterval is how often the elected trainer publishes the
	// click and conversion models it learns from every node's feedback.
	AdsModelInterval     Duration `json:"ads_model_interval"`
	RecExcludePurchased  bool     `json:"recommend_exclude_purchased"`
	RecExcludeSeen       bool     `json:"recommend_exclude_seen"`
	RecIncludeOutOfStock bool     `json:"recommend_include_out_of_stock"`
	RecBoosts            string   `json:"recommend_boosts"`
	RecMaxPerCategory    int      `json:"recommend_max_per_category"`
	RecMMR               float64  `json:"recommend_mmr"`
	// RecMaxItemShare and RecMaxBrandShare cap an item's and a brand's
	// share of this node's recommendation exposure (0: off).
	RecMaxItemShare  float64 `json:"recommend_max_item_share"`
	RecMaxBrandShare float64 `json:"recommend_max_brand_share"`
	// ConsentRequired lists the consent purposes (comma-separated) that
	// need an explicit grant; others are allowed until refused.
	ConsentRequired string `json:"consent_required"`
	// Role is what `shopmind serve` runs: all (one node does everything),
	// api (serves requests, never trains or runs copy jobs) or trainer
	// (trains and publishes models and runs copy jobs, serving only
	// health and metrics).
	Role string `json:"role"`
	// PIIKeys seals personal user attributes (package privacy/pii):
	// "id:base64key,..." with the primary key first.
	// DeletionFeedRetention is how long the deletion feed names a deleted
	// user before the id is blanked (every node must have followed it by
	// then).
	DeletionFeedRetention Duration `json:"deletion_feed_retention"`
	PIIKeys               string   `json:"pii_keys"`
	PIIFields             string   `json:"pii_fields"`
	PIIHashed             string   `json:"pii_hashed"`

	// The customer-service assistant (package assist).
	AssistDocsDir       string  `json:"assist_docs_dir"`
	AssistMinConfidence float64 `json:"assist_min_confidence"`
	AssistHistoryTurns  int     `json:"assist_history_turns"`
	EmbedBaseURL        string  `json:"embed_base_url"`
	EmbedAPIKey         string  `json:"embed_api_key"`
	EmbedModel          string  `json:"embed_model"`

	// Campaign planning and next best action (package strategy).
	NextActions         []NextAction `json:"next_actions"`
	NextActionWeeklyCap int          `json:"next_action_weekly_cap"`
	NextActionMargin    float64      `json:"next_action_margin"`
	UpliftWindowDays    int          `json:"uplift_window_days"`
	StrategyRefresh     Duration     `json:"strategy_refresh_interval"`

	// GorseFeedbackTypes maps the feedback types of Gorse clients (/api/)
	// to event types; a type not listed becomes a view.
	GorseFeedbackTypes map[string]shop.EventType `json:"gorse_feedback_types"`
}

// Default returns the built-in defaults.
func Default() Config {
	return Config{
		Addr:            "127.0.0.1:8080",
		Data:            "shopmind-data",
		MaxBodyBytes:    16 << 20,
		MaxBatch:        10000,
		LogLevel:        "info",
		LogFormat:       "text",
		ShutdownTimeout: Duration{15 * time.Second},
		ProfileHalfLife: Duration{30 * 24 * time.Hour},
		Timezone:        "UTC",
		RFMInterval:     Duration{10 * time.Minute},
		CLVHorizonDays:  365,

		RedisPrefix:      "shopmind:",
		AdsDegradedShare: 0.05,
		MaxInflight:      1024,

		NextActionWeeklyCap: 3,
		NextActionMargin:    0.3,
		UpliftWindowDays:    14,
		StrategyRefresh:     Duration{time.Hour},

		MinGroupSize:    10,
		DPEpsilonBudget: 1,

		LLMTimeout:            Duration{60 * time.Second},
		ConsentRequired:       "marketing_messages,llm_processing",
		Role:                  "all",
		PIIFields:             "email,phone,name,address",
		DeletionFeedRetention: Duration{24 * time.Hour},
		PIIHashed:             "email,phone",
		AssistMinConfidence:   0.35,
		AssistHistoryTurns:    10,
		CopyMaxRepairs:        2,
		CopyJobConcurrency:    4,
		AdsCrosses:            "user×creative,creative×hour,creative×device,creative×lifecycle",
		TrainInterval:         Duration{time.Hour},
		ModelPollInterval:     Duration{5 * time.Second},
		FeedPollInterval:      Duration{200 * time.Millisecond},
		AdsRefreshInterval:    Duration{5 * time.Second},
		AdsModelInterval:      Duration{30 * time.Second},
		RecExcludePurchased:   true,
		RecExcludeSeen:        true,

		GorseFeedbackTypes: map[string]shop.EventType{
			"like": shop.Favorite, "star": shop.Favorite, "share": shop.Favorite,
			"read": shop.View, "view": shop.View, "click": shop.Click,
			"cart": shop.AddToCart, "purchase": shop.Purchase, "buy": shop.Purchase,
		},
	}
}

// StoreURL is the store to open: Store if set, else the embedded SQLite file
// inside Data.
func (c *Config) StoreURL() string {
	if c.Store != "" {
		return c.Store
	}
	return "sqlite:" + filepath.Join(c.Data, "shopmind.db")
}

// Location returns the configured time zone (UTC if it cannot be loaded;
// Validate reports that case).
func (c *Config) Location() *time.Location {
	if loc, err := time.LoadLocation(c.Timezone); err == nil {
		return loc
	}
	return time.UTC
}

// Weights returns the per-event-type weights (defaults overridden by config).
func (c *Config) Weights() shop.Weights { return shop.MergeWeights(c.EventWeights) }

// Validate checks the settings that have rules beyond their type.
func (c *Config) Validate() error {
	var errs []error
	if _, err := c.RequiredConsent(); err != nil {
		errs = append(errs, err)
	}
	if !slices.Contains([]string{"all", "api", "trainer"}, c.Role) {
		errs = append(errs, fmt.Errorf("role %q: want all, api or trainer", c.Role))
	}
	if c.DeletionFeedRetention.Duration < time.Minute {
		errs = append(errs, fmt.Errorf("deletion_feed_retention %s: must be at least 1m (every node must follow a deletion before the feed forgets whom it named)", c.DeletionFeedRetention.Duration))
	}
	if c.PIIKeys != "" {
		if _, err := pii.ParseRing(c.PIIKeys); err != nil {
			errs = append(errs, fmt.Errorf("pii_keys: %w", err))
		}
	}
	for _, f := range List(c.PIIHashed) {
		if !slices.Contains(List(c.PIIFields), f) {
			errs = append(errs, fmt.Errorf("pii_hashed: %q is not one of pii_fields (%s)", f, c.PIIFields))
		}
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("addr %q: want host:port such as 127.0.0.1:8080", c.Addr))
	}
	if c.MaxBodyBytes < 1024 {
		errs = append(errs, fmt.Errorf("max_body_bytes %d: must be at least 1024", c.MaxBodyBytes))
	}
	if c.MaxBatch < 1 {
		errs = append(errs, fmt.Errorf("max_batch %d: must be at least 1", c.MaxBatch))
	}
	for t := range c.EventWeights {
		if !t.Valid() {
			errs = append(errs, fmt.Errorf("event_weights: %q is not an event type", t))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.GorseFeedbackTypes)) {
		if err := checkFeedbackType(name, c.GorseFeedbackTypes[name]); err != nil {
			errs = append(errs, fmt.Errorf("gorse_feedback_types: %w", err))
		}
	}
	seen := map[string]bool{}
	for i, k := range c.APIKeys {
		if len(k.Key) < 16 {
			errs = append(errs, fmt.Errorf("api_keys[%d]: a key must be at least 16 characters", i))
		}
		if seen[k.Key] {
			errs = append(errs, fmt.Errorf("api_keys[%d]: the same key is listed twice", i))
		}
		seen[k.Key] = true
		if len(k.Scopes) == 0 {
			errs = append(errs, fmt.Errorf("api_keys[%d]: no scopes; use some of %v", i, Scopes))
		}
		for _, s := range k.Scopes {
			if !slices.Contains(Scopes, s) {
				errs = append(errs, fmt.Errorf("api_keys[%d]: unknown scope %q; use %v", i, s, Scopes))
			}
		}
	}
	if _, err := time.LoadLocation(c.Timezone); err != nil {
		errs = append(errs, fmt.Errorf("timezone %q: want an IANA name such as Asia/Shanghai or UTC", c.Timezone))
	}
	if c.ProfileHalfLife.Duration < time.Hour {
		errs = append(errs, fmt.Errorf("profile_half_life %s: must be at least 1h", c.ProfileHalfLife))
	}
	if c.LLMModel != "" && c.LLMBaseURL == "" {
		errs = append(errs, fmt.Errorf("llm_model %q: set llm_base_url too (e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1)", c.LLMModel))
	}
	if c.AdsDegradedShare < 0 || c.AdsDegradedShare > 1 {
		errs = append(errs, fmt.Errorf("ads_degraded_budget_share %v must be between 0 and 1 (a share of a campaign's daily budget)", c.AdsDegradedShare))
	}
	if c.MaxInflight < 0 {
		errs = append(errs, fmt.Errorf("max_inflight %d must not be negative (0 means no bound)", c.MaxInflight))
	}
	if c.RateLimit < 0 || c.RateBurst < 0 {
		errs = append(errs, fmt.Errorf("rate_limit %v and rate_burst %d must not be negative (0 turns the limit off)", c.RateLimit, c.RateBurst))
	}
	if c.CopyMaxRepairs < 0 || c.CopyMaxRepairs > 10 {
		errs = append(errs, fmt.Errorf("copy_max_repairs %d: must be from 0 to 10", c.CopyMaxRepairs))
	}
	if c.CopyJobConcurrency < 1 || c.CopyJobConcurrency > 256 {
		errs = append(errs, fmt.Errorf("copy_job_concurrency %d: must be from 1 to 256", c.CopyJobConcurrency))
	}
	if c.CopyJobRPM < 0 || c.CopyJobTPM < 0 {
		errs = append(errs, fmt.Errorf("copy_job_requests_per_minute %d, copy_job_tokens_per_minute %d: must not be negative (0: unlimited)", c.CopyJobRPM, c.CopyJobTPM))
	}
	if c.TrainInterval.Duration < 0 {
		errs = append(errs, fmt.Errorf("train_interval %s: must not be negative (0 turns scheduled training off)", c.TrainInterval))
	}
	if c.ModelPollInterval.Duration < 100*time.Millisecond {
		errs = append(errs, fmt.Errorf("model_poll_interval %s: must be at least 100ms", c.ModelPollInterval))
	}
	if d := c.AdsModelInterval.Duration; d < 100*time.Millisecond || d > 24*time.Hour {
		errs = append(errs, fmt.Errorf("ads_model_interval %s: must be from 100ms to 24h", d))
	}
	if d := c.AdsRefreshInterval.Duration; d < 100*time.Millisecond || d > time.Hour {
		errs = append(errs, fmt.Errorf("ads_refresh_interval %s: must be from 100ms to 1h", d))
	}
	if d := c.FeedPollInterval.Duration; d < 10*time.Millisecond || d > time.Minute {
		errs = append(errs, fmt.Errorf("feed_poll_interval %s: must be between 10ms and 1m", d))
	}
	if c.RecMaxPerCategory < 0 {
		errs = append(errs, fmt.Errorf("recommend_max_per_category %d: must not be negative (0 is no cap)", c.RecMaxPerCategory))
	}
	if !(c.AssistMinConfidence >= 0 && c.AssistMinConfidence <= 1) {
		errs = append(errs, fmt.Errorf("assist_min_confidence %v: must be in [0, 1] (0 never escalates on confidence)", c.AssistMinConfidence))
	}
	if c.AssistHistoryTurns < 1 || c.AssistHistoryTurns > 100 {
		errs = append(errs, fmt.Errorf("assist_history_turns %d: must be from 1 to 100", c.AssistHistoryTurns))
	}
	if c.EmbedModel != "" && c.EmbedBaseURL == "" {
		errs = append(errs, fmt.Errorf("embed_model %q: set embed_base_url too (e.g. https://api.openai.com/v1)", c.EmbedModel))
	}
	if !(c.RecMMR >= 0 && c.RecMMR <= 1) {
		errs = append(errs, fmt.Errorf("recommend_mmr %v: must be in [0, 1] (0 is off)", c.RecMMR))
	}
	if !(c.RecMaxItemShare >= 0 && c.RecMaxItemShare <= 1) {
		errs = append(errs, fmt.Errorf("recommend_max_item_share %v: must be in [0, 1] (0 is off)", c.RecMaxItemShare))
	}
	if !(c.RecMaxBrandShare >= 0 && c.RecMaxBrandShare <= 1) {
		errs = append(errs, fmt.Errorf("recommend_max_brand_share %v: must be in [0, 1] (0 is off)", c.RecMaxBrandShare))
	}
	if c.RFMInterval.Duration < time.Second {
		errs = append(errs, fmt.Errorf("rfm_interval %s: must be at least 1s", c.RFMInterval))
	}
	if c.NextActionWeeklyCap < 1 {
		errs = append(errs, fmt.Errorf("next_action_weekly_cap %d: must be at least 1 message a week", c.NextActionWeeklyCap))
	}
	if !(c.NextActionMargin > 0 && c.NextActionMargin <= 1) {
		errs = append(errs, fmt.Errorf("next_action_margin %v: must be above 0 and at most 1 (0.3 for 30%%)", c.NextActionMargin))
	}
	if c.UpliftWindowDays < 1 || c.UpliftWindowDays > 365 {
		errs = append(errs, fmt.Errorf("uplift_window_days %d: must be from 1 to 365", c.UpliftWindowDays))
	}
	if c.StrategyRefresh.Duration < time.Second {
		errs = append(errs, fmt.Errorf("strategy_refresh_interval %s: must be at least 1s", c.StrategyRefresh))
	}
	if err := checkNextActions(c.NextActions); err != nil {
		errs = append(errs, fmt.Errorf("next_actions: %w", err))
	}
	if c.CLVHorizonDays < 1 || c.CLVHorizonDays > 3650 {
		errs = append(errs, fmt.Errorf("clv_horizon_days %d: must be from 1 to 3650", c.CLVHorizonDays))
	}
	if c.MinGroupSize < 1 || c.MinGroupSize > 1000000 {
		errs = append(errs, fmt.Errorf("min_group_size %d: must be from 1 to 1000000 (1 allows any group)", c.MinGroupSize))
	}
	if !(c.DPEpsilonBudget > 0 && c.DPEpsilonBudget <= 100) {
		errs = append(errs, fmt.Errorf("dp_epsilon_budget %v: must be above 0 and at most 100", c.DPEpsilonBudget))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log_level %q: use debug, info, warn or error", c.LogLevel))
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("log_format %q: use text or json", c.LogFormat))
	}
	return errors.Join(errs...)
}

// ParseAPIKeys reads the SHOPMIND_API_KEYS form: "key:scope,scope;key2:scope".
func ParseAPIKeys(s string) ([]APIKey, error) {
	var keys []APIKey
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		key, scopes, ok := strings.Cut(part, ":")
		if !ok || key == "" || scopes == "" {
			return nil, fmt.Errorf("api key entry %q: want key:scope[,scope...]", redact(part))
		}
		k := APIKey{Key: key}
		for _, sc := range strings.Split(scopes, ",") {
			k.Scopes = append(k.Scopes, Scope(strings.TrimSpace(sc)))
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// ParseWeights reads "purchase=5,view=1".
func ParseWeights(s string) (map[shop.EventType]float64, error) {
	out := map[shop.EventType]float64{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, val, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("event weight %q: want type=number", part)
		}
		var f float64
		if _, err := fmt.Sscan(val, &f); err != nil {
			return nil, fmt.Errorf("event weight %q: %v", part, err)
		}
		out[shop.EventType(strings.TrimSpace(name))] = f
	}
	return out, nil
}

// ParseFeedbackTypes reads "like=favorite,read=view": Gorse feedback type =
// shopmind event type.
func ParseFeedbackTypes(s string) (map[string]shop.EventType, error) {
	out := map[string]shop.EventType{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, t, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("feedback type %q: want gorse_type=event_type", part)
		}
		name, t = strings.TrimSpace(name), strings.TrimSpace(t)
		if err := checkFeedbackType(name, shop.EventType(t)); err != nil {
			return nil, err
		}
		out[name] = shop.EventType(t)
	}
	return out, nil
}

// checkFeedbackType refuses mappings to event types a Gorse feedback (a user,
// an item and a time) cannot make valid: those needing a query, an ad or a
// coupon.
func checkFeedbackType(name string, t shop.EventType) error {
	switch {
	case name == "":
		return fmt.Errorf("a feedback type name is empty")
	case !t.Valid():
		return fmt.Errorf("%s=%s: %q is not an event type", name, t, t)
	}
	switch t {
	case shop.Search, shop.AdImpression, shop.AdClick, shop.AdConversion, shop.CouponRedeem:
		return fmt.Errorf("%s=%s: %s events need fields a Gorse feedback does not carry", name, t, t)
	}
	return nil
}

func redact(s string) string {
	if k, rest, ok := strings.Cut(s, ":"); ok && len(k) > 4 {
		return k[:4] + "…:" + rest
	}
	return "…"
}

// readFile merges a JSON config file into c. Unknown keys are refused so a
// typo does not silently fall back to a default.
func (c *Config) readFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(c); err != nil {
		return fmt.Errorf("config file %s: %w (see docs/CONFIG.md for the keys)", path, err)
	}
	return nil
}

// Load builds the configuration for a command: defaults, then the file named
// by --config or SHOPMIND_CONFIG, then SHOPMIND_* variables, then the flags
// set on fs. fs must have been prepared with Bind and already parsed.
func Load(fs *flag.FlagSet, b *Bound, getenv func(string) string) (Config, error) {
	cfg := Default()
	path := getenv("SHOPMIND_CONFIG")
	if b.config != "" {
		path = b.config
	}
	if path != "" {
		if err := cfg.readFile(path); err != nil {
			return Config{}, err
		}
	}
	for _, s := range settings {
		if v := getenv(s.env()); v != "" {
			if err := s.set(&cfg, v); err != nil {
				return Config{}, fmt.Errorf("%s: %w", s.env(), err)
			}
		}
	}
	var ferr error
	fs.Visit(func(f *flag.Flag) {
		if v, ok := b.values[f.Name]; ok && ferr == nil {
			if err := lookup(f.Name).set(&cfg, *v); err != nil {
				ferr = fmt.Errorf("--%s: %w", f.Name, err)
			}
		}
	})
	if ferr != nil {
		return Config{}, ferr
	}
	return cfg, cfg.Validate()
}

// RequiredConsent returns the purposes of ConsentRequired.
func (c *Config) RequiredConsent() ([]shop.Purpose, error) {
	out := []shop.Purpose{}
	for _, f := range strings.Split(c.ConsentRequired, ",") {
		p := shop.Purpose(strings.TrimSpace(f))
		if p == "" {
			continue
		}
		if !slices.Contains(shop.Purposes, p) {
			return nil, fmt.Errorf("consent_required: %q is not a consent purpose; use some of %v", p, shop.Purposes)
		}
		out = append(out, p)
	}
	return out, nil
}

// List splits a comma-separated setting into its lower-case, trimmed,
// non-empty parts.
func List(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.ToLower(strings.TrimSpace(f)); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// NextAction is one configured next best action (package strategy judges
// them; its Action has the same fields). Kind is coupon, push, email,
// recommendation or nothing; Cost is per contact, or per redemption when
// CostPer is "redemption" (the default for coupons); Experiment names the
// randomised test its uplift is learnt from, PriorUplift the uplift assumed
// without one; Value (0: the user's order value × next_action_margin) is
// what one incremental purchase is worth.
type NextAction struct {
	Name        string  `json:"name"`
	Kind        string  `json:"kind"`
	Cost        float64 `json:"cost,omitempty"`
	CostPer     string  `json:"cost_per,omitempty"`
	Experiment  string  `json:"experiment,omitempty"`
	PriorUplift float64 `json:"prior_uplift,omitempty"`
	Value       float64 `json:"value,omitempty"`
}

// checkNextActions checks what can be checked without package strategy:
// names and kinds.
func checkNextActions(as []NextAction) error {
	seen := map[string]bool{}
	for i, a := range as {
		switch {
		case a.Name == "":
			return fmt.Errorf("action %d has no name", i)
		case seen[a.Name]:
			return fmt.Errorf("action %q is listed twice", a.Name)
		case !slices.Contains([]string{"coupon", "push", "email", "recommendation", "nothing"}, a.Kind):
			return fmt.Errorf("action %q: kind %q is unknown; use coupon, push, email, recommendation or nothing", a.Name, a.Kind)
		case a.CostPer != "" && a.CostPer != "contact" && a.CostPer != "redemption":
			return fmt.Errorf("action %q: cost_per %q: use contact or redemption", a.Name, a.CostPer)
		case a.Cost < 0 || a.Value < 0:
			return fmt.Errorf("action %q: cost and value must not be negative", a.Name)
		}
		seen[a.Name] = true
	}
	return nil
}
