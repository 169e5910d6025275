package api

import "net/http"

// nextAction answers GET /v1/users/{id}/next-action: the action with the
// highest expected incremental value minus cost under consent and the
// weekly message cap, with every action's score and reason.
func (s *Server) nextAction(w http.ResponseWriter, r *http.Request) {
	if !s.strategyReady(w) {
		return
	}
	na, err := s.strategy.NextAction(r.Context(), r.PathValue("id"))
	if err != nil {
		s.strategyError(w, r, "the next action", err)
		return
	}
	writeJSON(w, http.StatusOK, na)
}
