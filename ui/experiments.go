package ui

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/shopmind/shopmind/audience"
	"github.com/shopmind/shopmind/experiment"
	"github.com/shopmind/shopmind/internal/svgplot"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
	"github.com/shopmind/shopmind/strategy"
)

// experimentRoutes adds the experiments pages: the list with the create
// form, one results page per experiment, and the uplift report.
func (h *Handler) experimentRoutes() {
	h.mux.HandleFunc("GET /ui/experiments", h.signedIn(h.experiments))
	h.mux.HandleFunc("POST /ui/experiments", h.signedIn(h.createExperiment))
	h.mux.HandleFunc("GET /ui/experiments/uplift", h.signedIn(h.upliftReport))
	h.mux.HandleFunc("GET /ui/experiments/{id}", h.signedIn(h.experimentDetail))
	h.mux.HandleFunc("POST /ui/experiments/{id}/stop", h.signedIn(h.stopExperiment))
	h.mux.HandleFunc("POST /ui/experiments/{id}/resume", h.signedIn(h.resumeExperiment))
	h.mux.HandleFunc("POST /ui/experiments/{id}/edit", h.signedIn(h.editExperiment))
}

// resumeExperiment runs a stopped experiment again: status running and no
// end, so the results count exposures and conversions from the start on
// (those logged while it was stopped included: the shop decides whom it
// exposes).
func (h *Handler) resumeExperiment(w http.ResponseWriter, r *http.Request, s *session) {
	if !h.mayChange(w, r, s, h.d.Experiments != nil) {
		return
	}
	id := r.PathValue("id")
	e, ok := h.experimentToChange(w, r, s, id)
	if !ok {
		return
	}
	if e.Status != experiment.Stopped {
		http.Redirect(w, r, "/ui/experiments/"+url.PathEscape(id), http.StatusSeeOther)
		return
	}
	e.Status, e.End = experiment.Running, time.Time{}
	if _, err := h.d.Experiments.Update(r.Context(), id, e); err != nil {
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	http.Redirect(w, r, "/ui/experiments/"+url.PathEscape(id)+"?resumed=1", http.StatusSeeOther)
}

// editExperiment changes what may change once an experiment has started:
// its name, description and end (package experiment refuses the rest).
func (h *Handler) editExperiment(w http.ResponseWriter, r *http.Request, s *session) {
	if !h.mayChange(w, r, s, h.d.Experiments != nil) {
		return
	}
	id := r.PathValue("id")
	e, ok := h.experimentToChange(w, r, s, id)
	if !ok {
		return
	}
	f := r.PostForm
	p := h.newPage(w, r, s, "experiments.detail")
	p.Errors = map[string]string{}
	p.Form = map[string]string{"name": f.Get("name"), "description": f.Get("description"), "end": f.Get("end")}
	e.Name, e.Description = strings.TrimSpace(f.Get("name")), strings.TrimSpace(f.Get("description"))
	e.End = time.Time{}
	if v := strings.TrimSpace(f.Get("end")); v != "" {
		t, err := expParseTime(v)
		if err != nil {
			p.Errors["end"] = p.T("experiments.err.time")
		}
		e.End = t
	}
	if len(p.Errors) == 0 {
		_, err := h.d.Experiments.Update(r.Context(), id, e)
		if err == nil {
			http.Redirect(w, r, "/ui/experiments/"+url.PathEscape(id)+"?edited=1", http.StatusSeeOther)
			return
		}
		var inv *experiment.InvalidError
		if !errors.As(err, &inv) {
			h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
			return
		}
		for _, one := range expUnjoin(err) {
			if errors.As(one, &inv) {
				field := inv.Field
				if field != "name" && field != "description" && field != "end" {
					field = "edit"
				}
				p.Errors[field] = p.invalidText(inv.Format, inv.Args, inv.Msg)
			}
		}
	}
	h.showExperiment(w, r, s, p, id, http.StatusBadRequest)
}

// experimentToChange reads the experiment a form changes, answering 404 or
// 503 itself when it cannot.
func (h *Handler) experimentToChange(w http.ResponseWriter, r *http.Request, s *session, id string) (experiment.Experiment, bool) {
	e, err := h.d.Experiments.Get(r.Context(), id)
	switch {
	case errors.Is(err, experiment.ErrNotFound):
		h.fail(w, r, s, http.StatusNotFound, "experiments.notfound", id)
		return e, false
	case err != nil:
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return e, false
	}
	return e, true
}

// stopExperiment marks an experiment stopped and ends it now, so that its
// results stop counting new exposures and conversions (the analysis reads
// End; the status alone changes nothing in the numbers).
func (h *Handler) stopExperiment(w http.ResponseWriter, r *http.Request, s *session) {
	if !h.mayChange(w, r, s, h.d.Experiments != nil) {
		return
	}
	id := r.PathValue("id")
	e, ok := h.experimentToChange(w, r, s, id)
	if !ok {
		return
	}
	if e.Status == experiment.Stopped {
		http.Redirect(w, r, "/ui/experiments/"+url.PathEscape(id), http.StatusSeeOther)
		return
	}
	now := h.now().UTC() // not truncated: an experiment started a moment ago may end now
	if !now.After(e.Start) {
		h.fail(w, r, s, http.StatusBadRequest, "experiments.stop.notstarted", e.Start.Format(time.RFC3339))
		return
	}
	e.Status = experiment.Stopped
	if e.End.IsZero() || e.End.After(now) {
		e.End = now
	}
	if _, err := h.d.Experiments.Update(r.Context(), id, e); err != nil {
		var inv *experiment.InvalidError
		if errors.As(err, &inv) {
			h.fail(w, r, s, http.StatusBadRequest, "experiments.stop.refused", err.Error())
			return
		}
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	http.Redirect(w, r, "/ui/experiments/"+url.PathEscape(id)+"?stopped=1", http.StatusSeeOther)
}

// The create form offers at least expMinVariantRows variant rows, and
// expSpareVariantRows empty ones beyond those filled in (up to
// experiment.MaxVariants).
const (
	expMinVariantRows   = 4
	expSpareVariantRows = 2
)

// experimentsData is the list page.
type experimentsData struct {
	Disabled    bool
	Experiments []experimentRow
	Variants    []expVariantRow
	EventTypes  []shop.EventType
}

type experimentRow struct {
	experiment.Experiment
	ArmList string
	Status  string
}

// expVariantRow is one row of the create form's variants.
type expVariantRow struct {
	Index, Number      int // Number counts from 1, for the labels
	Name, Weight       string
	NameErr, WeightErr string
}

func (h *Handler) experiments(w http.ResponseWriter, r *http.Request, s *session) {
	p := h.newPage(w, r, s, "experiments.title")
	p.Form = map[string]string{"holdout": "0", "pre_period_days": "28", "conversion_event": string(shop.Purchase), "status": string(experiment.Running)}
	h.renderExperiments(w, r, s, p, http.StatusOK, [][2]string{{"control", "1"}, {"treatment", "1"}})
}

// renderExperiments lists the experiments under p, with the create form's
// variant rows holding vs (name and weight as typed); their errors come from
// p.Errors under the definition's field names (variants[i].name).
func (h *Handler) renderExperiments(w http.ResponseWriter, r *http.Request, s *session, p *page, status int, vs [][2]string) {
	d := experimentsData{Disabled: h.d.Experiments == nil, EventTypes: shop.EventTypes}
	p.Data = &d
	if h.d.Experiments != nil {
		for cursor := ""; ; {
			exps, next, err := h.d.Experiments.List(r.Context(), cursor, store.MaxLimit)
			if err != nil {
				h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
				return
			}
			for _, e := range exps {
				d.Experiments = append(d.Experiments, experimentRow{Experiment: e, ArmList: strings.Join(e.Arms(), ", "),
					Status: p.T("experiments.status." + string(e.Status))})
			}
			if next == "" {
				break
			}
			cursor = next
		}
	}
	n := min(max(expMinVariantRows, len(vs)+expSpareVariantRows), experiment.MaxVariants)
	for i := range n {
		row := expVariantRow{Index: i, Number: i + 1,
			NameErr: p.Errors[fmt.Sprintf("variants[%d].name", i)], WeightErr: p.Errors[fmt.Sprintf("variants[%d].weight", i)]}
		if i < len(vs) {
			row.Name, row.Weight = vs[i][0], vs[i][1]
		}
		d.Variants = append(d.Variants, row)
	}
	h.render(w, status, "experiments", p)
}

// expFields are the create form's single-valued fields.
var expFields = []string{"id", "name", "description", "holdout", "unit", "salt", "start", "end", "conversion_event", "pre_period_days", "control", "status"}

func (h *Handler) createExperiment(w http.ResponseWriter, r *http.Request, s *session) {
	if !h.mayChange(w, r, s, h.d.Experiments != nil) {
		return
	}
	p := h.newPage(w, r, s, "experiments.title")
	p.Form, p.Errors = map[string]string{}, map[string]string{}
	for _, f := range expFields {
		p.Form[f] = strings.TrimSpace(r.PostForm.Get(f))
	}
	e := experiment.Experiment{ID: p.Form["id"], Name: p.Form["name"], Description: p.Form["description"],
		Unit: p.Form["unit"], Salt: p.Form["salt"], ConversionEvent: shop.EventType(p.Form["conversion_event"]),
		Control: p.Form["control"], Status: experiment.Status(p.Form["status"])}
	// The variant rows as typed, kept for the re-rendered form; empty rows
	// are skipped, so the stored variants are numbered without gaps.
	var typed [][2]string
	for i := range experiment.MaxVariants {
		name := strings.TrimSpace(r.PostForm.Get(fmt.Sprintf("variant_name_%d", i)))
		weight := strings.TrimSpace(r.PostForm.Get(fmt.Sprintf("variant_weight_%d", i)))
		if name == "" && weight == "" {
			continue
		}
		k := len(e.Variants)
		typed = append(typed, [2]string{name, weight})
		v := experiment.Variant{Name: name, Weight: 1}
		if weight != "" {
			f, err := strconv.ParseFloat(weight, 64)
			if err != nil {
				p.Errors[fmt.Sprintf("variants[%d].weight", k)] = p.T("experiments.err.number")
			}
			v.Weight = f
		}
		e.Variants = append(e.Variants, v)
	}
	if v := p.Form["holdout"]; v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			p.Errors["holdout"] = p.T("experiments.err.number")
		}
		e.Holdout = f
	}
	if v := p.Form["pre_period_days"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			p.Errors["pre_period_days"] = p.T("experiments.err.days")
		}
		e.PrePeriodDays = n
	}
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"start", &e.Start}, {"end", &e.End}} {
		if v := p.Form[f.name]; v != "" {
			t, err := expParseTime(v)
			if err != nil {
				p.Errors[f.name] = p.T("experiments.err.time")
			}
			*f.dst = t
		}
	}
	if len(p.Errors) == 0 {
		created, err := h.d.Experiments.Create(r.Context(), e)
		if err == nil {
			http.Redirect(w, r, "/ui/experiments/"+url.PathEscape(created.ID)+"?created=1", http.StatusSeeOther)
			return
		}
		var inv *experiment.InvalidError
		switch {
		case errors.Is(err, experiment.ErrExists):
			p.Errors["id"] = p.T("experiments.err.exists")
		case errors.As(err, &inv):
			for _, one := range expUnjoin(err) {
				if errors.As(one, &inv) {
					field := expFormField(inv.Field)
					if _, dup := p.Errors[field]; !dup {
						p.Errors[field] = p.invalidText(inv.Format, inv.Args, inv.Msg)
					}
				}
			}
		default:
			h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
			return
		}
	}
	h.renderExperiments(w, r, s, p, http.StatusBadRequest, typed)
}

