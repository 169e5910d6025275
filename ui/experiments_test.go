package ui

import (
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/audience"
	"github.com/shopmind/shopmind/catalog"
	"github.com/shopmind/shopmind/experiment"
	"github.com/shopmind/shopmind/profile"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
	"github.com/shopmind/shopmind/store/sqlite"
	"github.com/shopmind/shopmind/store/storetest"
	"github.com/shopmind/shopmind/strategy"
	"github.com/shopmind/shopmind/synth"
)

// experimentDeps is a dashboard over an empty store of its own with the
// experiments service, so that the tests' exposures do not touch the
// shared shop.
func experimentDeps(t *testing.T) Deps {
	t.Helper()
	st, err := sqlite.OpenPath(t.Context(), filepath.Join(t.TempDir(), "e.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	quiet := slog.New(slog.DiscardHandler)
	return Deps{Store: st, Experiments: experiment.NewService(st, experiment.Config{}, quiet), Keys: testKeys, Logger: quiet}
}

func TestExperimentsPageInBothLanguages(t *testing.T) {
	d := experimentDeps(t)
	b := newBrowser(t, d)
	b.signIn(readKey)
	for lang, want := range map[string][]string{
		"en":    {"No experiments yet", "New experiment", "read-only", `href="/ui/experiments/uplift"`},
		"zh-CN": {"还没有实验", "新建实验", "只读", "增益报告"},
	} {
		code, body, _ := b.get("/ui/experiments?lang=" + lang)
		if code != 200 {
			t.Fatalf("%s: %d", lang, code)
		}
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: no %q", lang, w)
			}
		}
		if strings.Contains(body, `id="experiment-form"`) {
			t.Errorf("%s: a read-only key is shown the create form", lang)
		}
	}
	// Without the service: the page says so instead of failing.
	d.Experiments = nil
	nb := newBrowser(t, d)
	nb.signIn(readKey)
	for _, path := range []string{"/ui/experiments?lang=en", "/ui/experiments/any?lang=en"} {
		if code, body, _ := nb.get(path); code != 200 || !strings.Contains(body, "This server does not serve this part.") {
			t.Errorf("%s without the service: %d", path, code)
		}
	}
}

