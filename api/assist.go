package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/shopmind/shopmind/assist"
)

func (s *Server) assistReady(w http.ResponseWriter) bool {
	if s.assist == nil {
		writeProblem(w, http.StatusServiceUnavailable, "assist-disabled", "this server does not run the customer-service assistant")
		return false
	}
	return true
}

// assistError answers for assistant errors: 400 for input to fix, 404 for
// a missing document, the store mapping otherwise.
func (s *Server) assistError(w http.ResponseWriter, r *http.Request, what string, err error) {
	switch {
	case errors.Is(err, assist.ErrInvalid):
		writeProblem(w, http.StatusBadRequest, "invalid-request", err.Error())
	case errors.Is(err, assist.ErrNotFound):
		writeProblem(w, http.StatusNotFound, "not-found", err.Error())
	default:
		s.storeError(w, r, what, err)
	}
}

// assistChat is POST /v1/assist/chat, called by the shop's backend on
// behalf of the signed-in customer named in user: the assistant's tools see
// only that customer's data.
func (s *Server) assistChat(w http.ResponseWriter, r *http.Request) {
	if !s.assistReady(w) {
		return
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return
	}
	var req assist.ChatRequest
	if err := strictUnmarshal(body, &req); err != nil {
		writeProblem(w, http.StatusBadRequest, "invalid-request", err.Error(), issue(nil, err))
		return
	}
	ans, err := s.assist.Chat(r.Context(), req)
	if err != nil {
		s.assistError(w, r, "the conversation", err)
		return
	}
	writeJSON(w, http.StatusOK, ans)
}

func (s *Server) uploadAssistDocument(w http.ResponseWriter, r *http.Request) {
	if !s.assistReady(w) {
		return
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return
	}
	var in assist.DocumentInput
	if err := strictUnmarshal(body, &in); err != nil {
		writeProblem(w, http.StatusBadRequest, "invalid-request", err.Error(), issue(nil, err))
		return
	}
	d, err := s.assist.UploadDocument(r.Context(), in)
	if err != nil {
		s.assistError(w, r, "the document", err)
		return
	}
	w.Header().Set("Location", "/v1/assist/documents/"+d.ID)
	writeJSON(w, http.StatusCreated, d)
}

func (s *Server) listAssistDocuments(w http.ResponseWriter, r *http.Request) {
	if !s.assistReady(w) {
		return
	}
	docs, err := s.assist.Documents(r.Context())
	if err != nil {
		s.assistError(w, r, "the documents", err)
		return
	}
	if docs == nil {
		docs = []assist.Document{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"documents": docs})
}

func (s *Server) deleteAssistDocument(w http.ResponseWriter, r *http.Request) {
	if !s.assistReady(w) {
		return
	}
	id := r.PathValue("id")
	if err := s.assist.DeleteDocument(r.Context(), id); err != nil {
		s.assistError(w, r, "the document", err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// listAssistTranscripts is GET /v1/assist/transcripts?escalated=&user=&limit=.
func (s *Server) listAssistTranscripts(w http.ResponseWriter, r *http.Request) {
	if !s.assistReady(w) {
		return
	}
	q := assist.TranscriptQuery{User: r.URL.Query().Get("user")}
	if v := r.URL.Query().Get("escalated"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			writeProblem(w, http.StatusBadRequest, "invalid-parameter", "escalated must be true or false")
			return
		}
		q.Escalated = &b
	}
	limit, ok := queryLimit(w, r.URL.Query().Get("limit"))
	if !ok {
		return
	}
	q.Limit = limit
	ts, err := s.assist.Transcripts(r.Context(), q)
	if err != nil {
		s.assistError(w, r, "the transcripts", err)
		return
	}
	if ts == nil {
		ts = []assist.Transcript{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"transcripts": ts})
}

// assistEscalations is GET /v1/assist/escalations: the queue a person
// works from, most recent first.
func (s *Server) assistEscalations(w http.ResponseWriter, r *http.Request) {
	if !s.assistReady(w) {
		return
	}
	limit, ok := queryLimit(w, r.URL.Query().Get("limit"))
	if !ok {
		return
	}
	q := assist.EscalationQuery{IncludeResolved: true, Limit: min(limit, 500)}
	switch v := r.URL.Query().Get("open"); v {
	case "", "false":
	case "true":
		q.IncludeResolved = false
	default:
		writeProblem(w, http.StatusBadRequest, "invalid-parameter", "open must be true or false, not "+strconv.Quote(v))
		return
	}
	ts, err := s.assist.EscalationQueue(r.Context(), q)
	if err != nil {
		s.assistError(w, r, "the escalations", err)
		return
	}
	if ts == nil {
		ts = []assist.Escalation{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"escalations": ts})
}
