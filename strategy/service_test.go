package strategy

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/audience"
	"github.com/shopmind/shopmind/catalog"
	"github.com/shopmind/shopmind/profile"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
	_ "github.com/shopmind/shopmind/store/sqlite"
	"github.com/shopmind/shopmind/store/storetest"
	"github.com/shopmind/shopmind/synth"
)

type fixture struct {
	shop *synth.Shop
	st   store.Store
	aud  *audience.Service
	svc  *Service
}

// newFixture stores a synthetic shop with the coupon test and starts the
// services over it, with the clock at the end of the shop's window.
func newFixture(t *testing.T, users int) *fixture {
	t.Helper()
	ctx := context.Background()
	sh := campaignShop(t, users)
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "s.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	storetest.Fill(t, st, sh.Items, sh.Users, sh.Events)
	quiet := slog.New(slog.DiscardHandler)
	profiles := profile.NewService(st, profile.ServiceConfig{Catalog: catalog.New(st)}, quiet)
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { profiles.Run(rctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	aud := audience.New(st, profiles)
	end := sh.End()
	svc, err := New(st, aud, Config{Bootstrap: 10, Now: func() time.Time { return end }, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{shop: sh, st: st, aud: aud, svc: svc}
}

// TestService shares one stored shop between the plan and next-action
// tests (storing it is the slow part).
func TestService(t *testing.T) {
	f := newFixture(t, 1000)
	t.Run("Plan", func(t *testing.T) { testServicePlan(t, f) })
	t.Run("NextActionUsesTheModel", func(t *testing.T) { testNextActionUsesTheModel(t, f) })
	t.Run("NextActionConsentAndCap", func(t *testing.T) { testNextActionConsentAndCap(t, f) })
}

func testServicePlan(t *testing.T, f *fixture) {
	ctx := context.Background()
	seg, err := f.aud.Create(ctx, audience.Input{Name: "everyone", Expression: "frequency >= 0"})
	if err != nil {
		t.Fatal(err)
	}
	req := PlanRequest{Segment: seg.ID, Offer: Offer{Cost: 10, Margin: 0.3, Budget: 300}}
	p, err := f.svc.Plan(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("model: %d units, Qini %.3f; plan: %d of %d candidates, expected %+v", p.Model.Units, p.Model.Qini, p.Targets, p.Candidates, p.Expected)
	if p.Candidates < 600 || p.Targets == 0 || p.Targets != len(p.TargetList) || p.Targets > p.Positive {
		t.Fatalf("candidates %d, positive %d, targets %d (list %d)", p.Candidates, p.Positive, p.Targets, len(p.TargetList))
	}
	if p.Expected.Cost.Value > req.Budget || p.Expected.Cost.Value <= 0 {
		t.Errorf("expected cost %v, budget %v", p.Expected.Cost.Value, req.Budget)
	}
	for _, e := range []Estimate{p.Expected.Conversions, p.Expected.Revenue, p.Expected.Profit} {
		if !(e.Low <= e.High) || e.Low == e.High {
			t.Errorf("interval %+v is empty or reversed", e)
		}
	}
	for i := 1; i < len(p.TargetList); i++ {
		if p.TargetList[i].ExpectedProfit > p.TargetList[i-1].ExpectedProfit || p.TargetList[i].ExpectedProfit <= 0 {
			t.Fatalf("target list not by descending positive profit at %d", i)
		}
	}
	// Refusals.
	_, err = f.svc.Plan(ctx, PlanRequest{Segment: "nope", Offer: Offer{Cost: 1, Margin: 0.3, Budget: 10}})
	var us *UnknownSegmentError
	if !errors.As(err, &us) {
		t.Errorf("unknown segment: %v", err)
	}
	_, err = f.svc.Plan(ctx, PlanRequest{Segment: seg.ID, Offer: Offer{Cost: 1, Margin: 0.3, Budget: -1}})
	var ie *InputError
	if !errors.As(err, &ie) || ie.Field != "budget" {
		t.Errorf("negative budget: %v", err)
	}
	_, err = f.svc.Plan(ctx, PlanRequest{Segment: seg.ID, Experiment: "never-ran", Offer: Offer{Cost: 1, Margin: 0.3, Budget: 10}})
	var nd *NoDataError
	if !errors.As(err, &nd) || !strings.Contains(err.Error(), "context.experiment") {
		t.Errorf("experiment without data: %v", err)
	}
}

func testNextActionConsentAndCap(t *testing.T, f *fixture) {
	ctx := context.Background()
	var noConsent, consent string
	for _, u := range f.shop.Users {
		switch {
		case !u.Consent[shop.MarketingMessages] && u.Consent[shop.Personalization] && noConsent == "":
			noConsent = u.ID
		case u.Consent[shop.MarketingMessages] && u.Consent[shop.Personalization] && consent == "":
			consent = u.ID
		}
	}
	messages := func(na *NextAction) (eligible int) {
		for _, a := range na.Actions {
			if a.Kind == KindCoupon || a.Kind == KindPush || a.Kind == KindEmail {
				if a.Eligible {
					eligible++
				}
			}
		}
		return
	}
	// Without marketing consent no message is eligible.
	na, err := f.svc.NextAction(ctx, noConsent)
	if err != nil {
		t.Fatal(err)
	}
	if messages(na) != 0 || na.Kind == KindCoupon || na.Kind == KindPush || na.Kind == KindEmail {
		t.Fatalf("user without marketing consent: %+v", na)
	}
	for _, a := range na.Actions {
		if a.Kind == KindEmail && !strings.Contains(a.Reason, "marketing_messages consent") {
			t.Errorf("email excluded for %q", a.Reason)
		}
	}
	if len(na.Actions) != len(DefaultActions()) {
		t.Errorf("%d actions listed, want every one of %d", len(na.Actions), len(DefaultActions()))
	}
	// With consent, messages are eligible until the weekly cap is reached.
	na, err = f.svc.NextAction(ctx, consent)
	if err != nil {
		t.Fatal(err)
	}
	if messages(na) != 3 {
		t.Fatalf("user with consent: %d messages eligible: %+v", messages(na), na)
	}
	before := na.MessagesLast7d
	end := f.shop.End()
	var evs []shop.Event
	for i := range 3 - before {
		evs = append(evs, shop.Event{ID: "cap-" + string(rune('a'+i)), Type: shop.MessageSent, UserID: consent,
			Timestamp: end.Add(-time.Duration(i+1) * 24 * time.Hour), Context: shop.Context{Channel: "push"}})
	}
	// A holdout record is not a message the user received.
	evs = append(evs, shop.Event{ID: "cap-holdout", Type: shop.MessageSent, UserID: consent, Timestamp: end.Add(-time.Hour),
		Context: shop.Context{Experiment: "x", Variant: "holdout"}})
	if _, err := f.st.AppendEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	na, err = f.svc.NextAction(ctx, consent)
	if err != nil {
		t.Fatal(err)
	}
	if na.MessagesLast7d != 3 || messages(na) != 0 || na.Kind == KindCoupon || na.Kind == KindPush || na.Kind == KindEmail {
		t.Fatalf("capped user: %d messages, %d eligible, chose %s", na.MessagesLast7d, messages(na), na.Action)
	}
	for _, a := range na.Actions {
		if a.Kind == KindPush && !strings.Contains(a.Reason, "weekly cap") {
			t.Errorf("push excluded for %q", a.Reason)
		}
	}
	// Unknown users.
	if _, err := f.svc.NextAction(ctx, "nobody"); !errors.Is(err, ErrUnknownUser) {
		t.Errorf("unknown user: %v", err)
	}
}

func testNextActionUsesTheModel(t *testing.T, f *fixture) {
	ctx := context.Background()
	for _, u := range f.shop.Users {
		if !u.Consent[shop.MarketingMessages] {
			continue
		}
		na, err := f.svc.NextAction(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range na.Actions {
			if a.Kind == KindCoupon && a.UpliftSource != "model" {
				t.Fatalf("coupon uplift from %q: %s", a.UpliftSource, a.Reason)
			}
			if a.Kind == KindPush && a.UpliftSource != "prior" {
				t.Fatalf("push uplift from %q", a.UpliftSource)
			}
			if a.Eligible && a.Score > 0 && a.Score > scoreOf(na, na.Action) {
				t.Fatalf("chose %s over %s with a higher score", na.Action, a.Name)
			}
		}
		return
	}
}

func scoreOf(na *NextAction, name string) float64 {
	for _, a := range na.Actions {
		if a.Name == name {
			return a.Score
		}
	}
	return 0
}