func TestExperimentCreateForm(t *testing.T) {
	d := experimentDeps(t)
	form := func(tok string, kv ...string) url.Values {
		v := url.Values{"csrf": {tok}, "name": {"Hero banner"}, "variant_name_0": {"control"}, "variant_weight_0": {"1"},
			"variant_name_1": {"big"}, "variant_weight_1": {"1"}, "holdout": {"0.1"}, "conversion_event": {"purchase"},
			"pre_period_days": {"28"}, "status": {"running"}, "unit": {"user"}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	// Read-only: no form, and a forged POST is refused.
	ro := newBrowser(t, d)
	ro.signIn(readKey)
	_, body, _ := ro.get("/ui/experiments")
	if code, body, _ := ro.post("/ui/experiments", form(csrfOf(t, body), "id", "ro-exp")); code != http.StatusForbidden || !strings.Contains(body, "read-only") {
		t.Errorf("read-only create: %d, want 403", code)
	}

	admin := newBrowser(t, d)
	admin.signIn(adminKey)
	_, body, _ = admin.get("/ui/experiments?lang=en")
	tok := csrfOf(t, body)
	for _, id := range []string{"variant-name-0", "variant-weight-3", "holdout", "control", "conversion_event", "pre_period_days", "start", "end", "status", "unit", "salt", "description"} {
		if !strings.Contains(body, `id="`+id+`"`) || !strings.Contains(body, `for="`+id+`"`) {
			t.Errorf("the create form lacks a labelled #%s", id)
		}
	}
	if code, _, _ := admin.post("/ui/experiments", form("", "id", "no-token")); code != http.StatusForbidden {
		t.Errorf("without the CSRF token: %d, want 403", code)
	}

	// Invalid input: 400, the message next to the field, the values kept.
	for _, c := range []struct {
		kv       []string
		errID    string
		kept     string
		contains string
	}{
		{[]string{"id", "bad-holdout", "holdout", "0.9"}, "holdout-error", `value="0.9"`, "use a share from 0 to 0.5"},
		{[]string{"id", "bad-weight", "variant_weight_1", "heavy"}, "variant-weight-1-error", `value="heavy"`, "Enter a number"},
		{[]string{"id", "dup-names", "variant_name_1", "control"}, "variant-name-1-error", `value="Hero banner"`, "must be unique"},
		{[]string{"id", "bad id/with slash"}, "id-error", `value="bad id/with slash"`, "without spaces"},
		{[]string{"id", "bad-start", "start", "next tuesday"}, "start-error", `value="next tuesday"`, "YYYY-MM-DD"},
		{[]string{"id", "bad-control", "control", "nobody"}, "control-error", `value="nobody"`, "not an arm"},
		{[]string{"id", "no-variants", "variant_name_0", "", "variant_weight_0", "", "variant_name_1", "", "variant_weight_1", ""}, "variant-name-0-error", `value="no-variants"`, "give at least one variant"},
	} {
		code, body, _ := admin.post("/ui/experiments", form(tok, c.kv...))
		if code != http.StatusBadRequest {
			t.Errorf("%v: %d, want 400", c.kv, code)
			continue
		}
		if !strings.Contains(body, `id="`+c.errID+`"`) || !strings.Contains(body, html.EscapeString(c.contains)) || !strings.Contains(body, c.kept) {
			t.Errorf("%v: want #%s saying %q and the value %s kept\n%s", c.kv, c.errID, c.contains, c.kept, body)
		}
	}

	// A good form creates the experiment and shows its (empty) results.
	code, _, resp := admin.post("/ui/experiments", form(tok, "id", "hero", "description", "Big hero banner", "start", "2026-01-02T03:04"))
	if code != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/experiments/hero?created=1" {
		t.Fatalf("create: %d to %q", code, resp.Header.Get("Location"))
	}
	e, err := d.Experiments.Get(t.Context(), "hero")
	if err != nil {
		t.Fatal(err)
	}
	if e.Name != "Hero banner" || e.Description != "Big hero banner" || e.Holdout != 0.1 || len(e.Variants) != 2 || e.Variants[1].Name != "big" ||
		e.Control != "control" || !e.Start.Equal(time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)) || e.PrePeriodDays != 28 {
		t.Errorf("stored %+v", e)
	}
	_, body, _ = admin.get(resp.Header.Get("Location"))
	for _, w := range []string{"Created experiment hero", `id="experiment-empty"`, "context.experiment = hero", "holdout, control, big", "no decision yet"} {
		if !strings.Contains(body, w) {
			t.Errorf("new experiment's page: no %q", w)
		}
	}
	// The same id again is an error on the id field.
	if code, body, _ := admin.post("/ui/experiments", form(tok, "id", "hero")); code != http.StatusBadRequest || !strings.Contains(body, "already exists") {
		t.Errorf("duplicate id: %d", code)
	}
	// The list shows it, and the refused forms created nothing.
	_, body, _ = ro.get("/ui/experiments?lang=en")
	if !strings.Contains(body, `id="experiment-hero"`) || !strings.Contains(body, "Hero banner") {
		t.Error("the list does not show the new experiment")
	}
	exps, _, err := d.Experiments.List(t.Context(), "", 100)
	if err != nil || len(exps) != 1 {
		t.Errorf("stored experiments %v (%v); want only hero", exps, err)
	}
	if code, _, _ := ro.get("/ui/experiments/nope"); code != http.StatusNotFound {
		t.Errorf("unknown experiment: %d, want 404", code)
	}

	// Stopping: admin only, with the token; it ends the experiment now.
	_, body, _ = ro.get("/ui/experiments/hero")
	if strings.Contains(body, `id="stop-form"`) {
		t.Error("a read-only key is shown the stop button")
	}
	if code, _, _ := ro.post("/ui/experiments/hero/stop", url.Values{"csrf": {csrfOf(t, body)}}); code != http.StatusForbidden {
		t.Errorf("read-only stop: %d, want 403", code)
	}
	_, body, _ = admin.get("/ui/experiments/hero")
	if !strings.Contains(body, `id="stop-form"`) {
		t.Fatal("no stop button for an admin")
	}
	if code, _, _ := admin.post("/ui/experiments/hero/stop", url.Values{}); code != http.StatusForbidden {
		t.Errorf("stop without the token: %d, want 403", code)
	}
	if e, _ := d.Experiments.Get(t.Context(), "hero"); e.Status != experiment.Running || !e.End.IsZero() {
		t.Fatalf("refused stops changed the experiment: %+v", e)
	}
	before := time.Now().UTC().Truncate(time.Second)
	code, _, resp = admin.post("/ui/experiments/hero/stop", url.Values{"csrf": {tok}})
	if code != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/experiments/hero?stopped=1" {
		t.Fatalf("stop: %d to %q", code, resp.Header.Get("Location"))
	}
	e, err = d.Experiments.Get(t.Context(), "hero")
	if err != nil || e.Status != experiment.Stopped || e.End.Before(before) || e.End.After(time.Now()) || e.Salt == "" {
		t.Errorf("after stop: %+v %v", e, err)
	}
	_, body, _ = admin.get(resp.Header.Get("Location"))
	if !strings.Contains(body, "Stopped experiment hero") || strings.Contains(body, `id="stop-form"`) || !strings.Contains(body, ">stopped<") {
		t.Error("the stopped experiment's page: no notice, or still a stop button")
	}
	// Resuming: admin only; running again with no end.
	if code, _, _ := ro.post("/ui/experiments/hero/resume", url.Values{"csrf": {csrfOf(t, body)}}); code != http.StatusForbidden {
		t.Errorf("read-only resume: %d, want 403", code)
	}
	if !strings.Contains(body, `id="resume-form"`) {
		t.Error("no resume button for a stopped experiment")
	}
	code, _, resp = admin.post("/ui/experiments/hero/resume", url.Values{"csrf": {tok}})
	if code != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/experiments/hero?resumed=1" {
		t.Fatalf("resume: %d to %q", code, resp.Header.Get("Location"))
	}
	if e, _ := d.Experiments.Get(t.Context(), "hero"); e.Status != experiment.Running || !e.End.IsZero() {
		t.Errorf("after resume: %+v", e)
	}

	// Editing: name, description and end change; a bad end is named at
	// its field, in Chinese on a Chinese page, and changes nothing.
	code, body, _ = admin.post("/ui/experiments/hero/edit?lang=zh-CN", url.Values{"csrf": {tok}, "name": {"Hero v2"}, "description": {"d"}, "end": {"soon"}})
	if code != http.StatusBadRequest || !strings.Contains(body, `id="edit-end-error"`) || !strings.Contains(body, "请按 YYYY-MM-DDTHH:MM") || !strings.Contains(body, `value="Hero v2"`) {
		t.Errorf("edit with a bad end: %d", code)
	}
	e, _ = d.Experiments.Get(t.Context(), "hero")
	code, body, _ = admin.post("/ui/experiments/hero/edit?lang=zh-CN", url.Values{"csrf": {tok}, "name": {"Hero v2"}, "end": {e.Start.Add(-time.Hour).Format("2006-01-02T15:04")}})
	if code != http.StatusBadRequest || !strings.Contains(body, "不晚于开始时间") {
		t.Errorf("edit with an end before the start: %d (want the experiment package's check, in Chinese)", code)
	}
	if e2, _ := d.Experiments.Get(t.Context(), "hero"); e2.Name != e.Name || !e2.End.IsZero() {
		t.Errorf("refused edits changed the experiment: %+v", e2)
	}
	end := time.Now().UTC().Add(72 * time.Hour).Truncate(time.Minute)
	code, _, resp = admin.post("/ui/experiments/hero/edit", url.Values{"csrf": {tok}, "name": {"Hero v2"}, "description": {"second go"}, "end": {end.Format("2006-01-02T15:04")}})
	if code != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/experiments/hero?edited=1" {
		t.Fatalf("edit: %d to %q", code, resp.Header.Get("Location"))
	}
	if e, _ := d.Experiments.Get(t.Context(), "hero"); e.Name != "Hero v2" || e.Description != "second go" || !e.End.Equal(end) {
		t.Errorf("after edit: %+v", e)
	}
	if code, _, _ := ro.post("/ui/experiments/hero/edit", url.Values{"csrf": {tok}, "name": {"x"}}); code != http.StatusForbidden {
		t.Errorf("read-only edit: %d, want 403", code)
	}
	admin.get("/ui/experiments?lang=en") // the language choice is remembered: back to English

	// One that has not started cannot be stopped.
	if _, err := d.Experiments.Create(t.Context(), experiment.Experiment{ID: "later", Start: time.Now().Add(48 * time.Hour),
		Variants: []experiment.Variant{{Name: "control", Weight: 1}, {Name: "b", Weight: 1}}}); err != nil {
		t.Fatal(err)
	}
	if code, body, _ := admin.post("/ui/experiments/later/stop", url.Values{"csrf": {tok}}); code != http.StatusBadRequest || !strings.Contains(body, "has not started yet") {
		t.Errorf("stopping an experiment before its start: %d", code)
	}
}

