package strategy

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// Action kinds.
const (
	KindCoupon         = "coupon"
	KindPush           = "push"
	KindEmail          = "email"
	KindRecommendation = "recommendation"
	KindNothing        = "nothing"
)

// Action is one thing the shop can do next for a customer.
type Action struct {
	Name string `json:"name"`
	Kind string `json:"kind"` // coupon, push, email, recommendation or nothing
	// Cost of the action, per contact, or per redemption when CostPer says
	// so (the default for coupons).
	Cost    float64 `json:"cost,omitempty"`
	CostPer string  `json:"cost_per,omitempty"` // "contact" or "redemption"
	// Experiment is the randomised test the action's uplift is learnt from.
	// Without one (or while it has too little data) the uplift is
	// PriorUplift × 2 × the user's purchase propensity.
	Experiment  string  `json:"experiment,omitempty"`
	PriorUplift float64 `json:"prior_uplift,omitempty"`
	// Value of one incremental purchase; 0 means the user's expected order
	// value × the configured margin.
	Value float64 `json:"value,omitempty"`
}

// IsMessage reports whether the action sends the user a message (and so
// needs marketing consent and counts toward the weekly cap).
func (a *Action) IsMessage() bool {
	return a.Kind == KindCoupon || a.Kind == KindPush || a.Kind == KindEmail
}

// consent is the purpose an action needs ("" for none).
func (a *Action) consent() shop.Purpose {
	switch {
	case a.IsMessage():
		return shop.MarketingMessages
	case a.Kind == KindRecommendation:
		return shop.Personalization
	}
	return ""
}

// DefaultActions are the built-in next actions: a coupon learnt from the
// "spring-coupon" test, a push, an e-mail, an on-site recommendation and
// doing nothing.
func DefaultActions() []Action {
	return []Action{
		{Name: "coupon_10", Kind: KindCoupon, Cost: 10, CostPer: string(PerRedemption), Experiment: "spring-coupon", PriorUplift: 0.05},
		{Name: "push", Kind: KindPush, Cost: 0.05, PriorUplift: 0.01},
		{Name: "email", Kind: KindEmail, Cost: 0.02, PriorUplift: 0.015},
		{Name: "recommendation", Kind: KindRecommendation, PriorUplift: 0.01},
		{Name: "nothing", Kind: KindNothing},
	}
}

// ValidateActions checks a list of actions, naming the first bad one.
func ValidateActions(as []Action) error {
	seen := map[string]bool{}
	for i := range as {
		a := &as[i]
		if a.CostPer == "" {
			a.CostPer = string(PerContact)
			if a.Kind == KindCoupon {
				a.CostPer = string(PerRedemption)
			}
		}
		switch {
		case a.Name == "":
			return fmt.Errorf("next action %d has no name", i)
		case seen[a.Name]:
			return fmt.Errorf("next action %q is listed twice", a.Name)
		case a.Kind != KindCoupon && a.Kind != KindPush && a.Kind != KindEmail && a.Kind != KindRecommendation && a.Kind != KindNothing:
			return fmt.Errorf("next action %q: kind %q is unknown; use coupon, push, email, recommendation or nothing", a.Name, a.Kind)
		case !(a.Cost >= 0) || math.IsInf(a.Cost, 0):
			return fmt.Errorf("next action %q: cost %v must be 0 or more", a.Name, a.Cost)
		case CostPer(a.CostPer) != PerContact && CostPer(a.CostPer) != PerRedemption:
			return fmt.Errorf("next action %q: cost_per %q: use contact or redemption", a.Name, a.CostPer)
		case !(a.PriorUplift >= -1 && a.PriorUplift <= 1):
			return fmt.Errorf("next action %q: prior_uplift %v must be a probability change in [-1, 1]", a.Name, a.PriorUplift)
		case !(a.Value >= 0) || math.IsInf(a.Value, 0):
			return fmt.Errorf("next action %q: value %v must be 0 (use the user's order value) or more", a.Name, a.Value)
		}
		seen[a.Name] = true
	}
	return nil
}

