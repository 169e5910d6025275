package api

import (
	"net/http"
	"strconv"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// postEvents ingests a batch. 200 with a result per row, also when rows are
// refused; the answer comes only after the accepted rows are committed.
func (s *Server) postEvents(w http.ResponseWriter, r *http.Request) {
	raw, err := s.decodeBatch(w, r, "events")
	if err != nil {
		return
	}
	sum, err := s.ingest.Events(r.Context(), decodeRows[shop.Event](raw))
	if err != nil {
		s.storeError(w, r, "the batch", err)
		return
	}
	if s.profiles != nil && sum.Accepted > 0 {
		s.profiles.Notify()
	}
	writeJSON(w, http.StatusOK, sum)
}

type eventPage struct {
	Events     []shop.Event `json:"events"`
	NextCursor string       `json:"next_cursor,omitempty"`
}

func (s *Server) userEvents(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	limit, ok := queryLimit(w, q.Get("limit"))
	if !ok {
		return
	}
	t := shop.EventType(q.Get("type"))
	if t != "" && !t.Valid() {
		writeProblem(w, http.StatusBadRequest, "invalid-parameter", "type "+strconv.Quote(string(t))+" is not an event type")
		return
	}
	if _, err := s.store.GetUser(r.Context(), id); err != nil {
		s.storeError(w, r, "user "+strconv.Quote(id), err)
		return
	}
	evs, next, err := s.store.UserEvents(r.Context(), store.EventQuery{UserID: id, Type: t, Cursor: q.Get("cursor"), Limit: limit})
	if err != nil {
		s.storeError(w, r, "events", err)
		return
	}
	if evs == nil {
		evs = []shop.Event{}
	}
	writeJSON(w, http.StatusOK, eventPage{Events: evs, NextCursor: next})
}

// queryLimit parses ?limit=, answering 400 for a bad value.
func queryLimit(w http.ResponseWriter, v string) (int, bool) {
	if v == "" {
		return 0, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > store.MaxLimit {
		writeProblem(w, http.StatusBadRequest, "invalid-parameter", "limit must be a whole number from 1 to "+strconv.Itoa(store.MaxLimit))
		return 0, false
	}
	return n, true
}

// pathID reads {id} and answers 400 when it is not a valid id.
func pathID(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.PathValue("id")
	if err := shop.CheckID("id", id); err != nil {
		writeProblem(w, http.StatusBadRequest, "invalid-id", err.Error())
		return "", false
	}
	return id, true
}