// tmplText is s as html/template writes it in text (it escapes + too).
func tmplText(s string) string { return strings.ReplaceAll(html.EscapeString(s), "+", "&#43;") }

// logExperiment stores exposures of n users and purchases: a share rate[arm]
// of each arm's users buys after exposure.
func logExperiment(t *testing.T, st store.Store, e *experiment.Experiment, n int, rate map[string]float64) map[string]int {
	t.Helper()
	var evs []shop.Event
	at := e.Start.Add(time.Hour)
	seen := map[string]int{}
	for i := range n {
		u := fmt.Sprintf("%s-u%d", e.ID, i)
		arm := experiment.Assign(e, u)
		k := seen[arm]
		seen[arm]++
		evs = append(evs, shop.Event{ID: u + "-x", Type: shop.View, UserID: u, ItemID: "i1", Timestamp: at, Context: shop.Context{Experiment: e.ID, Variant: arm}})
		// Every 1/rate-th user of the arm buys: deterministic rates.
		if r := rate[arm]; int(float64(k+1)*r) > int(float64(k)*r) {
			evs = append(evs, shop.Event{ID: u + "-buy", Type: shop.Purchase, UserID: u, ItemID: "i1", Revenue: 40, Currency: "CNY", Timestamp: at.Add(time.Hour)})
		}
	}
	if _, err := st.AppendEvents(t.Context(), evs); err != nil {
		t.Fatal(err)
	}
	return seen
}

