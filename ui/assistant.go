package ui

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopmind/shopmind/assist"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// assistantRoutes adds the assistant pages: trying the assistant as a
// customer, the escalation queue with its conversations, and the knowledge.
func (h *Handler) assistantRoutes() {
	h.mux.HandleFunc("GET /ui/assistant", h.signedIn(h.assistantTry))
	h.mux.HandleFunc("POST /ui/assistant/chat", h.signedIn(h.assistantChat))
	h.mux.HandleFunc("GET /ui/assistant/escalations", h.signedIn(h.assistantEscalations))
	h.mux.HandleFunc("GET /ui/assistant/conversations/{key}", h.signedIn(h.assistantConversation))
	h.mux.HandleFunc("POST /ui/assistant/conversations/{key}/resolve", h.signedIn(h.assistantResolve))
	h.mux.HandleFunc("GET /ui/assistant/knowledge", h.signedIn(h.assistantKnowledge))
	h.mux.HandleFunc("POST /ui/assistant/knowledge", h.signedIn(h.assistantUpload))
	h.mux.HandleFunc("POST /ui/assistant/knowledge/{id}/delete", h.signedIn(h.assistantDeleteDocument))
}

// Dashboard conversations get session ids of their own, so the queue can
// tell them from conversations a shop's customers had.
const dashboardSessionPrefix = "ui-"

// assistantData is the try page and the conversation view (Mode
// "transcript"), which share the rendering of turns.
type assistantData struct {
	Disabled bool
	Mode     string // try or transcript

	User, Session string
	Examples      []exampleBuyer
	ExamplesErr   string
	Known         bool // the user is in the store
	LLM           bool // the server may write answers with an LLM
	Consent       bool // the user agreed to LLM processing

	Turns         []turnView
	Conv          *conversationInfo
	Key           string // the conversation's transcript key
	LastEscalated bool   // the latest answer handed the customer to a person
}

type exampleBuyer struct {
	ID   string
	Last time.Time // their latest purchase
}

type conversationInfo struct {
	Key, User, Session, Lang string
	Started, Updated         time.Time
	Escalated, Resolved      bool
	EscalatedAt, ResolvedAt  time.Time
	Reason, Summary          string
	FromDashboard            bool
}

// turnView is one message ready to show; the details are computed in Go so
// the template stays plain.
type turnView struct {
	Customer   bool
	Text       string
	At         time.Time
	Escalate   bool
	HasDetail  bool
	Confidence string
	Writer     string
	Reason     string
	Summary    string
	Sources    []sourceView
	Tools      []toolView
	Last       bool
}

type sourceView struct {
	N                       int
	ID, Title, Source, Kind string
	URL                     string // the knowledge page for uploaded documents
}

type toolView struct {
	Name, Args, Refused string
	Lines               []string
}

func (h *Handler) assistantTry(w http.ResponseWriter, r *http.Request, s *session) {
	p := h.newPage(w, r, s, "assistant.title")
	q := r.URL.Query()
	p.Form = map[string]string{"user": strings.TrimSpace(q.Get("user")), "session": q.Get("session")}
	status := http.StatusOK
	if u := p.Form["user"]; u != "" && store.CheckUserID(u) != nil {
		p.Errors = map[string]string{"user": p.T("assistant.err.user")}
		status = http.StatusBadRequest
	}
	h.renderTry(w, r, s, p, status)
}

// renderTry shows the try page for p.Form's user and session.
func (h *Handler) renderTry(w http.ResponseWriter, r *http.Request, s *session, p *page, status int) {
	d := &assistantData{Disabled: h.d.Assist == nil, Mode: "try"}
	p.Data = d
	if d.Disabled {
		h.render(w, status, "assistant", p)
		return
	}
	ctx := r.Context()
	d.LLM = h.d.Assist.UsesLLM()
	var err error
	if d.Examples, err = h.recentBuyers(ctx, 6); err != nil {
		d.ExamplesErr = err.Error()
	}
	if p.Errors["user"] == "" && p.Form["user"] != "" {
		d.User, d.Session = p.Form["user"], p.Form["session"]
		if u, err := h.d.Store.GetUser(ctx, d.User); err == nil {
			d.Known, d.Consent = true, u.Consent[shop.LLMProcessing]
		}
		if d.Session != "" {
			t, err := h.d.Assist.Transcript(ctx, assist.ConversationKey(d.User, d.Session))
			switch {
			case errors.Is(err, assist.ErrNotFound):
			case err != nil:
				h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
				return
			default:
				d.Key = t.Key
				d.Turns = turnViews(p, t.Turns)
				for i := len(d.Turns) - 1; i >= 0; i-- {
					if !d.Turns[i].Customer {
						d.LastEscalated = d.Turns[i].Escalate
						break
					}
				}
			}
		}
	}
	h.render(w, status, "assistant", p)
}

