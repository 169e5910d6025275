package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/shopmind/shopmind/audience"
	"github.com/shopmind/shopmind/privacy/dp"
)

func (s *Server) audienceReady(w http.ResponseWriter) bool {
	if s.audience == nil {
		writeProblem(w, http.StatusServiceUnavailable, "segments-disabled", "this server does not serve segments")
		return false
	}
	return true
}

// segmentError answers for audience errors: 400 with the position for a bad
// definition, 404 for a missing segment, the store mapping otherwise.
func (s *Server) segmentError(w http.ResponseWriter, r *http.Request, err error) {
	var inv *audience.InvalidError
	switch {
	case errors.As(err, &inv):
		issue := FieldIssue{Field: inv.Field, Detail: inv.Msg}
		p := Problem{Type: problemBase + "invalid-segment", Title: "Bad Request", Status: 400, Detail: inv.Error(), Errors: []FieldIssue{issue}}
		if inv.Pos != nil {
			p.Line, p.Column = inv.Pos.Line, inv.Pos.Col
		}
		writeProblemDoc(w, p)
	case errors.Is(err, audience.ErrNotFound):
		writeProblem(w, http.StatusNotFound, "not-found", err.Error())
	case errors.As(err, new(*audience.GroupTooSmallError)):
		writeProblem(w, http.StatusConflict, "group-too-small", err.Error())
	default:
		s.storeError(w, r, "the segment", err)
	}
}

func (s *Server) decodeSegment(w http.ResponseWriter, r *http.Request) (audience.Input, bool) {
	var in audience.Input
	body, err := s.readBody(w, r)
	if err != nil {
		return in, false
	}
	if err := strictUnmarshal(body, &in); err != nil {
		writeProblem(w, http.StatusBadRequest, "invalid-segment", err.Error(), issue(nil, err))
		return in, false
	}
	return in, true
}

type segmentAnswer struct {
	audience.Definition
	Size int `json:"size"`
}

func (s *Server) createSegment(w http.ResponseWriter, r *http.Request) {
	if !s.audienceReady(w) {
		return
	}
	in, ok := s.decodeSegment(w, r)
	if !ok {
		return
	}
	d, err := s.audience.Create(r.Context(), in)
	if err != nil {
		s.segmentError(w, r, err)
		return
	}
	n, err := s.audience.Size(r.Context(), d.ID)
	if err != nil {
		s.segmentError(w, r, err)
		return
	}
	w.Header().Set("Location", "/v1/segments/"+d.ID)
	writeJSON(w, http.StatusCreated, segmentAnswer{d, n})
}

