// Package api owns the HTTP/JSON interface under /v1: routing, decoding and
// size limits, API-key scopes, problem+json errors, health, metrics and the
// OpenAPI document. It is thin: every decision is made by the domain packages
// (ingest, store reads, later profiles and recommendations) it calls.
//
// Nothing imports api except the command.
package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/shopmind/shopmind/ads"
	"github.com/shopmind/shopmind/assist"
	"github.com/shopmind/shopmind/audience"
	"github.com/shopmind/shopmind/catalog"
	"github.com/shopmind/shopmind/config"
	"github.com/shopmind/shopmind/copyserve"
	"github.com/shopmind/shopmind/erasure"
	"github.com/shopmind/shopmind/experiment"
	"github.com/shopmind/shopmind/ingest"
	"github.com/shopmind/shopmind/privacy/dp"
	"github.com/shopmind/shopmind/privacy/pii"
	"github.com/shopmind/shopmind/profile"
	"github.com/shopmind/shopmind/ratelimit"
	"github.com/shopmind/shopmind/recserve"
	"github.com/shopmind/shopmind/store"
	"github.com/shopmind/shopmind/strategy"
	"github.com/shopmind/shopmind/telemetry"
)

// Server serves the API. Build it with New and mount Handler.
type Server struct {
	cfg      config.Config
	store    store.Store
	ingest   *ingest.Service
	metrics  *telemetry.Metrics
	profiles *profile.Service
	audience *audience.Service
	recs     *recserve.Service
	ads      *ads.Service
	copy     *copyserve.Service
	catalog  *catalog.Cache
	log      *slog.Logger
	keys     []hashedKey
	limit    ratelimit.Limiter // nil: no rate limit
	mux      *http.ServeMux
	copyJobs *copyserve.Jobs
	pii      *pii.Policy
	health   bool                       // serve only health and metrics
	feeds    interface{ Check() error } // nil: no staleness check in /readyz

	// inflight bounds the requests worked on at once (max_inflight).
	inflight inflight

	// dpLedger tracks the privacy budget of noisy aggregates in the store;
	// dpNoise draws their noise (cryptographic randomness).
	dpLedger *dp.Ledger
	dpNoise  dp.Source

	// copyBandit serves variants by bandit (POST /v1/copy/serve).
	copyBandit *copyserve.Bandit

	// assist is the customer-service assistant (nil: 503).
	assist *assist.Service

	// strategy plans campaigns and next actions (nil: 503).
	strategy *strategy.Service

	// experiments serves experiment definitions, assignments and results.
	experiments *experiment.Service

	// erasure deletes users everywhere (DELETE /v1/users/{id}).
	erasure *erasure.Service
}

type hashedKey struct {
	sum    [32]byte
	scopes config.APIKey
}

// Deps are what the server needs. Store should already be instrumented.
type Deps struct {
	Config  config.Config
	Store   store.Store
	Ingest  *ingest.Service
	Metrics *telemetry.Metrics
	Logger  *slog.Logger
	// Profiles serves profile reads; nil disables the profile routes'
	// answers (they return 503).
	Profiles *profile.Service
	// Audience serves segments; nil disables them (503).
	Audience *audience.Service
	// Recommendations serves the recommendation routes; nil disables them
	// (503).
	Recommendations *recserve.Service
	// Ads serves campaigns and ad decisions; nil disables them (503).
	Ads *ads.Service
	// Copy writes and checks marketing copy; nil disables it (503).
	Copy *copyserve.Service
	// CopyJobs runs copy jobs for segments; nil disables /v1/copy/jobs (503).
	CopyJobs *copyserve.Jobs
	// CopyBandit serves a brief's variants by bandit and learns from
	// message events; nil disables POST /v1/copy/serve (503).
	CopyBandit *copyserve.Bandit
	// Assist is the customer-service assistant (/v1/assist/...); nil
	// disables it (503).
	Assist *assist.Service
	// Strategy plans campaigns (POST /v1/plans) and next actions (GET
	// /v1/users/{id}/next-action). Nil: built from Config over Store and
	// Audience; without a Store those routes answer 503.
	Strategy *strategy.Service
	// Experiments serves /v1/experiments; nil disables them (503).
	Experiments *experiment.Service
	// Erasure deletes users everywhere; nil builds one over Store,
	// Profiles, CopyJobs, Ads and Assist.
	Erasure *erasure.Service
	// HealthOnly serves only /healthz, /readyz and /metrics (the trainer
	// role).
	HealthOnly bool
	// RateLimiter limits each key's requests when rate_limit is set; nil
	// keeps the buckets in this process's memory.
	RateLimiter ratelimit.Limiter
	// PII opens the personal attributes of users the API returns (the
	// ingest service seals them on the way in); nil returns them as stored.
	PII *pii.Policy
	// Catalog is the in-memory catalogue view; item deletions through the
	// API drop the item from it at once. May be nil.
	Catalog *catalog.Cache
	// Feeds reports feed followers that have gone without a successful
	// poll for longer than the staleness bound (feedwatch.Watch); /readyz
	// then answers 503. May be nil.
	Feeds interface{ Check() error }
}

