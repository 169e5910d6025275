package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shopmind/shopmind/store"
)

// Deleting a user leaves nothing of them in any table of the store: not
// their events, record, consent history or profile, not the results and
// member lists of copy jobs, not the ad counters and decision records (which
// only know a pseudonym), not the assistant's sessions and transcripts,
// and, once the feed's retention has passed, not the
// deletion feed either. The audit record counts what went without naming
// them, and the user's routes answer 404.
func TestDeletedUserLeavesNothingInAnyTable(t *testing.T) {
	bin := binary(t)
	addr, data := freeAddr(t), t.TempDir()
	cmd := startServe(t, bin, addr, data)
	const victim = "victim-7f3a9c"
	call := func(method, path string, body any, out any) int {
		t.Helper()
		var rd io.Reader
		switch b := body.(type) {
		case nil:
		case string:
			rd = strings.NewReader(b)
		default:
			raw, _ := json.Marshal(b)
			rd = bytes.NewReader(raw)
		}
		req, _ := http.NewRequest(method, "http://"+addr+path, rd)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		if out != nil {
			json.NewDecoder(resp.Body).Decode(out)
		}
		return resp.StatusCode
	}

	call("POST", "/v1/items", `[{"id":"tea","title":"Oolong tea","price":99,"currency":"CNY","category":["Tea"]},{"id":"cup","title":"Tea cup","price":19,"currency":"CNY","category":["Tea"]}]`, nil)
	now := time.Now().UTC()
	var rows []string
	for i := range 12 {
		id := fmt.Sprintf("other-%02d", i)
		if i == 0 {
			id = victim
		}
		user := map[string]any{"attributes": map[string]any{"email": id + "@example.com", "city_tier": "1"},
			"consent": map[string]bool{"marketing_messages": true, "ads": true, "personalization": true}}
		if c := call("PUT", "/v1/users/"+id, user, nil); c != 200 && c != 201 {
			t.Fatalf("PUT user %s: %d", id, c)
		}
		for k, item := range []string{"tea", "cup"} {
			ts := now.Add(-time.Duration(i*3+k+1) * time.Hour).Format(time.RFC3339)
			rows = append(rows, fmt.Sprintf(`{"id":"ev-%s-%d","type":"view","user_id":%q,"item_id":%q,"timestamp":%q,"session_id":"s-%s"}`, id, k, id, item, ts, id))
		}
		rows = append(rows, fmt.Sprintf(`{"id":"buy-%s","type":"purchase","user_id":%q,"item_id":"tea","order_id":"o-%s","revenue":99,"currency":"CNY","timestamp":%q}`, id, id, id, now.Add(-time.Minute).Format(time.RFC3339)))
	}
	if c := call("POST", "/v1/events", "["+strings.Join(rows, ",")+"]", nil); c != 200 {
		t.Fatalf("POST events: %d", c)
	}
	if c := call("PATCH", "/v1/users/"+victim+"/consent", `{"analytics": true}`, nil); c != 200 {
		t.Fatalf("PATCH consent: %d", c)
	}

	// A copy job over a segment the victim is in.
	var seg struct {
		ID   string `json:"id"`
		Size int    `json:"size"`
	}
	if c := call("POST", "/v1/segments", map[string]string{"name": "buyers", "expression": `count("purchase") >= 1`}, &seg); c != 201 || seg.Size != 12 {
		t.Fatalf("segment: %d, size %d", c, seg.Size)
	}
	var job struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	brief := map[string]any{"goal": "conversion", "channel": "push", "language": "en"}
	if c := call("POST", "/v1/copy/jobs", map[string]any{"segment": seg.ID, "brief": brief, "item_ids": []string{"tea"}, "variants": 1, "writer": "template"}, &job); c != 202 {
		t.Fatalf("copy job: %d", c)
	}
	for deadline := time.Now().Add(20 * time.Second); job.Status != "done"; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("copy job still %q", job.Status)
		}
		call("GET", "/v1/copy/jobs/"+job.ID, nil, &job)
	}

	// An ad decision with a frequency cap, so that counters and a decision
	// record exist for the victim.
	camp := map[string]any{"id": "c1", "advertiser": "acme", "bid_type": "cpc", "bid": 0.5, "daily_budget": 100, "frequency_cap": 3,
		"creatives": []any{map[string]any{"id": "cr1", "item_id": "tea", "text": "Spring tea"}}}
	if c := call("POST", "/v1/campaigns", camp, nil); c != 201 {
		t.Fatalf("campaign: %d", c)
	}
	var d struct {
		ID  string           `json:"decision_id"`
		Ads []map[string]any `json:"ads"`
	}
	for deadline := time.Now().Add(10 * time.Second); len(d.Ads) == 0; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no ad served to the victim")
		}
		call("POST", "/v1/ads/decide", map[string]any{"user": victim, "slots": 1}, &d)
	}

	// A conversation with the assistant, kept as a session and a transcript.
	var ans map[string]any
	if c := call("POST", "/v1/assist/chat", map[string]string{"session": "s1", "user": victim, "message": "Where is my order o-" + victim + "? Call me on 13800138000"}, &ans); c != 200 {
		t.Fatalf("assist chat: %d %v", c, ans)
	}

	var del struct {
		Erased  map[string]int64 `json:"erased"`
		AuditID string           `json:"audit_id"`
	}
	if c := call("DELETE", "/v1/users/"+victim, nil, &del); c != 200 || del.Erased["copy_jobs"] < 2 || del.Erased["assistant_conversations"] != 2 {
		t.Fatalf("DELETE = %d %+v; want the copy job's result and member list and the assistant's session and transcript erased", c, del)
	}
	for _, path := range []string{"/v1/users/" + victim, "/v1/users/" + victim + "/profile", "/v1/users/" + victim + "/consent"} {
		if c := call("GET", path, nil, nil); c != 404 {
			t.Errorf("GET %s after deletion: %d, want 404", path, c)
		}
	}
	var results struct {
		Results []map[string]any `json:"results"`
	}
	call("GET", "/v1/copy/jobs/"+job.ID+"/results", nil, &results)
	if len(results.Results) != 11 {
		t.Errorf("copy job results after the deletion: %d, want the 11 others", len(results.Results))
	}
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()

	// Past the feed's retention the deletion no longer names the user.
	st, err := store.Open(t.Context(), "sqlite:"+filepath.Join(data, "shopmind.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := st.ScrubDeletions(t.Context(), time.Now().Add(time.Second)); err != nil || n != 1 {
		t.Fatalf("ScrubDeletions = %d, %v", n, err)
	}
	st.Close()

	db, err := sql.Open("sqlite", filepath.Join(data, "shopmind.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tables, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table'`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for tables.Next() {
		var n string
		tables.Scan(&n)
		names = append(names, n)
	}
	tables.Close()
	scanned := 0
	for _, name := range names {
		rs, err := db.Query(`SELECT * FROM "` + name + `"`)
		if err != nil {
			t.Fatalf("reading %s: %v", name, err)
		}
		cols, _ := rs.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rs.Next() {
			if err := rs.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			scanned++
			for i, v := range vals {
				var s string
				switch x := v.(type) {
				case string:
					s = x
				case []byte:
					s = string(x)
				}
				if strings.Contains(s, victim) {
					t.Errorf("table %s, column %s still holds the deleted user: %.200q", name, cols[i], s)
				}
			}
		}
		rs.Close()
	}
	if scanned < 50 {
		t.Errorf("only %d rows scanned across %v: the check looked at nothing", scanned, names)
	}
}
