package ads

import (
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/shopmind/shopmind/ctr"
	"github.com/shopmind/shopmind/ctr/ftrl"
)

// OnlinePredictor scores with two logistic-regression models that learn
// online, by FTRL-Proximal, from the events fed back: the click model from
// impressions (label 0) and clicks (label 1), the conversion model from
// clicks (0) and conversions (1). Until a model has learned from
// MinClicks / MinConversions positive events, the Prior (per-creative
// counts) answers for it, so a fresh node does not price ads off an
// untrained model.
//
// A click is learned as an impression first and then as a click (the
// "fake negative" form of delayed feedback), which biases pCTR down by about
// the click rate; at advertising click rates of a few per cent that is small
// next to the model's error. The models live in this process: a restart
// starts from the prior again, and each node learns from the events it
// ingests.
type OnlinePredictor struct {
	Schema     *ctr.Schema
	Click      *ftrl.Model
	Conversion *ftrl.Model
	Prior      StatsPredictor
	// MinClicks and MinConversions are the positives each model must have
	// learned from before it answers (defaults 200 and 50).
	MinClicks, MinConversions int64

	clicks, conversions atomic.Int64
	model               ModelPredictor
}

// DefaultCrosses are the named feature crosses of ad models unless
// configured otherwise.
const DefaultCrosses = "user×creative,creative×hour,creative×device,creative×lifecycle"

// ParseCrosses reads named crosses of FeatureFields, such as
// "user×creative,creative×hour" ("x" works for "×").
func ParseCrosses(s string) ([][]string, error) {
	var out [][]string
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		var fields []string
		for _, f := range strings.FieldsFunc(part, func(r rune) bool { return r == '×' || r == 'x' || r == '*' }) {
			if f = strings.TrimSpace(f); f != "" {
				fields = append(fields, f)
			}
		}
		if len(fields) < 2 {
			return nil, fmt.Errorf("cross %q: name two or more fields joined by ×, e.g. creative×hour", part)
		}
		for _, f := range fields {
			if !slices.Contains(FeatureFields, f) {
				return nil, fmt.Errorf("cross %q: %q is not a feature field (%s)", part, f, strings.Join(FeatureFields, ", "))
			}
		}
		out = append(out, fields)
	}
	return out, nil
}

// NewOnlinePredictor returns a predictor over the ad feature fields
// (FeatureFields) with the given crosses (nil: DefaultCrosses).
func NewOnlinePredictor(cfg ftrl.Config, crosses [][]string) *OnlinePredictor {
	if crosses == nil {
		crosses, _ = ParseCrosses(DefaultCrosses)
	}
	schema := &ctr.Schema{Fields: FeatureFields, Crosses: crosses, Space: cfg.Space}
	p := &OnlinePredictor{Schema: schema, Click: ftrl.New(cfg), Conversion: ftrl.New(cfg), MinClicks: 200, MinConversions: 50}
	p.model = ModelPredictor{Schema: schema, Click: p.Click, Conversion: p.Conversion}
	return p
}

// Warm reports whether the click and conversion models answer yet.
func (p *OnlinePredictor) Warm() (click, conversion bool) {
	return p.clicks.Load() >= p.MinClicks, p.conversions.Load() >= p.MinConversions
}

// Predict implements Predictor.
func (p *OnlinePredictor) Predict(req *Request, cands []Candidate) {
	p.Prior.Predict(req, cands)
	click, conv := p.Warm()
	if !click && !conv {
		return
	}
	prior := make([][2]float64, len(cands))
	for i := range cands {
		prior[i] = [2]float64{cands[i].PCTR, cands[i].PCVR}
	}
	p.model.Predict(req, cands)
	for i := range cands {
		if !click {
			cands[i].PCTR = prior[i][0]
		}
		if !conv {
			cands[i].PCVR = prior[i][1]
		}
	}
}

// Learn implements Learner.
func (p *OnlinePredictor) Learn(rec *Record, slot int, ev EventType) {
	if slot < 0 || slot >= len(rec.Ads) {
		return
	}
	ad := &rec.Ads[slot]
	req := Request{User: rec.User, Context: rec.Context, Segments: rec.Segments, Profile: rec.Profile, Untargeted: rec.Untargeted}
	if req.Context.Time.IsZero() {
		req.Context.Time = rec.Time
	}
	c := Campaign{ID: ad.Campaign, Advertiser: ad.Advertiser}
	cr := Creative{ID: ad.Creative, ItemID: ad.Item}
	ex := ctr.Example{Features: p.Schema.Encode(RawFeatures(&req, requestHour(&req), &c, &cr, nil), nil)}
	switch ev {
	case Impression:
		p.Click.Update(&ex)
	case Click:
		ex.Click = 1
		p.Click.Update(&ex)
		p.clicks.Add(1)
		ex.Click = 0
		p.Conversion.Update(&ex)
	case Conversion:
		ex.Click = 1
		p.Conversion.Update(&ex)
		p.conversions.Add(1)
	}
}

// Forget erases what the models learned from one user (by their ads
// pseudonym): the weights of the user feature and of every cross with it,
// for every creative of campaigns, reset to untrained. It returns how many
// weights held state.
func (p *OnlinePredictor) Forget(pseudonym string, campaigns []Campaign) int {
	if pseudonym == "" {
		return 0
	}
	var userFeats []ctr.Feature
	req := Request{User: pseudonym}
	for i := range campaigns {
		c := &campaigns[i]
		for j := range c.Creatives {
			for _, f := range p.Schema.Encode(RawFeatures(&req, 0, c, &c.Creatives[j], nil), nil) {
				if name := p.Schema.FieldName(int(f.Field)); name == "user" || strings.Contains(name, "user×") || strings.Contains(name, "×user") {
					userFeats = append(userFeats, f)
				}
			}
		}
	}
	return p.Click.Forget(userFeats) + p.Conversion.Forget(userFeats)
}
