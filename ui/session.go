package ui

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"sync"
	"time"

	"github.com/shopmind/shopmind/config"
)

const (
	sessionCookie = "shopmind_session"
	loginCookie   = "shopmind_login" // the login form's CSRF token (double submit)
	maxFormBytes  = 64 << 10
)

// session is one signed-in browser. The API key itself is not kept: only
// what it allows.
type session struct {
	id      string
	csrf    string
	key     config.APIKey // Key is blank; Scopes are the signed-in key's
	expires time.Time
}

// canChange reports whether the session may use forms that change data.
func (s *session) canChange() bool { return s.key.Allows(config.ScopeAdmin) }

// sessions are kept in this process's memory: they are per node for now, so
// behind a load balancer a browser must stick to one node (or sign in again).
type sessions struct {
	mu  sync.Mutex
	m   map[string]*session
	ttl time.Duration
	now func() time.Time
}

func newSessions(ttl time.Duration, now func() time.Time) *sessions {
	return &sessions{m: map[string]*session{}, ttl: ttl, now: now}
}

// randomToken is 32 random bytes in hex.
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // crypto/rand.Read never fails (it panics on a broken system source)
	return hex.EncodeToString(b)
}

func (ss *sessions) create(k config.APIKey) *session {
	now := ss.now()
	s := &session{id: randomToken(), csrf: randomToken(), key: config.APIKey{Scopes: k.Scopes}, expires: now.Add(ss.ttl)}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for id, old := range ss.m { // drop expired sessions as new ones come
		if now.After(old.expires) {
			delete(ss.m, id)
		}
	}
	ss.m[s.id] = s
	return s
}

func (ss *sessions) get(id string) *session {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s := ss.m[id]
	if s == nil {
		return nil
	}
	if ss.now().After(s.expires) {
		delete(ss.m, id)
		return nil
	}
	return s
}

func (ss *sessions) drop(id string) {
	ss.mu.Lock()
	delete(ss.m, id)
	ss.mu.Unlock()
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

// current returns the request's live session, nil if none.
func (h *Handler) current(r *http.Request) *session {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	return h.sess.get(c.Value)
}

// signedIn wraps a page that needs a session: without one it sends the
// browser to the login form (or, in open mode, starts an admin session).
// POSTs must carry the session's CSRF token.
func (h *Handler) signedIn(next func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s := h.current(r)
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
			s = h.sess.create(config.APIKey{Scopes: []config.Scope{config.ScopeAdmin}})
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
	if h.open() || h.current(r) != nil {
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
	s := h.sess.create(k)
	h.setSessionCookie(w, r, s)
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Path: "/ui/login", MaxAge: -1})
	http.Redirect(w, r, "/ui/", http.StatusSeeOther)
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request, s *session) {
	h.sess.drop(s.id)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Path: "/ui/", MaxAge: -1, HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
}
