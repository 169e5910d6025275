package ui

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/shopmind/shopmind/fairness"
	"github.com/shopmind/shopmind/internal/svgplot"
	"github.com/shopmind/shopmind/recommend/eval"
	"github.com/shopmind/shopmind/recserve"
	"github.com/shopmind/shopmind/store"
)

// The reports page measures exposure on a smaller sample than the API's
// default: it runs on every page view, and a few hundred users already
// show the shape of the distribution.
const (
	reportsDefaultUsers = 300
	reportsMaxBrands    = 12
	// reportsLorenzPoints bounds the points of the Lorenz curve, whatever
	// the catalogue's size.
	reportsLorenzPoints = 200
)

// reportRoutes adds the reports page.
func (h *Handler) reportRoutes() {
	h.mux.HandleFunc("GET /ui/reports", h.signedIn(h.reports))
}

// reportsData is the reports page.
type reportsData struct {
	RecsOff     bool
	ProfilesOff bool
	NoModel     bool
	// Ran is set when the exposure report was measured.
	Ran        bool
	Exposure   recserve.ExposureReport
	Lorenz     template.HTML
	BrandChart template.HTML
	Brands     []fairness.Share
	MoreBrands int
	Suppressed string // the withheld ad groups, listed
	Caps       string // how configured exposure caps were treated
	AdsSeen    bool   // some sampled group received ads

	Versions     []keptModel
	VersionErr   string
	VersionChart template.HTML
	Validated    int // versions with validation metrics

	Runs    []evalRunRow
	RunsErr string
}

func (h *Handler) reports(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	p := h.newPage(w, r, s, "reports.title")
	d := reportsData{RecsOff: h.d.Recommendations == nil, ProfilesOff: h.d.Profiles == nil}
	p.Data = &d
	status := http.StatusOK

	q := r.URL.Query()
	p.Form = map[string]string{"users": strings.TrimSpace(q.Get("users")), "n": strings.TrimSpace(q.Get("n")), "group_by": strings.TrimSpace(q.Get("group_by"))}
	p.Errors = map[string]string{}
	users := formInt(p, "users", reportsDefaultUsers, 1, recserve.ReportMaxUsers)
	n := formInt(p, "n", 10, 1, recserve.ReportMaxN)
	groupBy := p.Form["group_by"]
	if len(groupBy) > 64 {
		p.Errors["group_by"] = p.T("reports.groupbylong")
	}
	if p.Form["users"] == "" {
		p.Form["users"] = strconv.Itoa(users)
	}
	if p.Form["n"] == "" {
		p.Form["n"] = strconv.Itoa(n)
	}
	if len(p.Errors) > 0 {
		status = http.StatusBadRequest
	}
	if _, ok := h.modelInForce(); !ok && !d.RecsOff {
		d.NoModel = true
	}
	if status == http.StatusOK && !d.RecsOff && !d.ProfilesOff && !d.NoModel {
		minGroup := h.d.Config.MinGroupSize
		if minGroup < 1 {
			minGroup = 10
		}
		rep, ids, err := h.d.Recommendations.MeasureExposure(ctx, h.d.Profiles, users, n, minGroup)
		if err != nil {
			h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
			return
		}
		if groupBy != "" {
			a, err := recserve.AdsByGroup(ctx, h.d.Store, ids, groupBy, minGroup)
			var unknown *recserve.UnknownAttributeError
			switch {
			case errors.As(err, &unknown):
				if len(unknown.Seen) == 0 {
					p.Errors["group_by"] = fmt.Sprintf(p.T("reports.noattrs"), unknown.Name)
				} else {
					p.Errors["group_by"] = fmt.Sprintf(p.T("reports.unknownattr"), unknown.Name, strings.Join(unknown.Seen, ", "))
				}
				status = http.StatusBadRequest
			case err != nil:
				h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
				return
			}
			rep.Ads = a
			if a != nil {
				d.Suppressed = strings.Join(a.Parity.Suppressed, ", ")
				for _, g := range a.Parity.Groups {
					d.AdsSeen = d.AdsSeen || g.Impressions > 0
				}
			}
		}
		d.Ran = true
		d.Exposure = rep
		d.Caps = p.T("reports.nocaps")
		if rules := h.d.Recommendations.Rules(); rules.MaxItemShare > 0 || rules.MaxBrandShare > 0 {
			d.Caps = fmt.Sprintf(p.T("reports.capsleft"), rules.MaxItemShare, rules.MaxBrandShare)
		}
		d.exposureCharts(p)
	}

	var err error
	d.Versions, err = keptRecModels(ctx, h.d.Store)
	if err != nil {
		d.VersionErr = err.Error()
	}
	d.versionChart(p)
	d.Runs, err = evalRuns(ctx, h.d.Store)
	if err != nil {
		d.RunsErr = err.Error()
	}
	h.render(w, status, "reports", p)
}

