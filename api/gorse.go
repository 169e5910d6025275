package api

// The Gorse-compatible subset under /api/: enough of the Gorse v0.4 REST API
// that applications written against Gorse (the npm gorsejs client, for one)
// keep working against shopmind. It follows Gorse, not /v1: PascalCase JSON,
// lenient decoding, the X-API-Key header, and errors as one line of
// text/plain, since gorsejs shows an error body as text.
//
// Gorse entities are stored as shopmind ones:
//
//   - a user {UserId, Labels, Subscribe, Comment} is a shop.User whose
//     attributes gorse_labels, gorse_subscribe and gorse_comment hold the
//     last three;
//   - an item {ItemId, IsHidden, Categories, Timestamp, Labels, Comment} is a
//     shop.Item with Hidden, Category = Categories (the category filter
//     matches any level, so a flat set works), Tags = Labels, Title =
//     Comment and the attribute gorse_timestamp holding Timestamp as sent;
//   - a feedback {FeedbackType, UserId, ItemId, Timestamp} is an event whose
//     type comes from the gorse_feedback_types setting (unmapped: view) and
//     whose id is derived from the four fields, so the same feedback sent
//     twice is stored once. Unknown users and items are created bare.
//
// Writing a Gorse user or item replaces its Gorse fields and keeps what only
// shopmind knows (consent, price, stock, other attributes).

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopmind/shopmind/config"
	"github.com/shopmind/shopmind/ingest"
	"github.com/shopmind/shopmind/recserve"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// gorsePrefix starts every Gorse-compatible route.
const gorsePrefix = "/api/"

func isGorseRoute(path string) bool { return strings.HasPrefix(path, gorsePrefix) }

// Attributes that hold the Gorse fields shopmind has no field for.
const (
	attrLabels    = "gorse_labels"
	attrSubscribe = "gorse_subscribe"
	attrComment   = "gorse_comment"
	attrTimestamp = "gorse_timestamp"
)

// gorseDefaultN is Gorse's default page size (server.default_n).
const gorseDefaultN = 10

// feedbackIDPrefix names the source of events derived from Gorse feedback.
const feedbackIDPrefix = "gorse"

type gorseUser struct {
	UserID    string   `json:"UserId"`
	Labels    []string `json:"Labels"`
	Subscribe []string `json:"Subscribe"` // null when never set, as in Gorse
	Comment   string   `json:"Comment"`
}

type gorseUserPatch struct {
	Labels    []string `json:"Labels"`
	Subscribe []string `json:"Subscribe"`
	Comment   *string  `json:"Comment"`
}

type gorseItem struct {
	ItemID     string   `json:"ItemId"`
	IsHidden   bool     `json:"IsHidden"`
	Categories []string `json:"Categories"`
	Timestamp  string   `json:"Timestamp"`
	Labels     []string `json:"Labels"`
	Comment    string   `json:"Comment"`
}

type gorseItemPatch struct {
	IsHidden   *bool    `json:"IsHidden"`
	Categories []string `json:"Categories"`
	Timestamp  *string  `json:"Timestamp"`
	Labels     []string `json:"Labels"`
	Comment    *string  `json:"Comment"`
}

type gorseFeedback struct {
	FeedbackType string `json:"FeedbackType"`
	UserID       string `json:"UserId"`
	ItemID       string `json:"ItemId"`
	Timestamp    string `json:"Timestamp"`
	Comment      string `json:"Comment"`
}

type gorseScore struct {
	ID    string  `json:"Id"`
	Score float64 `json:"Score"`
}

type gorseSuccess struct {
	RowAffected int `json:"RowAffected"`
}

type gorseItemPage struct {
	Cursor string      `json:"Cursor"`
	Items  []gorseItem `json:"Items"`
}

// ---- errors and authentication ----------------------------------------------

// gorseError answers with a one-line text/plain message, which gorsejs turns
// into the message of its GorseException.
func gorseError(w http.ResponseWriter, status int, msg string) {
	h := w.Header()
	h.Del("Content-Length")
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	io.WriteString(w, msg)
}

// gorseStoreError answers for a failed store call with Gorse's codes: 404 for
// a missing entity, 400 for a stale cursor, 500 for the rest.
func (s *Server) gorseStoreError(w http.ResponseWriter, r *http.Request, what string, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		gorseError(w, http.StatusNotFound, what+" not found")
	case errors.Is(err, store.ErrInvalidCursor):
		gorseError(w, http.StatusBadRequest, "cursor is not one this server issued; start again without it")
	case errors.Is(err, context.Canceled):
		gorseError(w, 499, "the request was canceled")
	case errors.Is(err, store.ErrUnavailable):
		gorseError(w, http.StatusInternalServerError, "the store cannot be reached; nothing was written, retry shortly")
		s.log.Warn("store unavailable", "route", r.Pattern, "err", err)
	default:
		gorseError(w, http.StatusInternalServerError, "the server failed to handle "+what+"; retry or report it")
		s.log.Error("store error", "route", r.Pattern, "err", err)
	}
}

