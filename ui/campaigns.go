package ui

import (
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopmind/shopmind/ads"
	"github.com/shopmind/shopmind/internal/svgplot"
	"github.com/shopmind/shopmind/store"
)

// campaignRoutes adds the campaigns pages: the list, the form for a new
// campaign, and each campaign's pacing with its edit form.
func (h *Handler) campaignRoutes() {
	h.mux.HandleFunc("GET /ui/campaigns", h.signedIn(h.campaigns))
	h.mux.HandleFunc("GET /ui/campaigns/new", h.signedIn(h.newCampaign))
	h.mux.HandleFunc("POST /ui/campaigns/new", h.signedIn(h.createCampaign))
	h.mux.HandleFunc("GET /ui/campaigns/{id}", h.signedIn(h.campaign))
	h.mux.HandleFunc("POST /ui/campaigns/{id}", h.signedIn(h.saveCampaign))
	h.mux.HandleFunc("POST /ui/campaigns/{id}/status", h.signedIn(h.setCampaignStatus))
}

// campaignsData is the list page.
type campaignsData struct {
	Disabled  bool
	Campaigns []campaignRow
}

// campaignRow is one campaign with its delivery, every figure formatted.
type campaignRow struct {
	ID, Name, Advertiser string
	Status               ads.Status
	StatusKey            string // message key of the status
	Schedule             string
	BidType              string
	Bid                  string
	DailyBudget          string
	TotalBudget          string // "" when none
	Budget, Spent, Total string // today's budget and spend, lifetime spend
	Impressions          int64
	Clicks               int64
	Conversions          int64
	CTR, CVR             string
	PaceKey              string // message key of the pacing state
	PaceClass            string
	Throttle             string // "" when this node has not paced it yet
}

