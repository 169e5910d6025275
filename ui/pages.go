package ui

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/shopmind/shopmind/audience"
	"github.com/shopmind/shopmind/profile"
	"github.com/shopmind/shopmind/recserve"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// page is what every template gets: the frame (language, session, nav) and
// the page's own Data.
type page struct {
	Lang     string
	Title    string
	Path     string // the request path, for the active nav link
	query    url.Values
	CSRF     string
	SignedIn bool // a session exists (shows the sign-out button)
	ReadOnly bool
	Open     bool // no keys configured: no sign-out

	Status  int
	Message string
	Detail  string

	Errors map[string]string // form field -> message
	Form   map[string]string // form field -> value sent
	Notice string

	Data any
}

// T translates key into the page's language.
func (p *page) T(key string) string { return translate(p.Lang, key) }

// Langs lists the language switch's links: the current page in each.
func (p *page) Langs() []struct{ Code, Name, URL string } {
	var out []struct{ Code, Name, URL string }
	for _, l := range langs {
		q := url.Values{}
		for k, v := range p.query {
			q[k] = v
		}
		q.Set("lang", l.Code)
		out = append(out, struct{ Code, Name, URL string }{l.Code, l.Name, p.Path + "?" + q.Encode()})
	}
	return out
}

func (h *Handler) newPage(w http.ResponseWriter, r *http.Request, s *session, title string) *page {
	p := &page{Lang: language(w, r), Path: r.URL.Path, query: r.URL.Query(), Open: h.open()}
	p.Title = p.T(title)
	if s != nil {
		p.CSRF, p.SignedIn, p.ReadOnly = s.csrf, true, !s.canChange()
	}
	return p
}

// overviewData is the overview page.
type overviewData struct {
	Stats              store.Stats
	Profiles           int
	Active7, Active30  int
	ByType             []typeCount
	Model              recserve.Model
	HasModel, HasRecs  bool
	HasProfilesService bool
}

type typeCount struct {
	Type  shop.EventType
	Count int64
}