// New builds a server and its routes.
func New(d Deps) *Server {
	s := &Server{cfg: d.Config, store: d.Store, ingest: d.Ingest, metrics: d.Metrics, profiles: d.Profiles, audience: d.Audience, recs: d.Recommendations, ads: d.Ads, copy: d.Copy, catalog: d.Catalog, log: d.Logger, mux: http.NewServeMux()}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.feeds = d.Feeds
	if d.Config.RateLimit > 0 {
		s.limit = d.RateLimiter
		if s.limit == nil {
			s.limit = ratelimit.NewMemory(d.Config.RateLimit, d.Config.RateBurst)
		}
	}
	for _, k := range d.Config.APIKeys {
		s.keys = append(s.keys, hashedKey{sum: sha256.Sum256([]byte(k.Key)), scopes: k})
	}
	s.copyBandit = d.CopyBandit
	s.assist = d.Assist
	s.copyJobs = d.CopyJobs
	s.strategy = d.Strategy
	if s.strategy == nil && d.Store != nil {
		st, err := strategy.New(d.Store, d.Audience, StrategyConfig(d.Config, s.log))
		if err != nil {
			s.log.Error("next actions are misconfigured; plans and next actions are off", "err", err)
		}
		s.strategy = st
	}
	s.pii = d.PII
	s.health = d.HealthOnly
	s.inflight.max = int64(d.Config.MaxInflight)
	s.experiments = d.Experiments
	s.erasure = d.Erasure
	if s.erasure == nil {
		s.erasure = erasure.New(erasure.Deps{Store: d.Store, Profiles: d.Profiles, CopyJobs: d.CopyJobs, Ads: d.Ads, Assist: d.Assist, Logger: s.log})
	}
	if d.Store != nil {
		s.dpLedger, s.dpNoise = dp.NewLedger(d.Store, d.Config.DPEpsilonBudget), dp.CryptoSource()
	}
	s.routes()
	return s
}

// Handler returns the root handler.
func (s *Server) Handler() http.Handler { return s.mux }

// route is one served endpoint. scope "" means public.
type route struct {
	method, path string
	scope        config.Scope
	handle       http.HandlerFunc
}