// authorizeGorse checks the X-API-Key header for scope, against the same
// keys as the bearer tokens of /v1. With no keys configured every request is
// allowed, whatever X-API-Key says (gorsejs sends "undefined" when the
// application set no secret).
func (s *Server) authorizeGorse(w http.ResponseWriter, r *http.Request, scope config.Scope) bool {
	if len(s.keys) == 0 {
		return true
	}
	key := s.gorseKey(r)
	if key == nil {
		gorseError(w, http.StatusUnauthorized, "unauthorized: send an API key this server knows in X-API-Key")
		return false
	}
	if !key.Allows(scope) {
		gorseError(w, http.StatusForbidden, fmt.Sprintf("forbidden: this API key lacks the %q scope needed here", scope))
		return false
	}
	return true
}

// gorseAllows reports whether the request's X-API-Key carries scope too.
func (s *Server) gorseAllows(r *http.Request, scope config.Scope) bool {
	if len(s.keys) == 0 {
		return true
	}
	key := s.gorseKey(r)
	return key != nil && key.Allows(scope)
}

func (s *Server) gorseKey(r *http.Request) *config.APIKey {
	token := r.Header.Get("X-API-Key")
	if token == "" {
		return nil
	}
	sum := sha256.Sum256([]byte(token))
	var found *config.APIKey
	for i := range s.keys {
		if subtle.ConstantTimeCompare(sum[:], s.keys[i].sum[:]) == 1 {
			found = &s.keys[i].scopes
		}
	}
	return found
}

// ---- decoding --------------------------------------------------------------

// gorseDecode reads a JSON body into v. As Gorse does, it ignores unknown
// fields.
func (s *Server) gorseDecode(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			gorseError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes; split it", s.cfg.MaxBodyBytes))
		} else {
			gorseError(w, http.StatusBadRequest, "the body could not be read: "+err.Error())
		}
		return false
	}
	if err := json.Unmarshal(body, v); err != nil {
		gorseError(w, http.StatusBadRequest, "malformed JSON: "+describeJSONError(err, body))
		return false
	}
	return true
}

// gorseBatch decodes a JSON array body of at most max_batch rows.
func gorseBatch[T any](s *Server, w http.ResponseWriter, r *http.Request) ([]T, bool) {
	var rows []T
	if !s.gorseDecode(w, r, &rows) {
		return nil, false
	}
	if len(rows) > s.cfg.MaxBatch {
		gorseError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the batch has %d rows; the limit is %d, split it", len(rows), s.cfg.MaxBatch))
		return nil, false
	}
	return rows, true
}

// gorsePathID reads a path value that must be a valid id.
func gorsePathID(w http.ResponseWriter, r *http.Request, name string) (string, bool) {
	id := r.PathValue(name)
	if err := shop.CheckID(name, id); err != nil {
		gorseError(w, http.StatusBadRequest, err.Error())
		return "", false
	}
	return id, true
}

// gorseTimeLayouts are the timestamp forms Gorse clients send: RFC 3339 with
// or without fractions (a JS Date gives milliseconds), a date and time
// without zone (read as UTC) and a bare date (midnight UTC). Fractional
// seconds are accepted after any seconds field.
var gorseTimeLayouts = []string{
	time.RFC3339,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05Z0700",
	"2006-01-02 15:04:05 Z07:00",
	"2006-01-02 15:04:05 -0700 MST",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"2006-01-02",
	time.RFC1123Z,
	time.RFC1123,
}

// parseGorseTime reads a Gorse timestamp; "" (and Go's zero time, which
// clients send for "unset") give the zero time.
func parseGorseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range gorseTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time; send RFC 3339 such as 2022-08-07T00:26:46Z or a date such as 2022-08-07", s)
}

// formatGorseTime writes t as Gorse does (Go's JSON encoding of a UTC time).
func formatGorseTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// gorseInvalid words a validation error for row what, renaming the shopmind
// field it names to the Gorse field it came from.
func gorseInvalid(what string, err error, fields [][2]string) string {
	var fe *shop.FieldError
	if !errors.As(err, &fe) {
		return what + ": " + err.Error()
	}
	name := fe.Field
	for _, f := range fields {
		if name == f[0] || strings.HasPrefix(name, f[0]+".") || strings.HasPrefix(name, f[0]+"[") {
			name = f[1]
			break
		}
	}
	return what + ": " + name + " " + fe.Detail
}

