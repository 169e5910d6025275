package ui

import (
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopmind/shopmind/audience"
	"github.com/shopmind/shopmind/catalog"
	"github.com/shopmind/shopmind/config"
	"github.com/shopmind/shopmind/consent"
	"github.com/shopmind/shopmind/profile"
	"github.com/shopmind/shopmind/recserve"
	"github.com/shopmind/shopmind/store"
	"github.com/shopmind/shopmind/store/sqlite"
	"github.com/shopmind/shopmind/synth"
)

const (
	adminKey = "admin-key-for-tests"
	readKey  = "read-key-for-tests"
)

var testKeys = []config.APIKey{
	{Key: adminKey, Scopes: []config.Scope{config.ScopeAdmin}},
	{Key: readKey, Scopes: []config.Scope{config.ScopeRead}},
	{Key: "ingest-only", Scopes: []config.Scope{config.ScopeIngest}},
}

// shared is one small synthetic shop with trained recommendations, built
// once for the package: the tests only read it, or add segments under names
// of their own.
var shared struct {
	once  sync.Once
	dir   string
	err   error
	deps  Deps
	shop  *synth.Shop
	known string // a user with a profile
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.deps.Store != nil {
		shared.deps.Store.Close()
	}
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

func fixture(t *testing.T) Deps {
	t.Helper()
	shared.once.Do(func() { shared.err = build() })
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.deps
}

func build() error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "ui-test")
	if err != nil {
		return err
	}
	shared.dir = dir
	st, err := sqlite.OpenPath(ctx, filepath.Join(dir, "s.db"), store.Options{})
	if err != nil {
		return err
	}
	shared.deps.Store = st
	sh, err := synth.Generate(synth.Config{Seed: 5, Users: 150, Items: 60, Days: 14, Start: time.Now().UTC().AddDate(0, 0, -14)})
	if err != nil {
		return err
	}
	shared.shop = sh
	if err := st.PutItems(ctx, sh.Items); err != nil {
		return err
	}
	if err := st.PutUsers(ctx, sh.Users); err != nil {
		return err
	}
	for i := 0; i < len(sh.Events); i += 1000 {
		if _, err := st.AppendEvents(ctx, sh.Events[i:min(i+1000, len(sh.Events))]); err != nil {
			return err
		}
	}
	quiet := slog.New(slog.DiscardHandler)
	cat := catalog.New(st)
	prof := profile.NewService(st, profile.ServiceConfig{Catalog: cat}, quiet)
	if err := prof.Sync(ctx); err != nil {
		return err
	}
	recs := recserve.New(st, prof, cat, recserve.Config{Rules: recserve.DefaultRules(), PollInterval: time.Hour}, quiet)
	if _, err := recs.Train(ctx, nil); err != nil {
		return err
	}
	cons := consent.New(st, nil, time.Hour, quiet)
	if err := cons.Sync(ctx); err != nil {
		return err
	}
	recs.UseConsent(cons)
	for _, e := range sh.Events {
		if e.ItemID != "" && prof.Peek(e.UserID, func(*profile.Profile) {}) {
			shared.known = e.UserID
			break
		}
	}
	if shared.known == "" {
		return fmt.Errorf("the synthetic shop has no user with a profile")
	}
	shared.deps = Deps{Store: st, Profiles: prof, Audience: audience.New(st, prof), Recommendations: recs, Consent: cons, Keys: testKeys, Logger: quiet}
	return nil
}

// browser is a client with a cookie jar against one dashboard.
type browser struct {
	t   *testing.T
	srv *httptest.Server
	c   *http.Client
}

func newBrowser(t *testing.T, d Deps) *browser {
	srv := httptest.NewServer(New(d))
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &browser{t: t, srv: srv, c: c}
}

func (b *browser) get(path string) (int, string, *http.Response) {
	b.t.Helper()
	resp, err := b.c.Get(b.srv.URL + path)
	if err != nil {
		b.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, string(body), resp
}

func (b *browser) post(path string, form url.Values) (int, string, *http.Response) {
	b.t.Helper()
	resp, err := b.c.PostForm(b.srv.URL+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, string(body), resp
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([0-9a-f]{64})"`)

func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token in the page:\n%s", body)
	}
	return m[1]
}

// signIn logs in with key and expects success.
func (b *browser) signIn(key string) {
	b.t.Helper()
	_, body, _ := b.get("/ui/login")
	code, body, resp := b.post("/ui/login", url.Values{"csrf": {csrfOf(b.t, body)}, "key": {key}})
	if code != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/" {
		b.t.Fatalf("sign-in: %d %s\n%s", code, resp.Header.Get("Location"), body)
	}
}

