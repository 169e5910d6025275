package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/shopmind/shopmind/ads"
)

func (s *Server) adsReady(w http.ResponseWriter) bool {
	if s.ads == nil {
		writeProblem(w, http.StatusServiceUnavailable, "ads-disabled", "this server does not serve ads")
		return false
	}
	return true
}

// adsError maps the ads service's errors to problems: invalid campaigns and
// events name every field at fault.
func (s *Server) adsError(w http.ResponseWriter, r *http.Request, what string, err error) {
	var issues []FieldIssue
	collectInvalid(err, &issues)
	switch {
	case len(issues) > 0:
		writeProblem(w, http.StatusBadRequest, "invalid-"+what, err.Error(), issues...)
	case errors.Is(err, ads.ErrNotFound):
		writeProblem(w, http.StatusNotFound, "not-found", err.Error())
	case errors.Is(err, ads.ErrExists):
		writeProblem(w, http.StatusConflict, "exists", err.Error())
	case errors.Is(err, ads.ErrUnknownDecision):
		writeProblem(w, http.StatusNotFound, "unknown-decision", err.Error()+"; events must carry the decision_id of a recent POST /v1/ads/decide")
	default:
		s.storeError(w, r, "the "+what, err)
	}
}

// collectInvalid gathers every *ads.InvalidError in err's tree.
func collectInvalid(err error, out *[]FieldIssue) {
	var inv *ads.InvalidError
	if errors.As(err, &inv) && err == error(inv) {
		*out = append(*out, FieldIssue{Field: inv.Field, Detail: inv.Msg})
		return
	}
	switch u := err.(type) {
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			collectInvalid(e, out)
		}
	case interface{ Unwrap() error }:
		collectInvalid(u.Unwrap(), out)
	}
}

func (s *Server) decodeCampaign(w http.ResponseWriter, r *http.Request) (ads.Campaign, bool) {
	body, err := s.readBody(w, r)
	if err != nil {
		return ads.Campaign{}, false
	}
	var c ads.Campaign
	if err := strictUnmarshal(body, &c); err != nil {
		writeProblem(w, http.StatusBadRequest, "invalid-campaign", err.Error(), issue(nil, err))
		return ads.Campaign{}, false
	}
	return c, true
}

func (s *Server) createCampaign(w http.ResponseWriter, r *http.Request) {
	if !s.adsReady(w) {
		return
	}
	c, ok := s.decodeCampaign(w, r)
	if !ok {
		return
	}
	saved, err := s.ads.Create(r.Context(), c)
	if err != nil {
		s.adsError(w, r, "campaign", err)
		return
	}
	writeJSON(w, http.StatusCreated, saved)
}

func (s *Server) replaceCampaign(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok || !s.adsReady(w) {
		return
	}
	c, ok := s.decodeCampaign(w, r)
	if !ok {
		return
	}
	if c.ID != "" && c.ID != id {
		writeProblem(w, http.StatusBadRequest, "id-mismatch", "the body's id "+strconv.Quote(c.ID)+" differs from the path's "+strconv.Quote(id)+"; omit it or make them equal")
		return
	}
	saved, err := s.ads.Replace(r.Context(), id, c)
	if err != nil {
		s.adsError(w, r, "campaign", err)
		return
	}
	writeJSON(w, http.StatusOK, saved)
}

func (s *Server) getCampaign(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok || !s.adsReady(w) {
		return
	}
	c, err := s.ads.Get(r.Context(), id)
	if err != nil {
		s.adsError(w, r, "campaign", err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) listCampaigns(w http.ResponseWriter, r *http.Request) {
	if !s.adsReady(w) {
		return
	}
	limit, ok := queryLimit(w, r.URL.Query().Get("limit"))
	if !ok {
		return
	}
	list, next, err := s.ads.List(r.Context(), r.URL.Query().Get("cursor"), limit)
	if err != nil {
		s.adsError(w, r, "campaigns", err)
		return
	}
	if list == nil {
		list = []ads.Campaign{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"campaigns": list, "next_cursor": next})
}

func (s *Server) deleteCampaign(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok || !s.adsReady(w) {
		return
	}
	if err := s.ads.Delete(r.Context(), id); err != nil {
		s.adsError(w, r, "campaign", err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// maxSlots bounds the ads one decision may ask for.
const maxSlots = 20

func (s *Server) decideAds(w http.ResponseWriter, r *http.Request) {
	if !s.adsReady(w) {
		return
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return
	}
	var req ads.Request
	if err := strictUnmarshal(body, &req); err != nil {
		writeProblem(w, http.StatusBadRequest, "invalid-request", err.Error()+`; send {"user": "...", "context": {"device": "mobile", "page": "home"}, "slots": 2}`, issue(nil, err))
		return
	}
	if req.Slots < 0 || req.Slots > maxSlots {
		writeProblem(w, http.StatusBadRequest, "invalid-request", "slots must be from 0 (the default) to "+strconv.Itoa(maxSlots), FieldIssue{Field: "slots", Detail: "out of range"})
		return
	}
	d, err := s.ads.Decide(r.Context(), req)
	if err != nil {
		s.adsError(w, r, "decision", err)
		return
	}
	if d.Ads == nil {
		d.Ads = []ads.Ad{}
	}
	writeJSON(w, http.StatusOK, d)
}

// adEvent applies one impression, click or conversion given by decision
// and slot (POST /v1/events with context.decision_id does the same and
// keeps the event).
func (s *Server) adEvent(w http.ResponseWriter, r *http.Request) {
	if !s.adsReady(w) {
		return
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return
	}
	var ev ads.Event
	if err := strictUnmarshal(body, &ev); err != nil {
		writeProblem(w, http.StatusBadRequest, "invalid-event", err.Error(), issue(nil, err))
		return
	}
	out, dup, err := s.ads.Event(r.Context(), ev)
	if err != nil {
		s.adsError(w, r, "event", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"charged": out.Charged, "capped": out.Capped, "duplicate": dup})
}