func TestExperimentResultsShowTheVerdict(t *testing.T) {
	d := experimentDeps(t)
	ctx := t.Context()
	start := time.Now().UTC().Add(-72 * time.Hour).Truncate(time.Second)
	clear, err := d.Experiments.Create(ctx, experiment.Experiment{ID: "clear-win", Name: "Clear win", Start: start,
		Variants: []experiment.Variant{{Name: "A", Weight: 1}, {Name: "B", Weight: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	arms := logExperiment(t, d.Store, &clear, 2000, map[string]float64{"A": 0.1, "B": 0.3})
	early, err := d.Experiments.Create(ctx, experiment.Experiment{ID: "too-early", Name: "Too early", Start: start,
		Variants: []experiment.Variant{{Name: "A", Weight: 1}, {Name: "B", Weight: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	logExperiment(t, d.Store, &early, 40, map[string]float64{"A": 0.2, "B": 0.25})

	b := newBrowser(t, d)
	b.signIn(readKey)
	res, err := d.Experiments.Results(ctx, "clear-win")
	if err != nil {
		t.Fatal(err)
	}
	code, body, _ := b.get("/ui/experiments/clear-win?lang=en")
	if code != 200 {
		t.Fatalf("results page: %d", code)
	}
	p := res.Comparisons[0].Conversion.Sequential.P
	if !res.Comparisons[0].Conversion.Sequential.CanStop {
		t.Fatalf("the test data do not give a decision: %+v", res.Comparisons[0])
	}
	want := []string{
		html.EscapeString(fmt.Sprintf("B beats A on conversion rate, always-valid %s: safe to stop.", expPIs(p))),
		`id="arm-chart"`, "<svg", `id="arms-table"`, `id="srm"`, "match their planned shares",
		fmt.Sprintf(`<td class="num">%d</td>`, arms["A"]), fmt.Sprintf(`<td class="num">%d</td>`, arms["B"]),
	}
	for _, a := range res.Arms {
		ci := experiment.RateInterval(a.Converters, a.Units)
		want = append(want, expPct(a.ConversionRate), expInterval(ci.Lo, ci.Hi, expPct))
	}
	c := res.Comparisons[0].Conversion
	want = append(want, tmplText(expIvl(c.Interval, expPP)), tmplText(expPP(c.Diff)))
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("results page: no %q", w)
		}
	}
	// Interval bars: one vertical line and two caps per arm.
	if n := strings.Count(body, `stroke="#000" stroke-width="2"`); n != 3*len(res.Arms) {
		t.Errorf("%d interval strokes, want %d", n, 3*len(res.Arms))
	}

	// Forty users: nothing is decided yet, in both languages.
	_, body, _ = b.get("/ui/experiments/too-early?lang=en")
	if !strings.Contains(body, "B vs A on conversion rate: no decision yet") || !strings.Contains(body, "keep running") {
		t.Errorf("early experiment: no 'keep running' verdict\n%s", body)
	}
	_, body, _ = b.get("/ui/experiments/too-early?lang=zh-CN")
	if !strings.Contains(body, "尚无结论") || !strings.Contains(body, "请继续运行") {
		t.Error("early experiment in Chinese: no verdict")
	}
}

// upliftDeps is a dashboard over a stored synthetic shop of its own with
// the past coupon test (the shared fixture shop has no campaign), with the
// strategy service's clock at the shop's end.
func upliftDeps(t *testing.T) Deps {
	t.Helper()
	ctx := t.Context()
	sh, err := synth.Generate(synth.Config{Seed: 11, Users: 1000, Items: 80, Days: 42})
	if err != nil {
		t.Fatal(err)
	}
	if err := synth.AddCampaign(sh, synth.CampaignConfig{}); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.OpenPath(ctx, filepath.Join(t.TempDir(), "u.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	storetest.Fill(t, st, sh.Items, sh.Users, sh.Events)
	quiet := slog.New(slog.DiscardHandler)
	prof := profile.NewService(st, profile.ServiceConfig{Catalog: catalog.New(st)}, quiet)
	if err := prof.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	aud := audience.New(st, prof)
	end := sh.End()
	strat, err := strategy.New(st, aud, strategy.Config{Bootstrap: 8, Now: func() time.Time { return end }, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	return Deps{Store: st, Profiles: prof, Audience: aud, Strategy: strat, Keys: testKeys, Logger: quiet}
}

func TestUpliftReportShowsAQiniCurveAndAPlan(t *testing.T) {
	d := upliftDeps(t)
	b := newBrowser(t, d)
	b.signIn(readKey)

	// The campaign list and the empty form.
	code, body, _ := b.get("/ui/experiments/uplift?lang=en")
	if code != 200 || !strings.Contains(body, `class="campaign-link" href="/ui/experiments/uplift?campaign=spring-coupon`) || strings.Contains(body, `id="uplift-report"`) {
		t.Fatalf("uplift page: %d, want the campaign listed and no report yet\n%s", code, body)
	}

	code, body, _ = b.get("/ui/experiments/uplift?lang=en&campaign=spring-coupon&model=t-learner")
	if code != 200 {
		t.Fatalf("report: %d\n%s", code, body)
	}
	rep, err := d.Strategy.UpliftReport(t.Context(), "spring-coupon", strategy.ReportOptions{Model: "t-learner"})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`id="qini-chart"`, "<polyline", "random targeting", `id="qini" class="value">` + expNum3(rep.Qini) + "<",
		`id="auuc" class="value">` + expNum3(rep.AUUC) + "<", `id="uplift30" class="value">` + tmplText(expPPOrDash(rep.UpliftAt30)) + "<", "Computed in", `id="qini-table"`} {
		if !strings.Contains(body, w) {
			t.Errorf("report: no %q", w)
		}
	}
	if n := strings.Count(body, "<polyline"); n != 2 {
		t.Errorf("%d lines in the Qini chart, want the model's and the random one", n)
	}
	// The last row of the table is the whole test: the model and random
	// rankings meet there.
	last := rep.Curve[len(rep.Curve)-1]
	if !strings.Contains(body, fmt.Sprintf(`<th scope="row" class="num">100.0%%</th><td class="num">%.1f</td><td class="num">%.1f</td>`, last.Model, last.Random)) {
		t.Error("the Qini table does not end at 100% with the curve's end")
	}

	// In Chinese, and with another model.
	code, body, _ = b.get("/ui/experiments/uplift?lang=zh-CN&campaign=spring-coupon&model=class-transformation")
	if code != 200 || !strings.Contains(body, "Qini 曲线") || !strings.Contains(body, "随机触达") || !strings.Contains(body, "class-transformation") {
		t.Errorf("Chinese report with class-transformation: %d", code)
	}

	// A campaign without data, and an unknown model.
	code, body, _ = b.get("/ui/experiments/uplift?lang=en&campaign=never-ran")
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="uplift-error"`) || !strings.Contains(body, "never-ran has 0 treated") {
		t.Errorf("campaign without data: %d", code)
	}
	code, body, _ = b.get("/ui/experiments/uplift?lang=en&campaign=spring-coupon&model=magic")
	if code != http.StatusBadRequest || !strings.Contains(body, `id="model-error"`) {
		t.Errorf("unknown model: %d", code)
	}

	// The plan needs an admin key, as POST /v1/plans does.
	if _, body, _ := b.get("/ui/experiments/uplift?lang=en&campaign=spring-coupon"); !strings.Contains(body, "planning a campaign (like POST /v1/plans) needs an admin key") || strings.Contains(body, `id="plan-form"`) {
		t.Error("a read-only key is shown the plan form")
	}
	if code, _, _ := b.get("/ui/experiments/uplift?lang=en&campaign=spring-coupon&segment=x&budget=300&offer_cost=10&margin=0.3"); code != http.StatusForbidden {
		t.Errorf("read-only plan: %d, want 403", code)
	}
	b = newBrowser(t, d)
	b.signIn(adminKey)
	// With no segment saved, the page says to create one.
	if _, body, _ := b.get("/ui/experiments/uplift?lang=en&campaign=spring-coupon"); !strings.Contains(body, "No saved segments yet") {
		t.Error("no hint to create a segment first")
	}
	seg, err := d.Audience.Create(t.Context(), audience.Input{Name: "all shoppers", Expression: "frequency >= 0"})
	if err != nil {
		t.Fatal(err)
	}
	plan := "/ui/experiments/uplift?lang=en&campaign=spring-coupon&model=t-learner&segment=" + seg.ID + "&offer_cost=10&cost_per=redemption&margin=0.3&budget="
	code, body, _ = b.get(plan + "-5")
	if code != http.StatusBadRequest || !strings.Contains(body, `id="budget-error"`) || !strings.Contains(body, `value="-5"`) {
		t.Errorf("negative budget: %d", code)
	}
	code, body, _ = b.get(plan + "300")
	if code != 200 || !strings.Contains(body, `id="plan-result"`) {
		t.Fatalf("plan: %d\n%s", code, body)
	}
	p, err := d.Strategy.Plan(t.Context(), strategy.PlanRequest{Segment: seg.ID, Experiment: "spring-coupon",
		Offer: strategy.Offer{Cost: 10, CostPer: strategy.PerRedemption, Margin: 0.3, Budget: 300}})
	if err != nil {
		t.Fatal(err)
	}
	conv := p.Expected.Conversions
	if want := fmt.Sprintf("%.1f [%.1f, %.1f]", conv.Value, conv.Low, conv.High); !strings.Contains(body, want) {
		t.Errorf("plan: no expected conversions %q", want)
	}
	if len(p.TargetList) == 0 || !strings.Contains(body, ">"+p.TargetList[0].UserID+"</a>") {
		t.Errorf("plan: the best target is not listed")
	}

	// Without the strategy service: an empty state.
	d.Strategy = nil
	nb := newBrowser(t, d)
	nb.signIn(readKey)
	if code, body, _ := nb.get("/ui/experiments/uplift?lang=en&campaign=spring-coupon"); code != 200 || !strings.Contains(body, "This server does not serve this part.") {
		t.Errorf("without strategy: %d", code)
	}
}
