// Package ui owns the web dashboard served at /ui/: server-rendered HTML
// pages (html/template, embedded with the binary), sign-in with an API key
// into a session cookie, CSRF tokens on every form, and the Chinese and
// English message tables. It calls the domain services in-process, never the
// JSON API, and holds no data of its own beyond the sessions in memory.
package ui

import (
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/shopmind/shopmind/audience"
	"github.com/shopmind/shopmind/config"
	"github.com/shopmind/shopmind/consent"
	"github.com/shopmind/shopmind/profile"
	"github.com/shopmind/shopmind/recserve"
	"github.com/shopmind/shopmind/store"
)

//go:embed templates/*.html static/*.css
var assets embed.FS

// Deps are the services the dashboard reads and changes. Store is required;
// a nil service turns its part of a page into a "not served here" note.
type Deps struct {
	Store           store.Store
	Profiles        *profile.Service
	Audience        *audience.Service
	Recommendations *recserve.Service
	Consent         *consent.Service
	// Keys are the configured API keys. Without keys the dashboard is open
	// (the server then listens on loopback only, as for the API) and every
	// visitor acts as admin.
	Keys   []config.APIKey
	Logger *slog.Logger
	// SessionTTL is how long a sign-in lasts (default 12 h).
	SessionTTL time.Duration
	// Now is the clock (tests fix it); nil is time.Now.
	Now func() time.Time
}

// Handler serves the dashboard under /ui/.
type Handler struct {
	d     Deps
	log   *slog.Logger
	now   func() time.Time
	pages map[string]*template.Template
	mux   *http.ServeMux
	sess  *sessions
}

// New builds the dashboard handler. It panics only if the embedded
// templates do not parse, which the package tests catch.
func New(d Deps) *Handler {
	h := &Handler{d: d, log: d.Logger, now: d.Now, mux: http.NewServeMux()}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.now == nil {
		h.now = time.Now
	}
	ttl := d.SessionTTL
	if ttl <= 0 {
		ttl = 12 * time.Hour
	}
	h.sess = newSessions(ttl, h.now)
	h.pages = parsePages()
	static, _ := fs.Sub(assets, "static")
	h.mux.Handle("GET /ui/static/", http.StripPrefix("/ui/static/", http.FileServerFS(static)))
	h.mux.HandleFunc("GET /ui/login", h.loginForm)
	h.mux.HandleFunc("POST /ui/login", h.login)
	h.mux.HandleFunc("POST /ui/logout", h.signedIn(h.logout))
	h.mux.HandleFunc("GET /ui/{$}", h.signedIn(h.overview))
	h.mux.HandleFunc("GET /ui/customers", h.signedIn(h.customer))
	h.mux.HandleFunc("GET /ui/segments", h.signedIn(h.segments))
	h.mux.HandleFunc("POST /ui/segments", h.signedIn(h.createSegment))
	h.mux.HandleFunc("/ui/", h.signedIn(h.notFound))
	return h
}

// ServeHTTP sets the headers every dashboard answer carries and routes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	// No scripts, no external assets: the policy says so to the browser.
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("X-Frame-Options", "DENY")
	if r.Method != http.MethodGet || !isStatic(r.URL.Path) {
		hd.Set("Cache-Control", "no-store")
	}
	h.mux.ServeHTTP(w, r)
}

func isStatic(p string) bool { return strings.HasPrefix(p, "/ui/static/") }

func parsePages() map[string]*template.Template {
	funcs := template.FuncMap{
		"num": func(v any) string {
			switch n := v.(type) {
			case float64:
				return fmt.Sprintf("%.2f", n)
			default:
				return fmt.Sprint(n)
			}
		},
		"when": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.UTC().Format("2006-01-02 15:04 UTC")
		},
	}
	out := map[string]*template.Template{}
	for _, name := range []string{"login", "overview", "customer", "segments", "error"} {
		t := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html", "templates/"+name+".html"))
		out[name] = t
	}
	return out
}

// render writes page name with status.
func (h *Handler) render(w http.ResponseWriter, status int, name string, p *page) {
	t := h.pages[name]
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := t.ExecuteTemplate(w, "layout.html", p); err != nil {
		h.log.Error("rendering a dashboard page failed", "page", name, "err", err)
	}
}

// fail renders the error page with status and a message key (plus detail,
// shown as is).
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, s *session, status int, msgKey, detail string) {
	p := h.newPage(w, r, s, "error.title")
	p.Status, p.Message, p.Detail = status, p.T(msgKey), detail
	h.render(w, status, "error", p)
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request, s *session) {
	h.fail(w, r, s, http.StatusNotFound, "error.notfound", r.URL.Path)
}
