package ui

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/shopmind/shopmind/config"
	"github.com/shopmind/shopmind/erasure"
	"github.com/shopmind/shopmind/store"
)

const (
	sessionCookie = "shopmind_session"
	loginCookie   = "shopmind_login" // the login form's CSRF token (double submit)
	maxFormBytes  = 64 << 10
)

// session is one signed-in browser. The API key itself is not kept: only
// what it allows and a fingerprint that names it in audit records.
type session struct {
	id      string // the cookie's value; the store keeps only its digest
	csrf    string
	key     config.APIKey // Key is blank; Scopes are the signed-in key's
	keyFP   string        // erasure.KeyFingerprint of the key, or "loopback" without keys (as the API)
	expires time.Time
}

// canChange reports whether the session may use forms that change data.
func (s *session) canChange() bool { return s.key.Allows(config.ScopeAdmin) }

// sessionKind is the store object kind of dashboard sessions.
const sessionKind = "ui-session"

// storedSession is a session as the store keeps it, under the SHA-256 of
// its cookie value: whoever reads the store cannot sign in with it.
type storedSession struct {
	CSRF    string         `json:"csrf"`
	Scopes  []config.Scope `json:"scopes"`
	KeyFP   string         `json:"key_fp"`
	Expires time.Time      `json:"expires"`
}

// sessions live in the store, so a browser signed in on one node is signed
// in on every node behind the same load balancer, and signing out on one
// signs out everywhere.
type sessions struct {
	st  store.Store
	ttl time.Duration
	now func() time.Time

	mu        sync.Mutex
	lastSweep time.Time
}

func newSessions(st store.Store, ttl time.Duration, now func() time.Time) *sessions {
	return &sessions{st: st, ttl: ttl, now: now}
}

// randomToken is 32 random bytes in hex.
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // crypto/rand.Read never fails (it panics on a broken system source)
	return hex.EncodeToString(b)
}

func sessionObjectID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func (ss *sessions) create(ctx context.Context, k config.APIKey, keyFP string) (*session, error) {
	now := ss.now()
	s := &session{id: randomToken(), csrf: randomToken(), key: config.APIKey{Scopes: k.Scopes}, keyFP: keyFP, expires: now.Add(ss.ttl)}
	raw, err := json.Marshal(storedSession{CSRF: s.csrf, Scopes: k.Scopes, KeyFP: keyFP, Expires: s.expires})
	if err != nil {
		return nil, err
	}
	if _, err := ss.st.PutObject(ctx, sessionKind, sessionObjectID(s.id), raw); err != nil {
		return nil, fmt.Errorf("storing the dashboard session: %w", err)
	}
	ss.sweep(ctx, now)
	return s, nil
}

// sweep drops expired sessions, at most once an hour per process (a
// sign-in pays for it; expired sessions are refused on read anyway).
func (ss *sessions) sweep(ctx context.Context, now time.Time) {
	ss.mu.Lock()
	if now.Sub(ss.lastSweep) < time.Hour {
		ss.mu.Unlock()
		return
	}
	ss.lastSweep = now
	ss.mu.Unlock()
	cursor := ""
	for {
		objs, next, err := ss.st.ListObjects(ctx, sessionKind, cursor, store.MaxLimit)
		if err != nil {
			return // the next sweep tries again
		}
		for _, o := range objs {
			var v storedSession
			if json.Unmarshal(o.Data, &v) != nil || now.After(v.Expires) {
				ss.st.DeleteObject(ctx, sessionKind, o.ID) // a miss is fine: another node swept it
			}
		}
		if next == "" {
			return
		}
		cursor = next
	}
}

