package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/shopmind/shopmind/store"
)

// Problem is an RFC 9457 problem document, the body of every error answer.
type Problem struct {
	Type   string       `json:"type"`
	Title  string       `json:"title"`
	Status int          `json:"status"`
	Detail string       `json:"detail,omitempty"`
	Errors []FieldIssue `json:"errors,omitempty"`
	Line   int          `json:"line,omitempty"`   // position in an expression, when one is at fault
	Column int          `json:"column,omitempty"` // (segment expressions)
}

// FieldIssue names one wrong field, in a row of a batch when Row is set.
type FieldIssue struct {
	Row    *int   `json:"row,omitempty"`
	Field  string `json:"field,omitempty"`
	Detail string `json:"detail"`
}

const problemBase = "https://shopmind.dev/problems/"

func writeProblem(w http.ResponseWriter, status int, kind, detail string, issues ...FieldIssue) {
	writeProblemDoc(w, Problem{
		Type:   problemBase + kind,
		Title:  http.StatusText(status),
		Status: status,
		Detail: detail,
		Errors: issues,
	})
}

func writeProblemDoc(w http.ResponseWriter, p Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}

// storeError answers for a failed store call: 404 for a missing entity, 503
// when the backend is down (clients should retry), 500 otherwise.
func (s *Server) storeError(w http.ResponseWriter, r *http.Request, what string, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeProblem(w, http.StatusNotFound, "not-found", what+" not found")
	case errors.Is(err, store.ErrInvalidCursor):
		writeProblem(w, http.StatusBadRequest, "invalid-cursor", "cursor is not one this server issued; start again without it")
	case errors.Is(err, store.ErrUnavailable):
		w.Header().Set("Retry-After", "1")
		writeProblem(w, http.StatusServiceUnavailable, "store-unavailable", "the store cannot be reached; nothing was written, retry shortly")
		s.log.Warn("store unavailable", "route", r.Pattern, "err", err)
	case errors.Is(err, context.Canceled):
		writeProblem(w, 499, "canceled", "the request was canceled")
	default:
		writeProblem(w, http.StatusInternalServerError, "internal", "the server failed to handle "+what+"; nothing was acknowledged, retry or report it")
		s.log.Error("store error", "route", r.Pattern, "err", err)
	}
}

// writeJSON encodes v before answering, so a value that cannot be encoded
// (a NaN, say) becomes a 500 problem instead of an empty 200.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		slog.Error("encoding a response", "err", err)
		writeProblem(w, http.StatusInternalServerError, "internal", "the server could not encode its answer; report it")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