func (s *Server) table() []route {
	return []route{
		{"GET", "/healthz", "", s.healthz},
		{"GET", "/readyz", "", s.readyz},
		{"GET", "/metrics", "", s.metrics.Handler().ServeHTTP},
		{"GET", "/v1/openapi.json", "", serveOpenAPI},
		{"POST", "/v1/events", config.ScopeIngest, s.postEvents},
		{"POST", "/v1/items", config.ScopeIngest, s.postItems},
		{"GET", "/v1/items", config.ScopeRead, s.listItems},
		{"PUT", "/v1/items/{id}", config.ScopeIngest, s.putItem},
		{"GET", "/v1/items/{id}", config.ScopeRead, s.getItem},
		{"DELETE", "/v1/items/{id}", config.ScopeAdmin, s.deleteItem},
		{"PUT", "/v1/users/{id}", config.ScopeIngest, s.putUser},
		{"GET", "/v1/users/{id}", config.ScopeRead, s.getUser},
		{"DELETE", "/v1/users/{id}", config.ScopeAdmin, s.deleteUser},
		{"GET", "/v1/audit", config.ScopeAdmin, s.listAudit},
		{"GET", "/v1/users/{id}/consent", config.ScopeRead, s.getConsent},
		{"PATCH", "/v1/users/{id}/consent", config.ScopeIngest, s.patchConsent},
		{"GET", "/v1/users/{id}/events", config.ScopeRead, s.userEvents},
		{"GET", "/v1/users/{id}/profile", config.ScopeRead, s.getProfile},
		{"GET", "/v1/users/{id}/next-action", config.ScopeRead, s.nextAction},
		{"POST", "/v1/profiles/refresh", config.ScopeAdmin, s.refreshProfiles},
		{"POST", "/v1/segments", config.ScopeAdmin, s.createSegment},
		{"GET", "/v1/segments", config.ScopeRead, s.listSegments},
		{"POST", "/v1/segments/validate", config.ScopeRead, s.validateSegment},
		{"GET", "/v1/segments/{id}", config.ScopeRead, s.getSegment},
		{"PUT", "/v1/segments/{id}", config.ScopeAdmin, s.replaceSegment},
		{"DELETE", "/v1/segments/{id}", config.ScopeAdmin, s.deleteSegment},
		{"GET", "/v1/segments/{id}/size", config.ScopeRead, s.segmentSize},
		{"GET", "/v1/segments/{id}/members", config.ScopeRead, s.segmentMembers},
		{"GET", "/v1/segments/{id}/preview", config.ScopeRead, s.segmentPreview},
		{"GET", "/v1/segments/{id}/export", config.ScopeRead, s.segmentExport},
		{"POST", "/v1/segments/{id}/lookalike", config.ScopeRead, s.segmentLookalike},
		{"POST", "/v1/plans", config.ScopeAdmin, s.createPlan},
		{"GET", "/v1/clusters", config.ScopeRead, s.clusters},
		{"GET", "/v1/stats", config.ScopeRead, s.stats},
		{"GET", "/v1/reports/exposure", config.ScopeRead, s.exposureReport},
		{"GET", "/v1/users/{id}/recommendations", config.ScopeRead, s.userRecommendations},
		{"GET", "/v1/items/{id}/similar", config.ScopeRead, s.itemRecommendations("similar")},
		{"GET", "/v1/items/{id}/bought-together", config.ScopeRead, s.itemRecommendations("bought-together")},
		{"GET", "/v1/recommendations/popular", config.ScopeRead, s.popularItems},
		{"POST", "/v1/recommendations/session", config.ScopeRead, s.sessionRecommendations},
		{"GET", "/v1/models/recommend", config.ScopeRead, s.recommendModel},
		{"POST", "/v1/models/recommend/train", config.ScopeAdmin, s.trainRecommend},
		{"POST", "/v1/campaigns", config.ScopeAdmin, s.createCampaign},
		{"GET", "/v1/campaigns", config.ScopeRead, s.listCampaigns},
		{"GET", "/v1/campaigns/{id}", config.ScopeRead, s.getCampaign},
		{"PUT", "/v1/campaigns/{id}", config.ScopeAdmin, s.replaceCampaign},
		{"DELETE", "/v1/campaigns/{id}", config.ScopeAdmin, s.deleteCampaign},
		{"POST", "/v1/ads/decide", config.ScopeIngest, s.decideAds},
		{"POST", "/v1/ads/events", config.ScopeIngest, s.adEvent},
		{"POST", "/v1/copy/generate", config.ScopeAdmin, s.generateCopy},
		{"POST", "/v1/copy/check", config.ScopeRead, s.checkCopy},
		{"POST", "/v1/copy/jobs", config.ScopeAdmin, s.createCopyJob},
		{"GET", "/v1/copy/jobs/{id}", config.ScopeRead, s.getCopyJob},
		{"GET", "/v1/copy/jobs/{id}/results", config.ScopeRead, s.copyJobResults},
		{"DELETE", "/v1/copy/jobs/{id}", config.ScopeAdmin, s.cancelCopyJob},
		{"POST", "/v1/copy/serve", config.ScopeIngest, s.serveCopy},
		{"POST", "/v1/assist/chat", config.ScopeIngest, s.assistChat},
		{"POST", "/v1/assist/documents", config.ScopeAdmin, s.uploadAssistDocument},
		{"GET", "/v1/assist/documents", config.ScopeRead, s.listAssistDocuments},
		{"DELETE", "/v1/assist/documents/{id}", config.ScopeAdmin, s.deleteAssistDocument},
		{"GET", "/v1/assist/transcripts", config.ScopeAdmin, s.listAssistTranscripts},
		{"GET", "/v1/assist/escalations", config.ScopeAdmin, s.assistEscalations},
		{"POST", "/v1/experiments", config.ScopeAdmin, s.createExperiment},
		{"GET", "/v1/experiments", config.ScopeRead, s.listExperiments},
		{"GET", "/v1/experiments/{id}", config.ScopeRead, s.getExperiment},
		{"PUT", "/v1/experiments/{id}", config.ScopeAdmin, s.updateExperiment},
		{"GET", "/v1/experiments/{id}/assignment", config.ScopeRead, s.experimentAssignment},
		{"GET", "/v1/experiments/{id}/results", config.ScopeRead, s.experimentResults},

		// The Gorse-compatible subset (gorse.go). gorsejs sends a trailing
		// slash when no category is given: {category...} also matches
		// the empty rest.
		{"POST", "/api/user", config.ScopeIngest, s.gorseInsertUser},
		{"POST", "/api/users", config.ScopeIngest, s.gorseInsertUsers},
		{"GET", "/api/user/{id}", config.ScopeRead, s.gorseGetUser},
		{"PATCH", "/api/user/{id}", config.ScopeIngest, s.gorsePatchUser},
		{"DELETE", "/api/user/{id}", config.ScopeAdmin, s.gorseDeleteUser},
		{"POST", "/api/item", config.ScopeIngest, s.gorseUpsertItem},
		{"POST", "/api/items", config.ScopeIngest, s.gorseUpsertItems},
		{"GET", "/api/items", config.ScopeRead, s.gorseListItems},
		{"GET", "/api/item/{id}", config.ScopeRead, s.gorseGetItem},
		{"PATCH", "/api/item/{id}", config.ScopeIngest, s.gorsePatchItem},
		{"DELETE", "/api/item/{id}", config.ScopeAdmin, s.gorseDeleteItem},
		{"PUT", "/api/item/{id}/category/{category}", config.ScopeIngest, s.gorseAddCategory},
		{"DELETE", "/api/item/{id}/category/{category}", config.ScopeAdmin, s.gorseRemoveCategory},
		{"POST", "/api/feedback", config.ScopeIngest, s.gorseInsertFeedback},
		{"PUT", "/api/feedback", config.ScopeIngest, s.gorseInsertFeedback},
		{"GET", "/api/recommend/{user}", config.ScopeRead, s.gorseRecommend},
		{"GET", "/api/recommend/{user}/{category...}", config.ScopeRead, s.gorseRecommend},
		{"GET", "/api/item/{id}/neighbors", config.ScopeRead, s.gorseNeighbors},
		{"GET", "/api/item/{id}/neighbors/{category...}", config.ScopeRead, s.gorseNeighbors},
		{"GET", "/api/popular", config.ScopeRead, s.gorsePopular},
		{"GET", "/api/popular/{category...}", config.ScopeRead, s.gorsePopular},
		{"GET", "/api/latest", config.ScopeRead, s.gorseLatest},
		{"GET", "/api/latest/{category...}", config.ScopeRead, s.gorseLatest},
		{"POST", "/api/session/recommend", config.ScopeRead, s.gorseSessionRecommend},
		{"POST", "/api/session/recommend/{category...}", config.ScopeRead, s.gorseSessionRecommend},
	}
}