// modelInForce reports the recommendation model in force, if any.
func (h *Handler) modelInForce() (recserve.Model, bool) {
	if h.d.Recommendations == nil {
		return recserve.Model{}, false
	}
	return h.d.Recommendations.Current()
}

// formInt reads a whole number from the page's form in [lo, hi], def when
// blank; out of range sets the field's error.
func formInt(p *page, field string, def, lo, hi int) int {
	v := p.Form[field]
	if v == "" {
		return def
	}
	x, err := strconv.Atoi(v)
	if err != nil || x < lo || x > hi {
		p.Errors[field] = fmt.Sprintf(p.T("reports.range"), lo, hi)
		return def
	}
	return x
}

// exposureCharts draws the Lorenz curve of item exposure and the brands'
// shares.
func (d *reportsData) exposureCharts(p *page) {
	xs := d.Exposure.ItemExposure
	total := 0.0
	for _, x := range xs {
		total += x
	}
	if len(xs) > 0 && total > 0 {
		curve := svgplot.Series{Name: p.T("reports.lorenz.model"), X: []float64{0}, Y: []float64{0}}
		step := max(1, len(xs)/reportsLorenzPoints)
		cum := 0.0
		for i, x := range xs {
			cum += x
			if (i+1)%step == 0 || i == len(xs)-1 {
				curve.X = append(curve.X, 100*float64(i+1)/float64(len(xs)))
				curve.Y = append(curve.Y, 100*cum/total)
			}
		}
		equal := svgplot.Series{Name: p.T("reports.lorenz.equal"), X: []float64{0, 100}, Y: []float64{0, 100}, Dashed: true}
		d.Lorenz = template.HTML(svgplot.Line(p.T("reports.lorenz"), p.T("reports.lorenz.x"), p.T("reports.lorenz.y"),
			[]svgplot.Series{curve, equal}, nil, false, math.NaN(), ""))
	}
	brands := d.Exposure.Recommendations.Brands
	if len(brands) > reportsMaxBrands {
		d.MoreBrands = len(brands) - reportsMaxBrands
		brands = brands[:reportsMaxBrands]
	}
	d.Brands = brands
	if len(brands) > 0 {
		cats := make([]string, len(brands))
		ys := make([]float64, len(brands))
		for i, b := range brands {
			cats[i], ys[i] = b.Key, 100*b.Share
		}
		d.BrandChart = template.HTML(svgplot.Bars(p.T("reports.brands"), p.T("reports.brand"), p.T("reports.sharepct"), cats,
			[]svgplot.Series{{Name: p.T("reports.sharepct"), Y: ys}}))
	}
}

// versionChart draws the validation metrics of the kept model versions,
// oldest first.
func (d *reportsData) versionChart(p *page) {
	var cats []string
	hr := svgplot.Series{Name: "HR@10"}
	ndcg := svgplot.Series{Name: "NDCG@10"}
	for i := len(d.Versions) - 1; i >= 0; i-- {
		v := d.Versions[i].Info.Validation
		if v == nil {
			continue
		}
		cats = append(cats, d.Versions[i].CreatedAt.UTC().Format("01-02 15:04"))
		hr.Y = append(hr.Y, v.HR10)
		ndcg.Y = append(ndcg.Y, v.NDCG10)
	}
	d.Validated = len(cats)
	if len(cats) > 0 {
		d.VersionChart = template.HTML(svgplot.Bars(p.T("reports.valchart"), p.T("reports.trained"), p.T("reports.metric"), cats, []svgplot.Series{hr, ndcg}))
	}
}

// reportsMaxRuns bounds the recorded evaluation runs listed.
const reportsMaxRuns = 50

// evalRunRow is one recorded evaluation run and its best algorithm.
type evalRunRow struct {
	eval.Run
	Best eval.RunResult
}

// evalRuns lists the recorded `shopmind eval recommend` runs, newest first.
func evalRuns(ctx context.Context, st store.Store) ([]evalRunRow, error) {
	runs, err := eval.Runs(ctx, st, reportsMaxRuns)
	if err != nil {
		return nil, err
	}
	out := make([]evalRunRow, 0, len(runs))
	for _, r := range runs {
		row := evalRunRow{Run: r}
		for _, res := range r.Results {
			if res.NDCG > row.Best.NDCG || row.Best.Algo == "" {
				row.Best = res
			}
		}
		out = append(out, row)
	}
	return out, nil
}
