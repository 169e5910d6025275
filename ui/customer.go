package ui

import (
	"errors"
	"net/http"
	"strings"

	"github.com/shopmind/shopmind/profile"
	"github.com/shopmind/shopmind/recserve"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// customerRoutes adds the customer page.
func (h *Handler) customerRoutes() {
	h.mux.HandleFunc("GET /ui/customers", h.signedIn(h.customer))
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
