package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/shopmind/shopmind/ads"
	"github.com/shopmind/shopmind/artefact"
	"github.com/shopmind/shopmind/internal/svgplot"
	"github.com/shopmind/shopmind/profile"
	"github.com/shopmind/shopmind/recommend/bundle"
	"github.com/shopmind/shopmind/recserve"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// The hourly and daily activity comes from the event feed (EventsSince),
// not from a new store query: the feed is read by its primary key, so the
// work is bounded whatever the store holds, and it needs no new index or
// Store method (every backend and wrapper already serves it). The first
// view reads the last ovFeedTailMax seqs; later views fold in only the
// events appended since (see ovFeed). Events arrive close to time order, so
// the latest seqs are the latest hours; when the shop sent more events in
// the window than the tail holds, the page says which hours it covers
// instead of showing partial hours as quiet ones.
const (
	ovFeedTailMax = 30000
	ovHourWindow  = 48
	ovDayWindow   = 14
	// ovChartTypes bounds the lines of the hourly chart (the table has all).
	ovChartTypes = 6
	// ovPingTimeout bounds the store health check.
	ovPingTimeout = 2 * time.Second
)

// overviewRoutes adds the overview page.
func (h *Handler) overviewRoutes() {
	h.mux.HandleFunc("GET /ui/{$}", h.signedIn(h.overview))
}

// overviewData is the overview page.
type overviewData struct {
	Stats              store.Stats
	Profiles           int
	Active7, Active30  int
	ByType             []typeCount
	HasProfilesService bool

	Activity ovActivity
	Funnel   ovFunnel
	Revenue  ovRevenue

	Model    recserve.Model
	HasModel bool
	HasRecs  bool
	// TrainedAt is when the model in force was published.
	TrainedAt  time.Time
	Validation *bundle.Validation
	Versions   []keptModel
	VersionErr string

	HasAds       bool
	AdsVersion   string
	AdsVersions  []keptAdsModel
	AdsVersionEr string

	Health ovHealth
}

type typeCount struct {
	Type  shop.EventType
	Count int64
}

// ovActivity is the events per hour and type over the latest hours, and the
// revenue per day, both from the feed's tail.
type ovActivity struct {
	Read     int64     // events in the hours shown
	Complete bool      // the hours shown are all covered by the events read
	From     time.Time // the first whole hour covered
	To       time.Time // the end of the last hour
	Types    []shop.EventType
	Hours    []ovHourRow
	Chart    template.HTML
	Days     []ovDayRow
	DayChart template.HTML
}

type ovHourRow struct {
	Label  string
	Counts []int64 // indexed like Types
	Total  int64
}

type ovDayRow struct {
	Day       string
	Revenue   float64
	Purchases int64
}

// ovFunnel counts users by how far they went: viewed an item; viewed and
// added to the cart; viewed, added and bought.
type ovFunnel struct {
	Viewers, Carters, Buyers int
	ViewToCart, CartToBuy    float64
	ViewToBuy                float64
	Chart                    template.HTML
}

type ovRevenue struct {
	Total  float64
	Orders int64
	Buyers int
	AOV    float64 // average order value
}

// keptModel is one kept recommendation model and its offline metrics.
type keptModel struct {
	Version   string
	CreatedAt time.Time
	Current   bool
	Info      bundle.Info
	HasInfo   bool
}

type keptAdsModel struct {
	Version     string
	CreatedAt   time.Time
	Current     bool
	Clicks      int64
	Conversions int64
}

// ovHealth is the store's and the followers' state.
type ovHealth struct {
	StoreOK      bool
	StoreErr     string
	StoreMillis  int64
	ProfilesOn   bool
	Ready        bool
	Lag          string
	SinceSync    string
	Behind       int64 // events in the store not yet in the profiles
	ModelAge     string
	ModelDataAge string // how old the model's latest training event is
}

