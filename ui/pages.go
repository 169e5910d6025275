package ui

import (
	"net/http"
	"net/url"
	"strings"
)

// page is what every template gets: the frame (language, session, nav) and
// the page's own Data.
type page struct {
	Lang     string
	Title    string
	Path     string // the request path, for the active nav link
	query    url.Values
	CSRF     string
	SignedIn bool // a session exists (shows the sign-out button)
	ReadOnly bool
	Open     bool // no keys configured: no sign-out

	Status  int
	Message string
	Detail  string

	Errors map[string]string // form field -> message
	Form   map[string]string // form field -> value sent
	Notice string

	Data any
}

// navLinks are the main navigation's pages: message key and address.
var navLinks = []struct{ Key, URL string }{
	{"nav.overview", "/ui/"},
	{"nav.customers", "/ui/customers"},
	{"nav.segments", "/ui/segments"},
	{"nav.campaigns", "/ui/campaigns"},
	{"nav.copy", "/ui/copy"},
	{"nav.assistant", "/ui/assistant"},
	{"nav.experiments", "/ui/experiments"},
	{"nav.reports", "/ui/reports"},
}

// Nav lists the navigation links, the current page's (or its parent's)
// marked active.
func (p *page) Nav() []struct {
	Key, URL string
	Active   bool
} {
	out := make([]struct {
		Key, URL string
		Active   bool
	}, len(navLinks))
	for i, n := range navLinks {
		out[i].Key, out[i].URL = n.Key, n.URL
		out[i].Active = p.Path == n.URL || (n.URL != "/ui/" && strings.HasPrefix(p.Path, n.URL+"/"))
	}
	return out
}

// T translates key into the page's language.
func (p *page) T(key string) string { return translate(p.Lang, key) }

// Langs lists the language switch's links: the current page in each.
func (p *page) Langs() []struct{ Code, Name, URL string } {
	var out []struct{ Code, Name, URL string }
	for _, l := range langs {
		q := url.Values{}
		for k, v := range p.query {
			q[k] = v
		}
		q.Set("lang", l.Code)
		out = append(out, struct{ Code, Name, URL string }{l.Code, l.Name, p.Path + "?" + q.Encode()})
	}
	return out
}

func (h *Handler) newPage(w http.ResponseWriter, r *http.Request, s *session, title string) *page {
	p := &page{Lang: language(w, r), Path: r.URL.Path, query: r.URL.Query(), Open: h.open()}
	p.Title = p.T(title)
	if s != nil {
		p.CSRF, p.SignedIn, p.ReadOnly = s.csrf, true, !s.canChange()
	}
	return p
}

// mayChange guards a form that changes data: a read-only session gets 403,
// and a form whose service this server does not run (served false) gets
// 503. It reports whether the handler may go on.
func (h *Handler) mayChange(w http.ResponseWriter, r *http.Request, s *session, served bool) bool {
	switch {
	case !s.canChange():
		h.fail(w, r, s, http.StatusForbidden, "error.readonly", "")
		return false
	case !served:
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.disabled", "")
		return false
	}
	return true
}