func (s *Server) routes() {
	// Method-specific routes go on the main mux. Requests it cannot match
	// fall to "/", which asks a second mux of bare paths whether the path
	// exists with other methods (405) or not at all (404). Keeping bare
	// paths apart avoids pattern conflicts such as "GET /x/{id}" against
	// "/x/validate".
	allowed := map[string][]string{}
	for _, rt := range s.table() {
		if s.health && !slices.Contains([]string{"/healthz", "/readyz", "/metrics"}, rt.path) {
			continue
		}
		s.mux.Handle(rt.method+" "+rt.path, s.wrap(rt))
		allowed[rt.path] = append(allowed[rt.path], rt.method)
	}
	paths := http.NewServeMux()
	for path, methods := range allowed {
		allow := strings.Join(methods, ", ")
		if slices.Contains(methods, "GET") {
			allow += ", HEAD"
		}
		paths.Handle(path, s.wrap(route{path: path, handle: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			msg := fmt.Sprintf("%s is not served on %s; use %s", r.Method, path, allow)
			if isGorseRoute(path) {
				gorseError(w, http.StatusMethodNotAllowed, msg)
				return
			}
			writeProblem(w, http.StatusMethodNotAllowed, "method-not-allowed", msg)
		}}))
	}
	paths.Handle("/", s.wrap(route{path: "unmatched", handle: func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Shopmind-Route", "unmatched")
		if isGorseRoute(r.URL.Path) {
			gorseError(w, http.StatusNotFound, "no Gorse-compatible route "+r.URL.Path+"; see /v1/openapi.json (tag gorse-compat)")
			return
		}
		writeProblem(w, http.StatusNotFound, "no-route", "no API route "+r.URL.Path+"; see /v1/openapi.json for the routes")
	}}))
	s.mux.Handle("/", paths)
}

