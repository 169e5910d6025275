package ui

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/shopmind/shopmind/audience"
	"github.com/shopmind/shopmind/store"
)

// segmentRoutes adds the segments page.
func (h *Handler) segmentRoutes() {
	h.mux.HandleFunc("GET /ui/segments", h.signedIn(h.segments))
	h.mux.HandleFunc("POST /ui/segments", h.signedIn(h.createSegment))
}

// segmentsData is the segments page.
type segmentsData struct {
	Segments []segmentRow
	Disabled bool
}

type segmentRow struct {
	audience.Definition
	Size    int
	SizeErr string
}

func (h *Handler) segments(w http.ResponseWriter, r *http.Request, s *session) {
	p := h.newPage(w, r, s, "segments.title")
	if id := r.URL.Query().Get("saved"); id != "" && h.d.Audience != nil {
		if n, err := h.d.Audience.Size(r.Context(), id); err == nil {
			p.Notice = fmt.Sprintf(p.T("segments.saved"), id, n)
		}
	}
	h.renderSegments(w, r, s, p, http.StatusOK)
}

// renderSegments lists the segments with their sizes under p.
func (h *Handler) renderSegments(w http.ResponseWriter, r *http.Request, s *session, p *page, status int) {
	d := segmentsData{Disabled: h.d.Audience == nil}
	p.Data = &d
	if h.d.Audience != nil {
		defs, _, err := h.d.Audience.List(r.Context(), "", store.MaxLimit)
		if err != nil {
			h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
			return
		}
		for _, def := range defs {
			row := segmentRow{Definition: def}
			if row.Size, err = h.d.Audience.Size(r.Context(), def.ID); err != nil {
				row.SizeErr = err.Error()
			}
			d.Segments = append(d.Segments, row)
		}
	}
	h.render(w, status, "segments", p)
}

func (h *Handler) createSegment(w http.ResponseWriter, r *http.Request, s *session) {
	if !s.canChange() {
		h.fail(w, r, s, http.StatusForbidden, "error.readonly", "")
		return
	}
	if h.d.Audience == nil {
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.disabled", "")
		return
	}
	in := audience.Input{
		Name:        strings.TrimSpace(r.PostForm.Get("name")),
		Expression:  strings.TrimSpace(r.PostForm.Get("expression")),
		Description: strings.TrimSpace(r.PostForm.Get("description")),
	}
	def, err := h.d.Audience.Create(r.Context(), in)
	var inv *audience.InvalidError
	switch {
	case errors.As(err, &inv):
		p := h.newPage(w, r, s, "segments.title")
		field := inv.Field
		if field != "name" && field != "description" {
			field = "expression"
		}
		msg := inv.Msg
		if inv.Pos != nil {
			msg = inv.Pos.Error()
		}
		p.Errors = map[string]string{field: msg}
		p.Form = map[string]string{"name": in.Name, "expression": in.Expression, "description": in.Description}
		h.renderSegments(w, r, s, p, http.StatusBadRequest)
		return
	case err != nil:
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	http.Redirect(w, r, "/ui/segments?saved="+url.QueryEscape(def.ID), http.StatusSeeOther)
}