// expUnjoin lists the errors errors.Join combined (err itself otherwise).
func expUnjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// expFormField maps a definition's field to the form field that shows its
// error: variant fields keep their index, the rest are named as in the form.
func expFormField(field string) string {
	switch field {
	case "metric":
		return "conversion_event"
	case "variants":
		return "variants[0].name"
	}
	return field
}

// expParseTime reads a datetime-local value (or RFC 3339) as UTC.
func expParseTime(v string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", time.RFC3339, "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, v, time.UTC); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q: use YYYY-MM-DDTHH:MM (UTC)", v)
}

// experimentDetail is one experiment's results page.
type experimentDetail struct {
	Exp        experiment.Experiment
	Status     string
	ArmList    string
	Empty      bool
	Units      int
	Arms       []expArmView
	Verdicts   []string
	Comparison []expComparison
	SRM        experiment.SRM
	SRMText    string
	CUPED      experiment.CUPEDSummary
	CUPEDText  string
	Mismatches int
	ComputedAt time.Time
	Chart      template.HTML
}

type expArmView struct {
	Arm, Expected, Units, Converters, Conversions, Rate, RateCI, Revenue string
	Control                                                              bool
}

type expComparison struct {
	Arm, Control                        string
	Diff, DiffCI, Lift, P               string
	CUPEDDiff, CUPEDCI                  string
	SeqP, SeqCI                         string
	RevDiff, RevCI, RevSeqP, RevVerdict string
	Verdict                             string
	CanStop                             bool
}

