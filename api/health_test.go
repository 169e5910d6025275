package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopmind/shopmind/config"
	"github.com/shopmind/shopmind/store"
	"github.com/shopmind/shopmind/telemetry"
)

type fakeFeeds struct{ err error }

func (f *fakeFeeds) Check() error { return f.err }

// /readyz fails while a feed follower is behind its staleness bound, and
// recovers once it polls again.
func TestReadyzReflectsFeedStaleness(t *testing.T) {
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "api.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	feeds := &fakeFeeds{}
	h := New(Deps{Config: config.Default(), Store: st, Metrics: telemetry.New(), Logger: slog.New(slog.DiscardHandler), Feeds: feeds}).Handler()
	ready := func() (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
		return rec.Code, rec.Body.String()
	}
	if code, body := ready(); code != http.StatusOK {
		t.Fatalf("/readyz with fresh followers = %d %s, want 200", code, body)
	}
	feeds.err = errors.New("feed followers without a successful poll for longer than 2s: catalog (5s)")
	if code, body := ready(); code != http.StatusServiceUnavailable || !strings.Contains(body, "catalog (5s)") {
		t.Errorf("/readyz with a stale follower = %d %s, want 503 naming it", code, body)
	}
	feeds.err = nil
	if code, _ := ready(); code != http.StatusOK {
		t.Errorf("/readyz after the follower caught up = %d, want 200", code)
	}
}
