package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/shopmind/shopmind/profile"
)

func (s *Server) profilesReady(w http.ResponseWriter) bool {
	if s.profiles == nil {
		writeProblem(w, http.StatusServiceUnavailable, "profiles-disabled", "this server does not build profiles")
		return false
	}
	return true
}

// getProfile answers with the user's profile, reflecting every event
// acknowledged before the request.
func (s *Server) getProfile(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok || !s.profilesReady(w) {
		return
	}
	v, err := s.profiles.View(r.Context(), id)
	if errors.Is(err, profile.ErrNoProfile) {
		if _, uerr := s.store.GetUser(r.Context(), id); uerr == nil {
			writeProblem(w, http.StatusNotFound, "no-events", "user "+strconv.Quote(id)+" has no events yet; a profile starts with the first event")
			return
		}
		writeProblem(w, http.StatusNotFound, "not-found", "user "+strconv.Quote(id)+" not found; send events for them first")
		return
	}
	if err != nil {
		s.storeError(w, r, "the profile", err)
		return
	}
	if s.audience != nil {
		if v.Segments, err = s.audience.Memberships(r.Context(), id); err != nil {
			s.storeError(w, r, "the profile's segments", err)
			return
		}
	}
	writeJSON(w, http.StatusOK, v)
}

// refreshProfiles recomputes RFM quintiles over every profile now.
func (s *Server) refreshProfiles(w http.ResponseWriter, r *http.Request) {
	if !s.profilesReady(w) {
		return
	}
	if err := s.profiles.Sync(r.Context()); err != nil {
		s.storeError(w, r, "the profiles", err)
		return
	}
	q := s.profiles.RefreshRFM()
	writeJSON(w, http.StatusOK, map[string]any{"users": s.profiles.Users(), "rfm_quintiles": q, "value_model": s.profiles.ValueModel()})
}