func (h *Handler) experimentDetail(w http.ResponseWriter, r *http.Request, s *session) {
	p := h.newPage(w, r, s, "experiments.detail")
	if h.d.Experiments == nil {
		p.Data = &experimentDetail{}
		h.render(w, http.StatusOK, "experiments_detail", p)
		return
	}
	h.showExperiment(w, r, s, p, r.PathValue("id"), http.StatusOK)
}

// showExperiment renders experiment id's results page under p with status.
func (h *Handler) showExperiment(w http.ResponseWriter, r *http.Request, s *session, p *page, id string, status int) {
	res, err := h.d.Experiments.Results(r.Context(), id)
	if errors.Is(err, experiment.ErrNotFound) {
		h.fail(w, r, s, http.StatusNotFound, "experiments.notfound", id)
		return
	}
	if err != nil {
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	e := res.Experiment
	p.Title = fmt.Sprintf(p.T("experiments.detailtitle"), e.Name)
	switch {
	case r.URL.Query().Get("created") != "":
		p.Notice = fmt.Sprintf(p.T("experiments.created"), e.ID)
	case r.URL.Query().Get("stopped") != "":
		p.Notice = fmt.Sprintf(p.T("experiments.stopped"), e.ID, e.End.Format("2006-01-02 15:04 UTC"))
	case r.URL.Query().Get("resumed") != "":
		p.Notice = fmt.Sprintf(p.T("experiments.resumed"), e.ID)
	case r.URL.Query().Get("edited") != "":
		p.Notice = fmt.Sprintf(p.T("experiments.edited"), e.ID)
	}
	if p.Form == nil {
		p.Form = map[string]string{"name": e.Name, "description": e.Description}
		if !e.End.IsZero() {
			p.Form["end"] = e.End.UTC().Format("2006-01-02T15:04")
		}
	}
	d := &experimentDetail{Exp: e, Status: p.T("experiments.status." + string(e.Status)), ArmList: strings.Join(e.Arms(), ", "),
		Empty: res.Units == 0, Units: res.Units, SRM: res.SRM, CUPED: res.CUPED, Mismatches: res.Mismatches, ComputedAt: res.ComputedAt}
	p.Data = d
	var names []string
	var rates, los, his []float64
	for _, a := range res.Arms {
		ci := experiment.RateInterval(a.Converters, a.Units)
		d.Arms = append(d.Arms, expArmView{Arm: a.Arm, Control: a.Arm == res.Control, Expected: expPct(a.ExpectedShare),
			Units: strconv.Itoa(a.Units), Converters: strconv.Itoa(a.Converters), Conversions: strconv.Itoa(a.Conversions),
			Rate: expPct(a.ConversionRate), RateCI: expInterval(ci.Lo, ci.Hi, expPct), Revenue: fmt.Sprintf("%.2f", a.RevenuePerUser)})
		names = append(names, a.Arm)
		rates, los, his = append(rates, a.ConversionRate), append(los, ci.Lo), append(his, ci.Hi)
	}
	if !d.Empty {
		pct := func(v float64) string { return strconv.FormatFloat(math.Round(1e4*v)/100, 'f', -1, 64) + "%" }
		d.Chart = template.HTML(svgplot.Intervals(p.T("experiments.chart"), "", p.T("experiments.rate"), names, rates, los, his, pct))
	}
	if res.SRM.Alarm {
		d.SRMText = fmt.Sprintf(p.T("experiments.srm.alarm"), expPIs(res.SRM.P))
	} else {
		d.SRMText = fmt.Sprintf(p.T("experiments.srm.ok"), expPIs(res.SRM.P))
	}
	if res.CUPED.VarianceReductionConversion > 0 || res.CUPED.VarianceReductionRevenue > 0 {
		d.CUPEDText = fmt.Sprintf(p.T("experiments.cuped.reduction"), expPct(res.CUPED.VarianceReductionConversion), expPct(res.CUPED.VarianceReductionRevenue))
	}
	for _, c := range res.Comparisons {
		cv := expComparison{Arm: c.Arm, Control: c.Control, Diff: expPP(c.Conversion.Diff), P: "—", Lift: "—",
			DiffCI: expIvl(c.Conversion.Interval, expPP), CUPEDDiff: "—", CUPEDCI: "—",
			SeqP: expP(c.Conversion.Sequential.P), SeqCI: expIvl(c.Conversion.Sequential.Interval, expPP),
			RevDiff: fmt.Sprintf("%+.2f", c.Revenue.Diff), RevCI: expIvl(c.Revenue.Interval, expMoney), RevSeqP: expP(c.Revenue.Sequential.P),
			CanStop: c.Conversion.Sequential.CanStop && !res.SRM.Alarm}
		if c.Conversion.RelativeLift != nil {
			cv.Lift = fmt.Sprintf("%+.1f%%", 100**c.Conversion.RelativeLift)
		}
		if c.Conversion.P != nil {
			cv.P = expP(*c.Conversion.P)
		}
		if c.Conversion.CUPED != nil {
			cv.CUPEDDiff, cv.CUPEDCI = expPP(c.Conversion.CUPEDDiff), expIvl(c.Conversion.CUPED, expPP)
		}
		cv.Verdict = sayVerdict(p, c.Arm, c.Control, p.T("experiments.metric.conversion"), c.Conversion, res.SRM)
		cv.RevVerdict = sayVerdict(p, c.Arm, c.Control, p.T("experiments.metric.revenue"), c.Revenue, res.SRM)
		d.Comparison = append(d.Comparison, cv)
	}
	h.render(w, status, "experiments_detail", p)
}

// sayVerdict puts the sequential test's answer for one metric in plain
// words: only the always-valid p-value may stop an experiment that is
// looked at while it runs.
func sayVerdict(p *page, arm, control, metric string, ef experiment.Effect, s experiment.SRM) string {
	switch {
	case s.Alarm:
		return fmt.Sprintf(p.T("experiments.verdict.srm"), expPIs(s.P))
	case ef.Sequential.CanStop && ef.Diff > 0:
		return fmt.Sprintf(p.T("experiments.verdict.better"), arm, control, expPIs(ef.Sequential.P), metric)
	case ef.Sequential.CanStop:
		return fmt.Sprintf(p.T("experiments.verdict.worse"), arm, control, expPIs(ef.Sequential.P), metric)
	}
	return fmt.Sprintf(p.T("experiments.verdict.wait"), arm, control, expPIs(ef.Sequential.P), metric)
}

func expPct(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) }