var (
	gorseUserFields = [][2]string{{"id", "UserId"}, {"attributes." + attrLabels, "Labels"},
		{"attributes." + attrSubscribe, "Subscribe"}, {"attributes." + attrComment, "Comment"}}
	gorseItemFields = [][2]string{{"id", "ItemId"}, {"title", "Comment"}, {"category", "Categories"},
		{"tags", "Labels"}, {"attributes." + attrTimestamp, "Timestamp"}}
	gorseFeedbackFields = [][2]string{{"type", "FeedbackType"}, {"user_id", "UserId"},
		{"item_id", "ItemId"}, {"timestamp", "Timestamp"}}
)

// ---- attributes --------------------------------------------------------------

// setAttr sets an attribute, or removes it when v is nil.
func setAttr(attrs *map[string]any, key string, v any) {
	if v == nil {
		delete(*attrs, key)
		if len(*attrs) == 0 {
			*attrs = nil
		}
		return
	}
	if *attrs == nil {
		*attrs = map[string]any{}
	}
	(*attrs)[key] = v
}

// anyStrings turns a list into the form attributes hold after a store round
// trip (and that attribute validation walks); nil stays nil.
func anyStrings(ss []string) any {
	if ss == nil {
		return nil
	}
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// attrStrings reads a list of strings back; ok is false when the attribute
// is missing or not such a list.
func attrStrings(attrs map[string]any, key string) (out []string, ok bool) {
	switch v := attrs[key].(type) {
	case []string:
		return slices.Clone(v), true
	case []any:
		out = make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out, true
	}
	return nil, false
}

func attrString(attrs map[string]any, key string) string {
	s, _ := attrs[key].(string)
	return s
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

// ---- users and items ----------------------------------------------------------

// gorseKind is how the Gorse entities G of one kind (users, items) are stored
// as shopmind entities T, for the handlers the kinds share.
type gorseKind[G, T any] struct {
	name   string      // "user" or "item", in messages
	fields [][2]string // the shopmind fields and the Gorse fields they came from
	id     func(G) string
	get    func(s *Server, ctx context.Context, id string) (T, error)
	of     func(T) G      // the Gorse entity answered for a stored one
	edit   func(T) G      // the Gorse fields a change of a stored one starts from
	apply  func(G, *T)    // replaces the Gorse fields of a stored one
	check  func(*T) error // refuses what the store must not take
	write  func(s *Server, ctx context.Context, rows []ingest.Row[T]) (ingest.Summary, error)
}

// gorsePut upserts entities: all of them, or none when one is invalid. Each
// keeps what only shopmind knows of the stored one, if any.
func gorsePut[G, T any](s *Server, w http.ResponseWriter, r *http.Request, k gorseKind[G, T], in []G) {
	rows := make([]ingest.Row[T], len(in))
	for i, g := range in {
		id := k.id(g)
		if err := shop.CheckID("id", id); err != nil {
			gorseError(w, http.StatusBadRequest, gorseInvalid(rowName(k.name, i, len(in)), err, k.fields))
			return
		}
		v, err := k.get(s, r.Context(), id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			s.gorseStoreError(w, r, k.name+" "+strconv.Quote(id), err)
			return
		}
		k.apply(g, &v)
		if err := k.check(&v); err != nil {
			gorseError(w, http.StatusBadRequest, gorseInvalid(rowName(k.name, i, len(in)), err, k.fields))
			return
		}
		rows[i].Value = v
	}
	if s.gorseIngested(w, r, k.name+"s", k.fields, func() (ingest.Summary, error) { return k.write(s, r.Context(), rows) }) {
		writeJSON(w, http.StatusOK, gorseSuccess{RowAffected: len(in)})
	}
}

// gorseGet answers the entity {id}.
func gorseGet[G, T any](s *Server, w http.ResponseWriter, r *http.Request, k gorseKind[G, T]) {
	id, ok := gorsePathID(w, r, "id")
	if !ok {
		return
	}
	v, err := k.get(s, r.Context(), id)
	if err != nil {
		s.gorseStoreError(w, r, k.name+" "+strconv.Quote(id), err)
		return
	}
	writeJSON(w, http.StatusOK, k.of(v))
}

// gorseEdit reads the entity id, lets change modify its Gorse fields and
// stores it.
func gorseEdit[G, T any](s *Server, w http.ResponseWriter, r *http.Request, k gorseKind[G, T], id string, change func(*G)) {
	v, err := k.get(s, r.Context(), id)
	if err != nil {
		s.gorseStoreError(w, r, k.name+" "+strconv.Quote(id), err)
		return
	}
	g := k.edit(v)
	change(&g)
	k.apply(g, &v)
	if err := k.check(&v); err != nil {
		gorseError(w, http.StatusBadRequest, gorseInvalid(k.name, err, k.fields))
		return
	}
	if s.gorseIngested(w, r, k.name, k.fields, func() (ingest.Summary, error) { return k.write(s, r.Context(), rowsOf(v)) }) {
		writeJSON(w, http.StatusOK, gorseSuccess{RowAffected: 1})
	}
}

// ---- users ------------------------------------------------------------------

// applyTo replaces the Gorse fields of u.
func (g gorseUser) applyTo(u *shop.User) {
	u.ID = g.UserID
	var labels, comment any
	if len(g.Labels) > 0 {
		labels = anyStrings(g.Labels)
	}
	if g.Comment != "" {
		comment = g.Comment
	}
	setAttr(&u.Attributes, attrLabels, labels)
	setAttr(&u.Attributes, attrSubscribe, anyStrings(g.Subscribe))
	setAttr(&u.Attributes, attrComment, comment)
}

func gorseUserOf(u shop.User) gorseUser {
	labels, _ := attrStrings(u.Attributes, attrLabels)
	subscribe, _ := attrStrings(u.Attributes, attrSubscribe)
	return gorseUser{UserID: u.ID, Labels: nonNil(labels), Subscribe: subscribe, Comment: attrString(u.Attributes, attrComment)}
}

// gorseUsers stores Gorse users as shop.Users.
var gorseUsers = gorseKind[gorseUser, shop.User]{
	name:   "user",
	fields: gorseUserFields,
	id:     func(g gorseUser) string { return g.UserID },
	get:    func(s *Server, ctx context.Context, id string) (shop.User, error) { return s.userByID(ctx, id) },
	of:     gorseUserOf,
	edit:   gorseUserOf,
	apply:  gorseUser.applyTo,
	check:  (*shop.User).Validate,
	write: func(s *Server, ctx context.Context, rows []ingest.Row[shop.User]) (ingest.Summary, error) {
		return s.ingest.Users(ctx, rows)
	},
}

func (s *Server) gorseInsertUser(w http.ResponseWriter, r *http.Request) {
	var u gorseUser
	if s.gorseDecode(w, r, &u) {
		gorsePut(s, w, r, gorseUsers, []gorseUser{u})
	}
}

func (s *Server) gorseInsertUsers(w http.ResponseWriter, r *http.Request) {
	if users, ok := gorseBatch[gorseUser](s, w, r); ok {
		gorsePut(s, w, r, gorseUsers, users)
	}
}

func (s *Server) gorseGetUser(w http.ResponseWriter, r *http.Request) { gorseGet(s, w, r, gorseUsers) }

func (s *Server) gorsePatchUser(w http.ResponseWriter, r *http.Request) {
	id, ok := gorsePathID(w, r, "id")
	if !ok {
		return
	}
	var p gorseUserPatch
	if !s.gorseDecode(w, r, &p) {
		return
	}
	gorseEdit(s, w, r, gorseUsers, id, func(g *gorseUser) {
		if p.Labels != nil {
			g.Labels = p.Labels
		}
		if p.Subscribe != nil {
			g.Subscribe = p.Subscribe
		}
		if p.Comment != nil {
			g.Comment = *p.Comment
		}
	})
}

// gorseDeleteUser deletes the user and their events (the store records the
// deletion; profiles follow it). Deleting an unknown user succeeds, as in
// Gorse.
func (s *Server) gorseDeleteUser(w http.ResponseWriter, r *http.Request) {
	id, ok := gorsePathID(w, r, "id")
	if !ok {
		return
	}
	if _, err := s.store.DeleteUser(r.Context(), id); err != nil && !errors.Is(err, store.ErrNotFound) {
		if errors.Is(err, store.ErrInvalid) {
			gorseError(w, http.StatusBadRequest, err.Error())
			return
		}
		s.gorseStoreError(w, r, "user "+strconv.Quote(id), err)
		return
	}
	if s.profiles != nil {
		s.profiles.Notify()
	}
	writeJSON(w, http.StatusOK, gorseSuccess{RowAffected: 1})
}

// ---- items ------------------------------------------------------------------

// applyTo replaces the Gorse fields of it.
func (g gorseItem) applyTo(it *shop.Item) {
	it.ID = g.ItemID
	it.Hidden = g.IsHidden
	it.Category = slices.Clone(g.Categories)
	it.Tags = slices.Clone(g.Labels)
	it.Title = g.Comment
	var ts any
	if g.Timestamp != "" {
		ts = g.Timestamp
	}
	setAttr(&it.Attributes, attrTimestamp, ts)
}

func gorseItemOf(it shop.Item) gorseItem {
	g := gorseItem{ItemID: it.ID, IsHidden: it.Hidden, Categories: nonNil(slices.Clone(it.Category)),
		Labels: nonNil(slices.Clone(it.Tags)), Comment: it.Title}
	raw := attrString(it.Attributes, attrTimestamp)
	if t, err := parseGorseTime(raw); err == nil {
		g.Timestamp = formatGorseTime(t) // the zero time when unset, as Gorse answers
	} else {
		g.Timestamp = raw
	}
	return g
}

// checkItem refuses what Gorse refuses (an unreadable timestamp) and what
// the data model does.
func checkItem(it *shop.Item) error {
	if _, err := parseGorseTime(attrString(it.Attributes, attrTimestamp)); err != nil {
		return &shop.FieldError{Field: "attributes." + attrTimestamp, Detail: err.Error()}
	}
	it.Normalize()
	return it.Validate()
}

// gorseItems stores Gorse items as shop.Items.
var gorseItems = gorseKind[gorseItem, shop.Item]{
	name:   "item",
	fields: gorseItemFields,
	id:     func(g gorseItem) string { return g.ItemID },
	get:    func(s *Server, ctx context.Context, id string) (shop.Item, error) { return s.store.GetItem(ctx, id) },
	of:     gorseItemOf,
	edit: func(it shop.Item) gorseItem {
		g := gorseItemOf(it)
		g.Timestamp = attrString(it.Attributes, attrTimestamp) // keep it as it was sent
		return g
	},
	apply: gorseItem.applyTo,
	check: checkItem,
	write: func(s *Server, ctx context.Context, rows []ingest.Row[shop.Item]) (ingest.Summary, error) {
		return s.ingest.Items(ctx, rows)
	},
}

func (s *Server) gorseUpsertItem(w http.ResponseWriter, r *http.Request) {
	var it gorseItem
	if s.gorseDecode(w, r, &it) {
		gorsePut(s, w, r, gorseItems, []gorseItem{it})
	}
}

func (s *Server) gorseUpsertItems(w http.ResponseWriter, r *http.Request) {
	if items, ok := gorseBatch[gorseItem](s, w, r); ok {
		gorsePut(s, w, r, gorseItems, items)
	}
}

func (s *Server) gorseGetItem(w http.ResponseWriter, r *http.Request) { gorseGet(s, w, r, gorseItems) }

func (s *Server) gorseListItems(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	n, _, err := gorseWindow(q)
	if err != nil {
		gorseError(w, http.StatusBadRequest, err.Error())
		return
	}
	cursor := q.Get("cursor")
	if cursor == "" {
		cursor = q.Get("Cursor") // what gorsejs sends
	}
	items, next, err := s.store.ListItems(r.Context(), store.ItemQuery{Cursor: cursor, Limit: min(n, store.MaxLimit)})
	if err != nil {
		s.gorseStoreError(w, r, "items", err)
		return
	}
	page := gorseItemPage{Cursor: next, Items: make([]gorseItem, len(items))}
	for i, it := range items {
		page.Items[i] = gorseItemOf(it)
	}
	writeJSON(w, http.StatusOK, page)
}

// gorseUpdateItem reads item {id}, lets change modify it and stores it.
func (s *Server) gorseUpdateItem(w http.ResponseWriter, r *http.Request, change func(*gorseItem)) {
	if id, ok := gorsePathID(w, r, "id"); ok {
		gorseEdit(s, w, r, gorseItems, id, change)
	}
}

func (s *Server) gorsePatchItem(w http.ResponseWriter, r *http.Request) {
	var p gorseItemPatch
	if !s.gorseDecode(w, r, &p) {
		return
	}
	s.gorseUpdateItem(w, r, func(g *gorseItem) {
		if p.IsHidden != nil {
			g.IsHidden = *p.IsHidden
		}
		if p.Categories != nil {
			g.Categories = p.Categories
		}
		if p.Timestamp != nil {
			g.Timestamp = *p.Timestamp
		}
		if p.Labels != nil {
			g.Labels = p.Labels
		}
		if p.Comment != nil {
			g.Comment = *p.Comment
		}
	})
}

func (s *Server) gorseAddCategory(w http.ResponseWriter, r *http.Request) {
	c := r.PathValue("category")
	s.gorseUpdateItem(w, r, func(g *gorseItem) {
		if !slices.Contains(g.Categories, c) {
			g.Categories = append(g.Categories, c)
		}
	})
}

func (s *Server) gorseRemoveCategory(w http.ResponseWriter, r *http.Request) {
	if _, err := s.store.GetItem(r.Context(), r.PathValue("id")); errors.Is(err, store.ErrNotFound) {
		writeJSON(w, http.StatusOK, gorseSuccess{RowAffected: 1}) // nothing to remove, as in Gorse
		return
	}
	c := r.PathValue("category")
	s.gorseUpdateItem(w, r, func(g *gorseItem) {
		g.Categories = slices.DeleteFunc(g.Categories, func(x string) bool { return x == c })
	})
}

// gorseDeleteItem deletes the item and drops it from the catalogue view at
// once. Deleting an unknown item succeeds, as in Gorse. The item's events
// stay; recommendations under /api/ skip items the catalogue lacks.
func (s *Server) gorseDeleteItem(w http.ResponseWriter, r *http.Request) {
	id, ok := gorsePathID(w, r, "id")
	if !ok {
		return
	}
	if err := s.store.DeleteItem(r.Context(), id); err != nil && !errors.Is(err, store.ErrNotFound) {
		s.gorseStoreError(w, r, "item "+strconv.Quote(id), err)
		return
	}
	if s.catalog != nil {
		s.catalog.Forget(id)
	}
	writeJSON(w, http.StatusOK, gorseSuccess{RowAffected: 1})
}

// ---- feedback -----------------------------------------------------------------

// gorseInsertFeedback serves POST (insert) and PUT (upsert) alike: events
// are immutable and the same feedback always gets the same event id, so a
// repeated feedback is absorbed either way.
func (s *Server) gorseInsertFeedback(w http.ResponseWriter, r *http.Request) {
	fbs, ok := gorseBatch[gorseFeedback](s, w, r)
	if !ok {
		return
	}
	now := time.Now()
	events := make([]shop.Event, len(fbs))
	for i, fb := range fbs {
		ts, err := parseGorseTime(fb.Timestamp)
		if err != nil {
			gorseError(w, http.StatusBadRequest, rowName("feedback", i, len(fbs))+": Timestamp "+err.Error())
			return
		}
		e, err := s.feedbackEvent(fb, ts, now)
		if err != nil {
			gorseError(w, http.StatusBadRequest, gorseInvalid(rowName("feedback", i, len(fbs)), err, gorseFeedbackFields))
			return
		}
		events[i] = e
	}
	if s.gorseStoreFeedback(w, r, events) {
		writeJSON(w, http.StatusOK, gorseSuccess{RowAffected: len(fbs)})
	}
}

// feedbackEvent turns a feedback into a valid event. ts is the feedback's
// time, zero when it had none: the event then takes now, and its id leaves
// the time out, so that a feedback without time is stored once.
func (s *Server) feedbackEvent(fb gorseFeedback, ts, now time.Time) (shop.Event, error) {
	t, ok := s.cfg.GorseFeedbackTypes[fb.FeedbackType]
	if !ok {
		t = shop.View
	}
	stamp := ""
	if !ts.IsZero() {
		stamp = formatGorseTime(ts)
	}
	e := shop.Event{
		ID:        shop.StableID(feedbackIDPrefix, fb.FeedbackType, fb.UserID, fb.ItemID, stamp),
		Type:      t,
		UserID:    fb.UserID,
		ItemID:    fb.ItemID,
		Timestamp: ts,
	}
	if e.ItemID == "" {
		return e, &shop.FieldError{Field: "item_id", Detail: "is missing"}
	}
	e.Normalize(now)
	return e, e.Validate(now)
}

// gorseStoreFeedback creates the items the events name that the store does
// not know (bare, as Gorse's auto_insert_item does; users are created by the
// store), then stores the events.
func (s *Server) gorseStoreFeedback(w http.ResponseWriter, r *http.Request, events []shop.Event) bool {
	ctx := r.Context()
	var bare []ingest.Row[shop.Item]
	seen := map[string]bool{}
	for _, e := range events {
		if seen[e.ItemID] {
			continue
		}
		seen[e.ItemID] = true
		ok, err := s.itemExists(ctx, e.ItemID)
		if err != nil {
			s.gorseStoreError(w, r, "item "+strconv.Quote(e.ItemID), err)
			return false
		}
		if !ok {
			// A concurrent upsert of the same item may land between the
			// look-up and this write and be replaced by the bare item.
			bare = append(bare, ingest.Row[shop.Item]{Value: shop.Item{ID: e.ItemID}})
		}
	}
	if len(bare) > 0 && !s.gorseIngested(w, r, "items", gorseItemFields, func() (ingest.Summary, error) { return s.ingest.Items(ctx, bare) }) {
		return false
	}
	rows := make([]ingest.Row[shop.Event], len(events))
	for i, e := range events {
		rows[i].Value = e
	}
	var sum ingest.Summary
	if !s.gorseIngested(w, r, "feedback", gorseFeedbackFields, func() (ingest.Summary, error) {
		var err error
		sum, err = s.ingest.Events(ctx, rows)
		return sum, err
	}) {
		return false
	}
	if s.profiles != nil && sum.Accepted > 0 {
		s.profiles.Notify()
	}
	return true
}

// gorseIngested runs a write through ingest and answers for a store failure
// or a refused row (rows are checked before, so that one means a bug or a
// race), reporting whether all went well.
func (s *Server) gorseIngested(w http.ResponseWriter, r *http.Request, what string, fields [][2]string, write func() (ingest.Summary, error)) bool {
	sum, err := write()
	if err != nil {
		s.gorseStoreError(w, r, what, err)
		return false
	}
	for _, res := range sum.Results {
		if res.Status == ingest.Refused {
			err := error(&shop.FieldError{Field: res.Field, Detail: strings.TrimPrefix(res.Error, res.Field+" ")})
			gorseError(w, http.StatusBadRequest, gorseInvalid(rowName(what, res.Index, len(sum.Results)), err, fields))
			return false
		}
	}
	return true
}

// rowName names row i of a batch of n for an error message.
func rowName(what string, i, n int) string {
	if n == 1 {
		return what
	}
	return fmt.Sprintf("%s %d", what, i)
}

// itemExists asks the catalogue view (reading through to the store).
func (s *Server) itemExists(ctx context.Context, id string) (bool, error) {
	if s.catalog != nil {
		it, err := s.catalog.Get(ctx, id)
		return it != nil, err
	}
	_, err := s.store.GetItem(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// ---- recommendations ------------------------------------------------------------

// gorseWindow reads n (default 10) and offset (default 0).
func gorseWindow(q url.Values) (n, offset int, err error) {
	n = gorseDefaultN
	if v := q.Get("n"); v != "" {
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			return 0, 0, fmt.Errorf("n: %q is not a whole number of at least 1", v)
		}
	}
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return 0, 0, fmt.Errorf("offset: %q is not a whole number of at least 0", v)
		}
	}
	return n, offset, nil
}

// gorseRecRequest checks that recommendations are served and reads the
// window and the category (a path value, "" for the trailing-slash form).
func (s *Server) gorseRecRequest(w http.ResponseWriter, r *http.Request) (req recserve.Request, offset int, ok bool) {
	if s.recs == nil {
		gorseError(w, http.StatusServiceUnavailable, "this server does not serve recommendations")
		return req, 0, false
	}
	n, offset, err := gorseWindow(r.URL.Query())
	if err != nil {
		gorseError(w, http.StatusBadRequest, err.Error())
		return req, 0, false
	}
	if n+offset > s.recs.MaxN() {
		gorseError(w, http.StatusBadRequest, fmt.Sprintf("n + offset is %d; at most %d items can be ranked", n+offset, s.recs.MaxN()))
		return req, 0, false
	}
	return recserve.Request{N: n + offset, Category: r.PathValue("category")}, offset, true
}

// gorseRanked asks for offset+n items and skips offset of them. Deleted
// and hidden items never come back from the recommendation service.
func (s *Server) gorseRanked(_ context.Context, req recserve.Request, offset int, ask func(recserve.Request) (recserve.Result, error)) ([]recserve.Item, error) {
	res, err := ask(req)
	if err != nil {
		return nil, err
	}
	if offset >= len(res.Items) {
		return []recserve.Item{}, nil
	}
	return res.Items[offset:], nil
}

func (s *Server) gorseRecError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, recserve.ErrInvalid) {
		gorseError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.gorseStoreError(w, r, "the recommendations", err)
}

