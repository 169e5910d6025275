package ads

import (
	"strconv"
	"sync"
	"time"

	"github.com/shopmind/shopmind/ctr"
)

// Context is where and when an ad is requested.
type Context struct {
	Device string `json:"device,omitempty"`
	Page   string `json:"page,omitempty"`
	// Hour is the user's local hour (0–23) as the client knows it; nil
	// means the hour of Time in each campaign's time zone.
	Hour *int `json:"hour,omitempty"`
	// Time is when the request is made; zero means now.
	Time time.Time `json:"time,omitzero"`
}

// Request asks for ads for one user.
type Request struct {
	User    string  `json:"user"`
	Context Context `json:"context"`
	// Slots is how many ads to return at most (0: the configured default).
	Slots int `json:"slots,omitempty"`
	// Segments are the ids of the saved segments the user belongs to. The
	// Service fills them from the audience when nil; callers in the same
	// process may set them.
	Segments []string `json:"-"`
	// Profile holds the user's profile features; the Service fills it when
	// a profile source is set.
	Profile ProfileFeatures `json:"-"`
	// Untargeted means the user has not consented to ads targeting: no
	// segment, profile or user feature is used, only the context. The
	// Service sets it from consent.
	Untargeted bool `json:"-"`
}

// ProfileFeatures are the profile signals ad models read.
type ProfileFeatures struct {
	Lifecycle   string `json:"lifecycle,omitempty"`    // new, active, at_risk, lapsed
	PriceBand   string `json:"price_band,omitempty"`   // low, mid, high
	TopCategory string `json:"top_category,omitempty"` // favourite top-level category
}

// Candidate is one creative of an eligible campaign, to be scored.
type Candidate struct {
	Campaign *Campaign
	Creative *Creative
	Key      string        // CreativeKey(campaign id, creative id)
	Stats    CreativeStats // the creative's counts so far
	// Filled by the Predictor: P(click | impression) and P(conversion |
	// click), so P(conversion | impression) = PCTR·PCVR.
	PCTR, PCVR float64
}

// Predictor scores candidates. It must be safe for concurrent use and
// fast: the engine calls it once per request with every candidate.
type Predictor interface {
	Predict(req *Request, cands []Candidate)
}

// Learner is implemented by predictors that learn online from events; the
// engine calls Learn for every event fed back.
type Learner interface {
	Learn(rec *Record, slot int, ev EventType)
}

// StatsPredictor predicts from each creative's own counts, shrunk towards
// prior rates: pCTR = (clicks + k·PriorCTR)/(impressions + k) and pCVR =
// (conversions + k·PriorCVR)/(clicks + k) with k = Strength. It is the
// default until trained models are wired in.
type StatsPredictor struct {
	PriorCTR, PriorCVR float64 // defaults 0.02 and 0.05
	Strength           float64 // default 100
}

// Predict implements Predictor.
func (p StatsPredictor) Predict(_ *Request, cands []Candidate) {
	pc, pv, k := p.PriorCTR, p.PriorCVR, p.Strength
	if pc <= 0 || pc >= 1 {
		pc = 0.02
	}
	if pv <= 0 || pv >= 1 {
		pv = 0.05
	}
	if k <= 0 {
		k = 100
	}
	for i := range cands {
		s := &cands[i].Stats
		cands[i].PCTR = (float64(s.Clicks) + k*pc) / (float64(s.Impressions) + k)
		cands[i].PCVR = (float64(s.Conversions) + k*pv) / (float64(s.Clicks) + k)
	}
}

// FeatureFields are the raw fields RawFeatures produces, for a ctr.Schema
// of ad models.
var FeatureFields = []string{"user", "advertiser", "campaign", "creative", "item", "device", "page", "hour", "lifecycle", "price_band", "top_category", "segment"}

// numSingle is how many of FeatureFields hold one value (all but segment).
const numSingle = 11

// RawFeatures returns the named raw values of one request and candidate
// (hour is the request's hour of day): training and serving both build ad
// examples through it.
func RawFeatures(req *Request, hour int, c *Campaign, cr *Creative, dst []ctr.Raw) []ctr.Raw {
	return rawFeatures(req, hour, c, cr, CreativeKey(c.ID, cr.ID), new([numSingle][1]string), dst)
}

// rawFeatures is RawFeatures with the storage of the single values given,
// so that serving does not allocate.
func rawFeatures(req *Request, hour int, c *Campaign, cr *Creative, key string, vals *[numSingle][1]string, dst []ctr.Raw) []ctr.Raw {
	p := &req.Profile
	user := req.User
	if req.Untargeted {
		user = ""
	}
	for i, v := range [numSingle]string{user, c.Advertiser, c.ID, key, cr.ItemID, req.Context.Device, req.Context.Page, hourNames[hour%24], p.Lifecycle, p.PriceBand, p.TopCategory} {
		vals[i][0] = v
		dst = append(dst, ctr.Raw{Field: FeatureFields[i], Values: vals[i][:]})
	}
	return append(dst, ctr.Raw{Field: "segment", Values: req.Segments})
}

var hourNames = func() (h [24]string) {
	for i := range h {
		h[i] = strconv.Itoa(i)
	}
	return h
}()

// ModelPredictor scores with trained click and conversion models over
// the features of RawFeatures encoded by Schema.
type ModelPredictor struct {
	Schema *ctr.Schema
	Click  ctr.Model // P(click | impression)
	// Conversion predicts P(conversion | click); nil uses DefaultCVR.
	Conversion ctr.Model
	DefaultCVR float64

	pool sync.Pool
}

// Predict implements Predictor.
func (m *ModelPredictor) Predict(req *Request, cands []Candidate) {
	type buf struct {
		raw  []ctr.Raw
		vals [numSingle][1]string
		ex   ctr.Example
	}
	b, _ := m.pool.Get().(*buf)
	if b == nil {
		b = &buf{}
	}
	hour := requestHour(req)
	defer m.pool.Put(b)
	for i := range cands {
		cd := &cands[i]
		key := cd.Key
		if key == "" {
			key = CreativeKey(cd.Campaign.ID, cd.Creative.ID)
		}
		b.raw = rawFeatures(req, hour, cd.Campaign, cd.Creative, key, &b.vals, b.raw[:0])
		b.ex.Features = m.Schema.Encode(b.raw, b.ex.Features[:0])
		cands[i].PCTR = m.Click.Predict(&b.ex)
		if m.Conversion != nil {
			cands[i].PCVR = m.Conversion.Predict(&b.ex)
		} else {
			cands[i].PCVR = m.DefaultCVR
		}
	}
}

// requestHour is the hour of day a model sees for a request: the client's
// hour when given, else the hour of the request's time in UTC (the engine
// fills the time before predicting).
func requestHour(req *Request) int {
	switch {
	case req.Context.Hour != nil:
		return *req.Context.Hour
	case !req.Context.Time.IsZero():
		return req.Context.Time.UTC().Hour()
	}
	return 0
}