// expPP formats a difference of rates in percentage points.
func expPP(v float64) string { return fmt.Sprintf("%+.1f pp", 100*v) }

func expMoney(v float64) string { return fmt.Sprintf("%+.2f", v) }

func expInterval(lo, hi float64, f func(float64) string) string {
	return "[" + f(lo) + ", " + f(hi) + "]"
}

func expIvl(iv *experiment.Interval, f func(float64) string) string {
	if iv == nil {
		return "—"
	}
	return expInterval(iv.Lo, iv.Hi, f)
}

// expP shows a p-value to three decimals, tiny ones as a bound.
func expP(p float64) string {
	if p < 0.001 {
		return "< 0.001"
	}
	return fmt.Sprintf("%.3f", p)
}

// expPIs is "p = 0.003" or "p < 0.001", for sentences.
func expPIs(p float64) string {
	if p < 0.001 {
		return "p < 0.001"
	}
	return fmt.Sprintf("p = %.3f", p)
}

// upliftData is the uplift report page.
type upliftData struct {
	Disabled      bool
	Campaigns     []strategy.Campaign
	CampaignsErr  string
	Models        []string
	Campaign      string
	Model         string
	Report        *strategy.UpliftReport
	ReportErr     string
	Took          string
	ArmsText      string
	Qini          string
	AUUC          string
	UpliftAt30    string
	Chart         template.HTML
	Points        []expQiniRow
	Segments      []audience.Definition
	NoSegments    bool
	Plan          *strategy.Plan
	PlanErr       string
	PlanTook      string
	PlanConv      string
	PlanRevenue   string
	PlanCost      string
	PlanProfit    string
	Targets       []expTargetRow
	MoreTargets   int
	ModelForPlan  string
	CostPerValues []string
}

