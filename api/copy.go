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

func (s *Server) copyReady(w http.ResponseWriter) bool {
	if s.copy == nil {
		writeProblem(w, http.StatusServiceUnavailable, "copy-disabled", "this server does not write copy")
		return false
	}
	return true
}

// generateBody is POST /v1/copy/generate. Items may be given whole in the
// brief or by id (item_ids), in which case their catalogue facts are read
// from the store; with user, the brief's signals come from the user's
// profile (lifecycle, favourite categories, price band) — never their id,
// name or contacts.
type generateBody struct {
	Brief    copywriting.Brief `json:"brief"`
	ItemIDs  []string          `json:"item_ids,omitempty"`
	User     string            `json:"user,omitempty"`
	Variants int               `json:"variants,omitempty"`
	Writer   string            `json:"writer,omitempty"`
}

func (s *Server) generateCopy(w http.ResponseWriter, r *http.Request) {
	if !s.copyReady(w) {
		return
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return
	}
	var g generateBody
	if err := strictUnmarshal(body, &g); err != nil {
		writeProblem(w, http.StatusBadRequest, "invalid-brief", err.Error(), issue(nil, err))
		return
	}
	if len(g.ItemIDs) > 20 {
		writeProblem(w, http.StatusBadRequest, "invalid-brief", "item_ids: at most 20", FieldIssue{Field: "item_ids", Detail: "at most 20"})
		return
	}
	ctx := r.Context()
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
	writer := g.Writer
	if g.User != "" {
		u, err := s.store.GetUser(ctx, g.User)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			s.storeError(w, r, "the user", err)
			return
		}
		if !u.Consent[shop.MarketingMessages] {
			writeProblem(w, http.StatusConflict, "no-consent", "user "+strconv.Quote(g.User)+" has not agreed to marketing messages; no copy is addressed to them")
			return
		}
		if s.profiles != nil {
			if v, err := s.profiles.View(ctx, g.User); err == nil {
				g.Brief.Signals = copywriting.Signals{Lifecycle: v.Lifecycle.Stage, PriceBand: v.PriceBand, DaysSinceLast: int(v.RecencyDays)}
				for _, c := range v.TopCategories[:min(3, len(v.TopCategories))] {
					g.Brief.Signals.TopCategories = append(g.Brief.Signals.TopCategories, c.Name)
				}
			}
		}
		// Without consent to LLM processing, no model sees anything drawn
		// from this user: the template writer answers.
		if !u.Consent[shop.LLMProcessing] && (writer == "" || writer == "llm") && s.copy.Writers()[0] == "llm" {
			if writer == "llm" {
				writeProblem(w, http.StatusConflict, "no-consent", "user "+strconv.Quote(g.User)+" has not agreed to LLM processing; ask for writer \"template\"")
				return
			}
			writer = "template"
		}
	}
	res, err := s.copy.Generate(ctx, g.Brief, g.Variants, writer)
	switch {
	case errors.Is(err, copyserve.ErrInvalid):
		writeProblem(w, http.StatusBadRequest, "invalid-brief", err.Error())
	case errors.Is(err, copywriting.ErrNoUsableCopy):
		// Every draft failed its checks: say why, mark none usable.
		writeJSON(w, http.StatusUnprocessableEntity, res)
	case err != nil:
		writeProblem(w, http.StatusBadGateway, "writer-failed", fmt.Sprintf("the copy writer failed: %v; retry, or ask for writer \"template\"", err))
	default:
		writeJSON(w, http.StatusOK, res)
	}
}

// catalogueFacts keeps what copy may say about an item.
func catalogueFacts(it shop.Item) copywriting.Item {
	out := copywriting.Item{ID: it.ID, Title: it.Title, Category: it.Category, Brand: it.Brand, Price: it.Price, Currency: it.Currency}
	for k, v := range it.Attributes {
		if s, ok := v.(string); ok && len(s) <= 64 {
			if out.Attributes == nil {
				out.Attributes = map[string]string{}
			}
			out.Attributes[k] = s
		}
	}
	return out
}

type checkBody struct {
	Text     string               `json:"text"`
	Language copywriting.Language `json:"language"`
	Channel  copywriting.Channel  `json:"channel"`
	Facts    copywriting.Facts    `json:"facts"`
}

// checkCopy runs every guardrail on any text.
func (s *Server) checkCopy(w http.ResponseWriter, r *http.Request) {
	if !s.copyReady(w) {
		return
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return
	}
	var c checkBody
	if err := strictUnmarshal(body, &c); err != nil {
		writeProblem(w, http.StatusBadRequest, "invalid-check", err.Error()+`; send {"text", "language", "channel", "facts"}`, issue(nil, err))
		return
	}
	v, err := s.copy.Check(c.Text, c.Language, c.Channel, c.Facts)
	if err != nil {
		writeProblem(w, http.StatusBadRequest, "invalid-check", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": len(v) == 0, "violations": v})
}
