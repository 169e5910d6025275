package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/shopmind/shopmind/recserve"
)

// Bounds of GET /v1/reports/exposure (recserve owns them: the dashboard
// shares them).
const (
	reportDefaultUsers = recserve.ReportDefaultUsers
	reportMaxUsers     = recserve.ReportMaxUsers
	reportMaxN         = recserve.ReportMaxN
)

// exposureAnswer is the report's JSON answer.
type exposureAnswer = recserve.ExposureReport

// exposureReport answers GET /v1/reports/exposure: recommendation exposure
// over the live model for a sample of users and, with group_by, the ads
// those users were logged receiving grouped by a user attribute.
func (s *Server) exposureReport(w http.ResponseWriter, r *http.Request) {
	if !s.recsReady(w) || !s.profilesReady(w) {
		return
	}
	q := r.URL.Query()
	users, ok := intParam(w, q.Get("users"), "users", reportDefaultUsers, 1, reportMaxUsers)
	if !ok {
		return
	}
	n, ok := intParam(w, q.Get("n"), "n", 10, 1, reportMaxN)
	if !ok {
		return
	}
	groupBy := strings.TrimSpace(q.Get("group_by"))
	if len(groupBy) > 64 {
		writeProblem(w, http.StatusBadRequest, "invalid-parameter", "group_by: name a user attribute of at most 64 characters, e.g. age_band")
		return
	}
	ctx := r.Context()
	minGroup := s.cfg.MinGroupSize
	if minGroup < 1 {
		minGroup = 10
	}
	ans, ids, err := s.recs.MeasureExposure(ctx, s.profiles, users, n, minGroup)
	if err != nil {
		s.recError(w, r, err)
		return
	}
	if groupBy == "" {
		ans.Note = "add group_by=ATTRIBUTE (a user attribute such as age_band or gender) for ad delivery by group"
		writeJSON(w, http.StatusOK, ans)
		return
	}
	a, err := recserve.AdsByGroup(ctx, s.store, ids, groupBy, minGroup)
	var unknown *recserve.UnknownAttributeError
	switch {
	case errors.As(err, &unknown):
		writeProblem(w, http.StatusBadRequest, "invalid-parameter", unknown.Error())
		return
	case err != nil:
		s.storeError(w, r, "the sampled users", err)
		return
	}
	ans.Ads = a
	writeJSON(w, http.StatusOK, ans)
}

func intParam(w http.ResponseWriter, v, name string, def, lo, hi int) (int, bool) {
	if v == "" {
		return def, true
	}
	x, err := strconv.Atoi(v)
	if err != nil || x < lo || x > hi {
		writeProblem(w, http.StatusBadRequest, "invalid-parameter", fmt.Sprintf("%s must be a whole number from %d to %d", name, lo, hi))
		return 0, false
	}
	return x, true
}