func gorseScores(items []recserve.Item) []gorseScore {
	out := make([]gorseScore, len(items))
	for i, it := range items {
		out[i] = gorseScore{ID: it.ID, Score: it.Score}
	}
	return out
}

// gorseRecommend answers a user's recommendations as a plain array of item
// ids. It never fails for an unknown user or before any model exists, and
// leaves out every item the user has feedback for. With write-back-type it
// records that feedback for the items returned, at now + write-back-delay.
func (s *Server) gorseRecommend(w http.ResponseWriter, r *http.Request) {
	user, ok := gorsePathID(w, r, "user")
	if !ok {
		return
	}
	req, offset, ok := s.gorseRecRequest(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	writeBack := q.Get("write-back-type")
	var delay time.Duration
	if v := q.Get("write-back-delay"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			gorseError(w, http.StatusBadRequest, fmt.Sprintf("write-back-delay: %q is not a duration such as 10m or 0h0m0s", v))
			return
		}
		if d > shop.FutureTolerance {
			gorseError(w, http.StatusBadRequest, fmt.Sprintf("write-back-delay: %s is more than the %s events may lie in the future", v, shop.FutureTolerance))
			return
		}
		delay = d
	}
	if writeBack != "" && !s.gorseAllows(r, config.ScopeIngest) {
		gorseError(w, http.StatusForbidden, `forbidden: write-back needs an API key with the "ingest" scope`)
		return
	}
	ctx := r.Context()
	// Gorse never recommends what the user has feedback for: the rules
	// exclude the recent history and purchases the profile keeps in memory.
	rules := s.recs.Rules()
	rules.ExcludeSeen, rules.ExcludePurchased = true, true
	req.Rules = &rules
	items, err := s.gorseRanked(ctx, req, offset, func(req recserve.Request) (recserve.Result, error) {
		return s.recs.ForUser(ctx, user, req)
	})
	if err != nil {
		s.gorseRecError(w, r, err)
		return
	}
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	if writeBack != "" && len(ids) > 0 {
		now := time.Now()
		events := make([]shop.Event, len(ids))
		for i, id := range ids {
			e, err := s.feedbackEvent(gorseFeedback{FeedbackType: writeBack, UserID: user, ItemID: id}, now.Add(delay), now)
			if err != nil {
				gorseError(w, http.StatusBadRequest, gorseInvalid("write-back", err, gorseFeedbackFields))
				return
			}
			events[i] = e
		}
		if !s.gorseStoreFeedback(w, r, events) {
			return
		}
	}
	writeJSON(w, http.StatusOK, ids)
}

