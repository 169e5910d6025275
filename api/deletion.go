package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/shopmind/shopmind/erasure"
)

// keyFingerprint names the caller's key without revealing it.
func keyFingerprint(r *http.Request) string {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		return "loopback"
	}
	return erasure.KeyFingerprint(token)
}

// deleteUser deletes the user everywhere (package erasure) and answers what
// went.
func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	res, err := s.erasure.DeleteUser(r.Context(), id, keyFingerprint(r), "")
	var auditErr *erasure.AuditError
	var incomplete *erasure.IncompleteError
	switch {
	case errors.Is(err, erasure.ErrNotFound):
		writeProblem(w, http.StatusNotFound, "not-found", "user "+strconv.Quote(id)+" has neither a record nor events; nothing was deleted")
	case errors.As(err, &auditErr):
		writeProblem(w, http.StatusInternalServerError, "audit-failed", auditErr.Error())
	case errors.As(err, &incomplete):
		// The user's rows are gone; what failed can be erased by deleting
		// again (an unknown user answers 404, so say it here).
		writeProblem(w, http.StatusInternalServerError, "erasure-incomplete", incomplete.Error())
	case err != nil:
		s.storeError(w, r, "the deletion", err)
	case res.AuditID == "":
		// Only other parts still held something (a retry of a deletion
		// that stopped half-way).
		writeJSON(w, http.StatusOK, map[string]any{"deleted": map[string]any{"events": 0, "user_row": false}, "erased": res.Erased})
	default:
		writeJSON(w, http.StatusOK, map[string]any{"deleted": map[string]any{"events": res.Events, "user_row": res.UserRow}, "erased": res.Erased, "audit_id": res.AuditID})
	}
}

// listAudit lists audit records, oldest first.
func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) {
	limit, ok := queryLimit(w, r.URL.Query().Get("limit"))
	if !ok {
		return
	}
	objs, next, err := s.store.ListObjects(r.Context(), erasure.AuditKind, r.URL.Query().Get("cursor"), limit)
	if err != nil {
		s.storeError(w, r, "the audit records", err)
		return
	}
	out := struct {
		Records    []json.RawMessage `json:"records"`
		NextCursor string            `json:"next_cursor,omitempty"`
	}{Records: []json.RawMessage{}, NextCursor: next}
	for _, o := range objs {
		out.Records = append(out.Records, o.Data)
	}
	writeJSON(w, http.StatusOK, out)
}