func (h *Handler) campaigns(w http.ResponseWriter, r *http.Request, s *session) {
	p := h.newPage(w, r, s, "campaigns.title")
	d := campaignsData{Disabled: h.d.Ads == nil}
	p.Data = &d
	if h.d.Ads == nil {
		h.render(w, http.StatusOK, "campaigns", p)
		return
	}
	var all []ads.Campaign
	for cursor := ""; ; {
		cs, next, err := h.d.Ads.List(r.Context(), cursor, store.MaxLimit)
		if err != nil {
			h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
			return
		}
		all = append(all, cs...)
		if next == "" {
			break
		}
		cursor = next
	}
	now := h.now()
	dl, err := h.d.Ads.Delivery(r.Context(), all, now)
	if err != nil {
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	for i := range all {
		d.Campaigns = append(d.Campaigns, h.campaignRow(p, &all[i], &dl[i], now))
	}
	h.render(w, http.StatusOK, "campaigns", p)
}

// money formats an amount in currency units: two decimals, or four for a
// spend below a cent (CPM campaigns pay fractions of a cent per
// impression), so that a small spend does not read as none.
func money(x float64) string {
	if x != 0 && math.Abs(x) < 0.01 {
		return strconv.FormatFloat(x, 'f', 4, 64)
	}
	return strconv.FormatFloat(x, 'f', 2, 64)
}

// ratio formats a/b as a percentage, "—" when b is 0.
func ratio(a, b int64) string {
	if b == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f%%", 100*float64(a)/float64(b))
}

func (h *Handler) campaignRow(p *page, c *ads.Campaign, d *ads.Delivery, now time.Time) campaignRow {
	row := campaignRow{ID: c.ID, Name: c.Name, Advertiser: c.Advertiser, Status: c.Status,
		StatusKey: "campaigns.status." + string(c.Status), Schedule: scheduleText(p, c),
		BidType: strings.ToUpper(string(c.BidType)), Bid: money(c.Bid), DailyBudget: money(c.DailyBudget),
		Budget: money(d.Budget), Spent: money(d.Spent), Total: money(d.Total),
		Impressions: d.Stats.Impressions, Clicks: d.Stats.Clicks, Conversions: d.Stats.Conversions,
		CTR: ratio(d.Stats.Clicks, d.Stats.Impressions), CVR: ratio(d.Stats.Conversions, d.Stats.Clicks)}
	if row.Name == "" {
		row.Name = c.ID
	}
	if c.TotalBudget > 0 {
		row.TotalBudget = money(c.TotalBudget)
	}
	if d.Paced {
		row.Throttle = fmt.Sprintf("%.1f%%", 100*d.Throttle)
	}
	row.PaceKey, row.PaceClass = paceState(c, d, now)
	return row
}

// paceState names how a campaign delivers against its plan now: a message
// key and a CSS class.
func paceState(c *ads.Campaign, d *ads.Delivery, now time.Time) (key, class string) {
	const slack = 0.1 // of the day's budget, either way, counts as on plan
	switch {
	case c.Status != ads.Active:
		return "campaigns.pace.notrunning", "pace-off"
	case !c.Schedule.End.IsZero() && !now.Before(c.Schedule.End):
		return "campaigns.pace.ended", "pace-off"
	case !c.Schedule.Start.IsZero() && now.Before(c.Schedule.Start):
		return "campaigns.pace.notstarted", "pace-off"
	case d.Plan[24] == 0:
		return "campaigns.pace.offday", "pace-off"
	case d.Budget <= 0 || d.Spent >= d.Budget-1e-6:
		return "campaigns.pace.spent", "pace-done"
	}
	// The pacer's own target when this node paces the campaign (it
	// forgives a lag it could not make up); else the plan from midnight.
	plan := d.PlanNow
	if d.Target >= 0 {
		plan = d.Target
	}
	lag := plan - d.Spent/d.Budget
	switch {
	case lag > slack:
		return "campaigns.pace.behind", "pace-behind"
	case lag < -slack:
		return "campaigns.pace.ahead", "pace-ahead"
	}
	return "campaigns.pace.ontrack", "pace-ok"
}

// scheduleText sums a schedule up in one line.
func scheduleText(p *page, c *ads.Campaign) string {
	s := &c.Schedule
	var parts []string
	loc := time.UTC
	if s.TimeZone != "" {
		if l, err := time.LoadLocation(s.TimeZone); err == nil {
			loc = l
		}
	}
	if !s.Start.IsZero() || !s.End.IsZero() {
		from, to := p.T("campaigns.sched.now"), p.T("campaigns.sched.open")
		if !s.Start.IsZero() {
			from = s.Start.In(loc).Format("2006-01-02 15:04")
		}
		if !s.End.IsZero() {
			to = s.End.In(loc).Format("2006-01-02 15:04")
		}
		parts = append(parts, from+" – "+to)
	}
	if s.Weekdays != nil {
		parts = append(parts, strings.Join(s.Weekdays, ", "))
	}
	if s.Hours != nil {
		parts = append(parts, fmt.Sprintf(p.T("campaigns.sched.hours"), formatHours(s.Hours)))
	}
	if len(parts) == 0 {
		parts = append(parts, p.T("campaigns.sched.always"))
	}
	tz := s.TimeZone
	if tz == "" {
		tz = "UTC"
	}
	return strings.Join(append(parts, tz), " · ")
}

// formatHours writes hours as ranges: [8 9 10 20] is "8-10, 20".
func formatHours(hs []int) string {
	sorted := slices.Clone(hs)
	slices.Sort(sorted)
	var parts []string
	for i := 0; i < len(sorted); {
		j := i
		for j+1 < len(sorted) && sorted[j+1] == sorted[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d-%d", sorted[i], sorted[j]))
		} else {
			parts = append(parts, strconv.Itoa(sorted[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

// parseHours reads "8-10, 20" (hours of the day, ranges inclusive); ""
// is nil (every hour).
func parseHours(s string) ([]int, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, true
	}
	var out []int
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == ' ' }) {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 || a > 23 {
			return nil, false
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a || b > 23 {
				return nil, false
			}
		}
		for h := a; h <= b; h++ {
			if !slices.Contains(out, h) {
				out = append(out, h)
			}
		}
	}
	return out, true
}

// listField reads a comma-separated list; "" is nil (no restriction).
func listField(s string) []string {
	var out []string
	for _, v := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == '\n' }) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// weekdays in the form's order.
var weekdays = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// option is a checkbox of the form.
type option struct {
	Value, Label string
	Checked      bool
}

// campaignForm is the new and detail pages: the form (and, for a saved
// campaign, its pacing and statistics).
type campaignForm struct {
	Disabled bool
	New      bool // no campaign saved yet
	ID       string
	Version  int64
	Status   ads.Status
	// Weekdays and Segments are the checkboxes; SegmentList false means
	// the segments are typed (no audience service here).
	Weekdays    []option
	Segments    []option
	SegmentList bool
	Pacing      *campaignPacing
}

// campaignPacing is the detail part of a saved campaign.
type campaignPacing struct {
	Row        campaignRow
	Day        string
	LocalTime  string
	HoursKnown bool
	LineChart  template.HTML
	BarChart   template.HTML
	Hours      []hourRow
	CapHits    int64 // charges cut by a budget today
	CTRText    string
	CVRText    string
	Version    string
	FreqCap    int
	Creatives  []creativeRow
}

type hourRow struct {
	Hour                            string
	Spend, Cum, Plan                string
	Impressions, Clicks, Conversion int64
	Capped                          int64
	Future                          bool
}

type creativeRow struct {
	ID, ItemID, Text         string
	Impressions, Clicks, Cvs int64
	CTR, CVR                 string
}

// formOf fills the form's values from a campaign.
func formOf(c *ads.Campaign) map[string]string {
	loc := time.UTC
	if c.Schedule.TimeZone != "" {
		if l, err := time.LoadLocation(c.Schedule.TimeZone); err == nil {
			loc = l
		}
	}
	f := map[string]string{
		"name": c.Name, "advertiser": c.Advertiser, "status": string(c.Status), "bid_type": string(c.BidType),
		"bid": fmtNum(c.Bid), "daily_budget": fmtNum(c.DailyBudget), "time_zone": c.Schedule.TimeZone,
		"devices": strings.Join(c.Targeting.Devices, ", "), "pages": strings.Join(c.Targeting.Pages, ", "),
		"segments":     strings.Join(c.Targeting.Segments, ", "),
		"target_hours": formatHours(c.Targeting.Hours), "schedule_hours": formatHours(c.Schedule.Hours),
	}
	if c.TotalBudget > 0 {
		f["total_budget"] = fmtNum(c.TotalBudget)
	}
	if c.FrequencyCap > 0 {
		f["frequency_cap"] = strconv.Itoa(c.FrequencyCap)
	}
	if !c.Schedule.Start.IsZero() {
		f["start"] = c.Schedule.Start.In(loc).Format(formTime)
	}
	if !c.Schedule.End.IsZero() {
		f["end"] = c.Schedule.End.In(loc).Format(formTime)
	}
	var lines []string
	for _, cr := range c.Creatives {
		lines = append(lines, cr.ID+" | "+cr.ItemID+" | "+cr.Text)
	}
	f["creatives"] = strings.Join(lines, "\n")
	f["weekdays"] = strings.Join(c.Schedule.Weekdays, ",")
	return f
}

// formTime is the value format of <input type="datetime-local">.
const formTime = "2006-01-02T15:04"

func fmtNum(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// formValues keeps what the user sent, to show it again.
func formValues(f url.Values) map[string]string {
	out := map[string]string{}
	for _, k := range []string{"name", "advertiser", "status", "bid_type", "bid", "daily_budget", "total_budget",
		"frequency_cap", "creatives", "start", "end", "time_zone", "schedule_hours", "devices", "pages", "target_hours"} {
		out[k] = strings.TrimSpace(f.Get(k))
	}
	out["weekdays"] = strings.Join(f["weekdays"], ",")
	out["segments"] = strings.Join(f["segments"], ", ")
	return out
}

// campaignFromForm reads the form into a campaign; errs holds what could
// not be read (numbers, times, hours), keyed by form field.
func campaignFromForm(p *page, f url.Values) (c ads.Campaign, errs map[string]string) {
	errs = map[string]string{}
	get := func(k string) string { return strings.TrimSpace(f.Get(k)) }
	num := func(k string, optional bool) float64 {
		v := get(k)
		if v == "" && optional {
			return 0
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			errs[k] = p.T("campaigns.err.number")
			return 0
		}
		return x
	}
	c.Name, c.Advertiser = get("name"), get("advertiser")
	c.Status, c.BidType = ads.Status(get("status")), ads.BidType(get("bid_type"))
	c.Bid = num("bid", false)
	c.DailyBudget = num("daily_budget", false)
	c.TotalBudget = num("total_budget", true)
	if v := get("frequency_cap"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			errs["frequency_cap"] = p.T("campaigns.err.integer")
		}
		c.FrequencyCap = n
	}
	c.Creatives = parseCreatives(get("creatives"))

	c.Schedule.TimeZone = get("time_zone")
	loc := time.UTC
	if c.Schedule.TimeZone != "" {
		if l, err := time.LoadLocation(c.Schedule.TimeZone); err == nil {
			loc = l
		} // else Validate names the field
	}
	for _, k := range []string{"start", "end"} {
		v := get(k)
		if v == "" {
			continue
		}
		t, err := time.ParseInLocation(formTime, v, loc)
		if err != nil {
			errs[k] = p.T("campaigns.err.time")
			continue
		}
		if k == "start" {
			c.Schedule.Start = t
		} else {
			c.Schedule.End = t
		}
	}
	// All seven days ticked or none: every day.
	if days := f["weekdays"]; len(days) > 0 && len(days) < len(weekdays) {
		c.Schedule.Weekdays = days
	}
	var ok bool
	if c.Schedule.Hours, ok = parseHours(get("schedule_hours")); !ok {
		errs["schedule_hours"] = p.T("campaigns.err.hours")
	}
	if c.Targeting.Hours, ok = parseHours(get("target_hours")); !ok {
		errs["target_hours"] = p.T("campaigns.err.hours")
	}
	var segs []string
	for _, v := range f["segments"] {
		segs = append(segs, listField(v)...)
	}
	c.Targeting.Segments = segs
	c.Targeting.Devices = listField(get("devices"))
	c.Targeting.Pages = listField(get("pages"))
	return c, errs
}

// parseCreatives reads one creative a line: "id | item | text", or
// "item | text", or "item" (ids are then made from the line number).
func parseCreatives(s string) []ads.Creative {
	var out []ads.Creative
	for line := range strings.Lines(s) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		parts := strings.SplitN(line, "|", 3)
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		var cr ads.Creative
		switch len(parts) {
		case 3:
			cr = ads.Creative{ID: parts[0], ItemID: parts[1], Text: parts[2]}
		case 2:
			cr = ads.Creative{ItemID: parts[0], Text: parts[1]}
		default:
			cr = ads.Creative{ItemID: parts[0]}
		}
		out = append(out, cr)
	}
	for i := range out {
		if out[i].ID != "" {
			continue
		}
		for n := i + 1; ; n++ {
			id := "cr" + strconv.Itoa(n)
			if !slices.ContainsFunc(out, func(c ads.Creative) bool { return c.ID == id }) {
				out[i].ID = id
				break
			}
		}
	}
	return out
}

// fieldOf maps a validation field ("creatives[1].item_id",
// "schedule.weekdays[0]") to the form field showing it and a prefix for
// the message that says which part is meant.
func fieldOf(p *page, field string) (string, string) {
	base, rest, _ := strings.Cut(field, "[")
	switch base {
	case "name", "advertiser", "status", "bid_type", "bid", "daily_budget", "total_budget", "frequency_cap":
		return base, ""
	case "creatives":
		if rest == "" {
			return "creatives", ""
		}
		idx, sub, _ := strings.Cut(rest, "]")
		n, _ := strconv.Atoi(idx)
		prefix := fmt.Sprintf(p.T("campaigns.err.line"), n+1)
		if sub = strings.TrimPrefix(sub, "."); sub != "" {
			prefix += " (" + sub + ")"
		}
		return "creatives", prefix + ": "
	case "targeting.segments":
		return "segments", ""
	case "targeting.devices":
		return "devices", ""
	case "targeting.pages":
		return "pages", ""
	case "targeting.hours":
		return "target_hours", ""
	case "schedule.time_zone":
		return "time_zone", ""
	case "schedule.hours":
		return "schedule_hours", ""
	case "schedule.weekdays":
		return "weekdays", ""
	case "schedule.start":
		return "start", ""
	case "schedule.end":
		return "end", ""
	case "schedule":
		return "schedule", ""
	}
	return "form", field + ": "
}

// invalidFields gathers every *ads.InvalidError in err's tree by form
// field; ok is false when err holds none (a store failure).
func invalidFields(p *page, err error, into map[string]string) bool {
	found := false
	var walk func(error)
	walk = func(err error) {
		var inv *ads.InvalidError
		if errors.As(err, &inv) && err == error(inv) {
			f, prefix := fieldOf(p, inv.Field)
			msg := prefix + p.invalidText(inv.Format, inv.Args, inv.Msg)
			if old := into[f]; old != "" {
				msg = old + "; " + msg
			}
			into[f] = msg
			found = true
			return
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return found
}

func (h *Handler) newCampaign(w http.ResponseWriter, r *http.Request, s *session) {
	p := h.newPage(w, r, s, "campaigns.new")
	p.Form = map[string]string{"status": string(ads.Active), "bid_type": string(ads.CPC)}
	h.renderCampaignForm(w, r, p, &campaignForm{New: true, Status: ads.Active}, http.StatusOK)
}

// renderCampaignForm fills the form's checkboxes from p.Form and renders
// the new or detail page.
func (h *Handler) renderCampaignForm(w http.ResponseWriter, r *http.Request, p *page, d *campaignForm, status int) {
	d.Disabled = h.d.Ads == nil
	p.Data = d
	if p.Form == nil {
		p.Form = map[string]string{}
	}
	days := strings.Split(p.Form["weekdays"], ",")
	for _, wd := range weekdays {
		d.Weekdays = append(d.Weekdays, option{Value: wd, Label: p.T("campaigns.day." + wd), Checked: slices.Contains(days, wd)})
	}
	chosen := listField(p.Form["segments"])
	if h.d.Audience != nil {
		defs, _, err := h.d.Audience.List(r.Context(), "", store.MaxLimit)
		if err == nil {
			d.SegmentList = true
			for _, def := range defs {
				label := def.Name
				if label == "" {
					label = def.ID
				}
				d.Segments = append(d.Segments, option{Value: def.ID, Label: label, Checked: slices.Contains(chosen, def.ID)})
			}
			// A targeted segment that no longer exists stays visible, so
			// that saving shows the validation's error about it.
			for _, id := range chosen {
				if !slices.ContainsFunc(d.Segments, func(o option) bool { return o.Value == id }) {
					d.Segments = append(d.Segments, option{Value: id, Label: id, Checked: true})
				}
			}
		} else {
			h.log.Warn("campaigns: listing segments for the form", "err", err)
		}
	}
	h.render(w, status, "campaigns_edit", p)
}

func (h *Handler) createCampaign(w http.ResponseWriter, r *http.Request, s *session) {
	if !h.mayChange(w, r, s, h.d.Ads != nil) {
		return
	}
	p := h.newPage(w, r, s, "campaigns.new")
	c, errs := campaignFromForm(p, r.PostForm)
	if len(errs) == 0 {
		saved, err := h.d.Ads.Create(r.Context(), c)
		if err == nil {
			http.Redirect(w, r, "/ui/campaigns/"+url.PathEscape(saved.ID)+"?saved=1", http.StatusSeeOther)
			return
		}
		if !invalidFields(p, err, errs) {
			h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
			return
		}
	}
	p.Errors, p.Form = errs, formValues(r.PostForm)
	h.renderCampaignForm(w, r, p, &campaignForm{New: true, Status: c.Status}, http.StatusBadRequest)
}

func (h *Handler) campaign(w http.ResponseWriter, r *http.Request, s *session) {
	p := h.newPage(w, r, s, "campaigns.title")
	if h.d.Ads == nil {
		h.renderCampaignForm(w, r, p, &campaignForm{}, http.StatusOK)
		return
	}
	c, ok := h.loadCampaign(w, r, s)
	if !ok {
		return
	}
	switch r.URL.Query().Get("saved") {
	case "1":
		p.Notice = fmt.Sprintf(p.T("campaigns.saved"), c.Version)
	case "status":
		p.Notice = fmt.Sprintf(p.T("campaigns.statussaved"), p.T("campaigns.status."+string(c.Status)))
	}
	p.Form = formOf(&c)
	h.renderCampaign(w, r, s, p, &c, http.StatusOK)
}

// loadCampaign reads the campaign of the request's path, answering 404 or
// 503 itself when it cannot.
func (h *Handler) loadCampaign(w http.ResponseWriter, r *http.Request, s *session) (ads.Campaign, bool) {
	c, err := h.d.Ads.Get(r.Context(), r.PathValue("id"))
	switch {
	case errors.Is(err, ads.ErrNotFound):
		h.fail(w, r, s, http.StatusNotFound, "campaigns.notfound", r.PathValue("id"))
		return c, false
	case err != nil:
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return c, false
	}
	return c, true
}

// renderCampaign renders a saved campaign: its pacing, statistics and
// form (values in p.Form).
func (h *Handler) renderCampaign(w http.ResponseWriter, r *http.Request, s *session, p *page, c *ads.Campaign, status int) {
	p.Title = c.Name
	if p.Title == "" {
		p.Title = c.ID
	}
	now := h.now()
	dl, err := h.d.Ads.Delivery(r.Context(), []ads.Campaign{*c}, now)
	if err != nil {
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	d := &dl[0]
	hours, err := h.d.Ads.Hours(r.Context(), c.ID, d.Day)
	known := err == nil
	if err != nil && !errors.Is(err, ads.ErrNoHours) {
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	pc := &campaignPacing{Row: h.campaignRow(p, c, d, now), Day: d.Day, LocalTime: d.Local.Format("15:04 MST"),
		HoursKnown: known, FreqCap: c.FrequencyCap}
	pc.LineChart, pc.BarChart, pc.Hours = pacingCharts(p, d, &hours, known)
	for _, hs := range hours {
		pc.CapHits += hs.Capped
	}
	pc.Version = fmt.Sprintf(p.T("campaigns.version"), c.Version, c.UpdatedAt.UTC().Format("2006-01-02 15:04 UTC"))
	st := d.Stats
	pc.CTRText = fmt.Sprintf(p.T("campaigns.ctrdetail"), strconv.FormatInt(st.Clicks, 10), strconv.FormatInt(st.Impressions, 10))
	pc.CVRText = fmt.Sprintf(p.T("campaigns.cvrdetail"), strconv.FormatInt(st.Conversions, 10), strconv.FormatInt(st.Clicks, 10))
	for i, cr := range c.Creatives {
		st := d.Creatives[i]
		pc.Creatives = append(pc.Creatives, creativeRow{ID: cr.ID, ItemID: cr.ItemID, Text: cr.Text,
			Impressions: st.Impressions, Clicks: st.Clicks, Cvs: st.Conversions,
			CTR: ratio(st.Clicks, st.Impressions), CVR: ratio(st.Conversions, st.Clicks)})
	}
	h.renderCampaignForm(w, r, p, &campaignForm{ID: c.ID, Version: c.Version, Status: c.Status, Pacing: pc}, status)
}

// pacingCharts draws today's cumulative spend against the plan and the
// budget, and the spend of each hour against the plan's, with the table
// behind both.
func pacingCharts(p *page, d *ads.Delivery, hours *[24]ads.HourStats, known bool) (line, bars template.HTML, rows []hourRow) {
	nowX := float64(d.Local.Hour()) + float64(d.Local.Minute())/60
	plan := svgplot.Series{Name: p.T("campaigns.chart.plan"), Dashed: true}
	budget := svgplot.Series{Name: p.T("campaigns.chart.budget"), X: []float64{0, 24}, Y: []float64{d.Budget, d.Budget}}
	for h := range 25 {
		plan.X = append(plan.X, float64(h))
		plan.Y = append(plan.Y, d.Plan[h]*d.Budget)
	}
	spend := svgplot.Series{Name: p.T("campaigns.chart.spend")}
	cum := 0.0
	perHour := svgplot.Series{Name: p.T("campaigns.chart.hourspend")}
	perPlan := svgplot.Series{Name: p.T("campaigns.chart.hourplan")}
	var cats []string
	for h := range 24 {
		hs := hours[h]
		if known && float64(h) <= nowX {
			spend.X = append(spend.X, float64(h))
			spend.Y = append(spend.Y, cum)
		}
		cum += ads.Units(hs.Spend)
		planned := (d.Plan[h+1] - d.Plan[h]) * d.Budget
		cats = append(cats, fmt.Sprintf("%02d", h))
		perHour.Y = append(perHour.Y, ads.Units(hs.Spend))
		perPlan.Y = append(perPlan.Y, planned)
		rows = append(rows, hourRow{Hour: fmt.Sprintf("%02d:00", h), Spend: money(ads.Units(hs.Spend)), Cum: money(cum),
			Plan: money(d.Plan[h+1] * d.Budget), Impressions: hs.Impressions, Clicks: hs.Clicks, Conversion: hs.Conversions,
			Capped: hs.Capped, Future: float64(h) > nowX})
	}
	// The line ends at now with today's spend as the budget counters
	// have it (the hours add up to it).
	spend.X = append(spend.X, nowX)
	spend.Y = append(spend.Y, d.Spent)
	tick := func(x float64) string {
		if x > 24 { // the axis may run past the day's end to a round tick
			return ""
		}
		return fmt.Sprintf("%02d:00", int(x))
	}
	line = template.HTML(svgplot.Line(p.T("campaigns.chart.title"), p.T("campaigns.chart.hour"), p.T("campaigns.chart.money"),
		[]svgplot.Series{spend, plan, budget}, tick, false, nowX, p.T("campaigns.chart.now")))
	if known {
		bars = template.HTML(svgplot.Bars(p.T("campaigns.chart.bytitle"), p.T("campaigns.chart.hour"), p.T("campaigns.chart.money"),
			cats, []svgplot.Series{perHour, perPlan}))
	}
	return line, bars, rows
}

func (h *Handler) saveCampaign(w http.ResponseWriter, r *http.Request, s *session) {
	if !h.mayChange(w, r, s, h.d.Ads != nil) {
		return
	}
	old, ok := h.loadCampaign(w, r, s)
	if !ok {
		return
	}
	p := h.newPage(w, r, s, "campaigns.title")
	c, errs := campaignFromForm(p, r.PostForm)
	// Someone saved the campaign since this form was loaded: saving now
	// would silently undo their change.
	if v := r.PostForm.Get("version"); v != strconv.FormatInt(old.Version, 10) {
		errs["form"] = fmt.Sprintf(p.T("campaigns.conflict"), old.Version)
		p.Errors, p.Form = errs, formValues(r.PostForm)
		h.renderCampaign(w, r, s, p, &old, http.StatusConflict)
		return
	}
	if len(errs) == 0 {
		saved, err := h.d.Ads.Replace(r.Context(), old.ID, c)
		if err == nil {
			http.Redirect(w, r, "/ui/campaigns/"+url.PathEscape(saved.ID)+"?saved=1", http.StatusSeeOther)
			return
		}
		if !invalidFields(p, err, errs) {
			h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
			return
		}
	}
	p.Errors, p.Form = errs, formValues(r.PostForm)
	h.renderCampaign(w, r, s, p, &old, http.StatusBadRequest)
}

// setCampaignStatus pauses, resumes or archives a campaign, keeping the
// rest as it is saved.
func (h *Handler) setCampaignStatus(w http.ResponseWriter, r *http.Request, s *session) {
	if !h.mayChange(w, r, s, h.d.Ads != nil) {
		return
	}
	st := ads.Status(r.PostForm.Get("status"))
	if st != ads.Active && st != ads.Paused && st != ads.Archived {
		h.fail(w, r, s, http.StatusBadRequest, "campaigns.badstatus", st2str(st))
		return
	}
	c, ok := h.loadCampaign(w, r, s)
	if !ok {
		return
	}
	upd := c
	upd.Status = st
	if _, err := h.d.Ads.Replace(r.Context(), c.ID, upd); err != nil {
		p := h.newPage(w, r, s, "campaigns.title")
		errs := map[string]string{}
		if !invalidFields(p, err, errs) {
			h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
			return
		}
		// A campaign saved before a rule changed (a schedule now over)
		// cannot be saved as is: show why, on its form.
		p.Errors, p.Form = errs, formOf(&c)
		h.renderCampaign(w, r, s, p, &c, http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, "/ui/campaigns/"+url.PathEscape(c.ID)+"?saved=status", http.StatusSeeOther)
}

func st2str(s ads.Status) string { return strconv.Quote(string(s)) }

// Statuses are the status choices, BidTypes the bid type choices.
func (d *campaignForm) Statuses() []string { return []string{"active", "paused", "archived"} }

// BidTypes lists the bid types.
func (d *campaignForm) BidTypes() []string { return []string{"cpc", "cpm", "cpa"} }

// fieldView is one input of the campaign form, ready for the "cfield"
// template.
type fieldView struct {
	Name, Label, Hint, Type, Value, Error string
	Required                              bool
}

// Field describes input name for the template: its label and hint
// (message keys; hint may be ""), type ("text", "number", "textarea",
// "datetime-local"), the value to show and its error.
func (d *campaignForm) Field(p *page, name, label, hint, typ string, required bool) fieldView {
	f := fieldView{Name: name, Label: p.T(label), Type: typ, Value: p.Form[name], Error: p.Errors[name], Required: required}
	if hint != "" {
		f.Hint = p.T(hint)
	}
	return f
}
