package api

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/config"
	"github.com/shopmind/shopmind/experiment"
	"github.com/shopmind/shopmind/ingest"
	"github.com/shopmind/shopmind/store"
	"github.com/shopmind/shopmind/telemetry"
)

// newExperimentHarness serves the event and experiment routes over a fresh
// store.
func newExperimentHarness(t *testing.T) *harness {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "exp.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	m := telemetry.New()
	timed := m.Store(st)
	quiet := slog.New(slog.DiscardHandler)
	s := New(Deps{Config: config.Default(), Store: timed, Ingest: ingest.New(timed, nil, m), Metrics: m, Logger: quiet,
		Experiments: experiment.NewService(timed, experiment.Config{}, quiet)})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &harness{t: t, srv: srv, store: st}
}

func TestExperimentDefinitions(t *testing.T) {
	h := newExperimentHarness(t)
	var p Problem
	if r := h.do("POST", "/v1/experiments", `{"id":"x","variants":[{"name":"a","weight":0},{"name":"a","weight":1}],"holdout":0.7}`, &p); r.StatusCode != 400 {
		t.Fatalf("invalid create: %d", r.StatusCode)
	}
	var got []string
	for _, e := range p.Errors {
		got = append(got, e.Field)
	}
	if strings.Join(got, ",") != "variants[0].weight,variants[1].name,holdout" {
		t.Fatalf("fields %v (%s)", got, p.Detail)
	}
	if r := h.do("POST", "/v1/experiments", `{"id":"x","variants":[],"colour":"red"}`, nil); r.StatusCode != 400 {
		t.Fatalf("unknown field: %d", r.StatusCode)
	}

	var e experiment.Experiment
	start := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	body := `{"id":"hero","name":"Hero banner","start":"` + start + `","holdout":0.1,"variants":[{"name":"control","weight":1},{"name":"big","weight":1}]}`
	if r := h.do("POST", "/v1/experiments", body, &e); r.StatusCode != 201 || e.Salt == "" || e.Control != "control" {
		t.Fatalf("create: %d %+v", r.StatusCode, e)
	}
	if r := h.do("POST", "/v1/experiments", body, nil); r.StatusCode != 409 {
		t.Fatalf("create twice: %d", r.StatusCode)
	}
	for _, path := range []string{"/v1/experiments/nope", "/v1/experiments/nope/results", "/v1/experiments/nope/assignment?user=u1"} {
		if r := h.do("GET", path, nil, nil); r.StatusCode != 404 {
			t.Errorf("GET %s: %d, want 404", path, r.StatusCode)
		}
	}
	if r := h.do("GET", "/v1/experiments/hero/assignment", nil, nil); r.StatusCode != 400 {
		t.Errorf("assignment without user: %d", r.StatusCode)
	}

	// Assignment is deterministic and equals the package's Assign.
	for i := range 50 {
		u := fmt.Sprintf("u%d", i)
		var a experiment.Assignment
		h.do("GET", "/v1/experiments/hero/assignment?user="+u, nil, &a)
		if want := experiment.Assign(&e, u); a.Arm != want || a.InHoldout != (want == experiment.HoldoutArm) || a.User != u || a.Experiment != "hero" {
			t.Fatalf("assignment %+v, want arm %q", a, want)
		}
	}

	// Once started, reweighting is refused, appending is fine.
	e.Variants[1].Weight = 3
	if r := h.do("PUT", "/v1/experiments/hero", e, &p); r.StatusCode != 400 || len(p.Errors) != 1 || p.Errors[0].Field != "variants[1].weight" {
		t.Fatalf("reweight: %d %+v", r.StatusCode, p)
	}
	e.Variants[1].Weight = 1
	e.Variants = append(e.Variants, experiment.Variant{Name: "huge", Weight: 1})
	e.Description = "now with a third size"
	var saved experiment.Experiment
	if r := h.do("PUT", "/v1/experiments/hero", e, &saved); r.StatusCode != 200 || len(saved.Variants) != 3 || saved.Version != 2 {
		t.Fatalf("append: %d %+v", r.StatusCode, saved)
	}
	var list struct {
		Experiments []experiment.Experiment `json:"experiments"`
	}
	if h.do("GET", "/v1/experiments", nil, &list); len(list.Experiments) != 1 || list.Experiments[0].Description != e.Description {
		t.Fatalf("list %+v", list)
	}
}