func TestLoginRefusesBadKeysAndSetsASafeCookie(t *testing.T) {
	d := fixture(t)
	b := newBrowser(t, d)
	// Pages need a session.
	if code, _, resp := b.get("/ui/"); code != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/login" {
		t.Fatalf("unsigned GET /ui/: %d to %q, want 303 to /ui/login", code, resp.Header.Get("Location"))
	}
	_, body, _ := b.get("/ui/login")
	tok := csrfOf(t, body)
	for _, c := range []struct {
		key  string
		code int
		text string
	}{
		{"wrong", http.StatusUnauthorized, "not known to the server"},
		{"", http.StatusUnauthorized, "not known to the server"},
		{"ingest-only", http.StatusForbidden, "lacks the read scope"},
	} {
		code, body, resp := b.post("/ui/login", url.Values{"csrf": {tok}, "key": {c.key}})
		if code != c.code || !strings.Contains(body, c.text) {
			t.Errorf("key %q: %d, want %d with %q", c.key, code, c.code, c.text)
		}
		for _, ck := range resp.Cookies() {
			if ck.Name == sessionCookie {
				t.Errorf("key %q: a session cookie was set", c.key)
			}
		}
		tok = csrfOf(t, body) // each form render carries a fresh token
	}
	// The login form itself is CSRF-protected.
	if code, _, _ := b.post("/ui/login", url.Values{"key": {adminKey}}); code != http.StatusForbidden {
		t.Errorf("login without its token: %d, want 403", code)
	}

	// A good key over TLS: the session cookie's flags.
	h := New(d)
	get := httptest.NewRequest("GET", "https://shop.example/ui/login", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, get)
	loginCk := rec.Result().Cookies()[0]
	form := url.Values{"csrf": {csrfOf(t, rec.Body.String())}, "key": {adminKey}}
	post := httptest.NewRequest("POST", "https://shop.example/ui/login", strings.NewReader(form.Encode()))
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	post.AddCookie(loginCk)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, post)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("good key: %d, want 303: %s", rec.Code, rec.Body)
	}
	var sc *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == sessionCookie {
			sc = c
		}
	}
	if sc == nil {
		t.Fatal("no session cookie after a good key")
	}
	if !sc.HttpOnly || !sc.Secure || sc.SameSite != http.SameSiteStrictMode || sc.Path != "/ui/" || len(sc.Value) != 64 || sc.MaxAge <= 0 {
		t.Errorf("session cookie %+v: want HttpOnly, Secure, SameSite=Strict, Path=/ui/, a 32-byte hex id and an expiry", sc)
	}
	if strings.Contains(sc.Value, adminKey) {
		t.Error("the cookie carries the API key")
	}
	// Over plain HTTP the cookie cannot be Secure (the browser would drop it).
	b.signIn(adminKey)
	if code, body, _ := b.get("/ui/"); code != 200 || !strings.Contains(body, "Overview") {
		t.Fatalf("overview after sign-in: %d", code)
	}
	// Signing out ends the session.
	_, body, _ = b.get("/ui/")
	if code, _, _ := b.post("/ui/logout", url.Values{"csrf": {csrfOf(t, body)}}); code != http.StatusSeeOther {
		t.Fatalf("logout: %d", code)
	}
	if code, _, _ := b.get("/ui/"); code != http.StatusSeeOther {
		t.Errorf("after logout GET /ui/: %d, want 303 to the login", code)
	}
}

