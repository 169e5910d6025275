package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/shopmind/shopmind/loadtest"
)

// A short mixed load (ingestion, recommendations, ad decisions after
// campaigns are created, and the /healthz baseline) against a server
// process the command starts itself: every route is driven, counted and
// answers 2xx.
func TestLoadtestMixedRoutes(t *testing.T) {
	bin := binary(t)
	out := filepath.Join(t.TempDir(), "result.json")
	cmd := exec.Command(bin, "loadtest", "--users", "300", "--items", "500", "--clients", "4",
		"--duration", "1500ms", "--warmup", "300ms", "--mix", "ingest=1,recommend=4,decide=2", "--baseline", "--json", out)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("loadtest: %v\n%s", err, stdout)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Servers  []string        `json:"servers"`
		Result   loadtest.Result `json:"result"`
		Baseline loadtest.Result `json:"baseline"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Servers) != 1 {
		t.Errorf("servers %v; want the one it started", doc.Servers)
	}
	routes := map[string]loadtest.Route{}
	var sum int64
	for _, r := range doc.Result.Routes {
		routes[r.Name] = r
		if r.Name != "all" {
			sum += r.Requests
		}
	}
	for _, name := range []string{"ingest", "recommend", "decide", "all"} {
		r, ok := routes[name]
		if !ok || r.Requests == 0 || r.Errors != 0 || r.P50 <= 0 || r.P99 < r.P50 {
			t.Errorf("route %s: %+v; want requests, no errors and ordered latencies", name, r)
		}
	}
	if all := routes["all"]; all.Requests != sum || doc.Result.Requests != sum {
		t.Errorf("all = %d requests, result %d, routes sum to %d", all.Requests, doc.Result.Requests, sum)
	}
	if rec, dec := routes["recommend"].Requests, routes["decide"].Requests; rec < dec {
		t.Errorf("recommend %d < decide %d requests with weights 4 : 2", rec, dec)
	}
	if hz := doc.Baseline.Routes; len(hz) != 1 || hz[0].Name != "healthz" || hz[0].Requests == 0 || hz[0].Errors != 0 {
		t.Errorf("baseline %+v; want healthz requests without errors", hz)
	}
}
