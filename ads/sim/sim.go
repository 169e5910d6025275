// Package sim simulates days of ad traffic with known true click and
// conversion rates and runs them through the real decision code (package
// ads, in-memory counters) to measure delivery: spend against budget,
// spend per hour with and without pacing, clicks and conversions per unit
// spent against a no-pacing and a random-allocation baseline, and
// frequency-cap violations. It is pure and seeded: the same Config gives
// the same Result.
//
// The world: users with a device, segment memberships, an activity level
// (heavy users make many requests, so caps matter) and a latent taste
// vector; campaigns with a bid type, a bid, targeting, a frequency cap and
// one to three creatives. The true click probability of user u for
// creative k of campaign c is base_c · q_k · exp(⟨x_u, y_c⟩ − |y_c|²/2),
// the conversion probability after a click cvr_c · exp(⟨x_u, z_c⟩ −
// |z_c|²/2). Requests follow a diurnal curve (by default 0.5× the mean at
// 04:00, 1.5× at 16:00).
//
// The predictor is an oracle with noise for the user × campaign part (the
// true rates times a fixed log-normal error per user and campaign, σ =
// PredictorNoise), times a per-creative quality factor learned online from
// the simulated clicks (a Gamma–Poisson estimate: (clicks + 10) /
// (expected clicks + 10)). New creatives are explored by the engine's
// Thompson sampling.
//
// Four runs share the world and the request stream: "demand" (no pacing,
// unlimited budgets) measures what each campaign would spend; budgets are
// then drawn as a fraction of that demand, well below it for a share of
// the campaigns and well above it for the others (see LimitedShare); then
// "paced" (the engine as configured), "no pacing" and "random" (pacing on
// but throttling a random fraction of requests, winners drawn at random
// among the eligible instead of ranked by expected value, each slot
// priced as in the auction: see ads.RandomAllocation).
package sim

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/shopmind/shopmind/ads"
)

// Config describes a simulation. Zero fields take defaults.
type Config struct {
	Seed            uint64  `json:"seed"`
	Hours           int     `json:"hours"`             // simulated hours from midnight (default 24)
	Campaigns       int     `json:"campaigns"`         // default 50
	Users           int     `json:"users"`             // default 100,000
	RequestsPerUser float64 `json:"requests_per_user"` // ad requests per user per day (default 5)
	Slots           int     `json:"slots"`             // ads per request (default 2)
	Segments        int     `json:"segments"`          // saved segments users belong to (default 8)
	// TrafficAmplitude is the diurnal swing of the request rate: 0.5 (the
	// default) means 0.5× the mean at 04:00 and 1.5× at 16:00.
	TrafficAmplitude float64 `json:"traffic_amplitude"`
	ReserveCPM       float64 `json:"reserve_cpm"`     // reserve price per thousand impressions (default 2)
	PredictorNoise   float64 `json:"predictor_noise"` // σ of the predictor's log-normal error (default 0.3; negative: none)
	// LimitedShare is the share of campaigns whose daily budget is drawn
	// below their measured demand, as a fraction uniform in
	// [LimitedLow, LimitedHigh] of it (defaults 0.6, 0.15 and 0.6); the
	// others get 1.5 to 2.5 times their demand. The gap keeps "demand
	// exceeds budget" from being decided by how second prices move when
	// competition changes.
	LimitedShare float64           `json:"limited_share"`
	LimitedLow   float64           `json:"limited_low"`
	LimitedHigh  float64           `json:"limited_high"`
	Pacing       ads.PacingConfig  `json:"-"`
	Explore      ads.ExploreConfig `json:"-"`
	// Progress, if set, is told when each run starts.
	Progress func(run string) `json:"-"`
}