func TestPagesRenderInBothLanguages(t *testing.T) {
	d := fixture(t)
	st, err := d.Store.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	model, ok := d.Recommendations.Current()
	if !ok {
		t.Fatal("no model in force")
	}
	b := newBrowser(t, d)
	b.signIn(readKey)
	pages := []struct {
		path   string
		en, zh []string
	}{
		{"/ui/", []string{"Events per type", "Active users (last 7 days)", model.Version, fmt.Sprint(st.Events), ">view<"},
			[]string{"各类型事件数", "活跃用户（近 7 天）", model.Version, fmt.Sprint(st.Events)}},
		{"/ui/customers", []string{"Enter a user ID"}, []string{"输入用户 ID"}},
		{"/ui/customers?user=" + url.QueryEscape(shared.known), []string{"Lifecycle", "Recommendations", "Consent", "personalization"},
			[]string{"生命周期", "推荐", "授权", "personalization"}},
		{"/ui/segments", []string{"New segment", "read-only"}, []string{"新建人群", "只读"}},
	}
	for _, lang := range []string{"en", "zh-CN"} {
		for _, p := range pages {
			sep := "?"
			if strings.Contains(p.path, "?") {
				sep = "&"
			}
			code, body, _ := b.get(p.path + sep + "lang=" + lang)
			if code != 200 {
				t.Errorf("%s in %s: %d", p.path, lang, code)
				continue
			}
			want := p.en
			if lang == "zh-CN" {
				want = p.zh
			}
			for _, w := range want {
				if !strings.Contains(body, w) {
					t.Errorf("%s in %s: no %q", p.path, lang, w)
				}
			}
			if !strings.Contains(body, `<html lang="`+lang+`">`) {
				t.Errorf("%s in %s: wrong html lang", p.path, lang)
			}
		}
	}
	// The choice is remembered in a cookie: no ?lang= now, still Chinese.
	if _, body, _ := b.get("/ui/segments"); !strings.Contains(body, "新建人群") {
		t.Error("the language choice was not remembered")
	}
	// The stylesheet is embedded.
	if code, body, resp := b.get("/ui/static/style.css"); code != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "text/css") || !strings.Contains(body, "body") {
		t.Errorf("style.css: %d %s", code, resp.Header.Get("Content-Type"))
	}
	if code, _, _ := b.get("/ui/nowhere"); code != http.StatusNotFound {
		t.Errorf("unknown page: %d, want 404", code)
	}
}

func TestSegmentFormsNeedAdminAndTheCSRFToken(t *testing.T) {
	d := fixture(t)
	expr := "frequency >= 1"
	ro := newBrowser(t, d)
	ro.signIn(readKey)
	_, body, _ := ro.get("/ui/segments")
	if strings.Contains(body, `action="/ui/segments"`) {
		t.Error("a read-only key is shown the create form")
	}
	code, body, _ := ro.post("/ui/segments", url.Values{"csrf": {csrfOf(t, body)}, "name": {"ro-buyers"}, "expression": {expr}})
	if code != http.StatusForbidden || !strings.Contains(body, "read-only") {
		t.Fatalf("read-only create: %d, want 403 explaining why", code)
	}

	admin := newBrowser(t, d)
	admin.signIn(adminKey)
	_, body, _ = admin.get("/ui/segments")
	tok := csrfOf(t, body)
	for _, bad := range []url.Values{
		{"name": {"no-token"}, "expression": {expr}},
		{"csrf": {strings.Repeat("0", 64)}, "name": {"wrong-token"}, "expression": {expr}},
		{"csrf": {csrfOf(t, mustPage(t, ro, "/ui/"))}, "name": {"other-session"}, "expression": {expr}},
	} {
		if code, _, _ := admin.post("/ui/segments", bad); code != http.StatusForbidden {
			t.Errorf("POST %v: %d, want 403", bad, code)
		}
	}
	// A bad expression is shown next to the field, with what was typed.
	code, body, _ = admin.post("/ui/segments", url.Values{"csrf": {tok}, "name": {"broken"}, "expression": {"frequency >= "}})
	if code != http.StatusBadRequest || !strings.Contains(body, `id="expression-error"`) || !strings.Contains(body, "line 1") || !strings.Contains(body, "frequency &gt;=</textarea>") {
		t.Errorf("invalid expression: %d\n%s", code, body)
	}
	code, _, resp := admin.post("/ui/segments", url.Values{"csrf": {tok}, "name": {"ui buyers"}, "expression": {expr}})
	if code != http.StatusSeeOther {
		t.Fatalf("admin create: %d", code)
	}
	_, body, _ = admin.get(resp.Header.Get("Location"))
	defs, _, err := d.Audience.List(t.Context(), "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, def := range defs {
		names = append(names, def.Name)
		if def.Name == "ui buyers" {
			n, err := d.Audience.Size(t.Context(), def.ID)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				t.Fatal("the synthetic shop has no buyers")
			}
			if want := fmt.Sprintf("Saved segment %s: %d members now.", def.ID, n); !strings.Contains(body, want) {
				t.Errorf("after saving: no %q", want)
			}
		}
	}
	if !slices.Contains(names, "ui buyers") {
		t.Fatalf("segments %v: the admin's was not created", names)
	}
	for _, refused := range []string{"ro-buyers", "no-token", "wrong-token", "other-session", "broken"} {
		if slices.Contains(names, refused) {
			t.Errorf("segment %q was created by a refused form", refused)
		}
	}
}

