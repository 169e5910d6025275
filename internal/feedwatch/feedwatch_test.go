package feedwatch

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/telemetry"
)

func TestCheckAndGauges(t *testing.T) {
	since := map[string]time.Duration{"profile": 50 * time.Millisecond, "catalog": -1}
	f := func(name string) Follower {
		return Follower{Name: name, SinceSync: func() time.Duration { return since[name] }}
	}
	w := New(200*time.Millisecond, f("profile"), f("catalog"))
	if w.Bound() != 2*time.Second {
		t.Fatalf("Bound = %v, want 10 × 200ms", w.Bound())
	}
	now := w.start
	w.now = func() time.Time { return now }
	if err := w.Check(); err != nil {
		t.Fatalf("Check with fresh followers = %v", err)
	}
	// A follower that never polled counts from the start of the watch.
	now = w.start.Add(3 * time.Second)
	err := w.Check()
	if err == nil || !strings.Contains(err.Error(), "catalog (3s)") || strings.Contains(err.Error(), "profile") {
		t.Fatalf("Check with catalog never synced for 3s = %v; want catalog named, profile not", err)
	}
	since["catalog"] = 10 * time.Millisecond
	since["profile"] = 2500 * time.Millisecond
	if err := w.Check(); err == nil || !strings.Contains(err.Error(), "profile (2.5s)") {
		t.Fatalf("Check with profile 2.5s behind = %v; want profile named", err)
	}

	m := telemetry.New()
	w.Register(m)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{"shopmind_profile_feed_since_sync_seconds 2.5", "shopmind_catalog_feed_since_sync_seconds 0.01"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestBoundHasAFloor(t *testing.T) {
	if b := New(10 * time.Millisecond).Bound(); b != time.Second {
		t.Errorf("Bound for a 10ms interval = %v, want the 1s floor", b)
	}
}