// wrap adds, outside in: metrics and logging, panic recovery, the bound on
// requests in flight, authentication.
func (s *Server) wrap(rt route) http.Handler {
	label := rt.path
	bounded := !unbounded(rt.path)
	authorize := s.authorize
	if isGorseRoute(rt.path) {
		authorize = s.authorizeGorse // X-API-Key and text/plain errors, as Gorse clients expect
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("panic serving request", "route", label, "panic", p, "stack", string(debug.Stack()))
				if !sw.wrote {
					writeProblem(sw, http.StatusInternalServerError, "internal", "the server failed; nothing was acknowledged")
				}
			}
			d := time.Since(start)
			s.metrics.ObserveHTTP(label, r.Method, sw.status, d)
			if sw.status >= 500 {
				s.log.Warn("request failed", "method", r.Method, "path", r.URL.Path, "status", sw.status, "duration", d)
			} else {
				s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "duration", d)
			}
		}()
		if bounded {
			if !s.inflight.acquire(sw) {
				return
			}
			defer s.inflight.done()
		}
		if rt.scope != "" && !authorize(sw, r, rt.scope) {
			return
		}
		if rt.scope != "" && s.limited(sw, r) {
			return
		}
		rt.handle(sw, r)
	})
}

// authorize checks the bearer key for scope. With no keys configured every
// request is allowed (the server then only listens on loopback).
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, scope config.Scope) bool {
	if len(s.keys) == 0 {
		return true
	}
	auth := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || token == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="shopmind"`)
		writeProblem(w, http.StatusUnauthorized, "unauthorized", "send an API key as 'Authorization: Bearer KEY'")
		return false
	}
	sum := sha256.Sum256([]byte(token))
	var found *config.APIKey
	for i := range s.keys {
		if subtle.ConstantTimeCompare(sum[:], s.keys[i].sum[:]) == 1 {
			found = &s.keys[i].scopes
		}
	}
	if found == nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="shopmind", error="invalid_token"`)
		writeProblem(w, http.StatusUnauthorized, "unauthorized", "the API key is not known to this server")
		return false
	}
	if !found.Allows(scope) {
		writeProblem(w, http.StatusForbidden, "forbidden", fmt.Sprintf("this API key lacks the %q scope needed here", scope))
		return false
	}
	return true
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
