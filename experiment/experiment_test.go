package experiment

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func valid() Experiment {
	return Experiment{ID: "checkout-button", Name: "Checkout button", Salt: "s1", Start: t0,
		Variants: []Variant{{"control", 1}, {"green", 1}}, Holdout: 0.1}
}

func fields(err error) []string {
	var out []string
	var walk func(error)
	walk = func(err error) {
		var inv *InvalidError
		if errors.As(err, &inv) && err == error(inv) {
			out = append(out, inv.Field)
			return
		}
		if u, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range u.Unwrap() {
				walk(e)
			}
		}
	}
	walk(err)
	return out
}

func TestValidateNamesEveryBadField(t *testing.T) {
	many := make([]Variant, MaxVariants+1)
	for i := range many {
		many[i] = Variant{fmt.Sprintf("v%d", i), 1}
	}
	cases := []struct {
		name   string
		mutate func(*Experiment)
		want   []string
	}{
		{"valid", func(*Experiment) {}, nil},
		{"no variants", func(e *Experiment) { e.Variants = nil; e.Control = "" }, []string{"variants"}},
		{"zero weight", func(e *Experiment) { e.Variants[1].Weight = 0 }, []string{"variants[1].weight"}},
		{"negative weight", func(e *Experiment) { e.Variants[0].Weight = -1 }, []string{"variants[0].weight"}},
		{"NaN weight", func(e *Experiment) { e.Variants[0].Weight = math.NaN() }, []string{"variants[0].weight"}},
		{"duplicate", func(e *Experiment) { e.Variants[1].Name = "control" }, []string{"variants[1].name"}},
		{"reserved", func(e *Experiment) { e.Variants[1].Name = HoldoutArm }, []string{"variants[1].name"}},
		{"holdout high", func(e *Experiment) { e.Holdout = 0.6 }, []string{"holdout"}},
		{"holdout negative", func(e *Experiment) { e.Holdout = -0.1 }, []string{"holdout"}},
		{"end before start", func(e *Experiment) { e.End = t0.Add(-time.Hour) }, []string{"end"}},
		{"too many", func(e *Experiment) { e.Variants = many }, []string{"variants"}},
		{"bad id", func(e *Experiment) { e.ID = "a/b" }, []string{"id"}},
		{"long id", func(e *Experiment) { e.ID = strings.Repeat("x", 300) }, []string{"id"}},
		{"long name", func(e *Experiment) { e.Name = strings.Repeat("名", 201) }, []string{"name"}},
		{"unit", func(e *Experiment) { e.Unit = "session" }, []string{"unit"}},
		{"conversion", func(e *Experiment) { e.ConversionEvent = "buy" }, []string{"conversion_event"}},
		{"control", func(e *Experiment) { e.Control = "blue" }, []string{"control"}},
		{"several at once", func(e *Experiment) { e.Holdout = 1; e.Variants[0].Weight = 0; e.End = t0 },
			[]string{"variants[0].weight", "holdout", "end"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := valid()
			tc.mutate(&e)
			e.Normalize()
			got := fields(e.Validate())
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("fields %v, want %v (%v)", got, tc.want, e.Validate())
			}
		})
	}
}

func TestNormalizeDefaults(t *testing.T) {
	e := valid()
	e.Normalize()
	if e.Unit != "user" || e.ConversionEvent != "purchase" || e.PrePeriodDays != 28 || e.Status != Running || e.Control != "control" {
		t.Fatalf("defaults: %+v", e)
	}
	e = valid()
	e.Variants = []Variant{{"a", 1}, {"b", 1}}
	e.Normalize()
	if e.Control != HoldoutArm {
		t.Fatalf("control without a variant named control but with a holdout: %q", e.Control)
	}
	e.Holdout, e.Control = 0, ""
	e.Normalize()
	if e.Control != "a" {
		t.Fatalf("control without holdout: %q", e.Control)
	}
	if got := e.Shares(); got[0] != 0.5 || got[1] != 0.5 {
		t.Fatalf("shares %v", got)
	}
}

func TestCheckChange(t *testing.T) {
	old := valid()
	old.Normalize()
	after := t0.Add(time.Hour)
	cases := []struct {
		name   string
		now    time.Time
		mutate func(*Experiment)
		want   []string
	}{
		{"append variant", after, func(e *Experiment) { e.Variants = append(e.Variants, Variant{"blue", 1}) }, nil},
		{"description and end", after, func(e *Experiment) { e.Description = "x"; e.End = t0.Add(48 * time.Hour) }, nil},
		{"reweight", after, func(e *Experiment) { e.Variants[1].Weight = 2 }, []string{"variants[1].weight"}},
		{"remove", after, func(e *Experiment) { e.Variants = e.Variants[:1] }, []string{"variants"}},
		{"insert in front", after, func(e *Experiment) { e.Variants = append([]Variant{{"blue", 1}}, e.Variants...) },
			[]string{"variants[0].name", "variants[1].name"}},
		{"holdout", after, func(e *Experiment) { e.Holdout = 0.2 }, []string{"holdout"}},
		{"salt", after, func(e *Experiment) { e.Salt = "other" }, []string{"salt"}},
		{"reweight before start", t0.Add(-time.Hour), func(e *Experiment) { e.Variants[1].Weight = 2; e.Holdout = 0 }, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			next := old
			next.Variants = append([]Variant(nil), old.Variants...)
			tc.mutate(&next)
			got := fields(CheckChange(&old, &next, tc.now))
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("fields %v, want %v", got, tc.want)
			}
		})
	}
}

func TestChiSquareSF(t *testing.T) {
	// Critical values from standard chi-square tables.
	cases := []struct {
		x    float64
		df   int
		want float64
	}{
		{3.841459, 1, 0.05}, {10.827566, 1, 0.001}, {5.991465, 2, 0.05}, {16.266236, 3, 0.001},
		{18.307038, 10, 0.05}, {43.820215, 19, 0.001}, {0.5, 4, 0.973500}, {100, 20, 1.2e-12},
	}
	for _, c := range cases {
		got := chiSquareSF(c.x, c.df)
		if math.Abs(got-c.want) > 1e-5*math.Max(1, c.want*1e3) && math.Abs(got-c.want)/c.want > 0.05 {
			t.Errorf("SF(%v, %d) = %v, want %v", c.x, c.df, got, c.want)
		}
	}
}

func TestNewcombeInterval(t *testing.T) {
	// Newcombe (1998), Table II example (a): 56/70 vs 48/80 gives
	// 0.0524 to 0.3339 for method 10.
	lo, hi := newcombe(56, 70, 48, 80)
	if math.Abs(lo-0.0524) > 5e-4 || math.Abs(hi-0.3339) > 5e-4 {
		t.Fatalf("interval %.4f to %.4f, want 0.0524 to 0.3339", lo, hi)
	}
}