// get returns the live session with the cookie value id: nil if there is
// none (unknown or expired), an error if the store did not answer.
func (ss *sessions) get(ctx context.Context, id string) (*session, error) {
	if id == "" {
		return nil, nil
	}
	o, err := ss.st.GetObject(ctx, sessionKind, sessionObjectID(id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the dashboard session: %w", err)
	}
	var v storedSession
	if err := json.Unmarshal(o.Data, &v); err != nil {
		return nil, nil // unreadable: treat as signed out
	}
	if ss.now().After(v.Expires) {
		ss.st.DeleteObject(ctx, sessionKind, o.ID)
		return nil, nil
	}
	return &session{id: id, csrf: v.CSRF, key: config.APIKey{Scopes: v.Scopes}, keyFP: v.KeyFP, expires: v.Expires}, nil
}

func (ss *sessions) drop(ctx context.Context, id string) error {
	err := ss.st.DeleteObject(ctx, sessionKind, sessionObjectID(id))
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// open reports whether the dashboard runs without keys (loopback-only mode).
func (h *Handler) open() bool { return len(h.d.Keys) == 0 }

// findKey returns the configured key equal to token, comparing digests in
// constant time.
func (h *Handler) findKey(token string) (config.APIKey, bool) {
	sum := sha256.Sum256([]byte(token))
	var found config.APIKey
	ok := false
	for _, k := range h.d.Keys {
		ks := sha256.Sum256([]byte(k.Key))
		if subtle.ConstantTimeCompare(sum[:], ks[:]) == 1 {
			found, ok = k, true
		}
	}
	return found, ok
}

func (h *Handler) setSessionCookie(w http.ResponseWriter, r *http.Request, s *session) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: s.id, Path: "/ui/",
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode,
		Expires: s.expires, MaxAge: int(h.sess.ttl.Seconds()),
	})
}

// current returns the request's live session, nil if none; an error when
// the store could not tell.
func (h *Handler) current(r *http.Request) (*session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, nil
	}
	return h.sess.get(r.Context(), c.Value)
}

// signedIn wraps a page that needs a session: without one it sends the
// browser to the login form (or, in open mode, starts an admin session).
// POSTs must carry the session's CSRF token.
func (h *Handler) signedIn(next func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := h.current(r)
		if err != nil {
			h.fail(w, r, nil, http.StatusServiceUnavailable, "error.store", err.Error())
			return
		}
		if s == nil {
			if !h.open() {
				if r.Method != http.MethodGet {
					h.fail(w, r, nil, http.StatusUnauthorized, "error.signin", "")
					return
				}
				http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
				return
			}
			if r.Method != http.MethodGet { // a POST must come from a page we served
				h.fail(w, r, nil, http.StatusForbidden, "error.csrf", "")
				return
			}
			if s, err = h.sess.create(r.Context(), config.APIKey{Scopes: []config.Scope{config.ScopeAdmin}}, "loopback"); err != nil {
				h.fail(w, r, nil, http.StatusServiceUnavailable, "error.store", err.Error())
				return
			}
			h.setSessionCookie(w, r, s)
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if err := r.ParseForm(); err != nil {
				h.fail(w, r, s, http.StatusBadRequest, "error.form", err.Error())
				return
			}
			if !sameToken(r.PostForm.Get("csrf"), s.csrf) {
				h.fail(w, r, s, http.StatusForbidden, "error.csrf", "")
				return
			}
		}
		next(w, r, s)
	}
}

func sameToken(got, want string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) {
	if s, _ := h.current(r); h.open() || s != nil {
		http.Redirect(w, r, "/ui/", http.StatusSeeOther)
		return
	}
	h.renderLogin(w, r, http.StatusOK, "")
}

func (h *Handler) renderLogin(w http.ResponseWriter, r *http.Request, status int, errKey string) {
	tok := randomToken()
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: tok, Path: "/ui/login", HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode, MaxAge: 3600})
	p := h.newPage(w, r, nil, "login.title")
	p.CSRF = tok
	if errKey != "" {
		p.Errors = map[string]string{"key": p.T(errKey)}
	}
	h.render(w, status, "login", p)
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	if h.open() {
		http.Redirect(w, r, "/ui/", http.StatusSeeOther)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, nil, http.StatusBadRequest, "error.form", err.Error())
		return
	}
	c, err := r.Cookie(loginCookie)
	if err != nil || !sameToken(r.PostForm.Get("csrf"), c.Value) {
		h.fail(w, r, nil, http.StatusForbidden, "error.csrf", "")
		return
	}
	k, ok := h.findKey(r.PostForm.Get("key"))
	if !ok {
		h.renderLogin(w, r, http.StatusUnauthorized, "login.badkey")
		return
	}
	if !k.Allows(config.ScopeRead) {
		h.renderLogin(w, r, http.StatusForbidden, "login.noread")
		return
	}
	s, err := h.sess.create(r.Context(), k, erasure.KeyFingerprint(k.Key))
	if err != nil {
		h.fail(w, r, nil, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	h.setSessionCookie(w, r, s)
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Path: "/ui/login", MaxAge: -1})
	http.Redirect(w, r, "/ui/", http.StatusSeeOther)
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request, s *session) {
	if err := h.sess.drop(r.Context(), s.id); err != nil {
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Path: "/ui/", MaxAge: -1, HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
}