func (c Config) withDefaults() Config {
	if c.Hours <= 0 {
		c.Hours = 24
	}
	if c.Campaigns <= 0 {
		c.Campaigns = 50
	}
	if c.Users <= 0 {
		c.Users = 100_000
	}
	if c.RequestsPerUser <= 0 {
		c.RequestsPerUser = 5
	}
	if c.Slots <= 0 {
		c.Slots = 2
	}
	if c.Segments <= 0 {
		c.Segments = 8
	}
	if c.TrafficAmplitude <= 0 || c.TrafficAmplitude >= 1 {
		c.TrafficAmplitude = 0.5
	}
	if c.ReserveCPM <= 0 {
		c.ReserveCPM = 2
	}
	if c.PredictorNoise < 0 {
		c.PredictorNoise = 0
	} else if c.PredictorNoise == 0 {
		c.PredictorNoise = 0.3
	}
	if c.LimitedShare <= 0 || c.LimitedShare > 1 {
		c.LimitedShare = 0.6
	}
	if c.LimitedLow <= 0 {
		c.LimitedLow = 0.15
	}
	if c.LimitedHigh <= c.LimitedLow || c.LimitedHigh > 1 {
		c.LimitedHigh = max(0.6, c.LimitedLow)
	}
	return c
}

// Check refuses configurations the simulator cannot run.
func (c Config) Check() error {
	switch {
	case c.Hours < 0 || c.Hours > 24*14:
		return fmt.Errorf("hours %d: simulate 1 to %d hours", c.Hours, 24*14)
	case c.Campaigns < 0 || c.Campaigns > 2000:
		return fmt.Errorf("campaigns %d: simulate 1 to 2000 campaigns", c.Campaigns)
	case c.Users < 0 || c.Users > 10_000_000:
		return fmt.Errorf("users %d: simulate 1 to 10,000,000 users", c.Users)
	case c.Segments > 30:
		return fmt.Errorf("segments %d: at most 30", c.Segments)
	case c.Slots > 10:
		return fmt.Errorf("slots %d: at most 10", c.Slots)
	}
	return nil
}

// Start is the simulated clock's first instant: a Monday midnight, UTC.
var Start = time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)

const dims = 4

var pages = []string{"home", "product", "search", "cart"}
var pageWeights = []float64{0.4, 0.35, 0.15, 0.1}

// Traffic is the relative request rate at hour h of the day (mean 1) for
// a diurnal amplitude a: lowest (1−a) at 04:00, highest (1+a) at 16:00.
func Traffic(h, a float64) float64 { return 1 - a*math.Cos(2*math.Pi*(h-4)/24) }

type user struct {
	id     string
	device string
	segs   uint32
	x      [dims]float64
}

type campaign struct {
	c       ads.Campaign
	base    float64 // base CTR
	cvr     float64 // base P(conversion | click)
	y, z    [dims]float64
	quality []float64 // per creative
}

// World is the simulated population and its campaigns.
type World struct {
	cfg       Config
	users     []user
	cum       []float64 // cumulative activity, for sampling users
	campaigns []campaign
	segNames  []string
	segLists  map[uint32][]string
}

