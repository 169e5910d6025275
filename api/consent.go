package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/shopmind/shopmind/ingest"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// purposeState is one purpose of GET /v1/users/{id}/consent.
type purposeState struct {
	State store.ConsentState `json:"state"`
	// Allowed applies the policy: granted, or never asked and not a
	// purpose that needs an explicit grant (config consent_required).
	Allowed   bool       `json:"allowed"`
	ChangedAt *time.Time `json:"changed_at,omitempty"`
}

type consentAnswer struct {
	User     string                        `json:"user"`
	Purposes map[shop.Purpose]purposeState `json:"purposes"`
	History  []store.ConsentChange         `json:"history"`
}

// getConsent answers a user's consent per purpose, with the policy applied
// and the history of changes.
func (s *Server) getConsent(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	u, err := s.store.GetUser(ctx, id)
	if err != nil {
		s.storeError(w, r, "user "+strconv.Quote(id), err)
		return
	}
	hist, err := s.store.ConsentHistory(ctx, id)
	if err != nil {
		s.storeError(w, r, "the consent history of user "+strconv.Quote(id), err)
		return
	}
	s.writeConsent(w, u, hist)
}

func (s *Server) writeConsent(w http.ResponseWriter, u shop.User, hist []store.ConsentChange) {
	ans := consentAnswer{User: u.ID, Purposes: map[shop.Purpose]purposeState{}, History: hist}
	if ans.History == nil {
		ans.History = []store.ConsentChange{}
	}
	for _, p := range shop.Purposes {
		st := store.StateOf(u.Consent, p)
		ps := purposeState{State: st, Allowed: st == store.ConsentGranted || (st == store.ConsentUnset && !s.requiredConsent(p))}
		for i := len(hist) - 1; i >= 0; i-- {
			if hist[i].Purpose == p {
				at := hist[i].At
				ps.ChangedAt = &at
				break
			}
		}
		ans.Purposes[p] = ps
	}
	writeJSON(w, http.StatusOK, ans)
}

func (s *Server) requiredConsent(p shop.Purpose) bool {
	req, err := s.cfg.RequiredConsent()
	return err == nil && slices.Contains(req, p)
}

// patchConsent changes some purposes of a user's consent: true grants,
// false refuses, null forgets the answer (never asked); purposes not named
// keep their state. The change is recorded with its time in the consent
// history and reaches every node through the consent feed.
func (s *Server) patchConsent(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return
	}
	var patch map[shop.Purpose]*bool
	if err := json.Unmarshal(body, &patch); err != nil {
		writeProblem(w, http.StatusBadRequest, "invalid-consent", "the body must be a JSON object of purpose: true, false or null: "+err.Error())
		return
	}
	if len(patch) == 0 {
		writeProblem(w, http.StatusBadRequest, "invalid-consent", "name at least one purpose", FieldIssue{Detail: "purposes: " + purposeList()})
		return
	}
	for p := range patch {
		if !slices.Contains(shop.Purposes, p) {
			writeProblem(w, http.StatusBadRequest, "invalid-consent", strconv.Quote(string(p))+" is not a consent purpose",
				FieldIssue{Field: string(p), Detail: "use one of " + purposeList()})
			return
		}
	}
	ctx := r.Context()
	u, err := s.store.GetUser(ctx, id)
	if err != nil {
		s.storeError(w, r, "user "+strconv.Quote(id), err)
		return
	}
	if u.Consent == nil {
		u.Consent = map[shop.Purpose]bool{}
	}
	for p, v := range patch {
		if v == nil {
			delete(u.Consent, p)
		} else {
			u.Consent[p] = *v
		}
	}
	sum, err := s.ingest.Users(ctx, []ingest.Row[shop.User]{{Value: u}})
	if fi, err := refusalOf(sum.Results, err); err != nil || fi != nil {
		if err != nil {
			s.storeError(w, r, "user "+strconv.Quote(id), err)
		} else {
			writeProblem(w, http.StatusBadRequest, "invalid-consent", fi.Detail, *fi)
		}
		return
	}
	hist, err := s.store.ConsentHistory(ctx, id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.storeError(w, r, "the consent history of user "+strconv.Quote(id), err)
		return
	}
	s.writeConsent(w, u, hist)
}

func purposeList() string {
	var out string
	for i, p := range shop.Purposes {
		if i > 0 {
			out += ", "
		}
		out += string(p)
	}
	return out
}
