package ui

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/ads"
	"github.com/shopmind/shopmind/audience"
	"github.com/shopmind/shopmind/store"
	"github.com/shopmind/shopmind/store/sqlite"
)

// campaignClock is the tests' time: 10:30 on a Wednesday in Shanghai.
var campaignClock = time.Date(2026, 6, 10, 2, 30, 0, 0, time.UTC)

// withAds returns the fixture's Deps with an ads service over its own
// store (so that the campaigns of one test do not show in another) and
// both clocks at campaignClock.
func withAds(t *testing.T) (Deps, *ads.Service) {
	t.Helper()
	d := fixture(t)
	st, err := sqlite.OpenPath(t.Context(), filepath.Join(t.TempDir(), "ads.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := func() time.Time { return campaignClock }
	svc := ads.NewService(st, nil, ads.StatsPredictor{}, nil,
		ads.ServiceConfig{Engine: ads.Config{Now: now, Seed: 3, ReserveCPM: 200, Explore: ads.ExploreConfig{Disabled: true}}},
		slog.New(slog.DiscardHandler))
	d.Ads, d.Now = svc, now
	// Campaigns target segments of this store; the form lists them.
	d.Audience = audience.New(st, d.Profiles)
	return d, svc
}

func campaignValues(csrf string) url.Values {
	return url.Values{
		"csrf": {csrf}, "name": {"Summer sale"}, "advertiser": {"acme"}, "status": {"active"},
		"creatives": {"hero | item-1 | Sunglasses for summer\nitem-2 | Hats"},
		"bid_type":  {"cpm"}, "bid": {"500"}, "daily_budget": {"2"}, "total_budget": {"10"},
		"start": {"2026-06-01T00:00"}, "end": {"2026-07-01T00:00"}, "time_zone": {"Asia/Shanghai"},
		"weekdays": {"mon", "tue", "wed", "thu", "fri"}, "schedule_hours": {"8-22"},
		"devices": {"mobile, desktop"}, "pages": {"home"}, "target_hours": {""}, "frequency_cap": {"3"},
	}
}

func TestCampaignsDisabledAndEmpty(t *testing.T) {
	d := fixture(t)
	d.Ads = nil
	b := newBrowser(t, d)
	b.signIn(adminKey)
	for _, path := range []string{"/ui/campaigns", "/ui/campaigns/new", "/ui/campaigns/some-id"} {
		code, body, _ := b.get(path + "?lang=en")
		if code != 200 || !strings.Contains(body, "This server does not serve this part.") || strings.Contains(body, `id="campaign-form"`) {
			t.Errorf("%s without ads: %d, want the disabled note and no form", path, code)
		}
	}
	_, body, _ := b.get("/ui/campaigns")
	if code, _, _ := b.post("/ui/campaigns/new", campaignValues(csrfOf(t, body))); code != http.StatusServiceUnavailable {
		t.Errorf("create without ads: %d, want 503", code)
	}

	d, _ = withAds(t)
	b = newBrowser(t, d)
	b.signIn(readKey)
	for lang, want := range map[string]string{"en": "No campaigns yet", "zh-CN": "还没有广告活动"} {
		code, body, _ := b.get("/ui/campaigns?lang=" + lang)
		if code != 200 || !strings.Contains(body, want) || !strings.Contains(body, `id="campaigns-empty"`) {
			t.Errorf("empty list in %s: %d, no %q", lang, code, want)
		}
		if strings.Contains(body, `id="new-campaign"`) {
			t.Errorf("a read-only key is offered the create link")
		}
	}
	if code, _, _ := b.get("/ui/campaigns/nothing-here"); code != http.StatusNotFound {
		t.Errorf("unknown campaign: %d, want 404", code)
	}
}

func TestCampaignCreateValidateAndRefuse(t *testing.T) {
	d, svc := withAds(t)
	ctx := t.Context()
	seg, err := d.Audience.Create(ctx, audience.Input{Name: "ui campaign buyers", Expression: "frequency >= 1"})
	if err != nil {
		t.Fatal(err)
	}

	ro := newBrowser(t, d)
	ro.signIn(readKey)
	_, body, _ := ro.get("/ui/campaigns/new")
	if strings.Contains(body, `id="campaign-form"`) {
		t.Error("a read-only key is shown the campaign form")
	}
	if code, body, _ := ro.post("/ui/campaigns/new", campaignValues(csrfOf(t, body))); code != http.StatusForbidden || !strings.Contains(body, "read-only") {
		t.Errorf("read-only create: %d, want 403", code)
	}

	admin := newBrowser(t, d)
	admin.signIn(adminKey)
	code, body, _ := admin.get("/ui/campaigns/new?lang=en")
	if code != 200 || !strings.Contains(body, `id="campaign-form"`) || !strings.Contains(body, `id="segment-`+seg.ID+`"`) {
		t.Fatalf("new campaign form: %d, no form or no checkbox for segment %s", code, seg.ID)
	}
	tok := csrfOf(t, body)
	noTok := campaignValues("")
	noTok.Del("csrf")
	if code, _, _ := admin.post("/ui/campaigns/new", noTok); code != http.StatusForbidden {
		t.Errorf("create without the CSRF token: %d, want 403", code)
	}

	// What cannot be read is named next to its field, the rest kept.
	bad := campaignValues(tok)
	bad.Set("bid", "lots")
	bad.Set("target_hours", "9-25")
	code, body, _ = admin.post("/ui/campaigns/new", bad)
	if code != http.StatusBadRequest || !strings.Contains(body, `id="bid-error"`) || !strings.Contains(body, "Enter a number") ||
		!strings.Contains(body, `id="target_hours-error"`) || !strings.Contains(body, `value="lots"`) || !strings.Contains(body, `value="Summer sale"`) {
		t.Errorf("unreadable form: %d\n%s", code, body)
	}
	// The ads validation's errors are mapped to the form's fields.
	bad = campaignValues(tok)
	bad.Set("bid", "0")
	bad.Set("time_zone", "Mars/Olympus")
	bad.Set("creatives", "hero |  | no item here")
	bad.Set("daily_budget", "20")
	bad["segments"] = []string{"no-such-segment"}
	code, body, _ = admin.post("/ui/campaigns/new", bad)
	for _, want := range []string{
		`id="bid-error"`, "a bid must be above zero",
		`id="time_zone-error"`, "is not an IANA time zone",
		`id="creatives-error"`, "line 1 (item_id): is missing",
		`id="daily_budget-error"`, "is above the total budget",
		`id="segments-error"`, `segment &#34;no-such-segment&#34; does not exist`,
		`aria-invalid="true"`, `value="Mars/Olympus"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("invalid campaign: no %q", want)
		}
	}
	if code != http.StatusBadRequest {
		t.Errorf("invalid campaign: %d, want 400", code)
	}
	if cs, _, _ := svc.List(ctx, "", 100); len(cs) != 0 {
		t.Fatalf("refused forms stored %d campaigns", len(cs))
	}

	good := campaignValues(tok)
	good["segments"] = []string{seg.ID}
	code, _, resp := admin.post("/ui/campaigns/new", good)
	if code != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/ui/campaigns/") {
		t.Fatalf("create: %d to %q", code, resp.Header.Get("Location"))
	}
	cs, _, err := svc.List(ctx, "", 100)
	if err != nil || len(cs) != 1 {
		t.Fatalf("after create: %v %v", cs, err)
	}
	c := cs[0]
	loc, _ := time.LoadLocation("Asia/Shanghai")
	if c.Name != "Summer sale" || c.Advertiser != "acme" || c.BidType != ads.CPM || c.Bid != 500 || c.DailyBudget != 2 || c.TotalBudget != 10 ||
		c.FrequencyCap != 3 || c.Status != ads.Active || len(c.Creatives) != 2 ||
		c.Creatives[0] != (ads.Creative{ID: "hero", ItemID: "item-1", Text: "Sunglasses for summer"}) ||
		c.Creatives[1].ItemID != "item-2" || c.Creatives[1].Text != "Hats" || c.Creatives[1].ID == "" ||
		!c.Schedule.Start.Equal(time.Date(2026, 6, 1, 0, 0, 0, 0, loc)) || c.Schedule.TimeZone != "Asia/Shanghai" ||
		fmt.Sprint(c.Schedule.Weekdays) != "[mon tue wed thu fri]" || len(c.Schedule.Hours) != 15 ||
		fmt.Sprint(c.Targeting.Segments) != "["+seg.ID+"]" || fmt.Sprint(c.Targeting.Devices) != "[mobile desktop]" ||
		fmt.Sprint(c.Targeting.Pages) != "[home]" || c.Targeting.Hours != nil {
		t.Errorf("stored campaign %+v", c)
	}
	if want := "/ui/campaigns/" + c.ID + "?saved=1"; resp.Header.Get("Location") != want {
		t.Errorf("redirect to %q, want %q", resp.Header.Get("Location"), want)
	}
	_, body, _ = admin.get(resp.Header.Get("Location"))
	if !strings.Contains(body, "this is now version 1") || !strings.Contains(body, `role="status"`) {
		t.Error("no notice after saving")
	}
	// The list shows it in both languages.
	for lang, want := range map[string]string{"en": "Spent today", "zh-CN": "今日花费"} {
		_, body, _ := admin.get("/ui/campaigns?lang=" + lang)
		if !strings.Contains(body, `id="campaign-`+c.ID+`"`) || !strings.Contains(body, "Summer sale") || !strings.Contains(body, want) {
			t.Errorf("list in %s lacks the campaign or %q", lang, want)
		}
	}
}

func TestCampaignEditPauseAndPacing(t *testing.T) {
	d, svc := withAds(t)
	ctx := t.Context()
	c, err := svc.Create(ctx, ads.Campaign{Name: "Night owls", Advertiser: "acme", BidType: ads.CPM, Bid: 500, DailyBudget: 3,
		Creatives: []ads.Creative{{ID: "a", ItemID: "i1", Text: "Hello"}, {ID: "b", ItemID: "i2"}},
		Schedule:  ads.Schedule{TimeZone: "Asia/Shanghai"}, FrequencyCap: 2})
	if err != nil {
		t.Fatal(err)
	}
	// Serve and charge some impressions and a click through the service,
	// as the API does.
	charged, served := 0.0, 0
	for i := 0; i < 2000 && served < 6; i++ {
		dec, err := svc.Decide(ctx, ads.Request{User: fmt.Sprintf("u%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		if len(dec.Ads) == 0 {
			continue // throttled by the pacer
		}
		served++
		out, _, err := svc.Event(ctx, ads.Event{DecisionID: dec.ID, Type: ads.Impression})
		if err != nil {
			t.Fatal(err)
		}
		charged += out.Charged
		if served == 1 {
			if _, _, err := svc.Event(ctx, ads.Event{DecisionID: dec.ID, Type: ads.Click}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if served < 6 || charged <= 0 {
		t.Fatalf("served %d ads charging %g: the test needs spend", served, charged)
	}

	ro := newBrowser(t, d)
	ro.signIn(readKey)
	code, body, _ := ro.get("/ui/campaigns/" + c.ID + "?lang=en")
	if code != 200 {
		t.Fatalf("detail: %d", code)
	}
	for _, want := range []string{
		`id="pacing-chart"`, "<svg", "Ideal pacing", "Budget today", "Spend so far", // the line chart and its budget line
		`id="pacing-bars"`, `id="pacing-hours"`,
		`id="spent-today">` + money(charged) + " / 3.00<",
		"<th scope=\"row\">10:00</th><td class=\"num\">" + money(charged) + "</td>", // spent in the decisions' local hour
		`id="campaign-ctr">` + ratio(1, int64(served)) + "<",
		"at most 2 impressions per user and day",
		"2026-06-10", // the campaign's local day
	} {
		if !strings.Contains(body, want) {
			t.Errorf("detail lacks %q", want)
		}
	}
	if strings.Contains(body, `id="campaign-form"`) || strings.Contains(body, `id="campaign-status-form"`) {
		t.Error("a read-only key is shown the edit or status form")
	}
	// The plan reaches the budget at the end of the day: the budget line's
	// value is on the chart's scale.
	if !strings.Contains(body, "Spend today against the pacing plan") {
		t.Error("no chart title")
	}
	_, zh, _ := ro.get("/ui/campaigns/" + c.ID + "?lang=zh-CN")
	if !strings.Contains(zh, "理想节奏") || !strings.Contains(zh, "今日预算") {
		t.Error("the detail page is not in Chinese")
	}
	// The list shows today's spend, the events and the pacer's throttle.
	_, list, _ := ro.get("/ui/campaigns?lang=en")
	row := list[strings.Index(list, `id="campaign-`+c.ID+`"`):]
	row = row[:strings.Index(row, "</tr>")]
	for _, want := range []string{money(charged), fmt.Sprintf(">%d<", served), "CPM 500.00", "%"} {
		if !strings.Contains(row, want) {
			t.Errorf("list row lacks %q:\n%s", want, row)
		}
	}
	csrf := csrfOf(t, body)
	if code, _, _ := ro.post("/ui/campaigns/"+c.ID, url.Values{"csrf": {csrf}, "version": {"1"}}); code != http.StatusForbidden {
		t.Errorf("read-only edit: %d, want 403", code)
	}
	if code, _, _ := ro.post("/ui/campaigns/"+c.ID+"/status", url.Values{"csrf": {csrf}, "status": {"paused"}}); code != http.StatusForbidden {
		t.Errorf("read-only pause: %d, want 403", code)
	}

	admin := newBrowser(t, d)
	admin.signIn(adminKey)
	_, body, _ = admin.get("/ui/campaigns/" + c.ID + "?lang=en")
	if !strings.Contains(body, `id="campaign-form"`) || !strings.Contains(body, `name="version" value="1"`) ||
		!strings.Contains(body, "a | i1 | Hello\nb | i2 | ") || !strings.Contains(body, `value="Asia/Shanghai"`) {
		t.Fatalf("the edit form does not hold the campaign:\n%s", body)
	}
	tok := csrfOf(t, body)
	form := url.Values{"csrf": {tok}, "version": {"1"}, "name": {"Night owls"}, "advertiser": {"acme"}, "status": {"active"},
		"creatives": {"a | i1 | Hello again\nb | i2 |"}, "bid_type": {"cpm"}, "bid": {"650"}, "daily_budget": {"3"},
		"time_zone": {"Asia/Shanghai"}, "frequency_cap": {"2"}}
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("frequency_cap", "-1")
	if code, body, _ := admin.post("/ui/campaigns/"+c.ID, bad); code != http.StatusBadRequest || !strings.Contains(body, `id="frequency_cap-error"`) || !strings.Contains(body, `value="-1"`) {
		t.Errorf("invalid edit: %d", code)
	}
	code, _, resp := admin.post("/ui/campaigns/"+c.ID, form)
	if code != http.StatusSeeOther {
		t.Fatalf("edit: %d", code)
	}
	got, err := svc.Get(ctx, c.ID)
	if err != nil || got.Bid != 650 || got.Version != 2 || got.Creatives[0].Text != "Hello again" || !got.CreatedAt.Equal(c.CreatedAt) {
		t.Errorf("after the edit: %+v %v", got, err)
	}
	if _, body, _ := admin.get(resp.Header.Get("Location")); !strings.Contains(body, "version 2") {
		t.Error("no notice of the new version")
	}
	// The same form again is stale now: refused, not silently applied.
	form.Set("bid", "700")
	if code, body, _ := admin.post("/ui/campaigns/"+c.ID, form); code != http.StatusConflict || !strings.Contains(body, `id="form-error"`) {
		t.Errorf("stale edit: %d, want 409 with the reason", code)
	}
	if got, _ := svc.Get(ctx, c.ID); got.Bid != 650 {
		t.Errorf("a stale form changed the bid to %g", got.Bid)
	}

	// Pause and resume.
	if code, _, _ := admin.post("/ui/campaigns/"+c.ID+"/status", url.Values{"csrf": {tok}, "status": {"paused"}}); code != http.StatusSeeOther {
		t.Fatalf("pause: %d", code)
	}
	if got, _ := svc.Get(ctx, c.ID); got.Status != ads.Paused || got.Bid != 650 {
		t.Errorf("after pausing: %+v", got)
	}
	if dec, _ := svc.Decide(ctx, ads.Request{User: "after-pause"}); len(dec.Ads) != 0 {
		t.Error("a paused campaign served")
	}
	_, body, _ = admin.get("/ui/campaigns/" + c.ID + "?saved=status&lang=en")
	if !strings.Contains(body, `id="campaign-resume"`) || !strings.Contains(body, "The campaign is now paused.") || !strings.Contains(body, "not running") {
		t.Error("the paused campaign's page offers no resume or does not say it is paused")
	}
	if code, _, _ := admin.post("/ui/campaigns/"+c.ID+"/status", url.Values{"csrf": {tok}, "status": {"deleted"}}); code != http.StatusBadRequest {
		t.Errorf("unknown status: %d, want 400", code)
	}
	if code, _, _ := admin.post("/ui/campaigns/"+c.ID+"/status", url.Values{"csrf": {tok}, "status": {"active"}}); code != http.StatusSeeOther {
		t.Fatalf("resume: %d", code)
	}
	if got, _ := svc.Get(ctx, c.ID); got.Status != ads.Active {
		t.Errorf("after resuming: %s", got.Status)
	}
}

func TestCampaignFormHelpers(t *testing.T) {
	for in, want := range map[string]string{"": "[]", "8-10, 20": "[8 9 10 20]", "23": "[23]", "5,5-6": "[5 6]"} {
		hs, ok := parseHours(in)
		if !ok || fmt.Sprint(hs) != want {
			t.Errorf("parseHours(%q) = %v %v, want %s", in, hs, ok, want)
		}
	}
	for _, in := range []string{"24", "-1", "9-8", "x", "3-"} {
		if _, ok := parseHours(in); ok {
			t.Errorf("parseHours(%q) accepted", in)
		}
	}
	if got := formatHours([]int{20, 8, 9, 10, 0}); got != "0, 8-10, 20" {
		t.Errorf("formatHours: %q", got)
	}
	cs := parseCreatives("cr2 | a | x\nb\n\n c | d ")
	if fmt.Sprint(cs) != "[{cr2 a x} {cr3 b } {cr4 c d}]" {
		t.Errorf("parseCreatives: %v", cs)
	}
	p := &page{Lang: "en"}
	for field, want := range map[string]string{"creatives[2].item_id": "creatives", "schedule.weekdays[0]": "weekdays",
		"targeting.hours[1]": "target_hours", "schedule": "schedule", "bid": "bid", "mystery": "form"} {
		if got, _ := fieldOf(p, field); got != want {
			t.Errorf("fieldOf(%q) = %q, want %q", field, got, want)
		}
	}
}

// Counters that keep no spend by hour: the chart shows the plan and
// today's total, and the page says why there is no hourly breakdown.
func TestCampaignPacingWithoutHourlyCounters(t *testing.T) {
	d, _ := withAds(t)
	st, err := sqlite.OpenPath(t.Context(), filepath.Join(t.TempDir(), "plain.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	plain := struct{ ads.Counters }{ads.NewMemory(ads.MemoryConfig{})}
	svc := ads.NewService(st, plain, nil, nil, ads.ServiceConfig{Engine: ads.Config{Now: d.Now}}, slog.New(slog.DiscardHandler))
	d.Ads = svc
	c, err := svc.Create(t.Context(), ads.Campaign{Advertiser: "acme", BidType: ads.CPC, Bid: 1, DailyBudget: 5,
		Creatives: []ads.Creative{{ID: "a", ItemID: "i1"}}})
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, d)
	b.signIn(readKey)
	code, body, _ := b.get("/ui/campaigns/" + c.ID + "?lang=en")
	if code != 200 || !strings.Contains(body, `id="pacing-nohours"`) || !strings.Contains(body, "keep no spend by hour") ||
		strings.Contains(body, `id="pacing-bars"`) || !strings.Contains(body, `id="pacing-chart"`) || !strings.Contains(body, "Budget today") {
		t.Errorf("pacing without hourly counters: %d\n%s", code, body)
	}
}

func TestCampaignPaceState(t *testing.T) {
	var allDay [25]float64
	for h := range allDay {
		allDay[h] = float64(h) / 24
	}
	now := campaignClock
	active := ads.Campaign{Status: ads.Active}
	for _, c := range []struct {
		c    ads.Campaign
		d    ads.Delivery
		want string
	}{
		{ads.Campaign{Status: ads.Paused}, ads.Delivery{Plan: allDay, Budget: 10}, "campaigns.pace.notrunning"},
		{ads.Campaign{Status: ads.Active, Schedule: ads.Schedule{End: now}}, ads.Delivery{Plan: allDay, Budget: 10}, "campaigns.pace.ended"},
		{ads.Campaign{Status: ads.Active, Schedule: ads.Schedule{Start: now.Add(time.Hour)}}, ads.Delivery{Plan: allDay, Budget: 10}, "campaigns.pace.notstarted"},
		{active, ads.Delivery{Budget: 10, Target: -1}, "campaigns.pace.offday"},
		{active, ads.Delivery{Plan: allDay, Budget: 10, Spent: 10, Target: -1}, "campaigns.pace.spent"},
		{active, ads.Delivery{Plan: allDay, Budget: 10, Spent: 1, PlanNow: 0.5, Target: -1}, "campaigns.pace.behind"},
		// The pacer anchored its plan late in the day: on plan by its target.
		{active, ads.Delivery{Plan: allDay, Budget: 10, Spent: 1, PlanNow: 0.5, Target: 0.12}, "campaigns.pace.ontrack"},
		{active, ads.Delivery{Plan: allDay, Budget: 10, Spent: 8, PlanNow: 0.5, Target: -1}, "campaigns.pace.ahead"},
	} {
		if got, _ := paceState(&c.c, &c.d, now); got != c.want {
			t.Errorf("%+v %+v: %s, want %s", c.c.Status, c.d, got, c.want)
		}
	}
}
