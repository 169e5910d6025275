package api

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/shopmind/shopmind/recommend/bundle"
	"github.com/shopmind/shopmind/recserve"
)

func (s *Server) recsReady(w http.ResponseWriter) bool {
	if s.recs == nil {
		writeProblem(w, http.StatusServiceUnavailable, "recommendations-disabled", "this server does not serve recommendations")
		return false
	}
	return true
}

// maxExclude bounds the ids a request may exclude or send as a session.
const maxExclude = 500

// recRequest reads the query parameters every recommendation route shares:
// n, category, explain, exclude and the business-rule overrides.
func (s *Server) recRequest(w http.ResponseWriter, q url.Values) (recserve.Request, bool) {
	req := recserve.Request{Category: q.Get("category")}
	bad := func(param, detail string) (recserve.Request, bool) {
		writeProblem(w, http.StatusBadRequest, "invalid-parameter", param+": "+detail, FieldIssue{Field: param, Detail: detail})
		return req, false
	}
	if v := q.Get("n"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > s.recs.MaxN() {
			return bad("n", fmt.Sprintf("must be a whole number from 1 to %d", s.recs.MaxN()))
		}
		req.N = n
	}
	if v := q.Get("explain"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return bad("explain", "must be true or false")
		}
		req.Explain = b
	}
	if v := q.Get("exclude"); v != "" {
		req.Exclude = strings.Split(v, ",")
		if len(req.Exclude) > maxExclude {
			return bad("exclude", fmt.Sprintf("at most %d ids", maxExclude))
		}
	}
	rules := s.recs.Rules()
	changed := false
	for _, b := range []struct {
		name string
		dst  *bool
	}{{"exclude_purchased", &rules.ExcludePurchased}, {"exclude_seen", &rules.ExcludeSeen}, {"include_out_of_stock", &rules.IncludeOutOfStock}} {
		if v := q.Get(b.name); v != "" {
			x, err := strconv.ParseBool(v)
			if err != nil {
				return bad(b.name, "must be true or false")
			}
			*b.dst, changed = x, true
		}
	}
	if v, ok := q["boost"]; ok {
		boosts, err := recserve.ParseBoosts(strings.Join(v, ","))
		if err != nil {
			return bad("boost", err.Error())
		}
		rules.Boosts, changed = boosts, true
	}
	if v := q.Get("max_per_category"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1000 {
			return bad("max_per_category", "must be a whole number from 0 (no cap) to 1000")
		}
		rules.MaxPerCategory, changed = n, true
	}
	if v := q.Get("mmr"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f >= 0 && f <= 1) {
			return bad("mmr", "must be a number in [0, 1] (0 turns diversity off)")
		}
		rules.MMR, changed = f, true
	}
	if changed {
		req.Rules = &rules
	}
	return req, true
}

func (s *Server) recError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, recserve.ErrUnknownItem):
		writeProblem(w, http.StatusNotFound, "not-found", "item "+strconv.Quote(r.PathValue("id"))+" is neither in the catalogue nor in the model; add it with PUT /v1/items/{id}")
	case errors.Is(err, recserve.ErrInvalid):
		writeProblem(w, http.StatusBadRequest, "invalid-parameter", err.Error())
	default:
		s.storeError(w, r, "the recommendations", err)
	}
}

func (s *Server) userRecommendations(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok || !s.recsReady(w) {
		return
	}
	req, ok := s.recRequest(w, r.URL.Query())
	if !ok {
		return
	}
	res, err := s.recs.ForUser(r.Context(), id, req)
	if err != nil {
		s.recError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) itemRecommendations(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(w, r)
		if !ok || !s.recsReady(w) {
			return
		}
		req, ok := s.recRequest(w, r.URL.Query())
		if !ok {
			return
		}
		var res recserve.Result
		var err error
		if kind == "similar" {
			res, err = s.recs.Similar(r.Context(), id, req)
		} else {
			res, err = s.recs.BoughtTogether(r.Context(), id, req)
		}
		if err != nil {
			s.recError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, res)
	}
}

func (s *Server) popularItems(w http.ResponseWriter, r *http.Request) {
	if !s.recsReady(w) {
		return
	}
	req, ok := s.recRequest(w, r.URL.Query())
	if !ok {
		return
	}
	res, err := s.recs.Popular(r.Context(), req)
	if err != nil {
		s.recError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// sessionBody is the body of POST /v1/recommendations/session. The query
// parameters of the other routes apply too.
type sessionBody struct {
	Items    []string `json:"items"`
	N        int      `json:"n,omitempty"`
	Category string   `json:"category,omitempty"`
	Explain  bool     `json:"explain,omitempty"`
}

func (s *Server) sessionRecommendations(w http.ResponseWriter, r *http.Request) {
	if !s.recsReady(w) {
		return
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return
	}
	var b sessionBody
	if err := strictUnmarshal(body, &b); err != nil {
		writeProblem(w, http.StatusBadRequest, "invalid-body", err.Error()+`; send {"items": ["id", ...], "n": 10}`, issue(nil, err))
		return
	}
	if len(b.Items) == 0 || len(b.Items) > maxExclude {
		writeProblem(w, http.StatusBadRequest, "invalid-body", fmt.Sprintf("items: send from 1 to %d item ids, oldest first", maxExclude),
			FieldIssue{Field: "items", Detail: "1 to " + strconv.Itoa(maxExclude) + " ids"})
		return
	}
	req, ok := s.recRequest(w, r.URL.Query())
	if !ok {
		return
	}
	if b.N != 0 {
		if b.N < 1 || b.N > s.recs.MaxN() {
			writeProblem(w, http.StatusBadRequest, "invalid-body", fmt.Sprintf("n must be from 1 to %d", s.recs.MaxN()), FieldIssue{Field: "n", Detail: "out of range"})
			return
		}
		req.N = b.N
	}
	if b.Category != "" {
		req.Category = b.Category
	}
	req.Explain = req.Explain || b.Explain
	res, err := s.recs.Session(r.Context(), b.Items, req)
	if err != nil {
		s.recError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// recommendModel describes the model in force; POST trains a new one.
func (s *Server) recommendModel(w http.ResponseWriter, r *http.Request) {
	if !s.recsReady(w) {
		return
	}
	m, ok := s.recs.Current()
	if !ok {
		writeProblem(w, http.StatusNotFound, "no-model", "no recommendation model has been trained yet; POST /v1/models/recommend/train or run shopmind train")
		return
	}
	writeJSON(w, http.StatusOK, m)
}

func (s *Server) trainRecommend(w http.ResponseWriter, r *http.Request) {
	if !s.recsReady(w) {
		return
	}
	if _, err := s.recs.Train(r.Context(), nil); err != nil {
		if errors.Is(err, bundle.ErrNoData) {
			writeProblem(w, http.StatusConflict, "no-data", "there are no item events to train on yet; send events first")
			return
		}
		s.storeError(w, r, "the training", err)
		return
	}
	m, _ := s.recs.Current()
	writeJSON(w, http.StatusOK, m)
}
