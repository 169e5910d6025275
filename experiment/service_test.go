package experiment_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/shopmind/shopmind/experiment"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
	_ "github.com/shopmind/shopmind/store/sqlite"
)

func openStore(t testing.TB) store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "x.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestServiceLifecycleAndResults(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	svc := experiment.NewService(st, experiment.Config{Now: func() time.Time { return now }}, slog.New(slog.DiscardHandler))

	start := now.Add(-7 * 24 * time.Hour)
	e, err := svc.Create(ctx, experiment.Experiment{ID: "hero", Start: start, Holdout: 0.1,
		Variants: []experiment.Variant{{Name: "control", Weight: 1}, {Name: "big", Weight: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if e.Salt == "" || e.Version != 1 || e.Control != "control" {
		t.Fatalf("created %+v", e)
	}
	if _, err := svc.Create(ctx, e); !errors.Is(err, experiment.ErrExists) {
		t.Fatalf("second create: %v", err)
	}
	if _, err := svc.Get(ctx, "nope"); !errors.Is(err, experiment.ErrNotFound) {
		t.Fatalf("get unknown: %v", err)
	}
	bad := e
	bad.Variants = []experiment.Variant{{Name: "control", Weight: 1}, {Name: "big", Weight: 3}}
	var inv *experiment.InvalidError
	if _, err := svc.Update(ctx, "hero", bad); !errors.As(err, &inv) || inv.Field != "variants[1].weight" {
		t.Fatalf("reweighting a started experiment: %v", err)
	}

	// u0..u399 are exposed two days ago; the "big" arm buys more. Every
	// user spent in the pre-period; u5 also logs a wrong variant.
	var evs []shop.Event
	exposed := now.Add(-48 * time.Hour)
	arms := map[string]int{}
	for i := range 400 {
		u := fmt.Sprintf("u%d", i)
		arm := experiment.Assign(&e, u)
		arms[arm]++
		ctxv := shop.Context{Experiment: "hero", Variant: arm}
		if i == 5 {
			ctxv.Variant = "other"
		}
		evs = append(evs,
			shop.Event{ID: u + "-pre", Type: shop.Purchase, UserID: u, ItemID: "i", Revenue: float64(10 + i%7), Currency: "CNY", Timestamp: exposed.Add(-5 * 24 * time.Hour)},
			shop.Event{ID: u + "-old", Type: shop.Purchase, UserID: u, ItemID: "i", Revenue: 1000, Currency: "CNY", Timestamp: exposed.Add(-60 * 24 * time.Hour)},
			shop.Event{ID: u + "-x", Type: shop.View, UserID: u, ItemID: "i", Timestamp: exposed, Context: ctxv})
		if arm == "big" || i%4 == 0 {
			evs = append(evs, shop.Event{ID: u + "-buy", Type: shop.Purchase, UserID: u, ItemID: "i", Revenue: 50, Currency: "CNY", Timestamp: exposed.Add(time.Hour)})
		}
	}
	if _, err := st.AppendEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	r, err := svc.Results(ctx, "hero")
	if err != nil {
		t.Fatal(err)
	}
	if r.Units != 400 || r.Mismatches != 1 {
		t.Fatalf("units %d mismatches %d", r.Units, r.Mismatches)
	}
	byArm := map[string]experiment.ArmResult{}
	for _, a := range r.Arms {
		byArm[a.Arm] = a
		if a.Units != arms[a.Arm] {
			t.Errorf("arm %s: %d units, want %d", a.Arm, a.Units, arms[a.Arm])
		}
	}
	if byArm["big"].ConversionRate != 1 || byArm["big"].RevenuePerUser != 50 {
		t.Errorf("big arm %+v", byArm["big"])
	}
	// Pre-spend counts the purchase 5 days before exposure, not the one 60
	// days before (outside the 28-day window).
	if m := byArm["control"].PreSpendMean; m < 10 || m > 16 {
		t.Errorf("pre-spend mean %v, want 10..16", m)
	}

	// Appending a variant is allowed; a second call reads only new events.
	e.Variants = append(e.Variants, experiment.Variant{Name: "bigger", Weight: 1})
	if _, err := svc.Update(ctx, "hero", e); err != nil {
		t.Fatalf("appending a variant: %v", err)
	}
	// A conversion type change is a new experiment here; a second
	// experiment on add_to_cart makes the service rebuild its state.
	if _, err := svc.Create(ctx, experiment.Experiment{ID: "cart", Start: start, ConversionEvent: shop.AddToCart,
		Variants: []experiment.Variant{{Name: "a", Weight: 1}, {Name: "b", Weight: 1}}}); err != nil {
		t.Fatal(err)
	}
	st.AppendEvents(ctx, []shop.Event{
		{ID: "c1", Type: shop.View, UserID: "w1", ItemID: "i", Timestamp: exposed, Context: shop.Context{Experiment: "cart"}},
		{ID: "c2", Type: shop.AddToCart, UserID: "w1", ItemID: "i", Timestamp: exposed.Add(time.Minute)},
	})
	rc, err := svc.Results(ctx, "cart")
	if err != nil {
		t.Fatal(err)
	}
	conv := 0
	for _, a := range rc.Arms {
		conv += a.Converters
	}
	if rc.Units != 1 || conv != 1 {
		t.Fatalf("cart experiment: units %d converters %d", rc.Units, conv)
	}

	// Deleting a user removes them from the results.
	if _, err := st.DeleteUser(ctx, "u1"); err != nil {
		t.Fatal(err)
	}
	r, err = svc.Results(ctx, "hero")
	if err != nil {
		t.Fatal(err)
	}
	if r.Units != 399 {
		t.Fatalf("after deleting u1: %d units", r.Units)
	}
	// A fresh service (another node) computes the same results.
	other := experiment.NewService(st, experiment.Config{Now: func() time.Time { return now }}, nil)
	r2, err := other.Results(ctx, "hero")
	if err != nil || r2.Units != r.Units || r2.Arms[2].RevenuePerUser != r.Arms[2].RevenuePerUser {
		t.Fatalf("other node: %v %+v vs %+v", err, r2.Arms, r.Arms)
	}
}