func (s *Server) replaceSegment(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok || !s.audienceReady(w) {
		return
	}
	in, ok := s.decodeSegment(w, r)
	if !ok {
		return
	}
	d, err := s.audience.Replace(r.Context(), id, in)
	if err != nil {
		s.segmentError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) getSegment(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok || !s.audienceReady(w) {
		return
	}
	d, err := s.audience.Get(r.Context(), id)
	if err != nil {
		s.segmentError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) listSegments(w http.ResponseWriter, r *http.Request) {
	if !s.audienceReady(w) {
		return
	}
	limit, ok := queryLimit(w, r.URL.Query().Get("limit"))
	if !ok {
		return
	}
	defs, next, err := s.audience.List(r.Context(), r.URL.Query().Get("cursor"), limit)
	if err != nil {
		s.segmentError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"segments": defs, "next_cursor": next})
}

func (s *Server) deleteSegment(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok || !s.audienceReady(w) {
		return
	}
	if err := s.audience.Delete(r.Context(), id); err != nil {
		s.segmentError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) segmentSize(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok || !s.audienceReady(w) {
		return
	}
	q := r.URL.Query()
	noise := false
	if v := q.Get("noise"); v != "" {
		var err error
		if noise, err = strconv.ParseBool(v); err != nil {
			writeProblem(w, http.StatusBadRequest, "invalid-parameter", "noise must be true or false")
			return
		}
	}
	eps := 0.1
	if v := q.Get("epsilon"); v != "" {
		var err error
		eps, err = strconv.ParseFloat(v, 64)
		if err == nil {
			err = dp.CheckParams(1, eps)
		}
		if err != nil || !noise {
			writeProblem(w, http.StatusBadRequest, "invalid-parameter", "epsilon must be a positive number, and is only read with noise=true")
			return
		}
	}
	if noise && s.dpLedger == nil {
		writeProblem(w, http.StatusServiceUnavailable, "noise-disabled", "this server keeps no privacy budget, so it cannot answer with noise")
		return
	}
	n, err := s.audience.Size(r.Context(), id)
	if err != nil {
		s.segmentError(w, r, err)
		return
	}
	if !noise {
		writeJSON(w, http.StatusOK, map[string]int{"size": n})
		return
	}
	// A noisy size is epsilon-differentially private; every answer spends
	// epsilon from the segment's budget (dp_epsilon_budget), kept in the
	// store so restarts and other nodes cannot reset it.
	rc, err := s.dpLedger.Spend(r.Context(), "segment_size:"+id, eps)
	if err != nil {
		if errors.Is(err, dp.ErrBudgetExhausted) {
			writeProblem(w, http.StatusConflict, "privacy-budget-exhausted", err.Error())
			return
		}
		s.storeError(w, r, "the privacy budget", err)
		return
	}
	writeJSON(w, http.StatusOK, noisySize{Size: dp.NoisyCount(s.dpNoise, n, rc.Epsilon), Noise: "laplace", Scale: dp.Scale(1, rc.Epsilon), Receipt: rc})
}

// noisySize is the answer of GET /v1/segments/{id}/size?noise=true: the
// size with Laplace noise of the given scale (sensitivity 1), rounded and
// at least 0, and what the answer cost in privacy budget.
type noisySize struct {
	Size  int     `json:"size"`
	Noise string  `json:"noise"`
	Scale float64 `json:"scale"`
	dp.Receipt
}

func (s *Server) segmentMembers(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok || !s.audienceReady(w) {
		return
	}
	limit, ok := queryLimit(w, r.URL.Query().Get("limit"))
	if !ok {
		return
	}
	ids, next, err := s.audience.Members(r.Context(), id, r.URL.Query().Get("cursor"), limit)
	if err != nil {
		s.segmentError(w, r, err)
		return
	}
	if ids == nil {
		ids = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"members": ids, "next_cursor": next})
}

func (s *Server) segmentPreview(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok || !s.audienceReady(w) {
		return
	}
	n := 10
	if v := r.URL.Query().Get("n"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 || n > 100 {
			writeProblem(w, http.StatusBadRequest, "invalid-parameter", "n must be a whole number from 1 to 100")
			return
		}
	}
	d, rows, err := s.audience.Preview(r.Context(), id, n)
	if err != nil {
		s.segmentError(w, r, err)
		return
	}
	if rows == nil {
		rows = []audience.Row{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"segment": d, "members": rows})
}

func (s *Server) segmentExport(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok || !s.audienceReady(w) {
		return
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "csv"
	}
	if format != "csv" && format != "jsonl" {
		writeProblem(w, http.StatusBadRequest, "invalid-parameter", "format must be csv or jsonl")
		return
	}
	if _, err := s.audience.Get(r.Context(), id); err != nil {
		s.segmentError(w, r, err)
		return
	}
	// The headers go out with the first byte, so a refusal before any row
	// (a group smaller than min_group_size) can still be a problem answer.
	out := &lazyHeaders{w: w, set: func(h http.Header) {
		if format == "csv" {
			h.Set("Content-Type", "text/csv; charset=utf-8")
		} else {
			h.Set("Content-Type", "application/x-ndjson")
		}
		h.Set("Content-Disposition", `attachment; filename="`+id+`.`+format+`"`)
	}}
	if _, err := s.audience.Export(r.Context(), id, format, s.cfg.MinGroupSize, out); err != nil {
		if !out.started {
			s.segmentError(w, r, err)
			return
		}
		s.log.Warn("segment export failed mid-stream", "segment", id, "err", err)
		return
	}
	if !out.started { // an empty JSONL export
		out.Write(nil)
	}
}

// lazyHeaders sets a response's headers just before its first byte.
type lazyHeaders struct {
	w       http.ResponseWriter
	set     func(http.Header)
	started bool
}

func (l *lazyHeaders) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		l.set(l.w.Header())
	}
	return l.w.Write(p)
}

// validateSegment checks an expression without saving it (live validation).
func (s *Server) validateSegment(w http.ResponseWriter, r *http.Request) {
	body, err := s.readBody(w, r)
	if err != nil {
		return
	}
	var in struct {
		Expression string `json:"expression"`
	}
	if err := strictUnmarshal(body, &in); err != nil {
		writeProblem(w, http.StatusBadRequest, "invalid-segment", err.Error(), issue(nil, err))
		return
	}
	e, err := audience.Validate(in.Expression)
	if err != nil {
		s.segmentError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"valid": true, "canonical": e.String(), "reads": e.Fields()})
}

// segmentLookalike answers the n non-members most like the segment's
// members by profile.
func (s *Server) segmentLookalike(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok || !s.audienceReady(w) {
		return
	}
	n := 100
	if v := r.URL.Query().Get("n"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 || n > 10000 {
			writeProblem(w, http.StatusBadRequest, "invalid-parameter", "n must be a whole number from 1 to 10000")
			return
		}
	}
	users, err := s.audience.Lookalike(r.Context(), id, n)
	if err != nil {
		s.segmentError(w, r, err)
		return
	}
	if users == nil {
		users = []audience.Scored{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"segment": id, "users": users})
}

// clusters answers k-means behaviour clusters of all profiles, each described
// in words.
func (s *Server) clusters(w http.ResponseWriter, r *http.Request) {
	if !s.audienceReady(w) {
		return
	}
	q := r.URL.Query()
	k, seed := 5, uint64(1)
	if v := q.Get("k"); v != "" {
		var err error
		if k, err = strconv.Atoi(v); err != nil {
			writeProblem(w, http.StatusBadRequest, "invalid-parameter", "k must be a whole number from 2 to 50")
			return
		}
	}
	if v := q.Get("seed"); v != "" {
		var err error
		if seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			writeProblem(w, http.StatusBadRequest, "invalid-parameter", "seed must be a non-negative whole number")
			return
		}
	}
	res, err := s.audience.Cluster(r.Context(), k, seed)
	if err != nil {
		s.segmentError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