// TestExperimentEndToEnd creates an experiment, assigns 2,000 users through
// the API, ingests their exposures and purchases through POST /v1/events
// with a planted lift in one arm, and reads the results; then it skews the
// exposures to trigger the sample-ratio-mismatch alarm.
func TestExperimentEndToEnd(t *testing.T) {
	h := newExperimentHarness(t)
	now := time.Now().UTC().Truncate(time.Second)
	start := now.Add(-10 * 24 * time.Hour)
	var e experiment.Experiment
	body := fmt.Sprintf(`{"id":"checkout","salt":"e2e-fixed-salt","start":%q,"holdout":0.1,"variants":[{"name":"control","weight":1},{"name":"treatment","weight":1}]}`, start.Format(time.RFC3339))
	if r := h.do("POST", "/v1/experiments", body, &e); r.StatusCode != 201 {
		t.Fatalf("create: %d", r.StatusCode)
	}
	rate := map[string]float64{experiment.HoldoutArm: 0.2, "control": 0.2, "treatment": 0.3}
	rng := rand.New(rand.NewPCG(7, 8))
	var rows []string
	event := func(id, typ, user string, ts time.Time, extra string) {
		rows = append(rows, fmt.Sprintf(`{"id":%q,"type":%q,"user_id":%q,"item_id":"sku","timestamp":%q%s}`, id, typ, user, ts.Format(time.RFC3339), extra))
	}
	flush := func() {
		for len(rows) > 0 {
			n := min(len(rows), 5000)
			var sum ingest.Summary
			if r := h.do("POST", "/v1/events", "["+strings.Join(rows[:n], ",")+"]", &sum); r.StatusCode != 200 || sum.Refused > 0 {
				t.Fatalf("ingest: %d %+v", r.StatusCode, sum)
			}
			rows = rows[n:]
		}
	}
	expose := func(u, arm string, at time.Time) {
		event(u+"-x", "view", u, at, fmt.Sprintf(`,"context":{"experiment":"checkout","variant":%q}`, arm))
	}
	for i := range 2000 {
		u := fmt.Sprintf("user-%04d", i)
		var a experiment.Assignment
		h.do("GET", "/v1/experiments/checkout/assignment?user="+u, nil, &a)
		at := start.Add(time.Duration(rng.IntN(8*24)) * time.Hour)
		expose(u, a.Arm, at)
		if rng.Float64() < 0.5 { // half bought in the pre-period
			event(u+"-pre", "purchase", u, at.Add(-3*24*time.Hour), `,"revenue":80,"currency":"CNY","order_id":"pre"`)
		}
		if rng.Float64() < rate[a.Arm] {
			event(u+"-buy", "purchase", u, at.Add(time.Hour), `,"revenue":100,"currency":"CNY","order_id":"o"`)
		}
	}
	flush()

	var res experiment.Results
	if r := h.do("GET", "/v1/experiments/checkout/results", nil, &res); r.StatusCode != 200 {
		t.Fatalf("results: %d", r.StatusCode)
	}
	if res.Units != 2000 || res.Mismatches != 0 || len(res.Arms) != 3 {
		t.Fatalf("units %d mismatches %d arms %d", res.Units, res.Mismatches, len(res.Arms))
	}
	var treat *experiment.Comparison
	for i := range res.Comparisons {
		if res.Comparisons[i].Arm == "treatment" {
			treat = &res.Comparisons[i]
		}
	}
	if treat == nil || treat.Control != "control" {
		t.Fatalf("no treatment comparison: %+v", res.Comparisons)
	}
	cv, rv := treat.Conversion, treat.Revenue
	t.Logf("conversion diff %.3f [%.3f, %.3f], revenue diff %.2f [%.2f, %.2f], sequential p %.3g, SRM p %.3f",
		cv.Diff, cv.Interval.Lo, cv.Interval.Hi, rv.Diff, rv.Interval.Lo, rv.Interval.Hi, cv.Sequential.P, res.SRM.P)
	if cv.Interval.Lo > 0.1 || cv.Interval.Hi < 0.1 || cv.Interval.Lo <= 0 {
		t.Errorf("conversion interval [%.3f, %.3f] should cover the planted 0.1 and exclude 0", cv.Interval.Lo, cv.Interval.Hi)
	}
	if rv.Interval.Lo > 10 || rv.Interval.Hi < 10 {
		t.Errorf("revenue interval [%.2f, %.2f] should cover the planted 10", rv.Interval.Lo, rv.Interval.Hi)
	}
	if res.SRM.Alarm {
		t.Errorf("SRM alarm on balanced exposure: %+v", res.SRM)
	}
	raw, _ := json.Marshal(res)
	if !strings.Contains(string(raw), `"variance_reduction_revenue"`) || !strings.Contains(string(raw), `"can_stop"`) {
		t.Errorf("results lack CUPED or the sequential test: %s", raw[:200])
	}

	// Broken logging: 400 more exposures, all in treatment (and some
	// claiming the wrong variant).
	added := 0
	for i := 2000; added < 400; i++ {
		u := fmt.Sprintf("user-%04d", i)
		if experiment.Assign(&e, u) != "treatment" {
			continue
		}
		arm := "treatment"
		if added%4 == 0 {
			arm = "control"
		}
		expose(u, arm, now.Add(-time.Hour))
		added++
	}
	flush()
	if r := h.do("GET", "/v1/experiments/checkout/results", nil, &res); r.StatusCode != 200 {
		t.Fatalf("results: %d", r.StatusCode)
	}
	if !res.SRM.Alarm || res.Units != 2400 || res.Mismatches != 100 {
		t.Fatalf("after skew: SRM %+v units %d mismatches %d", res.SRM, res.Units, res.Mismatches)
	}
	if !strings.HasPrefix(res.Comparisons[0].Verdict, "do not trust") {
		t.Errorf("verdict %q", res.Comparisons[0].Verdict)
	}
}
