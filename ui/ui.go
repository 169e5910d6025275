// Package ui owns the web dashboard served at /ui/: server-rendered HTML
// pages (html/template, embedded with the binary), sign-in with an API key
// into a session cookie, CSRF tokens on every form, and the Chinese and
// English message tables. It calls the domain services in-process, never the
// JSON API. Its only state, the sessions, lives in the store, so any node
// serves any signed-in browser.
package ui

import (
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/shopmind/shopmind/ads"
	"github.com/shopmind/shopmind/assist"
	"github.com/shopmind/shopmind/audience"
	"github.com/shopmind/shopmind/config"
	"github.com/shopmind/shopmind/consent"
	"github.com/shopmind/shopmind/copyserve"
	"github.com/shopmind/shopmind/erasure"
	"github.com/shopmind/shopmind/experiment"
	"github.com/shopmind/shopmind/profile"
	"github.com/shopmind/shopmind/recserve"
	"github.com/shopmind/shopmind/store"
	"github.com/shopmind/shopmind/strategy"
)

//go:embed templates/*.html static
var assets embed.FS

// Deps are the services the dashboard reads and changes. Store is required;
// a nil service turns its part of a page into a "not served here" note.
type Deps struct {
	Store           store.Store
	Profiles        *profile.Service
	Audience        *audience.Service
	Recommendations *recserve.Service
	Consent         *consent.Service
	Ads             *ads.Service
	Copy            *copyserve.Service
	CopyJobs        *copyserve.Jobs
	CopyBandit      *copyserve.Bandit
	Assist          *assist.Service
	Strategy        *strategy.Service
	Experiments     *experiment.Service
	// Erasure deletes users (the customer page's delete button).
	Erasure *erasure.Service
	// Config is the server's configuration (settings pages show and
	// defaults forms start from).
	Config config.Config
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
	h.sess = newSessions(d.Store, ttl, h.now)
	h.pages = parsePages()
	static, _ := fs.Sub(assets, "static")
	h.mux.Handle("GET /ui/static/", http.StripPrefix("/ui/static/", http.FileServerFS(static)))
	h.mux.HandleFunc("GET /ui/login", h.loginForm)
	h.mux.HandleFunc("POST /ui/login", h.login)
	h.mux.HandleFunc("POST /ui/logout", h.signedIn(h.logout))
	// Each page file adds its own routes.
	for _, add := range []func(){
		h.overviewRoutes, h.customerRoutes, h.segmentRoutes, h.campaignRoutes,
		h.copyRoutes, h.assistantRoutes, h.experimentRoutes, h.reportRoutes,
	} {
		add()
	}
	h.mux.HandleFunc("/ui/", h.signedIn(h.notFound))
	return h
}

// ServeHTTP sets the headers every dashboard answer carries and routes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	// Only our own stylesheets and scripts (no inline script, no external
	// assets); scripts may fetch from this origin only.
	hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("X-Frame-Options", "DENY")
	if r.Method != http.MethodGet || !isStatic(r.URL.Path) {
		hd.Set("Cache-Control", "no-store")
	}
	h.mux.ServeHTTP(w, r)
}

// iconURL is the dashboard's icon: a shopping bag, drawn here.
const iconURL = template.URL("data:image/svg+xml,%3Csvg%20xmlns%3D%22http%3A%2F%2Fwww.w3.org%2F2000%2Fsvg%22%20viewBox%3D%220%200%2032%2032%22%3E%3Crect%20width%3D%2232%22%20height%3D%2232%22%20rx%3D%226%22%20fill%3D%22%231f5fbf%22%2F%3E%3Cpath%20d%3D%22M9%2012h14l-1.5%2011h-11z%22%20fill%3D%22%23fff%22%2F%3E%3Cpath%20d%3D%22M12%2012a4%204%200%200%201%208%200%22%20fill%3D%22none%22%20stroke%3D%22%23fff%22%20stroke-width%3D%222%22%2F%3E%3C%2Fsvg%3E")

func isStatic(p string) bool { return strings.HasPrefix(p, "/ui/static/") }

func parsePages() map[string]*template.Template {
	funcs := template.FuncMap{
		// The icon is inline (a data: URL), so no page load fetches it.
		"icon": func() template.URL { return iconURL },
		"num": func(v any) string {
			switch n := v.(type) {
			case float64:
				return fmt.Sprintf("%.2f", n)
			default:
				return fmt.Sprint(n)
			}
		},
		"pct": func(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) },
		"when": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.UTC().Format("2006-01-02 15:04 UTC")
		},
	}
	// Every template but the layout is a page named after its file; each
	// is parsed with the layout (and the shared partials), which calls its
	// "content" block and optional "head" and "scripts" blocks.
	names, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, file := range names {
		name := strings.TrimSuffix(path.Base(file), ".html")
		if name == "layout" || strings.HasPrefix(name, "_") {
			continue
		}
		files := []string{"templates/layout.html", file}
		if partials, _ := fs.Glob(assets, "templates/_*.html"); len(partials) > 0 {
			files = append(files, partials...)
		}
		out[name] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(assets, files...))
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