// recentBuyers are customers with the most recent orders, from the tail of
// the event log (a bounded read, whatever the store's size).
func (h *Handler) recentBuyers(ctx context.Context, n int) ([]exampleBuyer, error) {
	st, err := h.d.Store.Stats(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the store's statistics: %w", err)
	}
	const window = 3000
	after := max(0, st.LastSeq-window)
	byUser := map[string]*exampleBuyer{}
	for read := 0; read < window; {
		evs, err := h.d.Store.EventsSince(ctx, after, store.MaxLimit)
		if err != nil {
			return nil, fmt.Errorf("reading recent events: %w", err)
		}
		if len(evs) == 0 {
			break
		}
		for _, e := range evs {
			if e.Type != shop.Purchase || e.UserID == "" {
				continue
			}
			b := byUser[e.UserID]
			if b == nil {
				b = &exampleBuyer{ID: e.UserID}
				byUser[e.UserID] = b
			}
			if e.Timestamp.After(b.Last) {
				b.Last = e.Timestamp
			}
		}
		after = evs[len(evs)-1].Seq
		read += len(evs)
	}
	out := make([]exampleBuyer, 0, len(byUser))
	for _, b := range byUser {
		out = append(out, *b)
	}
	slices.SortFunc(out, func(a, b exampleBuyer) int {
		if c := b.Last.Compare(a.Last); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out[:min(n, len(out))], nil
}

func (h *Handler) assistantChat(w http.ResponseWriter, r *http.Request, s *session) {
	if !h.mayChange(w, r, s, h.d.Assist != nil) {
		return
	}
	f := r.PostForm
	user, sess, msg := strings.TrimSpace(f.Get("user")), strings.TrimSpace(f.Get("session")), strings.TrimSpace(f.Get("message"))
	p := h.newPage(w, r, s, "assistant.title")
	p.Form = map[string]string{"user": user, "session": sess, "message": msg}
	p.Errors = map[string]string{}
	if store.CheckUserID(user) != nil {
		p.Errors["user"] = p.T("assistant.err.user")
	}
	switch n := utf8.RuneCountInString(msg); {
	case n == 0:
		p.Errors["message"] = p.T("assistant.err.empty")
	case n > assist.MaxMessageChars:
		p.Errors["message"] = fmt.Sprintf(p.T("assistant.err.long"), n, assist.MaxMessageChars)
	}
	if len(sess) > 128 {
		sess = "" // not one of ours: start a new conversation
	}
	if len(p.Errors) > 0 {
		h.renderTry(w, r, s, p, http.StatusBadRequest)
		return
	}
	if sess == "" {
		b := make([]byte, 12)
		rand.Read(b) // crypto/rand.Read never fails
		sess = dashboardSessionPrefix + hex.EncodeToString(b)
	}
	ans, err := h.d.Assist.Chat(r.Context(), assist.ChatRequest{Session: sess, User: user, Message: msg})
	switch {
	case errors.Is(err, assist.ErrInvalid):
		p.Errors["message"] = err.Error()
		h.renderTry(w, r, s, p, http.StatusBadRequest)
		return
	case err != nil:
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	q := url.Values{"user": {user}, "session": {ans.Session}}
	http.Redirect(w, r, "/ui/assistant?"+q.Encode()+"#latest", http.StatusSeeOther)
}

// turnViews prepares turns for the page; the last answer is marked so the
// page can jump to it.
func turnViews(p *page, turns []assist.Turn) []turnView {
	out := make([]turnView, 0, len(turns))
	for _, t := range turns {
		v := turnView{Customer: t.Role == "customer", Text: t.Text, At: t.At, Escalate: t.Escalate}
		if d := t.Detail; d != nil {
			v.HasDetail = true
			v.Confidence = strconv.FormatFloat(d.Confidence, 'f', 2, 64)
			v.Writer = d.Writer
			v.Reason = reasonText(p, d.Reason)
			v.Summary = d.Summary
			for i, c := range d.Sources {
				sv := sourceView{N: i + 1, ID: c.ID, Title: c.Title, Source: c.Source, Kind: c.Kind}
				if rest, ok := strings.CutPrefix(c.ID, "upload:"); ok && c.Kind != assist.KindFAQ {
					doc, _, _ := strings.Cut(rest, "/")
					doc, _, _ = strings.Cut(doc, "#")
					sv.URL = "/ui/assistant/knowledge#kdoc-" + doc
				}
				v.Sources = append(v.Sources, sv)
			}
			for _, tr := range d.Tools {
				v.Tools = append(v.Tools, toolViewOf(p, tr))
			}
		} else if !v.Customer {
			// Older transcripts kept only the names of sources and tools.
			for i, id := range t.Sources {
				v.Sources = append(v.Sources, sourceView{N: i + 1, ID: id})
			}
			for _, name := range t.Tools {
				v.Tools = append(v.Tools, toolView{Name: name})
			}
		}
		out = append(out, v)
	}
	for i := len(out) - 1; i >= 0; i-- {
		if !out[i].Customer {
			out[i].Last = true
			break
		}
	}
	return out
}

func reasonText(p *page, reason string) string {
	switch reason {
	case "":
		return ""
	case assist.ReasonAskedForPerson, assist.ReasonComplaints, assist.ReasonLowConfidence:
		return p.T("assistant.reason." + reason)
	}
	return reason
}

// toolViewOf describes a tool's result in the page's language. Results come
// back from the transcript as JSON values, so they are decoded again by
// the tool's name.
func toolViewOf(p *page, tr assist.ToolResult) toolView {
	v := toolView{Name: tr.Name, Refused: tr.Refused}
	var args []string
	for k, val := range tr.Args {
		args = append(args, k+"="+val)
	}
	slices.Sort(args)
	v.Args = strings.Join(args, ", ")
	raw, err := json.Marshal(tr.Result)
	if err != nil || string(raw) == "null" {
		return v
	}
	switch tr.Name {
	case assist.ToolOrderStatus:
		var o assist.Order
		if json.Unmarshal(raw, &o) == nil && o.ID != "" {
			v.Lines = []string{orderLine(p, o)}
			return v
		}
		v.Lines = []string{p.T("assistant.tool.notfound")}
		return v
	case assist.ToolOrderHistory:
		var os []assist.Order
		if json.Unmarshal(raw, &os) == nil {
			for _, o := range os {
				v.Lines = append(v.Lines, orderLine(p, o))
			}
			if len(os) == 0 {
				v.Lines = []string{p.T("assistant.tool.noorders")}
			}
			return v
		}
	case assist.ToolPolicyLookup:
		var m map[string]string
		if json.Unmarshal(raw, &m) == nil && m["source"] != "" {
			v.Lines = []string{m["source"]}
			return v
		}
	case assist.ToolProductSearch, assist.ToolSimilarProducts:
		var ps []assist.ProductHit
		if json.Unmarshal(raw, &ps) == nil {
			for _, it := range ps {
				stock := p.T("assistant.tool.instock")
				if !it.InStock {
					stock = p.T("assistant.tool.outofstock")
				}
				v.Lines = append(v.Lines, fmt.Sprintf(p.T("assistant.tool.product"), it.Title, it.ItemID, strings.TrimSpace(it.Price+" "+it.Currency), stock))
			}
			if len(ps) == 0 {
				v.Lines = []string{p.T("assistant.tool.noproducts")}
			}
			return v
		}
	}
	v.Lines = []string{string(raw)}
	return v
}

func orderLine(p *page, o assist.Order) string {
	var items []string
	for _, l := range o.Items {
		n := l.Title
		if n == "" {
			n = l.ItemID
		}
		items = append(items, n)
	}
	status := o.Status
	if status == "placed" {
		status = p.T("assistant.tool.placed")
	}
	total := strconv.FormatFloat(o.Total, 'f', 2, 64)
	return fmt.Sprintf(p.T("assistant.tool.order"), o.ID, o.Placed.UTC().Format("2006-01-02"), len(o.Items), strings.Join(items, ", "), strings.TrimSpace(total+" "+o.Cur), status)
}

func convInfo(p *page, e assist.Escalation) *conversationInfo {
	return &conversationInfo{
		Key: e.Key, User: e.User, Session: e.Session, Lang: e.Lang, Started: e.Started, Updated: e.Updated,
		Escalated: e.Escalated, Resolved: e.Resolved, EscalatedAt: e.EscalatedAt, ResolvedAt: e.ResolvedAt,
		Reason: reasonText(p, e.Reason), Summary: e.Summary,
		FromDashboard: strings.HasPrefix(e.Session, dashboardSessionPrefix),
	}
}

func (h *Handler) assistantConversation(w http.ResponseWriter, r *http.Request, s *session) {
	p := h.newPage(w, r, s, "assistant.conv.title")
	d := &assistantData{Disabled: h.d.Assist == nil, Mode: "transcript"}
	p.Data = d
	if d.Disabled {
		h.render(w, http.StatusOK, "assistant", p)
		return
	}
	e, err := h.d.Assist.EscalationOf(r.Context(), r.PathValue("key"))
	switch {
	case errors.Is(err, assist.ErrNotFound):
		h.fail(w, r, s, http.StatusNotFound, "assistant.err.noconv", r.PathValue("key"))
		return
	case err != nil:
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	if r.URL.Query().Has("resolved") && e.Resolved {
		p.Notice = p.T("assistant.resolved.notice")
	}
	d.Conv = convInfo(p, e)
	d.User, d.Session = e.User, e.Session
	d.Turns = turnViews(p, e.Turns)
	h.render(w, http.StatusOK, "assistant", p)
}

func (h *Handler) assistantResolve(w http.ResponseWriter, r *http.Request, s *session) {
	if !h.mayChange(w, r, s, h.d.Assist != nil) {
		return
	}
	key := r.PathValue("key")
	_, err := h.d.Assist.Resolve(r.Context(), key)
	switch {
	case errors.Is(err, assist.ErrNotFound):
		h.fail(w, r, s, http.StatusNotFound, "assistant.err.noconv", key)
		return
	case errors.Is(err, assist.ErrInvalid):
		h.fail(w, r, s, http.StatusBadRequest, "assistant.err.notescalated", err.Error())
		return
	case err != nil:
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	if r.PostForm.Get("back") == "queue" {
		http.Redirect(w, r, "/ui/assistant/escalations?resolved="+url.QueryEscape(key), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/ui/assistant/conversations/"+url.PathEscape(key)+"?resolved=1", http.StatusSeeOther)
}

// escalationsData is the queue page.
type escalationsData struct {
	Disabled         bool
	All              bool
	Rows             []escalationRow
	Total            int
	Page, Pages      int
	PrevURL, NextURL string
	First, LastN     int // the rows shown, 1-based
}

type escalationRow struct {
	conversationInfo
	Turns int
}

const queuePageSize = 20

func (h *Handler) assistantEscalations(w http.ResponseWriter, r *http.Request, s *session) {
	p := h.newPage(w, r, s, "assistant.queue.title")
	q := r.URL.Query()
	d := &escalationsData{Disabled: h.d.Assist == nil, All: q.Get("all") == "1"}
	p.Data = d
	if d.Disabled {
		h.render(w, http.StatusOK, "assistant_escalations", p)
		return
	}
	if q.Has("resolved") {
		p.Notice = p.T("assistant.resolved.notice")
	}
	es, err := h.d.Assist.EscalationQueue(r.Context(), assist.EscalationQuery{IncludeResolved: d.All, Limit: 500})
	if err != nil {
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	d.Total = len(es)
	d.Pages = max(1, (len(es)+queuePageSize-1)/queuePageSize)
	d.Page = 1
	if n, err := strconv.Atoi(q.Get("page")); err == nil {
		d.Page = min(max(1, n), d.Pages)
	}
	lo, hi := (d.Page-1)*queuePageSize, min(d.Page*queuePageSize, len(es))
	for _, e := range es[lo:hi] {
		d.Rows = append(d.Rows, escalationRow{conversationInfo: *convInfo(p, e), Turns: len(e.Turns)})
	}
	d.First, d.LastN = lo+1, hi
	link := func(page int) string {
		v := url.Values{"page": {strconv.Itoa(page)}}
		if d.All {
			v.Set("all", "1")
		}
		return "/ui/assistant/escalations?" + v.Encode()
	}
	if d.Page > 1 {
		d.PrevURL = link(d.Page - 1)
	}
	if d.Page < d.Pages {
		d.NextURL = link(d.Page + 1)
	}
	h.render(w, http.StatusOK, "assistant_escalations", p)
}

// knowledgeData is the knowledge page.
type knowledgeData struct {
	Disabled bool
	assist.Knowledge
}

func (h *Handler) assistantKnowledge(w http.ResponseWriter, r *http.Request, s *session) {
	p := h.newPage(w, r, s, "assistant.knowledge.title")
	if id := r.URL.Query().Get("uploaded"); id != "" {
		p.Notice = fmt.Sprintf(p.T("assistant.knowledge.uploaded"), id)
	}
	if id := r.URL.Query().Get("deleted"); id != "" {
		p.Notice = fmt.Sprintf(p.T("assistant.knowledge.deleted"), id)
	}
	h.renderKnowledge(w, r, s, p, http.StatusOK)
}

func (h *Handler) renderKnowledge(w http.ResponseWriter, r *http.Request, s *session, p *page, status int) {
	d := &knowledgeData{Disabled: h.d.Assist == nil}
	p.Data = d
	if !d.Disabled {
		k, err := h.d.Assist.Knowledge(r.Context())
		if err != nil {
			h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
			return
		}
		d.Knowledge = k
	}
	h.render(w, status, "assistant_knowledge", p)
}

func (h *Handler) assistantUpload(w http.ResponseWriter, r *http.Request, s *session) {
	if !h.mayChange(w, r, s, h.d.Assist != nil) {
		return
	}
	f := r.PostForm
	in := assist.DocumentInput{ID: strings.TrimSpace(f.Get("id")), Title: strings.TrimSpace(f.Get("title")), Lang: f.Get("lang"), Text: f.Get("text")}
	if in.Lang != "" && in.Lang != assist.LangZH && in.Lang != assist.LangEN {
		in.Lang = ""
	}
	d, err := h.d.Assist.UploadDocument(r.Context(), in)
	switch {
	case errors.Is(err, assist.ErrInvalid):
		p := h.newPage(w, r, s, "assistant.knowledge.title")
		msg := err.Error()
		field := "text"
		switch {
		case strings.Contains(msg, ": title"):
			field = "title"
		case strings.Contains(msg, "object id"):
			field = "id"
		}
		p.Errors = map[string]string{field: msg}
		p.Form = map[string]string{"id": in.ID, "title": in.Title, "lang": in.Lang, "text": in.Text}
		h.renderKnowledge(w, r, s, p, http.StatusBadRequest)
		return
	case err != nil:
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	http.Redirect(w, r, "/ui/assistant/knowledge?uploaded="+url.QueryEscape(d.ID)+"#kdoc-"+url.PathEscape(d.ID), http.StatusSeeOther)
}

func (h *Handler) assistantDeleteDocument(w http.ResponseWriter, r *http.Request, s *session) {
	if !h.mayChange(w, r, s, h.d.Assist != nil) {
		return
	}
	id := r.PathValue("id")
	err := h.d.Assist.DeleteDocument(r.Context(), id)
	switch {
	case errors.Is(err, assist.ErrNotFound):
		h.fail(w, r, s, http.StatusNotFound, "assistant.err.nodoc", id)
		return
	case err != nil:
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	http.Redirect(w, r, "/ui/assistant/knowledge?deleted="+url.QueryEscape(id), http.StatusSeeOther)
}