type expQiniRow struct{ Share, Model, Random string }

type expTargetRow struct{ User, Uplift, Value, Cost, Profit string }

// expReportTimeout bounds an uplift report or plan computed in a request;
// the report samples large tests (strategy.DefaultReportUnits), so this is
// only reached on a very slow store.
const expReportTimeout = 90 * time.Second

// expShownTargets is how many of a plan's targets the page lists.
const expShownTargets = 25

func (h *Handler) upliftReport(w http.ResponseWriter, r *http.Request, s *session) {
	p := h.newPage(w, r, s, "experiments.uplift")
	q := r.URL.Query()
	d := &upliftData{Disabled: h.d.Strategy == nil, Models: strategy.ReportModels, CostPerValues: []string{string(strategy.PerRedemption), string(strategy.PerContact)}}
	p.Data = d
	if d.Disabled {
		h.render(w, http.StatusOK, "experiments_uplift", p)
		return
	}
	cfg := h.d.Strategy.Config()
	d.Campaign, d.Model = strings.TrimSpace(q.Get("campaign")), strings.TrimSpace(q.Get("model"))
	if d.Model == "" {
		d.Model = strategy.ReportModels[0]
	}
	p.Form = map[string]string{"offer_cost": "10", "margin": "0.3", "budget": "300", "cost_per": string(strategy.PerRedemption)}
	for _, f := range []string{"segment", "offer_cost", "margin", "budget", "cost_per"} {
		if v := strings.TrimSpace(q.Get(f)); q.Has(f) {
			p.Form[f] = v
		}
	}
	p.Errors = map[string]string{}
	ctx, cancel := context.WithTimeout(r.Context(), expReportTimeout)
	defer cancel()
	camps, err := h.d.Strategy.Campaigns(ctx)
	if err != nil {
		d.CampaignsErr = err.Error()
	}
	d.Campaigns = camps
	if h.d.Audience != nil {
		defs, _, err := h.d.Audience.List(ctx, "", store.MaxLimit)
		if err == nil {
			d.Segments = defs
		}
	}
	d.NoSegments = len(d.Segments) == 0
	status := http.StatusOK
	if d.Campaign == "" {
		p.Form["campaign"] = cfg.DefaultExperiment
		h.render(w, status, "experiments_uplift", p)
		return
	}
	p.Form["campaign"] = d.Campaign
	rep, err := h.d.Strategy.UpliftReport(ctx, d.Campaign, strategy.ReportOptions{Model: d.Model})
	var (
		nd *strategy.NoDataError
		ie *strategy.InputError
	)
	switch {
	case errors.As(err, &ie):
		p.Errors["model"] = ie.Msg
		status = http.StatusBadRequest
	case errors.As(err, &nd):
		d.ReportErr = fmt.Sprintf(p.T("experiments.uplift.nodata"), d.Campaign, nd.Treated, nd.Control, strategy.MinArm)
		status = http.StatusUnprocessableEntity
	case errors.Is(err, context.DeadlineExceeded):
		d.ReportErr = p.T("experiments.uplift.timeout")
		status = http.StatusServiceUnavailable
	case err != nil:
		d.ReportErr = err.Error()
		status = http.StatusServiceUnavailable
	default:
		d.Report = rep
		d.Took = fmt.Sprintf(p.T("experiments.uplift.took"), rep.Took.Round(time.Millisecond), rep.ComputedAt.Format("2006-01-02 15:04 UTC"))
		d.ArmsText = fmt.Sprintf(p.T("experiments.uplift.arms"), rep.Treated, expPct(rep.RateTreated), rep.Control, expPct(rep.RateControl))
		if rep.Sampled < rep.Units {
			d.ArmsText += " " + fmt.Sprintf(p.T("experiments.uplift.sampled"), rep.Sampled, rep.Units)
		}
		d.Qini, d.AUUC, d.UpliftAt30 = expNum3(rep.Qini), expNum3(rep.AUUC), expPPOrDash(rep.UpliftAt30)
		title := fmt.Sprintf(p.T("experiments.uplift.charttitle"), rep.Experiment, rep.Model)
		xs, model, random := make([]float64, len(rep.Curve)), make([]float64, len(rep.Curve)), make([]float64, len(rep.Curve))
		for i, c := range rep.Curve {
			xs[i], model[i], random[i] = 100*c.Share, c.Model, c.Random
		}
		pctTick := func(x float64) string { return fmt.Sprintf("%.0f%%", x) }
		d.Chart = template.HTML(svgplot.Line(title, p.T("experiments.uplift.xaxis"), p.T("experiments.uplift.yaxis"),
			[]svgplot.Series{{Name: rep.Model, X: xs, Y: model}, {Name: p.T("experiments.uplift.random"), X: xs, Y: random, Dashed: true}},
			pctTick, false, math.NaN(), ""))
		// The table beside the chart: every tenth of the units.
		next := 0.0
		for _, c := range rep.Curve {
			if c.Share+1e-9 >= next {
				d.Points = append(d.Points, expQiniRow{Share: expPct(c.Share), Model: fmt.Sprintf("%.1f", c.Model), Random: fmt.Sprintf("%.1f", c.Random)})
				for next <= c.Share+1e-9 {
					next += 0.1
				}
			}
		}
	}
	// The plan, when its form was sent. Like POST /v1/plans it needs an
	// admin key: it trains a model with bootstrap refits and lists
	// customers to target.
	if q.Has("budget") && !s.canChange() {
		h.fail(w, r, s, http.StatusForbidden, "error.readonly", "")
		return
	}
	if q.Has("budget") && d.Report != nil {
		h.plan(ctx, p, d)
		if len(p.Errors) > 0 {
			status = http.StatusBadRequest
		}
	}
	h.render(w, status, "experiments_uplift", p)
}

