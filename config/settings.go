package config

import (
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopmind/shopmind/shop"
)

// setting is one configuration key, known by the same name in the file
// (json), on the command line (--name with _ as -) and in the environment
// (SHOPMIND_NAME).
type setting struct {
	name string // JSON key
	help string
	set  func(c *Config, v string) error
}

func (s setting) flag() string { return strings.ReplaceAll(s.name, "_", "-") }
func (s setting) env() string  { return "SHOPMIND_" + strings.ToUpper(s.name) }

var settings = []setting{
	{"addr", "address the HTTP API listens on (host:port); without api_keys only loopback is allowed", func(c *Config, v string) error {
		c.Addr = v
		return nil
	}},
	{"data", "directory of the embedded store (used when store is empty)", func(c *Config, v string) error {
		c.Data = v
		return nil
	}},
	{"store", "store URL: sqlite:PATH, sqlite:///abs/path or postgres://user@host:5432/db (empty: embedded store in data)", func(c *Config, v string) error {
		c.Store = v
		return nil
	}},
	{"api_keys", "API keys as key:scope,scope;key2:scope (scopes: ingest, read, admin)", func(c *Config, v string) error {
		keys, err := ParseAPIKeys(v)
		c.APIKeys = keys
		return err
	}},
	{"max_body_bytes", "largest request body accepted, in bytes", func(c *Config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		c.MaxBodyBytes = n
		return err
	}},
	{"max_batch", "most rows accepted in one batch request", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		c.MaxBatch = n
		return err
	}},
	{"event_weights", "interest weight per event type as type=w,type=w (overrides the defaults)", func(c *Config, v string) error {
		w, err := ParseWeights(v)
		c.EventWeights = w
		return err
	}},
	{"log_level", "debug, info, warn or error", func(c *Config, v string) error {
		c.LogLevel = v
		return nil
	}},
	{"log_format", "text or json", func(c *Config, v string) error {
		c.LogFormat = v
		return nil
	}},
	{"profile_half_life", "half-life of category and brand affinities in profiles", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		c.ProfileHalfLife = Duration{d}
		return err
	}},
	{"timezone", "IANA time zone of the shop, for active hours and weekdays in profiles", func(c *Config, v string) error {
		c.Timezone = v
		return nil
	}},
	{"rfm_interval", "how often RFM quintiles are recomputed over all profiles", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		c.RFMInterval = Duration{d}
		return err
	}},
	{"clv_horizon_days", "days over which customer lifetime value is summed in profiles", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		c.CLVHorizonDays = n
		return err
	}},
	{"min_group_size", "smallest group a segment export or aggregate report may describe (k-anonymity)", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		c.MinGroupSize = n
		return err
	}},
	{"dp_epsilon_budget", "total differential-privacy epsilon each noisy report may spend", func(c *Config, v string) error {
		f, err := strconv.ParseFloat(v, 64)
		c.DPEpsilonBudget = f
		return err
	}},
	{"shutdown_timeout", "how long graceful shutdown waits for requests in flight", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		c.ShutdownTimeout = Duration{d}
		return err
	}},
	{"redis", "Redis URL (redis://host:6379/0) for the ad counters several nodes share: budgets, frequency caps, creative statistics (empty: in memory on this node)", func(c *Config, v string) error {
		c.Redis = v
		return nil
	}},
	{"redis_prefix", "prefix of every Redis key shopmind writes (ad counters, rate limits), so that several shops or tests can share one Redis", func(c *Config, v string) error {
		c.RedisPrefix = v
		return nil
	}},
	{"ads_degraded_budget_share", "while Redis does not answer, the share of a campaign's daily budget each node may still spend per degraded period (0 to 1)", func(c *Config, v string) error {
		f, err := strconv.ParseFloat(v, 64)
		c.AdsDegradedShare = f
		return err
	}},
	{"max_inflight", "most requests a node works on at once; above it the answer is 429 with Retry-After (0: no bound)", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		c.MaxInflight = n
		return err
	}},
	{"llm_base_url", "base URL of an OpenAI-compatible chat-completions endpoint for copy (OpenAI, DeepSeek, Qwen, Ollama, vLLM, llama.cpp); empty: the embedded template writer only", func(c *Config, v string) error {
		c.LLMBaseURL = v
		return nil
	}},
	{"llm_api_key", "API key of the LLM endpoint (better in the environment than on the command line)", func(c *Config, v string) error {
		c.LLMAPIKey = v
		return nil
	}},
	{"llm_model", "model name at the LLM endpoint; setting it makes the LLM the default copy writer", func(c *Config, v string) error {
		c.LLMModel = v
		return nil
	}},
	{"llm_timeout", "time limit of one LLM call attempt", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		c.LLMTimeout = Duration{d}
		return err
	}},
	{"deletion_feed_retention", "how long the deletion feed names a deleted user before the id is blanked", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		c.DeletionFeedRetention = Duration{d}
		return err
	}},
	{"pii_keys", "keys sealing personal user attributes with AES-256-GCM, id:base64key,... with the primary first (prefer the environment)", func(c *Config, v string) error {
		c.PIIKeys = v
		return nil
	}},
	{"pii_fields", "user attributes that are personal and stored sealed (comma-separated)", func(c *Config, v string) error {
		c.PIIFields = v
		return nil
	}},
	{"pii_hashed", "personal attributes that also get a keyed hash for matching (comma-separated)", func(c *Config, v string) error {
		c.PIIHashed = v
		return nil
	}},
	{"role", "what serve runs: all (one node does everything), api (requests only) or trainer (training, copy jobs, health and metrics)", func(c *Config, v string) error {
		c.Role = v
		return nil
	}},
	{"consent_required", "consent purposes that need an explicit grant (comma-separated); others are allowed until the user refuses", func(c *Config, v string) error {
		c.ConsentRequired = v
		return nil
	}},
	{"copy_max_repairs", "rounds a failing draft goes back to its writer with the reasons before it is rejected", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		c.CopyMaxRepairs = n
		return err
	}},
	{"copy_job_concurrency", "members a copy job writes for at once", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		c.CopyJobConcurrency = n
		return err
	}},
	{"copy_job_requests_per_minute", "most writer calls a minute for copy jobs (0: unlimited; answers from the cache are free)", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		c.CopyJobRPM = n
		return err
	}},
	{"copy_job_tokens_per_minute", "most prompt and completion tokens a minute for copy jobs (0: unlimited)", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		c.CopyJobTPM = n
		return err
	}},
	{"copy_terms_zh", "file of extra banned or regulated Chinese terms for copy, one per line as term | category (absolute, medical, financial); !phrase allows a phrase", func(c *Config, v string) error {
		c.CopyTermsZH = v
		return nil
	}},
	{"copy_terms_en", "file of extra banned or regulated English terms for copy (same format as copy_terms_zh)", func(c *Config, v string) error {
		c.CopyTermsEN = v
		return nil
	}},
	{"rate_limit", "requests a second each API key may make on this node (token bucket; 0: no limit)", func(c *Config, v string) error {
		f, err := strconv.ParseFloat(v, 64)
		c.RateLimit = f
		return err
	}},
	{"rate_burst", "requests a key may make at once above its rate (default: one second's worth)", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		c.RateBurst = n
		return err
	}},
	{"next_actions", "next best actions as a JSON list of {name, kind, cost, cost_per, experiment, prior_uplift, value} (empty: the built-in coupon_10, push, email, recommendation, nothing)", func(c *Config, v string) error {
		var as []NextAction
		dec := json.NewDecoder(strings.NewReader(v))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&as); err != nil {
			return fmt.Errorf("want a JSON list such as [{\"name\":\"push\",\"kind\":\"push\",\"cost\":0.05}]: %w", err)
		}
		c.NextActions = as
		return nil
	}},
	{"next_action_weekly_cap", "most marketing messages (coupon, push, e-mail) a user receives in 7 days before next-action stops offering them", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		c.NextActionWeeklyCap = n
		return err
	}},
	{"next_action_margin", "share of an order's revenue that is profit, for next-action values", func(c *Config, v string) error {
		f, err := strconv.ParseFloat(v, 64)
		c.NextActionMargin = f
		return err
	}},
	{"uplift_window_days", "days after a user's first exposure to an experiment in which purchases count as its outcome", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		c.UpliftWindowDays = n
		return err
	}},
	{"strategy_refresh_interval", "how long an uplift model trained from the store is used before it is trained again", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		c.StrategyRefresh = Duration{d}
		return err
	}},
	{"ads_model_interval", "how often the elected trainer publishes the ad click and conversion models it learns from every node's feedback", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		c.AdsModelInterval = Duration{d}
		return err
	}},
	{"ads_refresh_interval", "how often every node re-reads the campaigns (a campaign changed through another node serves within it)", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		c.AdsRefreshInterval = Duration{d}
		return err
	}},
	{"ads_crosses", "named feature crosses of the ad click and conversion models, as a×b,c×d over user, advertiser, campaign, creative, item, device, page, hour, lifecycle, price_band, top_category, segment", func(c *Config, v string) error {
		c.AdsCrosses = v
		return nil
	}},
	{"train_interval", "how often serve retrains the recommendation models (0: only at first start and by shopmind train)", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		c.TrainInterval = Duration{d}
		return err
	}},
	{"model_poll_interval", "how often a node looks for a newly published model", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		c.ModelPollInterval = Duration{d}
		return err
	}},
	{"feed_poll_interval", "how often a node reads the store's change feeds (its staleness bound)", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		c.FeedPollInterval = Duration{d}
		return err
	}},
	{"recommend_exclude_purchased", "never recommend items the user has bought (true/false)", func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		c.RecExcludePurchased = b
		return err
	}},
	{"recommend_exclude_seen", "never recommend items in the user's recent history (true/false)", func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		c.RecExcludeSeen = b
		return err
	}},
	{"recommend_include_out_of_stock", "allow out-of-stock items in recommendations (hidden items never are)", func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		c.RecIncludeOutOfStock = b
		return err
	}},
	{"recommend_boosts", "boost or bury rules as field:value=factor,... (fields category, brand, item, tag; factor > 1 boosts, < 1 buries)", func(c *Config, v string) error {
		c.RecBoosts = v
		return nil
	}},
	{"recommend_max_per_category", "at most this many items per leaf category in one answer (0: no cap)", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		c.RecMaxPerCategory = n
		return err
	}},
	{"recommend_mmr", "diversity by maximal marginal relevance, lambda in (0, 1] (0: off)", func(c *Config, v string) error {
		f, err := strconv.ParseFloat(v, 64)
		c.RecMMR = f
		return err
	}},
	{"recommend_max_item_share", "cap on any item's share of this node's recommendation exposure, in (0, 1] (0: off)", func(c *Config, v string) error {
		f, err := strconv.ParseFloat(v, 64)
		c.RecMaxItemShare = f
		return err
	}},
	{"recommend_max_brand_share", "cap on any brand's share of this node's recommendation exposure, in (0, 1] (0: off)", func(c *Config, v string) error {
		f, err := strconv.ParseFloat(v, 64)
		c.RecMaxBrandShare = f
		return err
	}},
	{"assist_docs_dir", "folder of Markdown policy and FAQ documents the customer-service assistant answers from, split into passages by heading (empty: the embedded default policies only)", func(c *Config, v string) error {
		c.AssistDocsDir = v
		return nil
	}},
	{"assist_min_confidence", "the assistant escalates to a person when its confidence in an answer is below this, in [0, 1]", func(c *Config, v string) error {
		f, err := strconv.ParseFloat(v, 64)
		c.AssistMinConfidence = f
		return err
	}},
	{"assist_history_turns", "turns of a conversation the assistant keeps per session", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		c.AssistHistoryTurns = n
		return err
	}},
	{"embed_base_url", "base URL of an OpenAI-compatible /v1/embeddings endpoint for the assistant's dense retrieval (empty: BM25 only)", func(c *Config, v string) error {
		c.EmbedBaseURL = v
		return nil
	}},
	{"embed_api_key", "API key of the embeddings endpoint (better in the environment than on the command line)", func(c *Config, v string) error {
		c.EmbedAPIKey = v
		return nil
	}},
	{"embed_model", "embedding model name at the embeddings endpoint; with embed_base_url it turns dense retrieval on", func(c *Config, v string) error {
		c.EmbedModel = v
		return nil
	}},
	{"gorse_feedback_types", "event type per Gorse feedback type as gorse=event,... (adds to or replaces entries of the default mapping; unmapped types become view)", func(c *Config, v string) error {
		m, err := ParseFeedbackTypes(v)
		merged := maps.Clone(c.GorseFeedbackTypes)
		if merged == nil {
			merged = map[string]shop.EventType{}
		}
		maps.Copy(merged, m)
		c.GorseFeedbackTypes = merged
		return err
	}},
}

