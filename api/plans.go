package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/shopmind/shopmind/config"
	"github.com/shopmind/shopmind/strategy"
)

// StrategyConfig turns the settings into package strategy's configuration
// (the command uses it too, so the CLI plans exactly as the server does).
func StrategyConfig(c config.Config, log *slog.Logger) strategy.Config {
	sc := strategy.Config{
		Window:    time.Duration(c.UpliftWindowDays) * 24 * time.Hour,
		Refresh:   c.StrategyRefresh.Duration,
		WeeklyCap: c.NextActionWeeklyCap,
		Margin:    c.NextActionMargin,
		Logger:    log,
	}
	for _, a := range c.NextActions {
		sc.Actions = append(sc.Actions, strategy.Action(a))
	}
	if req, err := c.RequiredConsent(); err == nil {
		sc.RequiredConsent = req
	}
	return sc
}

func (s *Server) strategyReady(w http.ResponseWriter) bool {
	if s.strategy == nil {
		writeProblem(w, http.StatusServiceUnavailable, "strategy-disabled", "this server does not plan campaigns or next actions")
		return false
	}
	return true
}

// strategyError answers for package strategy's errors.
func (s *Server) strategyError(w http.ResponseWriter, r *http.Request, what string, err error) {
	var (
		in  *strategy.InputError
		seg *strategy.UnknownSegmentError
		nd  *strategy.NoDataError
	)
	switch {
	case errors.As(err, &in):
		writeProblem(w, http.StatusBadRequest, "invalid-plan", in.Error(), FieldIssue{Field: in.Field, Detail: in.Msg})
	case errors.As(err, &seg):
		writeProblem(w, http.StatusNotFound, "not-found", seg.Error())
	case errors.Is(err, strategy.ErrUnknownUser):
		writeProblem(w, http.StatusNotFound, "not-found", err.Error())
	case errors.As(err, &nd):
		writeProblem(w, http.StatusUnprocessableEntity, "no-experiment-data", nd.Error())
	default:
		s.storeError(w, r, what, err)
	}
}

// planRequest is the body of POST /v1/plans.
type planRequest struct {
	strategy.PlanRequest
	// Limit bounds the target list in the answer (default 1000, at most
	// 10000); target_count is always the full count.
	Limit int `json:"limit,omitempty"`
}

type planAnswer struct {
	*strategy.Plan
	TargetCount int  `json:"target_count"`
	Truncated   bool `json:"target_list_truncated"`
}

const (
	defaultPlanTargets = 1000
	maxPlanTargets     = 10000
)

func (s *Server) createPlan(w http.ResponseWriter, r *http.Request) {
	if !s.strategyReady(w) {
		return
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return
	}
	var req planRequest
	if err := strictUnmarshal(body, &req); err != nil {
		writeProblem(w, http.StatusBadRequest, "invalid-plan", err.Error(), issue(nil, err))
		return
	}
	switch {
	case req.Limit == 0:
		req.Limit = defaultPlanTargets
	case req.Limit < 0 || req.Limit > maxPlanTargets:
		writeProblem(w, http.StatusBadRequest, "invalid-plan", fmt.Sprintf("limit %d: use 1 to %d (the count is always complete)", req.Limit, maxPlanTargets),
			FieldIssue{Field: "limit", Detail: fmt.Sprintf("must be from 1 to %d", maxPlanTargets)})
		return
	}
	p, err := s.strategy.Plan(r.Context(), req.PlanRequest)
	if err != nil {
		s.strategyError(w, r, "the plan", err)
		return
	}
	ans := planAnswer{Plan: p, TargetCount: len(p.TargetList)}
	if len(p.TargetList) > req.Limit {
		p.TargetList, ans.Truncated = p.TargetList[:req.Limit], true
	}
	writeJSON(w, http.StatusOK, ans)
}
