package ui

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/api"
	"github.com/shopmind/shopmind/audience"
	"github.com/shopmind/shopmind/config"
	"github.com/shopmind/shopmind/erasure"
	"github.com/shopmind/shopmind/profile"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
	"github.com/shopmind/shopmind/store/sqlite"
	"github.com/shopmind/shopmind/strategy"
	"github.com/shopmind/shopmind/telemetry"
)

func TestCustomerPageShowsNextActionAndSegments(t *testing.T) {
	d := fixture(t)
	strat, err := strategy.New(d.Store, d.Audience, strategy.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	d.Strategy = strat
	seg, err := d.Audience.Create(t.Context(), audience.Input{Name: "customer page: everyone with events", Expression: "events >= 1"})
	if err != nil {
		t.Fatal(err)
	}
	aud := d.Audience
	t.Cleanup(func() { aud.Delete(context.Background(), seg.ID) })
	na, err := strat.NextAction(t.Context(), shared.known)
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, d)
	b.signIn(readKey)
	for lang, want := range map[string][]string{
		"en":    {"Next best action", "Saved segments", "customer page: everyone with events", "Purchase propensity"},
		"zh-CN": {"下一步最佳行动", "已保存人群", "customer page: everyone with events", "购买倾向"},
	} {
		code, body, _ := b.get("/ui/customers?lang=" + lang + "&user=" + url.QueryEscape(shared.known))
		if code != 200 {
			t.Fatalf("%s: %d", lang, code)
		}
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: no %q", lang, w)
			}
		}
		if !strings.Contains(body, `<strong id="next-action-name">`+na.Action+`</strong>`) {
			t.Errorf("%s: the next action %q is not shown", lang, na.Action)
		}
		for _, a := range na.Actions {
			if !strings.Contains(body, `<th scope="row">`+a.Name) {
				t.Errorf("%s: action %q is not in the table", lang, a.Name)
			}
		}
		// A read-only key is not offered the deletion.
		if strings.Contains(body, `id="customer-delete"`) {
			t.Errorf("%s: a read-only key sees the delete button", lang)
		}
	}
	// Without the services their sections say so instead of failing.
	d.Strategy, d.Audience = nil, nil
	b = newBrowser(t, d)
	b.signIn(adminKey)
	code, body, _ := b.get("/ui/customers?lang=en&user=" + url.QueryEscape(shared.known))
	if code != 200 || strings.Count(body, "This server does not serve this part.") != 2 {
		t.Errorf("without strategy and audience: %d, want both sections' empty states", code)
	}
	if strings.Contains(body, `id="customer-delete"`) {
		t.Error("the delete button is shown without an erasure service")
	}
	if code, _, _ := b.post("/ui/customers/delete", url.Values{"csrf": {csrfOf(t, body)}, "user": {shared.known}, "confirm": {shared.known}}); code != http.StatusServiceUnavailable {
		t.Errorf("deleting without an erasure service: %d, want 503", code)
	}
}