// gorseScoreList serves the routes that answer [{"Id", "Score"}].
func (s *Server) gorseScoreList(ask func(r *http.Request, req recserve.Request) (recserve.Result, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		req, offset, ok := s.gorseRecRequest(w, r)
		if !ok {
			return
		}
		items, err := s.gorseRanked(r.Context(), req, offset, func(req recserve.Request) (recserve.Result, error) { return ask(r, req) })
		if err != nil {
			s.gorseRecError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, gorseScores(items))
	}
}

func (s *Server) gorsePopular(w http.ResponseWriter, r *http.Request) {
	s.gorseScoreList(func(r *http.Request, req recserve.Request) (recserve.Result, error) {
		return s.recs.Popular(r.Context(), req)
	})(w, r)
}

func (s *Server) gorseLatest(w http.ResponseWriter, r *http.Request) {
	s.gorseScoreList(func(r *http.Request, req recserve.Request) (recserve.Result, error) {
		return s.recs.Latest(r.Context(), req)
	})(w, r)
}

// gorseNeighbors answers items similar to {id}, best first; an item the
// server does not know has no neighbours (not an error, as in Gorse).
func (s *Server) gorseNeighbors(w http.ResponseWriter, r *http.Request) {
	id, ok := gorsePathID(w, r, "id")
	if !ok {
		return
	}
	s.gorseScoreList(func(r *http.Request, req recserve.Request) (recserve.Result, error) {
		res, err := s.recs.Similar(r.Context(), id, req)
		if errors.Is(err, recserve.ErrUnknownItem) {
			return recserve.Result{Items: []recserve.Item{}}, nil
		}
		return res, err
	})(w, r)
}