func (h *Handler) overview(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	st, err := h.d.Store.Stats(ctx)
	if err != nil {
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	p := h.newPage(w, r, s, "overview.title")
	d := overviewData{Stats: st}
	now := h.now()
	if pr := h.d.Profiles; pr != nil {
		d.HasProfilesService = true
		h.overviewProfileFigures(pr, now, &d, p)
	}
	if st.Events > 0 {
		f := ovFeedFor(h.d.Store)
		f.mu.Lock()
		err := f.update(ctx, h.d.Store, st.LastSeq, ovFeedTailMax)
		act := f.activity(now)
		f.mu.Unlock()
		if err != nil {
			h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
			return
		}
		act.charts(p)
		d.Activity = act
	}
	if rs := h.d.Recommendations; rs != nil {
		d.HasRecs = true
		d.Model, d.HasModel = rs.Current()
		if d.HasModel {
			d.Validation = d.Model.Info.Validation
			d.TrainedAt = now.Add(-rs.ModelAge())
		}
	}
	d.Versions, err = keptRecModels(ctx, h.d.Store)
	if err != nil {
		d.VersionErr = err.Error()
	}
	for _, v := range d.Versions {
		if v.Current && v.Version == d.Model.Version {
			d.TrainedAt = v.CreatedAt
		}
	}
	if a := h.d.Ads; a != nil {
		d.HasAds = true
		d.AdsVersion = a.ModelVersion()
		d.AdsVersions, err = keptAdsModels(ctx, h.d.Store)
		if err != nil {
			d.AdsVersionEr = err.Error()
		}
	}
	d.Health = h.overviewHealth(ctx, st, d, now)
	p.Data = d
	h.render(w, http.StatusOK, "overview", p)
}

// overviewProfileFigures fills the figures kept in the profiles: counts
// per type, active users, the funnel and the revenue. It is one pass over the
// in-memory profiles, no store reads.
func (h *Handler) overviewProfileFigures(pr *profile.Service, now time.Time, d *overviewData, p *page) {
	d.Profiles = pr.Users()
	var counts [shop.NumEventTypes]int64
	iv, ic, ib := shop.View.Index(), shop.AddToCart.Index(), shop.Purchase.Index()
	t := now.Unix()
	pr.Each(func(pf *profile.Profile, _ *profile.Context) bool {
		for i, n := range pf.Counts {
			counts[i] += n
		}
		if pf.Latest >= t-7*86400 {
			d.Active7++
		}
		if pf.Latest >= t-30*86400 {
			d.Active30++
		}
		if pf.Counts[iv] > 0 {
			d.Funnel.Viewers++
			if pf.Counts[ic] > 0 {
				d.Funnel.Carters++
				if pf.Counts[ib] > 0 {
					d.Funnel.Buyers++
				}
			}
		}
		if pf.Revenue > 0 || pf.Orders > 0 {
			d.Revenue.Buyers++
		}
		d.Revenue.Total += pf.Revenue
		d.Revenue.Orders += pf.Orders
		return true
	})
	for i, t := range shop.EventTypes {
		if counts[i] > 0 {
			d.ByType = append(d.ByType, typeCount{t, counts[i]})
		}
	}
	slices.SortStableFunc(d.ByType, func(a, b typeCount) int { return int(b.Count - a.Count) })
	f := &d.Funnel
	f.ViewToCart, f.CartToBuy, f.ViewToBuy = ovRatio(f.Carters, f.Viewers), ovRatio(f.Buyers, f.Carters), ovRatio(f.Buyers, f.Viewers)
	if f.Viewers > 0 {
		cats := []string{p.T("overview.funnel.view"), p.T("overview.funnel.cart"), p.T("overview.funnel.buy")}
		f.Chart = template.HTML(svgplot.Bars(p.T("overview.funnel"), p.T("overview.funnel.step"), p.T("overview.funnel.users"), cats,
			[]svgplot.Series{{Name: p.T("overview.funnel.users"), Y: []float64{float64(f.Viewers), float64(f.Carters), float64(f.Buyers)}}}))
	}
	if d.Revenue.Orders > 0 {
		d.Revenue.AOV = d.Revenue.Total / float64(d.Revenue.Orders)
	}
}

func ovRatio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// ovFeed folds the event feed into per-hour counts by type and per-day
// purchases and revenue. The first read takes the feed's last limit seqs;
// later reads fold in only the events appended since, so a page view
// costs the events that arrived since the previous one (at most limit:
// beyond that the tail is read afresh). Counts of users deleted later stay
// in the totals (they name no one).
type ovFeed struct {
	mu       sync.Mutex
	lastSeq  int64     // the last seq folded in
	complete bool      // the feed was read from its first event
	earliest time.Time // the earliest event of the first read (when not complete)
	latest   time.Time
	hours    map[int64]*[shop.NumEventTypes]int64 // by Unix hour
	days     map[int64]*ovDayAgg                  // by Unix day
}

type ovDayAgg struct {
	revenue   float64
	purchases int64
}

// ovFeeds keeps one ovFeed per store this process shows, so successive
// page views only read what is new.
var ovFeeds = struct {
	sync.Mutex
	m map[store.Store]*ovFeed
}{m: map[store.Store]*ovFeed{}}

// ovFeedFor returns the store's feed aggregate, a new one if none.
func ovFeedFor(st store.Store) *ovFeed {
	ovFeeds.Lock()
	defer ovFeeds.Unlock()
	f := ovFeeds.m[st]
	if f == nil {
		if len(ovFeeds.m) >= 8 { // only tests open many stores
			clear(ovFeeds.m)
		}
		f = &ovFeed{}
		ovFeeds.m[st] = f
	}
	return f
}

// update folds the events up to lastSeq in; with more than limit new
// events it starts again from the feed's last limit seqs.
func (f *ovFeed) update(ctx context.Context, st store.Store, lastSeq int64, limit int) error {
	if f.hours == nil || lastSeq < f.lastSeq || lastSeq-f.lastSeq > int64(limit) {
		start := max(0, lastSeq-int64(limit))
		f.lastSeq, f.complete, f.earliest, f.latest = start, start == 0, time.Time{}, time.Time{}
		f.hours, f.days = map[int64]*[shop.NumEventTypes]int64{}, map[int64]*ovDayAgg{}
	}
	first := f.earliest.IsZero() && !f.complete
	for read := 0; read < limit; {
		page, err := st.EventsSince(ctx, f.lastSeq, store.MaxLimit)
		if err != nil {
			return fmt.Errorf("reading the latest events: %w", err)
		}
		if len(page) == 0 {
			break
		}
		for i := range page {
			e := &page[i]
			ts := e.Timestamp.UTC()
			if first && (f.earliest.IsZero() || ts.Before(f.earliest)) {
				f.earliest = ts
			}
			if ts.After(f.latest) {
				f.latest = ts
			}
			if k := e.Type.Index(); k >= 0 {
				hr := ts.Unix() / 3600
				c := f.hours[hr]
				if c == nil {
					c = new([shop.NumEventTypes]int64)
					f.hours[hr] = c
				}
				c[k]++
			}
			if e.Type == shop.Purchase {
				day := ts.Unix() / 86400
				dg := f.days[day]
				if dg == nil {
					dg = &ovDayAgg{}
					f.days[day] = dg
				}
				dg.revenue += e.Revenue
				dg.purchases++
			}
		}
		f.lastSeq = page[len(page)-1].Seq
		read += len(page)
	}
	// Keep what a window ending at the latest event (or later) can show.
	hourCut := f.latest.Unix()/3600 - ovHourWindow - 1
	for hr := range f.hours {
		if hr < hourCut {
			delete(f.hours, hr)
		}
	}
	dayCut := f.latest.Unix()/86400 - ovDayWindow - 1
	for day := range f.days {
		if day < dayCut {
			delete(f.days, day)
		}
	}
	return nil
}

// activity is the last ovHourWindow hours and ovDayWindow days, ending at
// now, or at the latest event when the shop has been quiet longer than the
// window (as with an imported history). When the first read did not reach
// the feed's start, only whole hours and days after its earliest event are
// shown.
func (f *ovFeed) activity(now time.Time) ovActivity {
	a := ovActivity{Complete: f.complete}
	if f.latest.IsZero() {
		return a
	}
	ref := now.UTC()
	if f.latest.Before(ref.Add(-ovHourWindow * time.Hour)) {
		ref = f.latest
	}
	a.To = ref.Truncate(time.Hour).Add(time.Hour)
	a.From = a.To.Add(-ovHourWindow * time.Hour)
	dayTo := ref.Truncate(24 * time.Hour).Add(24 * time.Hour)
	dayFrom := dayTo.AddDate(0, 0, -ovDayWindow)
	if !f.complete {
		if first := f.earliest.Truncate(time.Hour).Add(time.Hour); first.After(a.From) {
			a.From = first
			a.Complete = false
		} else {
			a.Complete = true // the window lies inside what was read
		}
		if first := f.earliest.Truncate(24 * time.Hour).Add(24 * time.Hour); first.After(dayFrom) {
			dayFrom = first
		}
	}
	hours := max(0, int(a.To.Sub(a.From)/time.Hour))
	var totals [shop.NumEventTypes]int64
	for hr := range hours {
		if c := f.hours[a.From.Add(time.Duration(hr)*time.Hour).Unix()/3600]; c != nil {
			for k, n := range c {
				totals[k] += n
			}
		}
	}
	var idx []int
	for k := range shop.EventTypes {
		if totals[k] > 0 {
			idx = append(idx, k)
		}
	}
	// Most frequent types first, so the chart keeps the main ones.
	slices.SortStableFunc(idx, func(x, y int) int { return int(totals[y] - totals[x]) })
	for _, k := range idx {
		a.Types = append(a.Types, shop.EventTypes[k])
	}
	for hr := range hours {
		at := a.From.Add(time.Duration(hr) * time.Hour)
		row := ovHourRow{Label: at.Format("01-02 15:00"), Counts: make([]int64, len(idx))}
		if c := f.hours[at.Unix()/3600]; c != nil {
			for j, k := range idx {
				row.Counts[j] = c[k]
				row.Total += c[k]
			}
		}
		a.Read += row.Total
		a.Hours = append(a.Hours, row)
	}
	for day := dayFrom; day.Before(dayTo); day = day.AddDate(0, 0, 1) {
		row := ovDayRow{Day: day.Format("2006-01-02")}
		if dg := f.days[day.Unix()/86400]; dg != nil {
			row.Revenue, row.Purchases = dg.revenue, dg.purchases
		}
		a.Days = append(a.Days, row)
	}
	return a
}

// ovReadActivity reads the events of the feed's last limit seqs afresh
// and returns the activity they show at now.
func ovReadActivity(ctx context.Context, st store.Store, lastSeq int64, now time.Time, limit int) (ovActivity, error) {
	var f ovFeed
	if err := f.update(ctx, st, lastSeq, limit); err != nil {
		return ovActivity{}, err
	}
	return f.activity(now), nil
}

// charts draws the activity charts in the page's language.
func (a *ovActivity) charts(p *page) {
	if len(a.Types) > 0 && len(a.Hours) > 0 {
		var ss []svgplot.Series
		for j, t := range a.Types[:min(len(a.Types), ovChartTypes)] {
			s := svgplot.Series{Name: string(t)}
			for hr, row := range a.Hours {
				s.X = append(s.X, float64(hr))
				s.Y = append(s.Y, float64(row.Counts[j]))
			}
			ss = append(ss, s)
		}
		from := a.From
		tick := func(x float64) string {
			return from.Add(time.Duration(math.Round(x)) * time.Hour).Format("01-02 15h")
		}
		a.Chart = template.HTML(svgplot.Line(p.T("overview.hourly"), p.T("overview.hour"), p.T("overview.count"), ss, tick, false, math.NaN(), ""))
	}
	if len(a.Days) > 0 {
		cats := make([]string, len(a.Days))
		ys := make([]float64, len(a.Days))
		for i, d := range a.Days {
			cats[i], ys[i] = d.Day[5:], d.Revenue
		}
		a.DayChart = template.HTML(svgplot.Bars(p.T("overview.revday"), p.T("overview.day"), p.T("overview.revenue"), cats,
			[]svgplot.Series{{Name: p.T("overview.revenue"), Y: ys}}))
	}
}

// keptRecModels lists the kept recommendation models, newest first, with the
// description each was published with.
func keptRecModels(ctx context.Context, st store.Store) ([]keptModel, error) {
	ms, err := artefact.List(ctx, st, recserve.Kind)
	if err != nil {
		return nil, err
	}
	cur, err := artefact.Current(ctx, st, recserve.Kind)
	if err != nil && !errors.Is(err, artefact.ErrNone) {
		return nil, err
	}
	out := make([]keptModel, 0, len(ms))
	for _, m := range ms {
		v := keptModel{Version: m.Version, CreatedAt: m.CreatedAt, Current: m.Version == cur.Version}
		if len(m.Info) > 0 && json.Unmarshal(m.Info, &v.Info) == nil {
			v.HasInfo = true
		}
		out = append(out, v)
	}
	return out, nil
}

// keptAdsModels lists the kept ad models, newest first.
func keptAdsModels(ctx context.Context, st store.Store) ([]keptAdsModel, error) {
	ms, err := artefact.List(ctx, st, ads.ModelKind)
	if err != nil {
		return nil, err
	}
	cur, err := artefact.Current(ctx, st, ads.ModelKind)
	if err != nil && !errors.Is(err, artefact.ErrNone) {
		return nil, err
	}
	out := make([]keptAdsModel, 0, len(ms))
	for _, m := range ms {
		v := keptAdsModel{Version: m.Version, CreatedAt: m.CreatedAt, Current: m.Version == cur.Version}
		var info struct {
			Clicks      int64 `json:"clicks"`
			Conversions int64 `json:"conversions"`
		}
		if len(m.Info) > 0 && json.Unmarshal(m.Info, &info) == nil {
			v.Clicks, v.Conversions = info.Clicks, info.Conversions
		}
		out = append(out, v)
	}
	return out, nil
}

func (h *Handler) overviewHealth(ctx context.Context, st store.Stats, d overviewData, now time.Time) ovHealth {
	var hl ovHealth
	pctx, cancel := context.WithTimeout(ctx, ovPingTimeout)
	defer cancel()
	t0 := time.Now()
	if err := h.d.Store.Ping(pctx); err != nil {
		hl.StoreErr = err.Error()
	} else {
		hl.StoreOK = true
	}
	hl.StoreMillis = time.Since(t0).Milliseconds()
	if pr := h.d.Profiles; pr != nil {
		hl.ProfilesOn = true
		hl.Ready = pr.Ready()
		hl.Lag = ovDuration(pr.Lag())
		if ss := pr.SinceSync(); ss >= 0 {
			hl.SinceSync = ovDuration(ss)
		}
		hl.Behind = max(0, st.LastSeq-pr.Applied())
	}
	if d.HasModel {
		hl.ModelAge = ovDuration(now.Sub(d.TrainedAt))
		if !d.Model.Info.TrainedAt.IsZero() {
			hl.ModelDataAge = ovDuration(now.Sub(d.Model.Info.TrainedAt))
		}
	}
	return hl
}

// ovDuration shows d rounded to what a reader needs.
func ovDuration(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Hour:
		return d.Round(time.Second).String()
	case d < 48*time.Hour:
		return d.Round(time.Minute).String()
	default:
		return fmt.Sprintf("%.1f d", d.Hours()/24)
	}
}