func mustPage(t *testing.T, b *browser, path string) string {
	t.Helper()
	code, body, _ := b.get(path)
	if code != 200 {
		t.Fatalf("%s: %d", path, code)
	}
	return body
}

func TestCustomerPage(t *testing.T) {
	d := fixture(t)
	b := newBrowser(t, d)
	b.signIn(readKey)
	_, body, _ := b.get("/ui/customers?lang=en&user=nobody-like-this")
	if !strings.Contains(body, "No events yet for this user") || strings.Contains(body, "Recommendations") {
		t.Errorf("unknown user: no empty state\n%s", body)
	}
	res, err := d.Recommendations.ForUser(t.Context(), shared.known, recserve.Request{N: 10, Explain: true})
	if err != nil || len(res.Items) == 0 {
		t.Fatalf("ForUser %s: %v %v", shared.known, res, err)
	}
	_, body, _ = b.get("/ui/customers?user=" + url.QueryEscape(shared.known))
	for _, it := range res.Items {
		if !strings.Contains(body, "<code>"+it.ID+"</code>") {
			t.Errorf("recommended item %s is not on the page", it.ID)
		}
		if it.Reason != nil && !strings.Contains(body, html.EscapeString(it.Reason.Text)) {
			t.Errorf("the reason %q is not on the page", it.Reason.Text)
		}
	}
	if !strings.Contains(body, "Strategy: "+res.Strategy) {
		t.Errorf("no strategy %q", res.Strategy)
	}
	// Content from the store is escaped, never interpreted as markup.
	_, body, _ = b.get("/ui/customers?user=" + url.QueryEscape(`<script>x</script>`))
	if strings.Contains(body, "<script>") {
		t.Error("the user id was not escaped")
	}
}

func TestOpenModeWithoutKeys(t *testing.T) {
	d := fixture(t)
	d.Keys = nil
	b := newBrowser(t, d)
	code, body, _ := b.get("/ui/")
	if code != 200 || !strings.Contains(body, "Overview") || strings.Contains(body, "Sign out") {
		t.Fatalf("open mode GET /ui/: %d", code)
	}
	if code, _, resp := b.get("/ui/login"); code != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/" {
		t.Errorf("open mode login page: %d, want a redirect to the overview", code)
	}
	// Forms still need the token, even without keys.
	if code, _, _ := b.post("/ui/segments", url.Values{"name": {"open-no-token"}, "expression": {"frequency >= 1"}}); code != http.StatusForbidden {
		t.Errorf("open mode POST without token: %d, want 403", code)
	}
	_, body, _ = b.get("/ui/segments")
	if code, _, _ := b.post("/ui/segments", url.Values{"csrf": {csrfOf(t, body)}, "name": {"open buyers"}, "expression": {"frequency >= 1"}}); code != http.StatusSeeOther {
		t.Errorf("open mode create: %d, want 303", code)
	}
}

func TestSessionsExpire(t *testing.T) {
	d := fixture(t)
	now := time.Now()
	d.Now = func() time.Time { return now }
	d.SessionTTL = time.Hour
	b := newBrowser(t, d)
	b.signIn(readKey)
	if code, _, _ := b.get("/ui/"); code != 200 {
		t.Fatalf("fresh session: %d", code)
	}
	now = now.Add(61 * time.Minute)
	if code, _, _ := b.get("/ui/"); code != http.StatusSeeOther {
		t.Errorf("expired session: %d, want 303 to the login", code)
	}
}

func TestMessageTablesMatch(t *testing.T) {
	for key := range messages["en"] {
		if _, ok := messages["zh-CN"][key]; !ok {
			t.Errorf("zh-CN lacks %q", key)
		}
	}
	for key := range messages["zh-CN"] {
		if _, ok := messages["en"][key]; !ok {
			t.Errorf("en lacks %q", key)
		}
	}
	// Every key the templates use exists.
	re := regexp.MustCompile(`\.T "([a-z0-9.]+)"`)
	files, _ := assets.ReadDir("templates")
	for _, f := range files {
		b, _ := assets.ReadFile("templates/" + f.Name())
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if _, ok := messages["en"][m[1]]; !ok {
				t.Errorf("%s uses unknown message %q", f.Name(), m[1])
			}
		}
	}
}