// deletionShop is a store of its own (the shared fixture is only read) with
// twin users whose data is alike, one deleted through the API and one
// through the dashboard.
func deletionShop(t *testing.T) (Deps, *api.Server) {
	t.Helper()
	ctx := t.Context()
	st, err := sqlite.OpenPath(ctx, filepath.Join(t.TempDir(), "s.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	quiet := slog.New(slog.DiscardHandler)
	at := time.Now().UTC().Add(-time.Hour)
	var users []shop.User
	var evs []shop.Event
	for _, u := range []string{"twin-api", "twin-ui", "bystander"} {
		users = append(users, shop.User{ID: u, Attributes: map[string]any{"tier": "gold"}})
		evs = append(evs,
			shop.Event{ID: u + "-v", Type: shop.View, UserID: u, ItemID: "i1", Timestamp: at},
			shop.Event{ID: u + "-p", Type: shop.Purchase, UserID: u, ItemID: "i1", Timestamp: at, Revenue: 10, Currency: "CNY", Quantity: 1})
	}
	if err := st.PutItems(ctx, []shop.Item{{ID: "i1", Title: "Tea", Price: 10, Currency: "CNY"}}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutUsers(ctx, users); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AppendEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	prof := profile.NewService(st, profile.ServiceConfig{}, quiet)
	if err := prof.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	er := erasure.New(erasure.Deps{Store: st, Profiles: prof, Logger: quiet})
	d := Deps{Store: st, Profiles: prof, Erasure: er, Keys: testKeys, Logger: quiet}
	srv := api.New(api.Deps{Config: config.Default(), Store: st, Profiles: prof, Erasure: er, Metrics: telemetry.New(), Logger: quiet})
	return d, srv
}

func TestDeletingACustomerNeedsAdminConfirmationAndTheToken(t *testing.T) {
	d, _ := deletionShop(t)
	ro := newBrowser(t, d)
	ro.signIn(readKey)
	body := mustPage(t, ro, "/ui/customers?user=twin-ui")
	if strings.Contains(body, "/ui/customers/delete") {
		t.Error("a read-only key is offered the deletion")
	}
	if code, _, _ := ro.get("/ui/customers/delete?user=twin-ui"); code != http.StatusForbidden {
		t.Errorf("read-only confirmation page: %d, want 403", code)
	}
	if code, body, _ := ro.post("/ui/customers/delete", url.Values{"csrf": {csrfOf(t, body)}, "user": {"twin-ui"}, "confirm": {"twin-ui"}}); code != http.StatusForbidden || !strings.Contains(body, "read-only") {
		t.Errorf("read-only deletion: %d, want 403 explaining why", code)
	}

	admin := newBrowser(t, d)
	admin.signIn(adminKey)
	body = mustPage(t, admin, "/ui/customers?lang=en&user=twin-ui")
	if !strings.Contains(body, `href="/ui/customers/delete?user=twin-ui"`) {
		t.Fatal("an admin is not offered the deletion")
	}
	body = mustPage(t, admin, "/ui/customers/delete?user=twin-ui")
	if !strings.Contains(body, "twin-ui everywhere") || !strings.Contains(body, "2 events") || !strings.Contains(body, `id="confirm"`) {
		t.Errorf("the confirmation page does not say what goes:\n%s", body)
	}
	tok := csrfOf(t, body)
	if code, _, _ := admin.post("/ui/customers/delete", url.Values{"user": {"twin-ui"}, "confirm": {"twin-ui"}}); code != http.StatusForbidden {
		t.Errorf("deletion without the token: %d, want 403", code)
	}
	code, body, _ := admin.post("/ui/customers/delete", url.Values{"csrf": {tok}, "user": {"twin-ui"}, "confirm": {"twin-u"}})
	if code != http.StatusBadRequest || !strings.Contains(body, `id="confirm-error"`) || !strings.Contains(body, `value="twin-u"`) {
		t.Errorf("a wrong confirmation: %d, want 400 with the error next to the field\n%s", code, body)
	}
	if _, err := d.Store.GetUser(t.Context(), "twin-ui"); err != nil {
		t.Fatalf("the user is gone after refused deletions: %v", err)
	}
	code, _, resp := admin.post("/ui/customers/delete", url.Values{"csrf": {tok}, "user": {"twin-ui"}, "confirm": {"twin-ui"}})
	if code != http.StatusSeeOther {
		t.Fatalf("deletion: %d", code)
	}
	loc := resp.Header.Get("Location")
	code, body, _ = admin.get(loc + "&lang=en")
	if code != 200 || !strings.Contains(body, "Deleted user twin-ui: 2 events.") || !strings.Contains(body, "No events yet for this user") {
		t.Errorf("after the deletion (%s): %d, want the notice and the user not found\n%s", loc, code, body)
	}
	// The notice is not shown for a user who is there.
	if body := mustPage(t, admin, "/ui/customers?lang=en&deleted=5&user=bystander"); strings.Contains(body, "Deleted user") {
		t.Error("a deletion notice for a user who has a profile")
	}
	// Deleting again finds nothing.
	if code, _, _ := admin.post("/ui/customers/delete", url.Values{"csrf": {tok}, "user": {"twin-ui"}, "confirm": {"twin-ui"}}); code != http.StatusNotFound {
		t.Errorf("second deletion: %d, want 404", code)
	}
}

// A deletion through the dashboard leaves the same traces as DELETE
// /v1/users/{id}: nothing of the user in the store or the profiles, and an
// audit record with the same counts that does not name them.
func TestDashboardDeletionLeavesTheSameTracesAsTheAPI(t *testing.T) {
	d, srv := deletionShop(t)
	apiSrv := httptest.NewServer(srv.Handler())
	t.Cleanup(apiSrv.Close)
	req, _ := http.NewRequest("DELETE", apiSrv.URL+"/v1/users/twin-api", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("API deletion: %d", resp.StatusCode)
	}

	b := newBrowser(t, d)
	b.signIn(adminKey)
	tok := csrfOf(t, mustPage(t, b, "/ui/customers/delete?user=twin-ui"))
	if code, _, _ := b.post("/ui/customers/delete", url.Values{"csrf": {tok}, "user": {"twin-ui"}, "confirm": {"twin-ui"}}); code != http.StatusSeeOther {
		t.Fatalf("dashboard deletion: %d", code)
	}

	ctx := t.Context()
	for _, u := range []string{"twin-api", "twin-ui"} {
		if _, err := d.Store.GetUser(ctx, u); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: the user row is still there (%v)", u, err)
		}
		if evs, _, err := d.Store.UserEvents(ctx, store.EventQuery{UserID: u}); err != nil || len(evs) != 0 {
			t.Errorf("%s: events left %v (%v)", u, evs, err)
		}
		if _, err := d.Profiles.View(ctx, u); !errors.Is(err, profile.ErrNoProfile) {
			t.Errorf("%s: the profile is still there (%v)", u, err)
		}
	}
	if _, err := d.Profiles.View(ctx, "bystander"); err != nil {
		t.Errorf("another user's profile after the deletions: %v", err)
	}
	objs, _, err := d.Store.ListObjects(ctx, erasure.AuditKind, "", 10)
	if err != nil || len(objs) != 2 {
		t.Fatalf("audit records: %d (%v), want 2", len(objs), err)
	}
	var recs [2]erasure.Audit
	for i, o := range objs {
		if strings.Contains(string(o.Data), "twin") {
			t.Errorf("audit record %s names the user", o.Data)
		}
		if err := json.Unmarshal(o.Data, &recs[i]); err != nil {
			t.Fatal(err)
		}
	}
	apiRec, uiRec := recs[0], recs[1]
	if apiRec.Kind != "user_deletion" || uiRec.Kind != apiRec.Kind || uiRec.Events != 2 || apiRec.Events != 2 || !uiRec.UserRow || !apiRec.UserRow {
		t.Errorf("audit records differ: API %+v, dashboard %+v", apiRec, uiRec)
	}
	if apiRec.Key != "loopback" || apiRec.Via != "" {
		t.Errorf("API audit key %q via %q, want loopback via the API", apiRec.Key, apiRec.Via)
	}
	// The dashboard names the signed-in key as the API would.
	if want := erasure.KeyFingerprint(adminKey); uiRec.Key != want || uiRec.Via != "dashboard" {
		t.Errorf("dashboard audit key %q via %q, want %q via dashboard", uiRec.Key, uiRec.Via, want)
	}
}

// With two admin keys the session cannot tell which signed in; the audit
// record then says "dashboard" rather than guess.
// With two admin keys, the record names the one that signed in.
func TestDeletionAuditNamesTheSignedInKey(t *testing.T) {
	d, _ := deletionShop(t)
	d.Keys = append([]config.APIKey{{Key: "second-admin", Scopes: []config.Scope{config.ScopeAdmin}}}, testKeys...)
	b := newBrowser(t, d)
	b.signIn(adminKey)
	tok := csrfOf(t, mustPage(t, b, "/ui/customers/delete?user=twin-ui"))
	if code, _, _ := b.post("/ui/customers/delete", url.Values{"csrf": {tok}, "user": {"twin-ui"}, "confirm": {"twin-ui"}}); code != http.StatusSeeOther {
		t.Fatalf("dashboard deletion: %d", code)
	}
	objs, _, err := d.Store.ListObjects(t.Context(), erasure.AuditKind, "", 10)
	if err != nil || len(objs) != 1 {
		t.Fatalf("audit records: %d (%v)", len(objs), err)
	}
	var rec erasure.Audit
	json.Unmarshal(objs[0].Data, &rec)
	if want := erasure.KeyFingerprint(adminKey); rec.Key != want || rec.Via != "dashboard" {
		t.Errorf("audit key %q via %q, want %q via dashboard", rec.Key, rec.Via, want)
	}
}