func lookup(flagName string) setting {
	for _, s := range settings {
		if s.flag() == flagName {
			return s
		}
	}
	panic("config: no setting for flag " + flagName)
}

// Bound remembers the flags Bind registered so Load can apply them.
type Bound struct {
	config string
	values map[string]*string
}

// Bind registers --config and the named settings (JSON names) as flags on fs.
// With no names it registers every setting.
func Bind(fs *flag.FlagSet, names ...string) *Bound {
	b := &Bound{values: map[string]*string{}}
	fs.StringVar(&b.config, "config", "", "JSON config file (also SHOPMIND_CONFIG)")
	def := Default()
	for _, s := range settings {
		if len(names) > 0 && !slices.Contains(names, s.name) {
			continue
		}
		b.values[s.flag()] = fs.String(s.flag(), "", fmt.Sprintf("%s (env %s%s)", s.help, s.env(), defaultNote(&def, s.name)))
	}
	return b
}

func defaultNote(c *Config, name string) string {
	switch name {
	case "addr":
		return "; default " + c.Addr
	case "data":
		return "; default " + c.Data
	case "max_body_bytes":
		return "; default " + strconv.FormatInt(c.MaxBodyBytes, 10)
	case "max_batch":
		return "; default " + strconv.Itoa(c.MaxBatch)
	case "log_level":
		return "; default " + c.LogLevel
	case "log_format":
		return "; default " + c.LogFormat
	case "shutdown_timeout":
		return "; default " + c.ShutdownTimeout.String()
	case "profile_half_life":
		return "; default " + c.ProfileHalfLife.String()
	case "timezone":
		return "; default " + c.Timezone
	case "ads_crosses":
		return "; default " + c.AdsCrosses
	case "train_interval":
		return "; default " + c.TrainInterval.String()
	case "model_poll_interval":
		return "; default " + c.ModelPollInterval.String()
	case "feed_poll_interval":
		return "; default " + c.FeedPollInterval.String()
	case "recommend_exclude_purchased":
		return "; default " + strconv.FormatBool(c.RecExcludePurchased)
	case "recommend_exclude_seen":
		return "; default " + strconv.FormatBool(c.RecExcludeSeen)
	case "clv_horizon_days":
		return "; default " + strconv.Itoa(c.CLVHorizonDays)
	case "min_group_size":
		return "; default " + strconv.Itoa(c.MinGroupSize)
	case "dp_epsilon_budget":
		return "; default " + strconv.FormatFloat(c.DPEpsilonBudget, 'g', -1, 64)
	case "rfm_interval":
		return "; default " + c.RFMInterval.String()
	case "next_action_weekly_cap":
		return "; default " + strconv.Itoa(c.NextActionWeeklyCap)
	case "next_action_margin":
		return "; default " + strconv.FormatFloat(c.NextActionMargin, 'g', -1, 64)
	case "uplift_window_days":
		return "; default " + strconv.Itoa(c.UpliftWindowDays)
	case "strategy_refresh_interval":
		return "; default " + c.StrategyRefresh.String()
	}
	return ""
}

// Names lists every setting's JSON name, for documentation checks.
func Names() []string {
	out := make([]string, len(settings))
	for i, s := range settings {
		out[i] = s.name
	}
	return out
}