// ActionScore is one action as judged for one user.
type ActionScore struct {
	Name     string  `json:"name"`
	Kind     string  `json:"kind"`
	Eligible bool    `json:"eligible"`
	Score    float64 `json:"score"` // uplift × value − cost
	Uplift   float64 `json:"uplift"`
	// UpliftSource is "model" (learnt from Experiment) or "prior" (prior
	// uplift scaled by the user's purchase propensity).
	UpliftSource string  `json:"uplift_source"`
	Experiment   string  `json:"experiment,omitempty"`
	Value        float64 `json:"value"`
	Cost         float64 `json:"cost"`
	Chosen       bool    `json:"chosen"`
	Reason       string  `json:"reason"`
}

// NextAction is the answer for one user.
type NextAction struct {
	UserID         string        `json:"user_id"`
	Action         string        `json:"action"`
	Kind           string        `json:"kind"`
	Reason         string        `json:"reason"`
	MessagesLast7d int           `json:"messages_last_7_days"`
	WeeklyCap      int           `json:"weekly_cap"` // -1: none
	Propensity     float64       `json:"purchase_propensity"`
	Actions        []ActionScore `json:"actions"`
}

// ErrUnknownUser says the user has neither a record nor events.
var ErrUnknownUser = errors.New("unknown user")

// maxHistory bounds the events read for one user's next action.
const maxHistory = 5000

// NextAction chooses the user's next action: the eligible action with the
// highest uplift × value − cost, "nothing" when no action has a positive
// score. Messages (coupon, push, e-mail) need marketing consent and are
// excluded once the user received WeeklyCap messages in the last 7 days;
// recommendations need personalisation consent.
func (s *Service) NextAction(ctx context.Context, userID string) (*NextAction, error) {
	now := s.cfg.Now()
	user, err := s.st.GetUser(ctx, userID)
	known := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("reading user %q: %w", userID, err)
	}
	h := NewHistory(now.Add(time.Nanosecond))
	messages, events := 0, 0
	cursor := ""
	for events < maxHistory {
		evs, next, err := s.st.UserEvents(ctx, store.EventQuery{UserID: userID, Cursor: cursor, Limit: store.MaxLimit})
		if err != nil {
			return nil, fmt.Errorf("reading the events of user %q: %w", userID, err)
		}
		for i := range evs {
			e := &evs[i]
			h.Add(e)
			if IsMessage(e) && now.Sub(e.Timestamp) < 7*24*time.Hour && !e.Timestamp.After(now) {
				messages++
			}
		}
		events += len(evs)
		if next == "" || len(evs) == 0 {
			break
		}
		cursor = next
	}
	if !known && events == 0 {
		return nil, fmt.Errorf("user %q: %w", userID, ErrUnknownUser)
	}
	x := h.Features()
	prop := s.propensity(h)
	models := map[string]*Model{}
	modelErr := map[string]error{}
	shopAvg := 0.0
	for _, a := range s.cfg.Actions {
		if a.Experiment != "" && models[a.Experiment] == nil && modelErr[a.Experiment] == nil {
			m, err := s.Model(ctx, a.Experiment)
			if err != nil {
				modelErr[a.Experiment] = err
				continue
			}
			models[a.Experiment] = m
			shopAvg = m.AvgOrderValue
		}
	}
	if len(models) == 0 {
		shopAvg = s.shopOrderValue(ctx)
	}
	out := &NextAction{UserID: userID, MessagesLast7d: messages, WeeklyCap: s.cfg.WeeklyCap, Propensity: prop}
	if out.WeeklyCap < 0 {
		out.WeeklyCap = -1
	}
	best, eligible := -1, 0
	for _, a := range s.cfg.Actions {
		sc := ActionScore{Name: a.Name, Kind: a.Kind, Experiment: a.Experiment}
		if a.Kind == KindNothing {
			sc.Eligible, sc.UpliftSource, sc.Reason = true, "none", "always possible; scores 0"
			out.Actions = append(out.Actions, sc)
			continue
		}
		pt := 0.0
		var note string
		if a.Experiment != "" {
			m, err := models[a.Experiment], modelErr[a.Experiment]
			if err == nil {
				pt, sc.Uplift = m.Predict(x)
				sc.UpliftSource = "model"
				note = fmt.Sprintf("uplift from the model of experiment %q (out-of-fold Qini %.3f)", a.Experiment, m.Qini)
			} else {
				var nd *NoDataError
				if !errors.As(err, &nd) {
					s.cfg.Logger.Warn("uplift model unavailable", "experiment", a.Experiment, "err", err)
				}
				note = fmt.Sprintf("experiment %q has too little data, so the uplift is the prior %.3g × 2 × purchase propensity %.3f", a.Experiment, a.PriorUplift, prop)
			}
		}
		if sc.UpliftSource == "" {
			sc.UpliftSource = "prior"
			sc.Uplift = a.PriorUplift * 2 * prop
			pt = math.Min(1, prop+math.Max(0, sc.Uplift))
			if note == "" {
				note = fmt.Sprintf("uplift is the prior %.3g × 2 × purchase propensity %.3f", a.PriorUplift, prop)
			}
		}
		sc.Value = a.Value
		if sc.Value == 0 {
			sc.Value = OrderValue(h, shopAvg) * s.cfg.Margin
		}
		sc.Cost = a.Cost
		if CostPer(a.CostPer) == PerRedemption {
			sc.Cost = a.Cost * math.Max(0, math.Min(1, pt))
		}
		sc.Score = sc.Uplift*sc.Value - sc.Cost
		switch p := a.consent(); {
		case p != "" && !s.allowed(&user, p):
			sc.Reason = fmt.Sprintf("excluded: no %s consent", p)
		case a.IsMessage() && s.cfg.WeeklyCap >= 0 && messages >= s.cfg.WeeklyCap:
			sc.Reason = fmt.Sprintf("excluded: weekly cap reached (%d messages in the last 7 days, cap %d)", messages, s.cfg.WeeklyCap)
		default:
			sc.Eligible = true
			eligible++
			sc.Reason = note
		}
		out.Actions = append(out.Actions, sc)
		if sc.Eligible && sc.Score > 0 && (best < 0 || sc.Score > out.Actions[best].Score) {
			best = len(out.Actions) - 1
		}
	}
	if best >= 0 {
		b := &out.Actions[best]
		b.Chosen = true
		out.Action, out.Kind = b.Name, b.Kind
		out.Reason = fmt.Sprintf("%s has the highest expected incremental value minus cost (%.3g = uplift %.3g × value %.3g − cost %.3g) of %d eligible actions",
			b.Name, b.Score, b.Uplift, b.Value, b.Cost, eligible)
		b.Reason = "chosen: " + b.Reason
		return out, nil
	}
	out.Action, out.Kind = "nothing", KindNothing
	for i := range out.Actions {
		if out.Actions[i].Kind == KindNothing {
			out.Action = out.Actions[i].Name
			out.Actions[i].Chosen = true
			break
		}
	}
	if eligible == 0 {
		out.Reason = "no action is eligible (consent or weekly cap), so nothing"
	} else {
		out.Reason = fmt.Sprintf("none of %d eligible actions is expected to earn more than it costs, so nothing", eligible)
	}
	return out, nil
}