func (h *Handler) overview(w http.ResponseWriter, r *http.Request, s *session) {
	st, err := h.d.Store.Stats(r.Context())
	if err != nil {
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	d := overviewData{Stats: st}
	if pr := h.d.Profiles; pr != nil {
		d.HasProfilesService = true
		d.Profiles = pr.Users()
		var counts [shop.NumEventTypes]int64
		now := h.now().Unix()
		pr.Each(func(p *profile.Profile, _ *profile.Context) bool {
			for i, n := range p.Counts {
				counts[i] += n
			}
			if p.Latest >= now-7*86400 {
				d.Active7++
			}
			if p.Latest >= now-30*86400 {
				d.Active30++
			}
			return true
		})
		for i, t := range shop.EventTypes {
			if counts[i] > 0 {
				d.ByType = append(d.ByType, typeCount{t, counts[i]})
			}
		}
		slices.SortStableFunc(d.ByType, func(a, b typeCount) int { return int(b.Count - a.Count) })
	}
	if rs := h.d.Recommendations; rs != nil {
		d.HasRecs = true
		d.Model, d.HasModel = rs.Current()
	}
	p := h.newPage(w, r, s, "overview.title")
	p.Data = d
	h.render(w, http.StatusOK, "overview", p)
}

// customerData is the customer page.
type customerData struct {
	User     string
	Found    bool
	View     profile.View
	Consent  []consentRow
	Events   []shop.Event
	Recs     recserve.Result
	RecsErr  string
	Segments []string
}

type consentRow struct {
	Purpose shop.Purpose
	State   store.ConsentState
}

func (h *Handler) customer(w http.ResponseWriter, r *http.Request, s *session) {
	p := h.newPage(w, r, s, "customer.title")
	d := customerData{User: strings.TrimSpace(r.URL.Query().Get("user"))}
	p.Data = &d
	if d.User == "" || h.d.Profiles == nil {
		h.render(w, http.StatusOK, "customer", p)
		return
	}
	ctx := r.Context()
	v, err := h.d.Profiles.View(ctx, d.User)
	switch {
	case errors.Is(err, profile.ErrNoProfile):
		h.render(w, http.StatusOK, "customer", p) // the empty state
		return
	case err != nil:
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	d.Found, d.View = true, v
	if h.d.Consent != nil {
		for _, pu := range []shop.Purpose{shop.Personalization, shop.Ads, shop.MarketingMessages, shop.LLMProcessing, shop.Analytics} {
			d.Consent = append(d.Consent, consentRow{pu, h.d.Consent.State(d.User, pu)})
		}
	}
	evs, _, err := h.d.Store.UserEvents(ctx, store.EventQuery{UserID: d.User, Limit: 20})
	if err != nil {
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	d.Events = evs
	if h.d.Recommendations != nil {
		res, err := h.d.Recommendations.ForUser(ctx, d.User, recserve.Request{N: 10, Explain: true})
		if err != nil {
			d.RecsErr = err.Error()
		}
		d.Recs = res
	}
	h.render(w, http.StatusOK, "customer", p)
}

// segmentsData is the segments page.
type segmentsData struct {
	Segments []segmentRow
	Disabled bool
}

type segmentRow struct {
	audience.Definition
	Size    int
	SizeErr string
}

func (h *Handler) segments(w http.ResponseWriter, r *http.Request, s *session) {
	p := h.newPage(w, r, s, "segments.title")
	if id := r.URL.Query().Get("saved"); id != "" && h.d.Audience != nil {
		if n, err := h.d.Audience.Size(r.Context(), id); err == nil {
			p.Notice = fmt.Sprintf(p.T("segments.saved"), id, n)
		}
	}
	h.renderSegments(w, r, s, p, http.StatusOK)
}

// renderSegments lists the segments with their sizes under p.
func (h *Handler) renderSegments(w http.ResponseWriter, r *http.Request, s *session, p *page, status int) {
	d := segmentsData{Disabled: h.d.Audience == nil}
	p.Data = &d
	if h.d.Audience != nil {
		defs, _, err := h.d.Audience.List(r.Context(), "", store.MaxLimit)
		if err != nil {
			h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
			return
		}
		for _, def := range defs {
			row := segmentRow{Definition: def}
			if row.Size, err = h.d.Audience.Size(r.Context(), def.ID); err != nil {
				row.SizeErr = err.Error()
			}
			d.Segments = append(d.Segments, row)
		}
	}
	h.render(w, status, "segments", p)
}

func (h *Handler) createSegment(w http.ResponseWriter, r *http.Request, s *session) {
	if !s.canChange() {
		h.fail(w, r, s, http.StatusForbidden, "error.readonly", "")
		return
	}
	if h.d.Audience == nil {
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.disabled", "")
		return
	}
	in := audience.Input{
		Name:        strings.TrimSpace(r.PostForm.Get("name")),
		Expression:  strings.TrimSpace(r.PostForm.Get("expression")),
		Description: strings.TrimSpace(r.PostForm.Get("description")),
	}
	def, err := h.d.Audience.Create(r.Context(), in)
	var inv *audience.InvalidError
	switch {
	case errors.As(err, &inv):
		p := h.newPage(w, r, s, "segments.title")
		field := inv.Field
		if field != "name" && field != "description" {
			field = "expression"
		}
		msg := inv.Msg
		if inv.Pos != nil {
			msg = inv.Pos.Error()
		}
		p.Errors = map[string]string{field: msg}
		p.Form = map[string]string{"name": in.Name, "expression": in.Expression, "description": in.Description}
		h.renderSegments(w, r, s, p, http.StatusBadRequest)
		return
	case err != nil:
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	http.Redirect(w, r, "/ui/segments?saved="+url.QueryEscape(def.ID), http.StatusSeeOther)
}
