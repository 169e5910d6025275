package loadtest_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopmind/shopmind/loadtest"
)

func TestParseMetrics(t *testing.T) {
	text := `# HELP go_memstats_heap_inuse_bytes Number of heap bytes that are in use.
# TYPE go_memstats_heap_inuse_bytes gauge
go_memstats_heap_inuse_bytes 1.2345e+07
process_resident_memory_bytes 4.5e+07
shopmind_leader{work="copy-jobs"} 1
shopmind_leader{work="recommend-trainer"} 0
go_memstats_heap_inuse_bytes_total 99
`
	got, err := loadtest.ParseMetrics(strings.NewReader(text), "go_memstats_heap_inuse_bytes", `shopmind_leader{work="recommend-trainer"}`, "absent")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["go_memstats_heap_inuse_bytes"] != 12345000 || got[`shopmind_leader{work="recommend-trainer"}`] != 0 {
		t.Errorf("parsed %v", got)
	}
	if _, err := loadtest.ParseMetrics(strings.NewReader("go_memstats_heap_inuse_bytes many\n"), "go_memstats_heap_inuse_bytes"); err == nil {
		t.Error("a value that is not a number was accepted")
	}
}

// A soak against a server whose heap grows by 1 MiB per scrape: every
// window is measured, the probe sees the growth, and the plot and summary
// describe it.
func TestSoakSamplesAndPlots(t *testing.T) {
	var scrapes, served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" {
			n := scrapes.Add(1)
			fmt.Fprintf(w, "# TYPE go_memstats_heap_inuse_bytes gauge\ngo_memstats_heap_inuse_bytes %d\n", (10+n)<<20)
			return
		}
		served.Add(1)
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	client := srv.Client()
	var seen int
	points, err := loadtest.Soak(t.Context(), loadtest.SoakConfig{
		Load: loadtest.Config{Clients: 2, Targets: []loadtest.Target{{Name: "x", Weight: 1,
			Make: func(ctx context.Context, _ *rand.Rand) (*http.Request, error) {
				return http.NewRequestWithContext(ctx, "GET", srv.URL+"/x", nil)
			}}}},
		Duration: 600 * time.Millisecond, Every: 200 * time.Millisecond, Warmup: 100 * time.Millisecond,
		Probe: func(ctx context.Context) (map[string]float64, error) {
			return loadtest.Scrape(ctx, client, srv.URL, "go_memstats_heap_inuse_bytes")
		},
	}, func(loadtest.Point) { seen++ })
	if err != nil {
		t.Fatal(err)
	}
	// The warm-up point and three windows.
	if len(points) != 4 || seen != 4 || scrapes.Load() != 4 {
		t.Fatalf("%d points, %d reported, %d scrapes; want 4 each", len(points), seen, scrapes.Load())
	}
	for i, p := range points {
		if p.RPS <= 0 || p.Errors != 0 {
			t.Errorf("point %d: %.0f req/s, %d errors", i, p.RPS, p.Errors)
		}
		if i > 0 && p.At <= points[i-1].At {
			t.Errorf("point %d at %s, not after %s", i, p.At, points[i-1].At)
		}
	}
	if points[0].At != 0 || points[3].At < 550*time.Millisecond {
		t.Errorf("points from %s to %s; want 0 to about 600 ms", points[0].At, points[3].At)
	}
	c := loadtest.Summarise(points, "go_memstats_heap_inuse_bytes")
	if c.Start != 11<<20 || c.End != 14<<20 || c.Max != 14<<20 || math.Abs(c.Growth-3.0/11) > 1e-9 || c.LateSlope <= 0 {
		t.Errorf("summary %+v; want 11 → 14 MiB, growing", c)
	}
	var b strings.Builder
	if err := loadtest.WritePlot(&b, "soak <test>", "MiB", 1<<20, points, []string{"go_memstats_heap_inuse_bytes"}); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if strings.Count(page, "<polyline") != 1 || strings.Count(strings.SplitN(strings.SplitN(page, `points="`, 2)[1], `"`, 2)[0], ",") != 4 ||
		!strings.Contains(page, "soak &lt;test&gt;") || !strings.Contains(page, "<td>11.0</td><td>14.0</td><td>14.0</td>") {
		t.Errorf("plot page lacks the line, the escaped title or the summary:\n%s", page)
	}
	if _, err := loadtest.Soak(t.Context(), loadtest.SoakConfig{Duration: time.Second, Every: 2 * time.Second}, nil); err == nil {
		t.Error("a soak with a sample interval over its duration and no probe was accepted")
	}
}