// propensity is the user's chance to buy within the outcome window,
// estimated from their order rate with a weak prior (0.1 orders per 30 days
// of tenure): 1 − exp(−window × rate).
func (s *Service) propensity(h *History) float64 {
	tenure := 0.0
	if h.sawAny {
		tenure = h.Cutoff.Sub(h.first).Hours() / 24
	}
	rate := (float64(h.Orders()) + 0.1) / (tenure + 30)
	return 1 - math.Exp(-s.cfg.Window.Hours()/24*rate)
}

// shopOrderValue is the shop's revenue per order, from a scan of the
// store cached for Config.Refresh; used when no action has a model (which
// carries the same number).
func (s *Service) shopOrderValue(ctx context.Context) float64 {
	s.aovMu.Lock()
	defer s.aovMu.Unlock()
	if s.aovAt.IsZero() || s.cfg.Now().Sub(s.aovAt) >= s.cfg.Refresh {
		rev, orders := 0.0, map[string]bool{}
		noID := 0
		err := s.scan(ctx, func(e *shop.Event) {
			if e.Type == shop.Purchase {
				rev += e.Revenue
				if e.OrderID != "" {
					orders[e.OrderID] = true
				} else {
					noID++
				}
			}
		})
		if err != nil {
			return s.aov
		}
		if n := len(orders) + noID; n > 0 {
			s.aov = rev / float64(n)
		}
		s.aovAt = s.cfg.Now()
	}
	return s.aov
}

// allowed reports whether the user's consent allows purpose p.
func (s *Service) allowed(u *shop.User, p shop.Purpose) bool {
	granted, said := u.Consent[p]
	if s.cfg.RequiredConsent == nil || slices.Contains(s.cfg.RequiredConsent, p) {
		return granted
	}
	return granted || !said
}
