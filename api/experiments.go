package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/shopmind/shopmind/experiment"
	"github.com/shopmind/shopmind/shop"
)

func (s *Server) experimentsReady(w http.ResponseWriter) bool {
	if s.experiments == nil {
		writeProblem(w, http.StatusServiceUnavailable, "experiments-disabled", "this server does not serve experiments")
		return false
	}
	return true
}

// experimentError maps the experiment service's errors to problems: an
// invalid definition or change names every field at fault.
func (s *Server) experimentError(w http.ResponseWriter, r *http.Request, err error) {
	var issues []FieldIssue
	collectExperimentInvalid(err, &issues)
	switch {
	case len(issues) > 0:
		writeProblem(w, http.StatusBadRequest, "invalid-experiment", err.Error(), issues...)
	case errors.Is(err, experiment.ErrNotFound):
		writeProblem(w, http.StatusNotFound, "not-found", err.Error())
	case errors.Is(err, experiment.ErrExists):
		writeProblem(w, http.StatusConflict, "exists", err.Error())
	default:
		s.storeError(w, r, "the experiment", err)
	}
}

// collectExperimentInvalid gathers every *experiment.InvalidError in err's
// tree.
func collectExperimentInvalid(err error, out *[]FieldIssue) {
	var inv *experiment.InvalidError
	if errors.As(err, &inv) && err == error(inv) {
		*out = append(*out, FieldIssue{Field: inv.Field, Detail: inv.Msg})
		return
	}
	switch u := err.(type) {
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			collectExperimentInvalid(e, out)
		}
	case interface{ Unwrap() error }:
		collectExperimentInvalid(u.Unwrap(), out)
	}
}

func (s *Server) decodeExperiment(w http.ResponseWriter, r *http.Request) (experiment.Experiment, bool) {
	var e experiment.Experiment
	body, err := s.readBody(w, r)
	if err != nil {
		return e, false
	}
	if err := strictUnmarshal(body, &e); err != nil {
		writeProblem(w, http.StatusBadRequest, "invalid-experiment", err.Error(), issue(nil, err))
		return e, false
	}
	return e, true
}

func (s *Server) createExperiment(w http.ResponseWriter, r *http.Request) {
	if !s.experimentsReady(w) {
		return
	}
	e, ok := s.decodeExperiment(w, r)
	if !ok {
		return
	}
	saved, err := s.experiments.Create(r.Context(), e)
	if err != nil {
		s.experimentError(w, r, err)
		return
	}
	w.Header().Set("Location", "/v1/experiments/"+saved.ID)
	writeJSON(w, http.StatusCreated, saved)
}

func (s *Server) updateExperiment(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok || !s.experimentsReady(w) {
		return
	}
	e, ok := s.decodeExperiment(w, r)
	if !ok {
		return
	}
	if e.ID != "" && e.ID != id {
		writeProblem(w, http.StatusBadRequest, "id-mismatch", "the body's id "+strconv.Quote(e.ID)+" differs from the path's "+strconv.Quote(id)+"; omit it or make them equal")
		return
	}
	saved, err := s.experiments.Update(r.Context(), id, e)
	if err != nil {
		s.experimentError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, saved)
}

func (s *Server) getExperiment(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok || !s.experimentsReady(w) {
		return
	}
	e, err := s.experiments.Get(r.Context(), id)
	if err != nil {
		s.experimentError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, e)
}

func (s *Server) listExperiments(w http.ResponseWriter, r *http.Request) {
	if !s.experimentsReady(w) {
		return
	}
	limit, ok := queryLimit(w, r.URL.Query().Get("limit"))
	if !ok {
		return
	}
	list, next, err := s.experiments.List(r.Context(), r.URL.Query().Get("cursor"), limit)
	if err != nil {
		s.experimentError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"experiments": list, "next_cursor": next})
}

func (s *Server) experimentAssignment(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok || !s.experimentsReady(w) {
		return
	}
	user := r.URL.Query().Get("user")
	if err := shop.CheckID("user", user); err != nil {
		writeProblem(w, http.StatusBadRequest, "invalid-parameter", err.Error()+"; pass ?user=USER_ID", FieldIssue{Field: "user", Detail: err.Error()})
		return
	}
	a, err := s.experiments.Assign(r.Context(), id, user)
	if err != nil {
		s.experimentError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) experimentResults(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok || !s.experimentsReady(w) {
		return
	}
	res, err := s.experiments.Results(r.Context(), id)
	if err != nil {
		s.experimentError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
