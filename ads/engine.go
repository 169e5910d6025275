package ads

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Config tunes the engine. Zero fields take defaults.
type Config struct {
	// ReserveCPM is the reserve price in currency per thousand
	// impressions: a candidate whose expected value per impression is
	// below ReserveCPM/1000 does not enter the auction, and no winner pays
	// less than that per impression.
	ReserveCPM float64
	// DefaultSlots is the number of ads of a request that names none
	// (default 1); MaxSlots the most a request may ask for (default 10).
	DefaultSlots, MaxSlots int
	Pacing                 PacingConfig
	Explore                ExploreConfig
	// RandomAllocation replaces ranking by expected value with a random
	// order (a baseline for the simulator; see RandomAllocation).
	RandomAllocation bool
	// Seed seeds the engine's randomness (throttling, exploration, ties);
	// 0 picks a random seed.
	Seed uint64
	// Now is the clock for requests that carry no time (default time.Now).
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.DefaultSlots <= 0 {
		c.DefaultSlots = 1
	}
	if c.MaxSlots <= 0 {
		c.MaxSlots = 10
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Seed == 0 {
		var b [8]byte
		_, _ = rand.Read(b[:])
		for _, x := range b {
			c.Seed = c.Seed<<8 | uint64(x)
		}
	}
	if c.ReserveCPM < 0 || math.IsNaN(c.ReserveCPM) {
		c.ReserveCPM = 0
	}
	c.Explore = c.Explore.withDefaults()
	return c
}

// EventType is what happened to a served ad.
type EventType string

// Event types.
const (
	Impression EventType = "impression"
	Click      EventType = "click"
	Conversion EventType = "conversion"
)

// Ad is one ranked ad of a decision.
type Ad struct {
	Slot       int     `json:"slot"`
	CampaignID string  `json:"campaign_id"`
	CreativeID string  `json:"creative_id"`
	Advertiser string  `json:"advertiser"`
	ItemID     string  `json:"item_id"`
	Text       string  `json:"text,omitempty"`
	BidType    BidType `json:"bid_type"`
	// PCTR is the click probability the ad was ranked and priced with: the
	// model's, or a Thompson sample while the creative is explored
	// (Explored; ModelPCTR then holds the model's). PCVR is P(conversion |
	// click).
	PCTR      float64 `json:"pctr"`
	PCVR      float64 `json:"pcvr"`
	Explored  bool    `json:"explored,omitempty"`
	ModelPCTR float64 `json:"model_pctr,omitempty"`
	// ExpectedValue is the ranking score: the advertiser's expected value
	// of this impression in currency units (CPC bid·pCTR, CPM bid/1000,
	// CPA bid·pCTR·pCVR).
	ExpectedValue float64 `json:"expected_value"`
	// Price is the generalised second price in the bid's unit: currency
	// per click (CPC), per thousand impressions (CPM) or per conversion
	// (CPA); never above the bid nor below the reserve.
	Price float64 `json:"price"`
	// CostPerImpression is the expected cost of this impression at Price
	// (Price times the price factor).
	CostPerImpression float64 `json:"cost_per_impression"`
}

// Decision is the answer to a request.
type Decision struct {
	ID   string    `json:"decision_id"`
	Time time.Time `json:"time"`
	Ads  []Ad      `json:"ads"`
	// Record is what events need later; the Service keeps it under ID.
	Record *Record `json:"-"`
}

// Record is the stored form of a decision: what each served ad is charged
// and where its events are counted.
type Record struct {
	ID   string     `json:"id"`
	Time time.Time  `json:"time"`
	User string     `json:"user"`
	Ads  []RecordAd `json:"ads"`
	// Context and Segments are the request's, as the predictor saw them,
	// so that online models learn from events with the features they
	// scored.
	Context  Context         `json:"context,omitzero"`
	Segments []string        `json:"segments,omitempty"`
	Profile  ProfileFeatures `json:"profile,omitzero"`
	// Untargeted: the user had not consented to ads targeting (see
	// Request.Untargeted); learning from the decision ignores who they are.
	Untargeted bool `json:"untargeted,omitempty"`
}

// RecordAd is one served ad in a Record.
type RecordAd struct {
	Campaign   string  `json:"campaign"`
	Creative   string  `json:"creative"`
	Advertiser string  `json:"advertiser,omitempty"`
	Item       string  `json:"item,omitempty"`
	BidType    BidType `json:"bid_type"`
	Day        string  `json:"day"` // the campaign's local day of the decision
	// Charge is what the charging event costs (micro-units): the price
	// per click, per conversion, or per impression (CPM price/1000).
	Charge     int64   `json:"charge"`
	DailyLimit int64   `json:"daily_limit"`
	TotalLimit int64   `json:"total_limit,omitempty"`
	PCTR       float64 `json:"pctr"`
	PCVR       float64 `json:"pcvr"`
	Explored   bool    `json:"explored,omitempty"`
}

// CreativeKey is the counters' key of a creative: creative ids are unique
// only within their campaign.
func CreativeKey(campaign, creative string) string { return campaign + "/" + creative }

// Outcome is what an event did.
type Outcome struct {
	// Charged is the amount charged by this event in currency units (0
	// for events of a type the campaign does not pay for).
	Charged float64 `json:"charged"`
	// Capped says the charge was cut (possibly to zero) because a budget
	// was spent.
	Capped bool `json:"capped,omitempty"`
}

// compiled is a campaign ready for the hot path.
type compiled struct {
	c            Campaign
	sched        schedule
	tHours       uint32 // targeting hours; 0: any
	daily, total int64  // micro-units
	keys         []string
}

type campaignSet struct {
	list []*compiled
	byID map[string]*compiled
}

// Engine makes decisions and applies events. It holds the active campaigns
// (SetCampaigns), the pacer and the counters; it does no other I/O.
type Engine struct {
	cfg      Config
	counters Counters
	pred     Predictor
	pacer    *Pacer

	set  atomic.Pointer[campaignSet]
	seq  atomic.Uint64
	pool sync.Pool
}

// NewEngine returns an engine with no campaigns.
func NewEngine(counters Counters, pred Predictor, cfg Config) *Engine {
	if pred == nil {
		pred = StatsPredictor{}
	}
	cfg = cfg.withDefaults()
	e := &Engine{cfg: cfg, counters: counters, pred: pred, pacer: NewPacer(cfg.Pacing)}
	e.set.Store(&campaignSet{byID: map[string]*compiled{}})
	return e
}

// Pacer returns the engine's pacer.
func (e *Engine) Pacer() *Pacer { return e.pacer }

// Predictor is the engine's predictor.
func (e *Engine) Predictor() Predictor { return e.pred }

// SetCampaigns replaces the campaigns the engine serves. Campaigns should
// have passed Validate; one whose time zone does not load is left out
// and reported.
func (e *Engine) SetCampaigns(cs []Campaign) error {
	set := &campaignSet{byID: make(map[string]*compiled, len(cs))}
	var errs []error
	for _, c := range cs {
		loc := time.UTC
		if c.Schedule.TimeZone != "" {
			l, err := time.LoadLocation(c.Schedule.TimeZone)
			if err != nil {
				errs = append(errs, fmt.Errorf("campaign %q: %w", c.ID, err))
				continue
			}
			loc = l
		}
		cc := &compiled{c: c, sched: compileSchedule(&c.Schedule, loc), daily: Micros(c.DailyBudget), total: Micros(c.TotalBudget)}
		if c.Targeting.Hours != nil {
			cc.tHours = hourMask(c.Targeting.Hours)
			if cc.tHours == 0 {
				continue
			}
		}
		for _, cr := range c.Creatives {
			cc.keys = append(cc.keys, CreativeKey(c.ID, cr.ID))
		}
		set.list = append(set.list, cc)
		set.byID[c.ID] = cc
	}
	e.set.Store(set)
	return errors.Join(errs...)
}

// Campaigns returns the campaigns the engine serves.
func (e *Engine) Campaigns() []Campaign {
	set := e.set.Load()
	out := make([]Campaign, len(set.list))
	for i, c := range set.list {
		out[i] = c.c
	}
	return out
}

// scratch is per-request working memory, pooled.
type scratch struct {
	elig    []elig
	keys    []CampaignDay
	daily   []int64
	total   []int64
	freq    []int64
	fkeys   []CampaignDay
	fidx    []int
	cands   []Candidate
	cidx    []int // candidate → index in elig
	ckeys   []string
	stats   []CreativeStats
	use     []float64 // pCTR used per candidate
	best    []int     // best candidate per elig entry (-1 none)
	bids    []Bid
	bidIdx  []int // bid → elig index
	order   []int
	wins    []Win
	claimed []bool
}

type elig struct {
	c      *compiled
	local  time.Time
	day    string
	budget int64 // what may be spent today
	spent  int64
}

// Decide answers a request: the ranked, priced ads. A decision with no
// ads (nothing eligible, or everything throttled) is not an error.
func (e *Engine) Decide(ctx context.Context, req *Request) (*Decision, error) {
	slots := req.Slots
	if slots == 0 {
		slots = e.cfg.DefaultSlots
	}
	if slots < 0 || slots > e.cfg.MaxSlots {
		return nil, &InvalidError{Field: "slots", Msg: fmt.Sprintf("%d is out of range; ask for 1 to %d", req.Slots, e.cfg.MaxSlots)}
	}
	if h := req.Context.Hour; h != nil && (*h < 0 || *h > 23) {
		return nil, &InvalidError{Field: "context.hour", Msg: fmt.Sprintf("%d is not an hour of the day (0–23)", *h)}
	}
	now := req.Context.Time
	if now.IsZero() {
		now = e.cfg.Now()
		req.Context.Time = now // the predictor's hour and the record's
	}
	r := mrand.New(mrand.NewPCG(e.cfg.Seed, e.seq.Add(1)))
	sc, _ := e.pool.Get().(*scratch)
	if sc == nil {
		sc = &scratch{}
	}
	defer e.pool.Put(sc)

	// 1. Status, schedule and targeting.
	set := e.set.Load()
	sc.elig = sc.elig[:0]
	var lastLoc *time.Location
	var lastLocal time.Time
	var lastDay string
	for _, c := range set.list {
		if c.c.Status != Active || !c.sched.inWindow(now) {
			continue
		}
		if c.sched.loc != lastLoc {
			lastLoc, lastLocal = c.sched.loc, now.In(c.sched.loc)
			lastDay = dayKey(lastLocal)
		}
		if !c.sched.activeLocal(now, lastLocal) || !e.targets(c, req, lastLocal) {
			continue
		}
		if c.c.FrequencyCap > 0 && req.User == "" {
			continue // a cap cannot hold for an unknown user
		}
		sc.elig = append(sc.elig, elig{c: c, local: lastLocal, day: lastDay})
	}
	if len(sc.elig) == 0 {
		return e.emptyDecision(now, req), nil
	}

	// 2. Budgets.
	sc.keys = sc.keys[:0]
	for _, el := range sc.elig {
		sc.keys = append(sc.keys, CampaignDay{el.c.c.ID, el.day})
	}
	sc.daily = grow(sc.daily, len(sc.keys))
	sc.total = grow(sc.total, len(sc.keys))
	if err := e.counters.Spend(ctx, sc.keys, sc.daily, sc.total); err != nil {
		return nil, fmt.Errorf("ads: reading spend: %w", err)
	}
	n := 0
	for i, el := range sc.elig {
		c := el.c
		budget := c.daily
		if c.total > 0 {
			budget = min(budget, sc.daily[i]+c.total-sc.total[i])
		}
		if sc.daily[i] >= budget {
			continue // today's (or the total) budget is spent
		}
		el.budget, el.spent = budget, sc.daily[i]
		sc.elig[n] = el
		n++
	}
	sc.elig = sc.elig[:n]

	// 3. Frequency caps.
	sc.fkeys, sc.fidx = sc.fkeys[:0], sc.fidx[:0]
	for i, el := range sc.elig {
		if el.c.c.FrequencyCap > 0 {
			sc.fkeys = append(sc.fkeys, CampaignDay{el.c.c.ID, el.day})
			sc.fidx = append(sc.fidx, i)
		}
	}
	if len(sc.fkeys) > 0 {
		sc.freq = grow(sc.freq, len(sc.fkeys))
		if err := e.counters.Frequency(ctx, req.User, sc.fkeys, sc.freq); err != nil {
			return nil, fmt.Errorf("ads: reading frequency: %w", err)
		}
		for k, i := range sc.fidx {
			if sc.freq[k] >= int64(sc.elig[i].c.c.FrequencyCap) {
				sc.elig[i].c = nil
			}
		}
		sc.elig = slices.DeleteFunc(sc.elig, func(el elig) bool { return el.c == nil })
	}
	if len(sc.elig) == 0 {
		return e.emptyDecision(now, req), nil
	}

	// 4. Candidates and predictions.
	sc.cands, sc.cidx, sc.ckeys = sc.cands[:0], sc.cidx[:0], sc.ckeys[:0]
	for i, el := range sc.elig {
		for k := range el.c.c.Creatives {
			sc.cands = append(sc.cands, Candidate{Campaign: &el.c.c, Creative: &el.c.c.Creatives[k], Key: el.c.keys[k]})
			sc.cidx = append(sc.cidx, i)
			sc.ckeys = append(sc.ckeys, el.c.keys[k])
		}
	}
	sc.stats = grow(sc.stats, len(sc.ckeys))
	if err := e.counters.Creatives(ctx, sc.ckeys, sc.stats); err != nil {
		return nil, fmt.Errorf("ads: reading creative statistics: %w", err)
	}
	for k := range sc.cands {
		sc.cands[k].Stats = sc.stats[k]
	}
	e.pred.Predict(req, sc.cands)

	// 5. Expected values; the best creative of each campaign bids if the
	// pacer lets the campaign take part.
	sc.use = grow(sc.use, len(sc.cands))
	sc.best = grow(sc.best, len(sc.elig))
	for i := range sc.best {
		sc.best[i] = -1
	}
	sc.bids, sc.bidIdx = sc.bids[:0], sc.bidIdx[:0]
	for k := range sc.cands {
		cd := &sc.cands[k]
		cd.PCTR, cd.PCVR = clamp01(cd.PCTR), clamp01(cd.PCVR)
		p := cd.PCTR
		if e.cfg.Explore.Explores(cd.Stats) {
			p = e.cfg.Explore.Sample(r, cd.PCTR, cd.Stats)
		}
		sc.use[k] = p
		// Within a campaign the creative with the best score wins: the
		// highest expected value for CPC and CPA, the likeliest click for
		// CPM, whose value per impression is the same for every creative.
		i := sc.cidx[k]
		if b := sc.best[i]; b < 0 || score(cd.Campaign.BidType, p, cd.PCVR) > score(cd.Campaign.BidType, sc.use[b], sc.cands[b].PCVR) {
			sc.best[i] = k
		}
	}
	for i, k := range sc.best {
		if k < 0 {
			continue
		}
		cd := &sc.cands[k]
		el := &sc.elig[i]
		if !e.pacer.Participate(PaceInput{Campaign: el.c.c.ID, Day: el.day, Local: el.local,
			Schedule: &el.c.sched, Budget: el.budget, Spent: el.spent}, score(cd.Campaign.BidType, sc.use[k], cd.PCVR), r) {
			continue
		}
		f := factor(cd.Campaign.BidType, sc.use[k], cd.PCVR)
		sc.bids = append(sc.bids, Bid{Value: cd.Campaign.Bid * f, Factor: f, Bid: cd.Campaign.Bid, Tie: r.Float64()})
		sc.bidIdx = append(sc.bidIdx, i)
	}

	// 6. Auction, then claim the frequency of capped winners; a claim lost
	// to a concurrent decision removes that bidder and reruns.
	reserve := e.cfg.ReserveCPM / 1000
	sc.claimed = grow(sc.claimed, len(sc.bids))
	clear(sc.claimed)
	for {
		sc.wins = sc.wins[:0]
		if e.cfg.RandomAllocation {
			sc.wins = RandomAllocation(r, sc.bids, slots, reserve, sc.order, sc.wins)
		} else {
			sc.wins = Auction(sc.bids, slots, reserve, sc.order, sc.wins)
		}
		lost := false
		for _, w := range sc.wins {
			el := &sc.elig[sc.bidIdx[w.Index]]
			if el.c.c.FrequencyCap <= 0 || sc.claimed[w.Index] {
				continue
			}
			ok, err := e.counters.ClaimFrequency(ctx, req.User, CampaignDay{el.c.c.ID, el.day}, int64(el.c.c.FrequencyCap))
			if err != nil {
				return nil, fmt.Errorf("ads: counting frequency: %w", err)
			}
			if !ok {
				sc.bids[w.Index].Value = -1
				lost = true
				break
			}
			sc.claimed[w.Index] = true
		}
		if !lost {
			break
		}
	}

	// 7. The answer and its record.
	d := &Decision{ID: rand.Text(), Time: now, Ads: make([]Ad, len(sc.wins))}
	d.Record = &Record{ID: d.ID, Time: now, User: req.User, Ads: make([]RecordAd, len(sc.wins)), Context: req.Context, Segments: req.Segments, Profile: req.Profile, Untargeted: req.Untargeted}
	for s, w := range sc.wins {
		i := sc.bidIdx[w.Index]
		el := &sc.elig[i]
		k := sc.best[i]
		cd := &sc.cands[k]
		c := &el.c.c
		b := &sc.bids[w.Index]
		ad := Ad{Slot: s, CampaignID: c.ID, CreativeID: cd.Creative.ID, Advertiser: c.Advertiser,
			ItemID: cd.Creative.ItemID, Text: cd.Creative.Text, BidType: c.BidType,
			PCTR: sc.use[k], PCVR: cd.PCVR, ExpectedValue: b.Value, Price: w.Price, CostPerImpression: w.Price * b.Factor}
		if sc.use[k] != cd.PCTR {
			ad.Explored, ad.ModelPCTR = true, cd.PCTR
		}
		d.Ads[s] = ad
		charge := w.Price
		if c.BidType == CPM {
			charge /= 1000
		}
		d.Record.Ads[s] = RecordAd{Campaign: c.ID, Creative: cd.Creative.ID, Advertiser: c.Advertiser, Item: cd.Creative.ItemID, BidType: c.BidType, Day: el.day,
			Charge: max(Micros(charge), 1), DailyLimit: el.c.daily, TotalLimit: el.c.total,
			PCTR: ad.PCTR, PCVR: ad.PCVR, Explored: ad.Explored}
	}
	return d, nil
}

func (e *Engine) emptyDecision(now time.Time, req *Request) *Decision {
	id := rand.Text()
	return &Decision{ID: id, Time: now, Ads: []Ad{}, Record: &Record{ID: id, Time: now, User: req.User}}
}

// targets reports whether c's targeting admits the request.
func (e *Engine) targets(c *compiled, req *Request, local time.Time) bool {
	t := &c.c.Targeting
	if c.tHours != 0 {
		h := local.Hour()
		if req.Context.Hour != nil {
			h = *req.Context.Hour
		}
		if c.tHours&(1<<h) == 0 {
			return false
		}
	}
	if t.Devices != nil && !slices.Contains(t.Devices, req.Context.Device) {
		return false
	}
	if t.Pages != nil && !slices.Contains(t.Pages, req.Context.Page) {
		return false
	}
	if t.Segments != nil {
		for _, s := range t.Segments {
			if slices.Contains(req.Segments, s) {
				return true
			}
		}
		return false
	}
	return true
}

// factor is the price factor of a bid type: expected value per impression
// per unit of bid.
func factor(t BidType, pctr, pcvr float64) float64 {
	switch t {
	case CPC:
		return pctr
	case CPM:
		return 1.0 / 1000
	case CPA:
		return pctr * pcvr
	}
	return 0
}

// score is a campaign's own measure of how good an impression is: pCTR,
// or pCTR·pCVR for CPA (pacing takes the best-scored requests first).
func score(t BidType, pctr, pcvr float64) float64 {
	if t == CPA {
		return pctr * pcvr
	}
	return pctr
}

func clamp01(p float64) float64 {
	if !(p > 0) { // also NaN
		return 0
	}
	return math.Min(p, 1)
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// Feedback applies one event to the ad in slot of a decision record: the
// creative's statistics (which the exploration reads), the campaign's
// spend when the event is the one its bid type pays for (CPM impression,
// CPC click, CPA conversion) and, if the predictor learns online, the
// predictor. Frequency is not counted here: the decision already claimed
// it, so caps hold even between concurrent decisions. Feedback does not
// de-duplicate; the Service does.
func (e *Engine) Feedback(ctx context.Context, rec *Record, slot int, ev EventType) (Outcome, error) {
	if slot < 0 || slot >= len(rec.Ads) {
		return Outcome{}, &InvalidError{Field: "slot", Msg: fmt.Sprintf("decision %s has no slot %d (it served %d ads)", rec.ID, slot, len(rec.Ads))}
	}
	ad := &rec.Ads[slot]
	var d CreativeStats
	var pays bool
	switch ev {
	case Impression:
		d.Impressions, pays = 1, ad.BidType == CPM
	case Click:
		d.Clicks, pays = 1, ad.BidType == CPC
	case Conversion:
		d.Conversions, pays = 1, ad.BidType == CPA
	default:
		return Outcome{}, &InvalidError{Field: "type", Msg: fmt.Sprintf("%q is not an event type; use impression, click or conversion", ev)}
	}
	var out Outcome
	if pays {
		charged, err := e.counters.Charge(ctx, CampaignDay{ad.Campaign, ad.Day}, ad.Charge, ad.DailyLimit, ad.TotalLimit)
		if err != nil {
			return Outcome{}, fmt.Errorf("ads: charging campaign %q: %w", ad.Campaign, err)
		}
		out = Outcome{Charged: Units(charged), Capped: charged < ad.Charge}
	}
	if err := e.counters.AddCreative(ctx, CreativeKey(ad.Campaign, ad.Creative), d); err != nil {
		return out, fmt.Errorf("ads: counting creative %q: %w", ad.Creative, err)
	}
	if l, ok := e.pred.(Learner); ok {
		l.Learn(rec, slot, ev)
	}
	return out, nil
}
