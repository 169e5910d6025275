package ui

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/shopmind/shopmind/erasure"
	"github.com/shopmind/shopmind/profile"
	"github.com/shopmind/shopmind/recserve"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
	"github.com/shopmind/shopmind/strategy"
)

// customerRoutes adds the customer page and its deletion steps.
func (h *Handler) customerRoutes() {
	h.mux.HandleFunc("GET /ui/customers", h.signedIn(h.customer))
	h.mux.HandleFunc("GET /ui/customers/delete", h.signedIn(h.confirmDeletion))
	h.mux.HandleFunc("POST /ui/customers/delete", h.signedIn(h.deleteCustomer))
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
	Segments []savedSegment // saved segments the user is in now
	// SegmentsOff: no audience service here, so saved segments are not
	// listed.
	SegmentsOff bool
	SegmentsErr string
	Next        *strategy.NextAction
	NextErr     string
	NextOff     bool // no strategy service here
	CanDelete   bool // an admin session and an erasure service
}

type savedSegment struct{ ID, Name string }

type consentRow struct {
	Purpose shop.Purpose
	State   store.ConsentState
}

func (h *Handler) customer(w http.ResponseWriter, r *http.Request, s *session) {
	p := h.newPage(w, r, s, "customer.title")
	q := r.URL.Query()
	d := customerData{User: strings.TrimSpace(q.Get("user"))}
	p.Data = &d
	if d.User == "" || h.d.Profiles == nil {
		h.render(w, http.StatusOK, "customer", p)
		return
	}
	ctx := r.Context()
	v, err := h.d.Profiles.View(ctx, d.User)
	switch {
	case errors.Is(err, profile.ErrNoProfile):
		// After a deletion, say what went; only while the user is indeed
		// gone (the address could be reloaded after new events arrived).
		if n, err := strconv.ParseInt(q.Get("deleted"), 10, 64); err == nil && n >= 0 {
			p.Notice = fmt.Sprintf(p.T("customer.deleted"), d.User, n)
		}
		h.render(w, http.StatusOK, "customer", p) // the empty state
		return
	case err != nil:
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	d.Found, d.View = true, v
	d.CanDelete = s.canChange() && h.d.Erasure != nil
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
	if h.d.Audience == nil {
		d.SegmentsOff = true
	} else if ids, err := h.d.Audience.Memberships(ctx, d.User); err != nil {
		d.SegmentsErr = err.Error()
	} else {
		for _, id := range ids {
			seg := savedSegment{ID: id, Name: id}
			if def, err := h.d.Audience.Get(ctx, id); err == nil {
				seg.Name = def.Name
			}
			d.Segments = append(d.Segments, seg)
		}
	}
	if h.d.Strategy == nil {
		d.NextOff = true
	} else if na, err := h.d.Strategy.NextAction(ctx, d.User); err != nil {
		d.NextErr = err.Error()
	} else {
		d.Next = na
	}
	h.render(w, http.StatusOK, "customer", p)
}

// deletionData is the deletion confirmation page.
type deletionData struct {
	User   string
	Events int64 // events the store holds of the user now
}

// confirmDeletion asks an admin to type the user id before deleting: the
// deletion cannot be undone.
func (h *Handler) confirmDeletion(w http.ResponseWriter, r *http.Request, s *session) {
	if !h.mayChange(w, r, s, true) {
		return
	}
	user := strings.TrimSpace(r.URL.Query().Get("user"))
	if user == "" {
		http.Redirect(w, r, "/ui/customers", http.StatusSeeOther)
		return
	}
	h.renderDeletion(w, r, s, user, http.StatusOK, nil)
}

func (h *Handler) renderDeletion(w http.ResponseWriter, r *http.Request, s *session, user string, status int, p *page) {
	if p == nil {
		p = h.newPage(w, r, s, "customer.deltitle")
	}
	d := deletionData{User: user}
	if h.d.Profiles != nil {
		if v, err := h.d.Profiles.View(r.Context(), user); err == nil {
			d.Events = v.Events
		}
	}
	p.Data = &d
	h.render(w, status, "customer_delete", p)
}

// deleteCustomer deletes the user everywhere, as DELETE /v1/users/{id} does.
func (h *Handler) deleteCustomer(w http.ResponseWriter, r *http.Request, s *session) {
	if !h.mayChange(w, r, s, h.d.Erasure != nil) {
		return
	}
	user := strings.TrimSpace(r.PostForm.Get("user"))
	confirm := strings.TrimSpace(r.PostForm.Get("confirm"))
	if user == "" {
		h.fail(w, r, s, http.StatusBadRequest, "customer.nouser", "")
		return
	}
	if err := shop.CheckID("user", user); err != nil {
		h.fail(w, r, s, http.StatusBadRequest, "customer.nouser", err.Error())
		return
	}
	if confirm != user {
		p := h.newPage(w, r, s, "customer.deltitle")
		p.Errors = map[string]string{"confirm": p.T("customer.mismatch")}
		p.Form = map[string]string{"confirm": confirm}
		h.renderDeletion(w, r, s, user, http.StatusBadRequest, p)
		return
	}
	res, err := h.d.Erasure.DeleteUser(r.Context(), user, h.auditKey(s), "dashboard")
	var auditErr *erasure.AuditError
	var incomplete *erasure.IncompleteError
	switch {
	case errors.Is(err, erasure.ErrNotFound):
		h.fail(w, r, s, http.StatusNotFound, "customer.gone", user)
		return
	case errors.As(err, &auditErr), errors.As(err, &incomplete):
		// The user's rows are gone; say what is left to do.
		h.log.Error("dashboard deletion finished only in part", "err", err)
		h.fail(w, r, s, http.StatusInternalServerError, "customer.partial", err.Error())
		return
	case err != nil:
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	q := url.Values{"user": {user}, "deleted": {strconv.FormatInt(res.Events, 10)}}
	http.Redirect(w, r, "/ui/customers?"+q.Encode(), http.StatusSeeOther)
}

// auditKey names the signed-in key in the audit record as the API does
// (erasure.KeyFingerprint, "loopback" without keys); sessions made before
// they kept the fingerprint say "dashboard".
func (h *Handler) auditKey(s *session) string {
	if s.keyFP == "" {
		return "dashboard"
	}
	return s.keyFP
}
