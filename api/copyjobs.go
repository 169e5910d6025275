package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/shopmind/shopmind/audience"
	"github.com/shopmind/shopmind/copyserve"
	"github.com/shopmind/shopmind/copywriting"
	"github.com/shopmind/shopmind/profile"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// CopyJobMembers lists a saved segment's members for copy jobs.
func CopyJobMembers(aud *audience.Service) copyserve.MembersFunc {
	return func(ctx context.Context, segment string) ([]string, error) {
		var out []string
		cursor := ""
		for {
			ids, next, err := aud.Members(ctx, segment, cursor, store.MaxLimit)
			if err != nil {
				return nil, err
			}
			out = append(out, ids...)
			if next == "" {
				return out, nil
			}
			cursor = next
		}
	}
}

// CopyJobUser reads what a copy job may know about a user, as POST
// /v1/copy/generate does with user: consent from the user's row, signals
// (lifecycle, favourite categories, price band, recency — never ids, names
// or contacts) from their profile when there is one. profiles may be nil.
func CopyJobUser(st store.Store, profiles *profile.Service) copyserve.UserFunc {
	return func(ctx context.Context, id string) (copyserve.UserInfo, error) {
		u, err := st.GetUser(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return copyserve.UserInfo{}, nil
		}
		if err != nil {
			return copyserve.UserInfo{}, err
		}
		info := copyserve.UserInfo{Marketing: u.Consent[shop.MarketingMessages], LLM: u.Consent[shop.LLMProcessing]}
		if info.Marketing && profiles != nil {
			if v, err := profiles.View(ctx, id); err == nil {
				info.Signals = copywriting.Signals{Lifecycle: v.Lifecycle.Stage, PriceBand: v.PriceBand, DaysSinceLast: int(v.RecencyDays)}
				for _, c := range v.TopCategories[:min(3, len(v.TopCategories))] {
					info.Signals.TopCategories = append(info.Signals.TopCategories, c.Name)
				}
			}
		}
		return info, nil
	}
}

func (s *Server) copyJobsReady(w http.ResponseWriter) bool {
	if s.copyJobs == nil {
		writeProblem(w, http.StatusServiceUnavailable, "copy-disabled", "this server does not run copy jobs")
		return false
	}
	return true
}

// copyJobBody is POST /v1/copy/jobs: the brief for every member of a saved
// segment, items given whole or by id (item_ids, read from the catalogue);
// each member's signals are filled from their profile.
type copyJobBody struct {
	Segment  string            `json:"segment"`
	Brief    copywriting.Brief `json:"brief"`
	ItemIDs  []string          `json:"item_ids,omitempty"`
	Variants int               `json:"variants,omitempty"`
	Writer   string            `json:"writer,omitempty"`
}

func (s *Server) copyJobError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, copyserve.ErrJobNotFound):
		writeProblem(w, http.StatusNotFound, "not-found", err.Error())
	case errors.Is(err, copyserve.ErrJobFinished):
		writeProblem(w, http.StatusConflict, "job-finished", err.Error())
	case errors.Is(err, copyserve.ErrInvalid):
		writeProblem(w, http.StatusBadRequest, "invalid-brief", err.Error())
	case errors.Is(err, store.ErrInvalidCursor):
		writeProblem(w, http.StatusBadRequest, "invalid-cursor", err.Error())
	default:
		s.storeError(w, r, "the copy job", err)
	}
}

func (s *Server) createCopyJob(w http.ResponseWriter, r *http.Request) {
	if !s.copyJobsReady(w) || !s.audienceReady(w) {
		return
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return
	}
	var g copyJobBody
	if err := strictUnmarshal(body, &g); err != nil {
		writeProblem(w, http.StatusBadRequest, "invalid-brief", err.Error(), issue(nil, err))
		return
	}
	if g.Segment == "" {
		writeProblem(w, http.StatusBadRequest, "invalid-brief", "segment is required", FieldIssue{Field: "segment", Detail: "required"})
		return
	}
	if len(g.ItemIDs) > 20 {
		writeProblem(w, http.StatusBadRequest, "invalid-brief", "item_ids: at most 20", FieldIssue{Field: "item_ids", Detail: "at most 20"})
		return
	}
	ctx := r.Context()
	if _, err := s.audience.Get(ctx, g.Segment); err != nil {
		s.segmentError(w, r, err)
		return
	}
	for _, id := range g.ItemIDs {
		it, err := s.store.GetItem(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			writeProblem(w, http.StatusBadRequest, "unknown-item", "item "+strconv.Quote(id)+" is not in the catalogue", FieldIssue{Field: "item_ids", Detail: "unknown item " + id})
			return
		}
		if err != nil {
			s.storeError(w, r, "the catalogue", err)
			return
		}
		g.Brief.Items = append(g.Brief.Items, catalogueFacts(it))
	}
	g.Brief.Signals = copywriting.Signals{} // per member
	job, err := s.copyJobs.Create(ctx, copyserve.JobSpec{Segment: g.Segment, Brief: g.Brief, Variants: g.Variants, Writer: g.Writer})
	if err != nil {
		s.copyJobError(w, r, err)
		return
	}
	w.Header().Set("Location", "/v1/copy/jobs/"+job.ID)
	writeJSON(w, http.StatusAccepted, job)
}

func (s *Server) getCopyJob(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok || !s.copyJobsReady(w) {
		return
	}
	job, err := s.copyJobs.Get(r.Context(), id)
	if err != nil {
		s.copyJobError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, job)
}

func (s *Server) copyJobResults(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok || !s.copyJobsReady(w) {
		return
	}
	limit, ok := queryLimit(w, r.URL.Query().Get("limit"))
	if !ok {
		return
	}
	res, next, err := s.copyJobs.Results(r.Context(), id, r.URL.Query().Get("cursor"), limit)
	if err != nil {
		s.copyJobError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": res, "next_cursor": next})
}

func (s *Server) cancelCopyJob(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok || !s.copyJobsReady(w) {
		return
	}
	job, err := s.copyJobs.Cancel(r.Context(), id)
	if err != nil {
		s.copyJobError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, job)
}
