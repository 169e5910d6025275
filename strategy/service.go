package strategy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/shopmind/shopmind/audience"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// Config tunes a Service. Zero fields take the defaults.
type Config struct {
	Window    time.Duration // outcome window after exposure; default DefaultWindow
	Refresh   time.Duration // how long a trained model is used before retraining; default 1h
	Bootstrap int           // bootstrap refits for plan intervals; default 30
	// DefaultExperiment is planned from when a request names none; default
	// the experiment of the first coupon action, else "spring-coupon".
	DefaultExperiment string
	Actions           []Action // next actions; default DefaultActions
	WeeklyCap         int      // messages per user in 7 days; default 3, < 0 for none
	Margin            float64  // margin of next-action values; default 0.3
	// RequiredConsent lists the purposes a user must have granted; any other
	// purpose is allowed unless the user refused it. Nil: every purpose
	// needs a grant.
	RequiredConsent []shop.Purpose
	Now             func() time.Time
	Logger          *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.Window <= 0 {
		c.Window = DefaultWindow
	}
	if c.Refresh <= 0 {
		c.Refresh = time.Hour
	}
	if c.Bootstrap <= 0 {
		c.Bootstrap = 30
	}
	if len(c.Actions) == 0 {
		c.Actions = DefaultActions()
	}
	if c.DefaultExperiment == "" {
		c.DefaultExperiment = "spring-coupon"
		for _, a := range c.Actions {
			if a.Kind == KindCoupon && a.Experiment != "" {
				c.DefaultExperiment = a.Experiment
				break
			}
		}
	}
	if c.WeeklyCap == 0 {
		c.WeeklyCap = 3
	}
	if c.Margin <= 0 {
		c.Margin = 0.3
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Service plans campaigns and next actions from the store. Every node can
// build the same models from the store; each trains them lazily and keeps
// them for Config.Refresh.
type Service struct {
	st  store.Store
	aud *audience.Service
	cfg Config

	mu     sync.Mutex
	models map[string]*cached
	aovMu  sync.Mutex
	aov    float64 // shop revenue per order, for next actions
	aovAt  time.Time

	reportCache // uplift reports and campaigns (report.go)
}

type cached struct {
	mu    sync.Mutex // held while training
	model *Model
	err   error
	at    time.Time
}

// New returns a service. aud may be nil when only next actions are served.
func New(st store.Store, aud *audience.Service, cfg Config) (*Service, error) {
	cfg = cfg.withDefaults()
	if err := ValidateActions(cfg.Actions); err != nil {
		return nil, err
	}
	return &Service{st: st, aud: aud, cfg: cfg, models: map[string]*cached{}}, nil
}

// Config returns the service's settings with defaults filled in.
func (s *Service) Config() Config { return s.cfg }

// scan calls fn for every stored event in feed order.
func (s *Service) scan(ctx context.Context, fn func(e *shop.Event)) error {
	_, err := s.scanFrom(ctx, 0, fn)
	return err
}

// scanFrom calls fn for every stored event after seq after, in feed order,
// and returns the last seq it passed to fn (after if none).
func (s *Service) scanFrom(ctx context.Context, after int64, fn func(e *shop.Event)) (int64, error) {
	for {
		evs, err := s.st.EventsSince(ctx, after, store.MaxLimit)
		if err != nil {
			return after, fmt.Errorf("reading events: %w", err)
		}
		if len(evs) == 0 {
			return after, nil
		}
		for i := range evs {
			fn(&evs[i])
		}
		after = evs[len(evs)-1].Seq
	}
}

// errRetry bounds how long a failed training is remembered, so that newly
// logged experiment data is picked up soon.
const errRetry = time.Minute

// Model returns the uplift model of an experiment, training it from the
// store when there is none or it is older than Config.Refresh. A
// *NoDataError says the store holds too little of the experiment.
func (s *Service) Model(ctx context.Context, experiment string) (*Model, error) {
	if experiment == "" {
		experiment = s.cfg.DefaultExperiment
	}
	s.mu.Lock()
	c := s.models[experiment]
	if c == nil {
		c = &cached{}
		s.models[experiment] = c
	}
	s.mu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	now := s.cfg.Now()
	ttl := s.cfg.Refresh
	if c.err != nil {
		ttl = min(ttl, errRetry)
	}
	if (c.model != nil || c.err != nil) && now.Sub(c.at) < ttl {
		return c.model, c.err
	}
	m, err := s.train(ctx, experiment)
	if ctx.Err() != nil {
		return nil, err // do not remember a cancelled training
	}
	c.model, c.err, c.at = m, err, now
	return m, err
}

// Retrain drops the cached model of experiment and trains it again.
func (s *Service) Retrain(ctx context.Context, experiment string) (*Model, error) {
	s.mu.Lock()
	delete(s.models, experiment)
	s.mu.Unlock()
	return s.Model(ctx, experiment)
}

func (s *Service) train(ctx context.Context, experiment string) (*Model, error) {
	start := time.Now()
	c := NewCollector(experiment, s.cfg.Window)
	if err := s.scan(ctx, c.Expose); err != nil {
		return nil, err
	}
	if c.Exposed() == 0 {
		return nil, &NoDataError{Experiment: experiment}
	}
	if err := s.scan(ctx, c.Observe); err != nil {
		return nil, err
	}
	ts := c.Result()
	m, err := Train(ts, TrainOptions{Bootstrap: s.cfg.Bootstrap})
	if err != nil {
		return nil, err
	}
	m.TrainedAt = s.cfg.Now().UTC()
	s.cfg.Logger.Info("uplift model trained", "experiment", experiment, "units", m.Units, "treated", m.Treated,
		"control", m.Control, "qini", m.Qini, "took", time.Since(start).Round(time.Millisecond))
	return m, nil
}

// PlanRequest asks for a campaign plan.
type PlanRequest struct {
	Segment    string `json:"segment"`
	Experiment string `json:"experiment,omitempty"`
	Offer
}

// Target is one user the plan treats.
type Target struct {
	UserID          string  `json:"user_id"`
	PredictedUplift float64 `json:"predicted_uplift"`
	OrderValue      float64 `json:"order_value"`
	ExpectedCost    float64 `json:"expected_cost"`
	ExpectedProfit  float64 `json:"expected_profit"`
}

// Expected is a plan's expected results with 95% intervals.
type Expected struct {
	Conversions Estimate `json:"incremental_conversions"`
	Revenue     Estimate `json:"incremental_revenue"`
	Cost        Estimate `json:"cost"`
	Profit      Estimate `json:"incremental_profit"`
	ROI         Estimate `json:"roi"`
}

// IntervalMethod says how a plan's intervals were made.
const IntervalMethod = "95% percentile interval over bootstrap refits of the uplift model (units resampled within each arm); " +
	"the target list is held fixed, so the interval covers the model's uncertainty, not the luck of one campaign's outcomes"

// Plan is a campaign plan.
type Plan struct {
	Segment    string   `json:"segment"`
	Experiment string   `json:"experiment"`
	Offer      Offer    `json:"offer"`
	Model      *Model   `json:"model"`
	Candidates int      `json:"candidates"` // segment members scored
	Positive   int      `json:"positive"`   // of them with a positive expected profit
	Targets    int      `json:"targets"`    // chosen
	Expected   Expected `json:"expected"`
	Interval   string   `json:"interval"`
	// TargetList is every chosen user, highest expected profit first.
	TargetList []Target `json:"target_list"`
}

// UnknownSegmentError says a plan named a segment that is not saved.
type UnknownSegmentError struct{ Segment string }

func (e *UnknownSegmentError) Error() string {
	return fmt.Sprintf("segment %q is not saved; list segments with GET /v1/segments or `shopmind segment list`, or create it first", e.Segment)
}

// Plan chooses whom in a saved segment to treat with the offer.
func (s *Service) Plan(ctx context.Context, req PlanRequest) (*Plan, error) {
	if err := req.Offer.Validate(); err != nil {
		return nil, err
	}
	if req.Segment == "" {
		return nil, &InputError{"segment", "is missing; name a saved segment"}
	}
	if s.aud == nil {
		return nil, errors.New("segments are not available on this node")
	}
	if req.Experiment == "" {
		req.Experiment = s.cfg.DefaultExperiment
	}
	members := map[string]bool{}
	cursor := ""
	for {
		ids, next, err := s.aud.Members(ctx, req.Segment, cursor, store.MaxLimit)
		if errors.Is(err, audience.ErrNotFound) {
			return nil, &UnknownSegmentError{req.Segment}
		}
		if err != nil {
			return nil, fmt.Errorf("reading the members of segment %q: %w", req.Segment, err)
		}
		for _, id := range ids {
			members[id] = true
		}
		if next == "" {
			break
		}
		cursor = next
	}
	m, err := s.Model(ctx, req.Experiment)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Now()
	hist := make(map[string]*History, len(members))
	for id := range members {
		hist[id] = NewHistory(now)
	}
	if err := s.scan(ctx, func(e *shop.Event) {
		if h := hist[e.UserID]; h != nil {
			h.Add(e)
		}
	}); err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(hist))
	for id := range hist {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	cands := make([]Candidate, len(ids))
	xs := make([][]float64, len(ids))
	for i, id := range ids {
		h := hist[id]
		xs[i] = h.Features()
		pt, u := m.Predict(xs[i])
		cands[i] = Candidate{UserID: id, Uplift: u, PTreated: pt, Value: OrderValue(h, m.AvgOrderValue)}
	}
	chosen := Choose(cands, req.Offer)
	p := &Plan{Segment: req.Segment, Experiment: req.Experiment, Offer: req.Offer, Model: m, Candidates: len(cands),
		Targets: len(chosen), Interval: IntervalMethod}
	for i := range cands {
		if req.Offer.Profit(&cands[i]) > 0 {
			p.Positive++
		}
	}
	sel := make([]Candidate, len(chosen))
	for k, i := range chosen {
		sel[k] = cands[i]
		c := &cands[i]
		p.TargetList = append(p.TargetList, Target{UserID: c.UserID, PredictedUplift: c.Uplift, OrderValue: c.Value,
			ExpectedCost: req.Offer.UnitCost(c), ExpectedProfit: req.Offer.Profit(c)})
	}
	slices.SortStableFunc(p.TargetList, func(a, b Target) int { return cmp.Compare(b.ExpectedProfit, a.ExpectedProfit) })
	point := Evaluate(sel, req.Offer)
	var reps [5][]float64
	rep := make([]Candidate, len(sel))
	for b := range m.Replicates() {
		for k, i := range chosen {
			rep[k] = cands[i]
			rep[k].PTreated, rep[k].Uplift = m.PredictReplicate(b, xs[i])
		}
		t := Evaluate(rep, req.Offer)
		for j, v := range [...]float64{t.Conversions, t.Revenue, t.Cost, t.Profit, t.ROI} {
			reps[j] = append(reps[j], v)
		}
	}
	p.Expected = Expected{
		Conversions: Interval(point.Conversions, reps[0]),
		Revenue:     Interval(point.Revenue, reps[1]),
		Cost:        Interval(point.Cost, reps[2]),
		Profit:      Interval(point.Profit, reps[3]),
		ROI:         Interval(point.ROI, reps[4]),
	}
	return p, nil
}

// OrderValue is a user's expected order value: their own revenue per
// order shrunk toward the shop's (as if they had two more orders at the
// shop's average), so one order does not decide it.
func OrderValue(h *History, shopAvg float64) float64 {
	const k = 2
	return (k*shopAvg + h.Revenue()) / float64(k+h.Orders())
}