// gorseSessionRecommend recommends from the posted feedback alone (stored
// nowhere), leaving out the items posted.
func (s *Server) gorseSessionRecommend(w http.ResponseWriter, r *http.Request) {
	if s.recs == nil {
		gorseError(w, http.StatusServiceUnavailable, "this server does not serve recommendations")
		return
	}
	fbs, ok := gorseBatch[gorseFeedback](s, w, r)
	if !ok {
		return
	}
	if len(fbs) > maxExclude {
		gorseError(w, http.StatusBadRequest, fmt.Sprintf("a session may hold at most %d feedbacks", maxExclude))
		return
	}
	type seen struct {
		item string
		at   time.Time
	}
	now := time.Now()
	session := make([]seen, 0, len(fbs))
	for i, fb := range fbs {
		if err := shop.CheckID("ItemId", fb.ItemID); err != nil {
			gorseError(w, http.StatusBadRequest, rowName("feedback", i, len(fbs))+": "+err.Error())
			return
		}
		ts, err := parseGorseTime(fb.Timestamp)
		if err != nil {
			gorseError(w, http.StatusBadRequest, rowName("feedback", i, len(fbs))+": Timestamp "+err.Error())
			return
		}
		if ts.IsZero() {
			ts = now
		}
		session = append(session, seen{fb.ItemID, ts})
	}
	slices.SortStableFunc(session, func(a, b seen) int { return a.at.Compare(b.at) })
	items := make([]string, len(session))
	for i, x := range session {
		items[i] = x.item
	}
	s.gorseScoreList(func(r *http.Request, req recserve.Request) (recserve.Result, error) {
		return s.recs.Session(r.Context(), items, req)
	})(w, r)
}
