package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/shopmind/shopmind/ingest"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

func (s *Server) postItems(w http.ResponseWriter, r *http.Request) {
	raw, err := s.decodeBatch(w, r, "items")
	if err != nil {
		return
	}
	sum, err := s.ingest.Items(r.Context(), decodeRows[shop.Item](raw))
	if err != nil {
		s.storeError(w, r, "the batch", err)
		return
	}
	writeJSON(w, http.StatusOK, sum)
}

// putOne decodes a single entity whose id comes from the path, writes it
// through put (which answers per row) and answers 200 with the stored entity
// or the problem.
func putOne[T any](s *Server, w http.ResponseWriter, r *http.Request, setID func(*T, string) string,
	put func(*T) (refusal *FieldIssue, err error), get func(id string) (T, error)) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return
	}
	var v T
	if err := strictUnmarshal(body, &v); err != nil {
		writeProblem(w, http.StatusBadRequest, "invalid-entity", err.Error(), issue(nil, err))
		return
	}
	if bodyID := setID(&v, id); bodyID != "" && bodyID != id {
		writeProblem(w, http.StatusBadRequest, "id-mismatch",
			"the body's id "+strconv.Quote(bodyID)+" differs from the path's "+strconv.Quote(id)+"; omit it or make them equal")
		return
	}
	refusal, err := put(&v)
	if err != nil {
		s.storeError(w, r, "the write", err)
		return
	}
	if refusal != nil {
		writeProblem(w, http.StatusBadRequest, "invalid-entity", refusal.Field+" "+refusal.Detail, *refusal)
		return
	}
	stored, err := get(id)
	if err != nil {
		s.storeError(w, r, strconv.Quote(id), err)
		return
	}
	writeJSON(w, http.StatusOK, stored)
}

func (s *Server) putItem(w http.ResponseWriter, r *http.Request) {
	putOne(s, w, r, func(it *shop.Item, id string) string {
		body := it.ID
		it.ID = id
		return body
	}, func(it *shop.Item) (*FieldIssue, error) {
		sum, err := s.ingest.Items(r.Context(), rowsOf(*it))
		return refusalOf(sum.Results, err)
	}, func(id string) (shop.Item, error) { return s.store.GetItem(r.Context(), id) })
}

func (s *Server) putUser(w http.ResponseWriter, r *http.Request) {
	putOne(s, w, r, func(u *shop.User, id string) string {
		body := u.ID
		u.ID = id
		return body
	}, func(u *shop.User) (*FieldIssue, error) {
		sum, err := s.ingest.Users(r.Context(), rowsOf(*u))
		return refusalOf(sum.Results, err)
	}, func(id string) (shop.User, error) { return s.userByID(r.Context(), id) })
}

func (s *Server) getItem(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	it, err := s.store.GetItem(r.Context(), id)
	if err != nil {
		s.storeError(w, r, "item "+strconv.Quote(id), err)
		return
	}
	writeJSON(w, http.StatusOK, it)
}

func (s *Server) deleteItem(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if err := s.store.DeleteItem(r.Context(), id); err != nil {
		s.storeError(w, r, "item "+strconv.Quote(id), err)
		return
	}
	if s.catalog != nil {
		s.catalog.Forget(id)
	}
	w.WriteHeader(http.StatusNoContent)
}

type itemPage struct {
	Items      []shop.Item `json:"items"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

func (s *Server) listItems(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, ok := queryLimit(w, q.Get("limit"))
	if !ok {
		return
	}
	items, next, err := s.store.ListItems(r.Context(), store.ItemQuery{Category: q.Get("category"), Cursor: q.Get("cursor"), Limit: limit})
	if err != nil {
		s.storeError(w, r, "items", err)
		return
	}
	if items == nil {
		items = []shop.Item{}
	}
	writeJSON(w, http.StatusOK, itemPage{Items: items, NextCursor: next})
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	u, err := s.userByID(r.Context(), id)
	if err != nil {
		s.storeError(w, r, "user "+strconv.Quote(id), err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

func rowsOf[T any](v T) []ingest.Row[T] { return []ingest.Row[T]{{Value: v}} }

// refusalOf turns the single result of a one-row write into a field issue.
func refusalOf(results []ingest.Result, err error) (*FieldIssue, error) {
	if err != nil {
		return nil, err
	}
	if len(results) == 1 && results[0].Status == ingest.Refused {
		return &FieldIssue{Field: results[0].Field, Detail: strings.TrimPrefix(results[0].Error, results[0].Field+" ")}, nil
	}
	return nil, nil
}

func issue(row *int, err error) FieldIssue {
	var fe *shop.FieldError
	if errors.As(err, &fe) {
		return FieldIssue{Row: row, Field: fe.Field, Detail: fe.Detail}
	}
	return FieldIssue{Row: row, Detail: err.Error()}
}

// userByID reads a user with their personal attributes opened (see
// privacy/pii): the store holds them sealed.
func (s *Server) userByID(ctx context.Context, id string) (shop.User, error) {
	u, err := s.store.GetUser(ctx, id)
	if err != nil || s.pii == nil {
		return u, err
	}
	if err := s.pii.OpenUser(&u); err != nil {
		return shop.User{}, fmt.Errorf("opening personal attributes: %w", err)
	}
	return u, nil
}