// plan runs the planner for the plan form's values into d.
func (h *Handler) plan(ctx context.Context, p *page, d *upliftData) {
	num := func(field string) float64 {
		v, err := strconv.ParseFloat(p.Form[field], 64)
		if err != nil {
			p.Errors[field] = p.T("experiments.err.number")
		}
		return v
	}
	offer := strategy.Offer{Cost: num("offer_cost"), Margin: num("margin"), Budget: num("budget"), CostPer: strategy.CostPer(p.Form["cost_per"])}
	if p.Form["segment"] == "" {
		p.Errors["segment"] = p.T("experiments.plan.nosegment")
	}
	if len(p.Errors) > 0 {
		return
	}
	start := time.Now()
	plan, err := h.d.Strategy.Plan(ctx, strategy.PlanRequest{Segment: p.Form["segment"], Experiment: d.Campaign, Offer: offer})
	var (
		ie  *strategy.InputError
		seg *strategy.UnknownSegmentError
		nd  *strategy.NoDataError
	)
	switch {
	case errors.As(err, &ie):
		p.Errors[ie.Field] = ie.Msg
	case errors.As(err, &seg):
		p.Errors["segment"] = seg.Error()
	case errors.As(err, &nd):
		d.PlanErr = fmt.Sprintf(p.T("experiments.uplift.nodata"), d.Campaign, nd.Treated, nd.Control, strategy.MinArm)
	case errors.Is(err, context.DeadlineExceeded):
		d.PlanErr = p.T("experiments.uplift.timeout")
	case err != nil:
		d.PlanErr = err.Error()
	default:
		d.Plan = plan
		d.PlanTook = fmt.Sprintf(p.T("experiments.plan.took"), time.Since(start).Round(time.Millisecond))
		est := func(e strategy.Estimate, f string) string {
			return fmt.Sprintf(f+" ["+f+", "+f+"]", e.Value, e.Low, e.High)
		}
		d.PlanConv = est(plan.Expected.Conversions, "%.1f")
		d.PlanRevenue = est(plan.Expected.Revenue, "%.2f")
		d.PlanCost = est(plan.Expected.Cost, "%.2f")
		d.PlanProfit = est(plan.Expected.Profit, "%.2f")
		if plan.Model != nil {
			d.ModelForPlan = fmt.Sprintf(p.T("experiments.plan.model"), plan.Model.Units, expNum3(plan.Model.Qini))
		}
		for i, t := range plan.TargetList {
			if i == expShownTargets {
				d.MoreTargets = len(plan.TargetList) - expShownTargets
				break
			}
			d.Targets = append(d.Targets, expTargetRow{User: t.UserID, Uplift: expPP(t.PredictedUplift), Value: fmt.Sprintf("%.2f", t.OrderValue),
				Cost: fmt.Sprintf("%.2f", t.ExpectedCost), Profit: fmt.Sprintf("%.2f", t.ExpectedProfit)})
		}
	}
}

func expNum3(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	return fmt.Sprintf("%.3f", v)
}

func expPPOrDash(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	return expPP(v)
}

// Chart geometry shared by the page's two charts (SVG user units).