// NewWorld draws the users and campaigns of cfg (budgets unset).
func NewWorld(cfg Config) (*World, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	r := rand.New(rand.NewPCG(cfg.Seed, 0x5eed))
	w := &World{cfg: cfg, segLists: map[uint32][]string{}}
	for s := range cfg.Segments {
		w.segNames = append(w.segNames, fmt.Sprintf("seg-%d", s))
	}
	segRate := make([]float64, cfg.Segments)
	for s := range segRate {
		segRate[s] = 0.2 + 0.3*r.Float64()
	}
	total := 0.0
	w.users = make([]user, cfg.Users)
	w.cum = make([]float64, cfg.Users)
	for i := range w.users {
		u := &w.users[i]
		u.id = "u" + strconv.Itoa(i)
		switch p := r.Float64(); {
		case p < 0.55:
			u.device = "mobile"
		case p < 0.93:
			u.device = "desktop"
		default:
			u.device = "tablet"
		}
		for s := range cfg.Segments {
			if r.Float64() < segRate[s] {
				u.segs |= 1 << s
			}
		}
		for d := range dims {
			u.x[d] = r.NormFloat64()
		}
		total += math.Exp(r.NormFloat64() - 0.5) // log-normal activity, mean 1
		w.cum[i] = total
	}
	for i := range cfg.Campaigns {
		var c campaign
		id := fmt.Sprintf("c%03d", i+1)
		c.c = ads.Campaign{ID: id, Name: "campaign " + id, Advertiser: fmt.Sprintf("adv-%02d", i%17), Status: ads.Active}
		c.base = math.Min(0.1, math.Max(0.003, 0.02*math.Exp(0.5*r.NormFloat64())))
		c.cvr = 0.02 + 0.13*r.Float64()
		for d := range dims {
			c.y[d] = 0.35 * r.NormFloat64()
			c.z[d] = 0.3 * r.NormFloat64()
		}
		// Advertisers bid towards a value per thousand impressions of 8 to
		// 14, so that no campaign wins everything and rankings turn on
		// the users' tastes. CPM bids gain nothing from matching users,
		// whose best click and conversion rates are several times the
		// average, so CPM advertisers bid 1.6 to 2.4 times that value.
		ecpm := 8 + 6*r.Float64()
		switch p := r.Float64(); {
		case p < 0.5:
			c.c.BidType, c.c.Bid = ads.CPC, round2(ecpm/1000/c.base)
		case p < 0.8:
			c.c.BidType, c.c.Bid = ads.CPM, round2(ecpm*(1.6+0.8*r.Float64()))
		default:
			c.c.BidType, c.c.Bid = ads.CPA, round2(ecpm/1000/(c.base*c.cvr))
		}
		c.c.Bid = max(c.c.Bid, 0.01)
		for k := range 1 + r.IntN(3) {
			c.c.Creatives = append(c.c.Creatives, ads.Creative{ID: fmt.Sprintf("k%d", k+1), ItemID: fmt.Sprintf("item-%d", r.IntN(5000)), Text: fmt.Sprintf("Ad %d of %s", k+1, id)})
			c.quality = append(c.quality, math.Exp(0.3*r.NormFloat64()-0.045))
		}
		if r.Float64() < 0.35 {
			n := 1 + r.IntN(2)
			for _, s := range r.Perm(cfg.Segments)[:min(n, cfg.Segments)] {
				c.c.Targeting.Segments = append(c.c.Targeting.Segments, w.segNames[s])
			}
		}
		if r.Float64() < 0.2 {
			c.c.Targeting.Devices = []string{[]string{"mobile", "desktop"}[r.IntN(2)]}
		}
		if r.Float64() < 0.15 {
			c.c.Targeting.Pages = []string{"product", "cart"}
		}
		if r.Float64() < 0.5 {
			c.c.FrequencyCap = 2 + r.IntN(5)
		}
		w.campaigns = append(w.campaigns, c)
	}
	return w, nil
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

func (w *World) segList(mask uint32) []string {
	if l, ok := w.segLists[mask]; ok {
		return l
	}
	l := []string{}
	for s, name := range w.segNames {
		if mask&(1<<s) != 0 {
			l = append(l, name)
		}
	}
	w.segLists[mask] = l
	return l
}

// TrueCTR is the true click probability of user u for creative k of
// campaign c.
func (w *World) TrueCTR(u, c, k int) float64 {
	return math.Min(0.5, w.userCTR(u, c)*w.campaigns[c].quality[k])
}

func (w *World) userCTR(u, c int) float64 {
	cp := &w.campaigns[c]
	dot, n2 := 0.0, 0.0
	for d := range dims {
		dot += w.users[u].x[d] * cp.y[d]
		n2 += cp.y[d] * cp.y[d]
	}
	return cp.base * math.Exp(dot-n2/2)
}

// TrueCVR is the true conversion probability after a click.
func (w *World) TrueCVR(u, c int) float64 {
	cp := &w.campaigns[c]
	dot, n2 := 0.0, 0.0
	for d := range dims {
		dot += w.users[u].x[d] * cp.z[d]
		n2 += cp.z[d] * cp.z[d]
	}
	return math.Min(0.9, cp.cvr*math.Exp(dot-n2/2))
}

// noise is a fixed standard normal per (user, campaign, salt).
func (w *World) noise(u, c int, salt uint64) float64 {
	h := splitmix(w.cfg.Seed ^ splitmix(uint64(u)<<20^uint64(c)<<2^salt))
	u1 := (float64(h>>11) + 0.5) / (1 << 53)
	u2 := float64(splitmix(h)>>11) / (1 << 53)
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// Campaigns returns the campaigns (with budgets once Run has set them).
func (w *World) Campaigns() []ads.Campaign {
	out := make([]ads.Campaign, len(w.campaigns))
	for i := range w.campaigns {
		out[i] = w.campaigns[i].c
	}
	return out
}

// predictor is the simulator's Predictor and Learner (see the package
// comment).
type predictor struct {
	w     *World
	index map[string]int // campaign id → index
	mu    sync.Mutex
	// per campaign, per creative: clicks and expected clicks at quality 1
	clicks, expected [][]float64
}

func newPredictor(w *World) *predictor {
	p := &predictor{w: w, index: map[string]int{}}
	for i, c := range w.campaigns {
		p.index[c.c.ID] = i
		p.clicks = append(p.clicks, make([]float64, len(c.quality)))
		p.expected = append(p.expected, make([]float64, len(c.quality)))
	}
	return p
}

func userIndex(id string) int {
	n, err := strconv.Atoi(id[1:])
	if err != nil {
		return 0
	}
	return n
}

func creativeIndex(id string) int {
	n, _ := strconv.Atoi(id[1:])
	return n - 1
}

// base is the predictor's user × campaign click and conversion rates.
func (p *predictor) base(u, c int) (ctr, cvr float64) {
	s := p.w.cfg.PredictorNoise
	ctr = p.w.userCTR(u, c) * math.Exp(s*p.w.noise(u, c, 1)-s*s/2)
	cvr = p.w.TrueCVR(u, c) * math.Exp(s*p.w.noise(u, c, 2)-s*s/2)
	return ctr, cvr
}

func (p *predictor) Predict(req *ads.Request, cands []ads.Candidate) {
	u := userIndex(req.User)
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range cands {
		c := p.index[cands[i].Campaign.ID]
		k := creativeIndex(cands[i].Creative.ID)
		ctr, cvr := p.base(u, c)
		q := (p.clicks[c][k] + 10) / (p.expected[c][k] + 10)
		cands[i].PCTR = math.Min(0.9, ctr*q)
		cands[i].PCVR = math.Min(0.95, cvr)
	}
}

func (p *predictor) Learn(rec *ads.Record, slot int, ev ads.EventType) {
	ad := rec.Ads[slot]
	c, ok := p.index[ad.Campaign]
	if !ok {
		return
	}
	k := creativeIndex(ad.Creative)
	p.mu.Lock()
	defer p.mu.Unlock()
	switch ev {
	case ads.Impression:
		ctr, _ := p.base(userIndex(rec.User), c)
		p.expected[c][k] += ctr
	case ads.Click:
		p.clicks[c][k]++
	}
}

// Run is one pass over the request stream.
type Run struct {
	Name        string      `json:"name"`
	Requests    int64       `json:"requests"`
	Impressions int64       `json:"impressions"`
	Clicks      int64       `json:"clicks"`
	Conversions int64       `json:"conversions"`
	Spend       float64     `json:"spend"`
	Hourly      []float64   `json:"hourly_spend"`   // all campaigns
	PerCampaign [][]float64 `json:"-"`              // [campaign][hour] spend
	Campaign    []Delivery  `json:"-"`              // per campaign
	Violations  int64       `json:"cap_violations"` // impressions beyond a campaign's cap
	Elapsed     float64     `json:"seconds"`
}

// Delivery is one campaign's totals in a run.
type Delivery struct {
	Spend                            float64
	Impressions, Clicks, Conversions int64
}

type runOpts struct {
	name      string
	noPacing  bool
	random    bool
	unlimited bool
}

func (w *World) run(ctx context.Context, o runOpts) (*Run, error) {
	cfg := w.cfg
	ecfg := ads.Config{ReserveCPM: cfg.ReserveCPM, DefaultSlots: cfg.Slots, Pacing: cfg.Pacing, Explore: cfg.Explore,
		RandomAllocation: o.random, Seed: cfg.Seed*7919 + 1}
	ecfg.Pacing.Disabled = ecfg.Pacing.Disabled || o.noPacing
	// The random baseline uses no predictions in pacing either.
	ecfg.Pacing.RandomThrottle = ecfg.Pacing.RandomThrottle || o.random
	eng := ads.NewEngine(ads.NewMemory(ads.MemoryConfig{MaxDecisions: 1}), newPredictor(w), ecfg)
	cs := w.Campaigns()
	if o.unlimited {
		for i := range cs {
			cs[i].DailyBudget, cs[i].TotalBudget = 1e12, 0
		}
	}
	if err := eng.SetCampaigns(cs); err != nil {
		return nil, err
	}
	index := map[string]int{}
	for i, c := range cs {
		index[c.ID] = i
	}
	run := &Run{Name: o.name, Hourly: make([]float64, cfg.Hours), PerCampaign: make([][]float64, len(cs)), Campaign: make([]Delivery, len(cs))}
	for i := range cs {
		run.PerCampaign[i] = make([]float64, cfg.Hours)
	}
	// The request stream and the users' responses are drawn from their
	// own seeded sources, the same in every run.
	reqRand := rand.New(rand.NewPCG(cfg.Seed, 0x7e9))
	outRand := rand.New(rand.NewPCG(cfg.Seed, 0x0c7))
	freq := map[uint64]int32{}
	t0 := time.Now()
	perHour := float64(cfg.Users) * cfg.RequestsPerUser / 24
	for h := range cfg.Hours {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := int(math.Round(perHour * Traffic(float64(h%24)+0.5, cfg.TrafficAmplitude)))
		for k := range n {
			at := Start.Add(time.Duration(h)*time.Hour + time.Duration((float64(k)+reqRand.Float64())/float64(n)*float64(time.Hour)))
			ui := sort.SearchFloat64s(w.cum, reqRand.Float64()*w.cum[len(w.cum)-1])
			ui = min(ui, len(w.users)-1)
			u := &w.users[ui]
			page := pages[pick(reqRand, pageWeights)]
			req := ads.Request{User: u.id, Slots: cfg.Slots, Segments: w.segList(u.segs),
				Context: ads.Context{Device: u.device, Page: page, Time: at}}
			d, err := eng.Decide(ctx, &req)
			if err != nil {
				return nil, err
			}
			run.Requests++
			for s, ad := range d.Ads {
				ci := index[ad.CampaignID]
				cp := &w.campaigns[ci]
				if cp.c.FrequencyCap > 0 {
					key := (uint64(h/24)*uint64(len(cs))+uint64(ci))*uint64(len(w.users)) + uint64(ui)
					freq[key]++
					if freq[key] > int32(cp.c.FrequencyCap) {
						run.Violations++
					}
				}
				charged := 0.0
				out, err := eng.Feedback(ctx, d.Record, s, ads.Impression)
				if err != nil {
					return nil, err
				}
				charged += out.Charged
				run.Impressions++
				run.Campaign[ci].Impressions++
				if outRand.Float64() < w.TrueCTR(ui, ci, creativeIndex(ad.CreativeID)) {
					out, err := eng.Feedback(ctx, d.Record, s, ads.Click)
					if err != nil {
						return nil, err
					}
					charged += out.Charged
					run.Clicks++
					run.Campaign[ci].Clicks++
					if outRand.Float64() < w.TrueCVR(ui, ci) {
						out, err := eng.Feedback(ctx, d.Record, s, ads.Conversion)
						if err != nil {
							return nil, err
						}
						charged += out.Charged
						run.Conversions++
						run.Campaign[ci].Conversions++
					}
				}
				run.Hourly[h] += charged
				run.PerCampaign[ci][h] += charged
				run.Campaign[ci].Spend += charged
				run.Spend += charged
			}
		}
	}
	run.Elapsed = time.Since(t0).Seconds()
	return run, nil
}

func pick(r *rand.Rand, weights []float64) int {
	x := r.Float64()
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// CampaignResult is one campaign's outcome.
type CampaignResult struct {
	ID                  string      `json:"id"`
	BidType             ads.BidType `json:"bid_type"`
	Bid                 float64     `json:"bid"`
	FrequencyCap        int         `json:"frequency_cap,omitempty"`
	Budget              float64     `json:"budget"` // for the simulated hours
	Demand              float64     `json:"demand"` // spend without pacing and budget
	DemandExceedsBudget bool        `json:"demand_exceeds_budget"`
	Spend               float64     `json:"spend"`
	SpendNoPacing       float64     `json:"spend_no_pacing"`
	SpendRandom         float64     `json:"spend_random"`
	HourlyCV            float64     `json:"hourly_spend_cv"`
	HourlyCVNoPacing    float64     `json:"hourly_spend_cv_no_pacing"`
	Impressions         int64       `json:"impressions"`
	Clicks              int64       `json:"clicks"`
	Conversions         int64       `json:"conversions"`
	Hourly              []float64   `json:"hourly_spend"`
	HourlyNoPacing      []float64   `json:"hourly_spend_no_pacing"`
}

// Result is a simulation's outcome. The JSON field names of the brief
// come first.
type Result struct {
	Campaigns []CampaignResult `json:"campaigns"`
	// HourlySpendCV is the coefficient of variation over the hours of the
	// summed spend of the campaigns whose demand exceeds their budget
	// (the ones pacing acts on), with pacing; ...NoPacing without.
	HourlySpendCV          float64 `json:"hourly_spend_cv"`
	HourlySpendCVNoPacing  float64 `json:"hourly_spend_cv_no_pacing"`
	ClicksPerSpend         float64 `json:"clicks_per_spend"`
	ClicksPerSpendNoPacing float64 `json:"clicks_per_spend_no_pacing"`
	ClicksPerSpendRandom   float64 `json:"clicks_per_spend_random"`
	CapViolations          int64   `json:"cap_violations"`

	ConversionsPerSpend         float64 `json:"conversions_per_spend"`
	ConversionsPerSpendNoPacing float64 `json:"conversions_per_spend_no_pacing"`
	ConversionsPerSpendRandom   float64 `json:"conversions_per_spend_random"`
	CapViolationsNoPacing       int64   `json:"cap_violations_no_pacing"`
	CapViolationsRandom         int64   `json:"cap_violations_random"`
	// Per-campaign hourly CVs of the budget-limited campaigns: median and
	// maximum, with and without pacing (single campaigns' hours carry the
	// Poisson noise of few clicks and conversions).
	CampaignCVMedian          float64 `json:"campaign_hourly_cv_median"`
	CampaignCVMax             float64 `json:"campaign_hourly_cv_max"`
	CampaignCVMedianNoPacing  float64 `json:"campaign_hourly_cv_median_no_pacing"`
	BudgetLimited             int     `json:"budget_limited_campaigns"`
	BudgetLimitedWithin3Pct   int     `json:"budget_limited_within_3pct"`
	WorstBudgetLimitedSpendTo float64 `json:"worst_budget_limited_spend_ratio"`
	OverBudget                int     `json:"campaigns_over_budget"`

	Config Config `json:"config"`
	Runs   []*Run `json:"runs"`
}

// Simulate builds the world of cfg and runs it (see the package comment).
func Simulate(ctx context.Context, cfg Config) (*Result, error) {
	w, err := NewWorld(cfg)
	if err != nil {
		return nil, err
	}
	return w.Simulate(ctx)
}

// Simulate measures demand, sets budgets and runs the three compared
// passes.
func (w *World) Simulate(ctx context.Context) (*Result, error) {
	cfg := w.cfg
	progress := func(s string) {
		if cfg.Progress != nil {
			cfg.Progress(s)
		}
	}
	progress("demand")
	demand, err := w.run(ctx, runOpts{name: "demand", noPacing: true, unlimited: true})
	if err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(cfg.Seed, 0xb0d9e7))
	days := float64(cfg.Hours) / 24
	for i := range w.campaigns {
		c := &w.campaigns[i].c
		f := 1.5 + r.Float64()
		if r.Float64() < cfg.LimitedShare {
			f = cfg.LimitedLow + (cfg.LimitedHigh-cfg.LimitedLow)*r.Float64()
		}
		perDay := demand.Campaign[i].Spend / days
		c.DailyBudget = math.Max(round2(f*perDay), 1)
		if (c.BidType == ads.CPC || c.BidType == ads.CPA) && c.Bid > c.DailyBudget {
			c.DailyBudget = c.Bid
		}
	}
	if err := w.validate(); err != nil {
		return nil, err
	}
	progress("paced")
	paced, err := w.run(ctx, runOpts{name: "paced"})
	if err != nil {
		return nil, err
	}
	progress("no pacing")
	free, err := w.run(ctx, runOpts{name: "no pacing", noPacing: true})
	if err != nil {
		return nil, err
	}
	progress("random allocation")
	random, err := w.run(ctx, runOpts{name: "random allocation", random: true})
	if err != nil {
		return nil, err
	}
	res := &Result{Config: cfg, Runs: []*Run{demand, paced, free, random},
		CapViolations: paced.Violations, CapViolationsNoPacing: free.Violations, CapViolationsRandom: random.Violations,
		ClicksPerSpend: ratio(paced.Clicks, paced.Spend), ClicksPerSpendNoPacing: ratio(free.Clicks, free.Spend),
		ClicksPerSpendRandom: ratio(random.Clicks, random.Spend), ConversionsPerSpend: ratio(paced.Conversions, paced.Spend),
		ConversionsPerSpendNoPacing: ratio(free.Conversions, free.Spend), ConversionsPerSpendRandom: ratio(random.Conversions, random.Spend),
		WorstBudgetLimitedSpendTo: math.NaN()}
	limitedPaced := make([]float64, cfg.Hours)
	limitedFree := make([]float64, cfg.Hours)
	var cvs, cvsFree []float64
	worst := 0.0
	for i, cp := range w.campaigns {
		budget := cp.c.DailyBudget * days
		cr := CampaignResult{ID: cp.c.ID, BidType: cp.c.BidType, Bid: cp.c.Bid, FrequencyCap: cp.c.FrequencyCap,
			Budget: budget, Demand: demand.Campaign[i].Spend, Spend: paced.Campaign[i].Spend,
			SpendNoPacing: free.Campaign[i].Spend, SpendRandom: random.Campaign[i].Spend,
			HourlyCV: CV(paced.PerCampaign[i]), HourlyCVNoPacing: CV(free.PerCampaign[i]),
			Impressions: paced.Campaign[i].Impressions, Clicks: paced.Campaign[i].Clicks, Conversions: paced.Campaign[i].Conversions,
			Hourly: paced.PerCampaign[i], HourlyNoPacing: free.PerCampaign[i]}
		cr.DemandExceedsBudget = cr.Demand > budget
		if cr.Spend > budget+1e-6 || cr.SpendNoPacing > budget+1e-6 || cr.SpendRandom > budget+1e-6 {
			res.OverBudget++
		}
		if cr.DemandExceedsBudget {
			res.BudgetLimited++
			dev := math.Abs(cr.Spend-budget) / budget
			if dev <= 0.03 {
				res.BudgetLimitedWithin3Pct++
			}
			if dev >= worst {
				worst, res.WorstBudgetLimitedSpendTo = dev, cr.Spend/budget
			}
			for h := range cfg.Hours {
				limitedPaced[h] += paced.PerCampaign[i][h]
				limitedFree[h] += free.PerCampaign[i][h]
			}
			cvs = append(cvs, cr.HourlyCV)
			cvsFree = append(cvsFree, cr.HourlyCVNoPacing)
		}
		res.Campaigns = append(res.Campaigns, cr)
	}
	res.HourlySpendCV, res.HourlySpendCVNoPacing = CV(limitedPaced), CV(limitedFree)
	res.CampaignCVMedian, res.CampaignCVMedianNoPacing = median(cvs), median(cvsFree)
	if len(cvs) > 0 {
		res.CampaignCVMax = slices.Max(cvs)
	}
	return res, nil
}

// validate checks the generated campaigns as the API would.
func (w *World) validate() error {
	known := func(id string) bool { return slices.Contains(w.segNames, id) }
	for i := range w.campaigns {
		if err := w.campaigns[i].c.Validate(Start, known); err != nil {
			return fmt.Errorf("sim: generated campaign %s is invalid: %w", w.campaigns[i].c.ID, err)
		}
	}
	return nil
}

func ratio(n int64, spend float64) float64 {
	if spend <= 0 {
		return 0
	}
	return float64(n) / spend
}

// CV is the coefficient of variation (population standard deviation over
// mean) of xs; 0 for an empty or all-zero series.
func CV(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	var s, s2 float64
	for _, x := range xs {
		s += x
	}
	m := s / float64(len(xs))
	if m == 0 {
		return 0
	}
	for _, x := range xs {
		s2 += (x - m) * (x - m)
	}
	return math.Sqrt(s2/float64(len(xs))) / m
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
