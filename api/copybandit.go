package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/shopmind/shopmind/copyserve"
	"github.com/shopmind/shopmind/copywriting"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// serveCopyBody is POST /v1/copy/serve: pick one variant of a brief for
// one user's message. The brief is the campaign's, not personalised: the
// user is checked for consent only, so every user of the brief shares its
// variants and their statistics. Items may be given by id (item_ids), read
// from the catalogue. variants is how many variants a brief served for the
// first time gets (default 3); later calls serve the stored ones.
type serveCopyBody struct {
	User     string            `json:"user"`
	Brief    copywriting.Brief `json:"brief"`
	ItemIDs  []string          `json:"item_ids,omitempty"`
	Variants int               `json:"variants,omitempty"`
}

// serveCopy answers {arm_id, variant_id, message_id, text, provider,
// explored}; the message's events (message_open, message_click, purchase)
// must carry message_id in context.message_id to teach the bandit.
func (s *Server) serveCopy(w http.ResponseWriter, r *http.Request) {
	if s.copyBandit == nil {
		writeProblem(w, http.StatusServiceUnavailable, "copy-disabled", "this server does not serve copy")
		return
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return
	}
	var g serveCopyBody
	if err := strictUnmarshal(body, &g); err != nil {
		writeProblem(w, http.StatusBadRequest, "invalid-brief", err.Error(), issue(nil, err))
		return
	}
	if g.User == "" {
		writeProblem(w, http.StatusBadRequest, "invalid-brief", "user is required: the copy is addressed to one user", FieldIssue{Field: "user", Detail: "is required"})
		return
	}
	if len(g.ItemIDs) > 20 {
		writeProblem(w, http.StatusBadRequest, "invalid-brief", "item_ids: at most 20", FieldIssue{Field: "item_ids", Detail: "at most 20"})
		return
	}
	ctx := r.Context()
	u, err := s.store.GetUser(ctx, g.User)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.storeError(w, r, "the user", err)
		return
	}
	if !u.Consent[shop.MarketingMessages] {
		writeProblem(w, http.StatusConflict, "no-consent", "user "+strconv.Quote(g.User)+" has not agreed to marketing messages; no copy is addressed to them")
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
	res, err := s.copyBandit.Serve(ctx, g.Brief, g.Variants)
	switch {
	case errors.Is(err, copyserve.ErrInvalid):
		writeProblem(w, http.StatusBadRequest, "invalid-brief", err.Error())
	case errors.Is(err, copywriting.ErrNoUsableCopy):
		writeProblem(w, http.StatusUnprocessableEntity, "no-usable-copy", "no variant of this brief passed the checks; see POST /v1/copy/generate for the reasons")
	case errors.Is(err, store.ErrUnavailable):
		s.storeError(w, r, "the copy variants", err)
	case err != nil:
		writeProblem(w, http.StatusBadGateway, "writer-failed", fmt.Sprintf("the copy writer or statistics failed: %v", err))
	default:
		writeJSON(w, http.StatusOK, res)
	}
}
