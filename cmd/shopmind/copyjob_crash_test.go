package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCrashResumesCopyJob starts a copy job for a saved segment of a few
// hundred users on a real server slowed by the test-only
// SHOPMIND_COPY_TEST_DELAY, kills the server with SIGKILL mid-job, restarts
// it on the same data and checks that the job finishes by itself with
// exactly one result per member and Done+Skipped == Total.
func TestCrashResumesCopyJob(t *testing.T) {
	bin := binary(t)
	t.Setenv("SHOPMIND_COPY_TEST_DELAY", "25ms")
	data := t.TempDir()
	addr := freeAddr(t)
	srv := startServe(t, bin, addr, data)
	client := &http.Client{Timeout: 10 * time.Second}
	call := func(method, path string, body any, out any) int {
		t.Helper()
		var rd *bytes.Reader
		if s, ok := body.(string); ok {
			rd = bytes.NewReader([]byte(s))
		} else {
			raw, _ := json.Marshal(body)
			rd = bytes.NewReader(raw)
		}
		req, _ := http.NewRequest(method, "http://"+addr+path, rd)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		if out != nil {
			json.NewDecoder(resp.Body).Decode(out)
		}
		return resp.StatusCode
	}

	// 300 users, one in ten without consent to marketing messages; each
	// last seen a different number of days ago, so prompts differ (the
	// cache would otherwise answer most of them).
	const users = 300
	now := time.Now().UTC()
	var rows []string
	noConsent := 0
	for i := range users {
		id := fmt.Sprintf("cu%03d", i)
		mkt := i%10 != 3
		if !mkt {
			noConsent++
		}
		if c := call("PUT", "/v1/users/"+id, map[string]any{"consent": map[string]bool{"marketing_messages": mkt}}, nil); c != 200 && c != 201 {
			t.Fatalf("PUT user %s: %d", id, c)
		}
		ts := now.Add(-time.Duration(i)*24*time.Hour - time.Hour).Format(time.RFC3339)
		rows = append(rows, fmt.Sprintf(`{"id":"cv-%d","type":"view","user_id":%q,"item_id":"tea","timestamp":%q}`, i, id, ts))
	}
	call("POST", "/v1/items", `[{"id":"tea","title":"Oolong tea","price":99,"currency":"CNY","category":["Tea"]}]`, nil)
	if c := call("POST", "/v1/events", "["+strings.Join(rows, ",")+"]", nil); c != 200 {
		t.Fatalf("POST events: %d", c)
	}
	var seg struct {
		ID   string `json:"id"`
		Size int    `json:"size"`
	}
	if c := call("POST", "/v1/segments", map[string]string{"name": "viewers", "expression": `count("view") >= 1`}, &seg); c != 201 || seg.Size != users {
		t.Fatalf("segment: %d, size %d", c, seg.Size)
	}

	type job struct {
		ID      string `json:"id"`
		Status  string `json:"status"`
		Total   int    `json:"total"`
		Done    int    `json:"done"`
		Skipped int    `json:"skipped"`
		Failed  int    `json:"failed"`
	}
	var j job
	brief := map[string]any{"goal": "conversion", "channel": "push", "language": "en"}
	if c := call("POST", "/v1/copy/jobs", map[string]any{"segment": seg.ID, "brief": brief, "item_ids": []string{"tea"}, "variants": 2, "writer": "template"}, &j); c != 202 || j.ID == "" {
		t.Fatalf("POST /v1/copy/jobs: %d %+v", c, j)
	}

	// Kill once progress shows, well before the end (about 3 s of work).
	deadline := time.Now().Add(10 * time.Second)
	for {
		call("GET", "/v1/copy/jobs/"+j.ID, nil, &j)
		if j.Done+j.Skipped > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if j.Status != "running" || j.Done+j.Skipped >= users {
		t.Fatalf("before the kill: %+v; want running and partway", j)
	}
	if err := srv.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	srv.Wait()
	t.Logf("killed at %d of %d", j.Done+j.Skipped, j.Total)

	startServe(t, bin, addr, data)
	deadline = time.Now().Add(15 * time.Second)
	for {
		call("GET", "/v1/copy/jobs/"+j.ID, nil, &j)
		if j.Status != "running" && j.Status != "queued" || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if j.Status != "done" || j.Total != users || j.Done+j.Skipped != j.Total || j.Skipped != noConsent || j.Failed != 0 {
		t.Fatalf("after the restart: %+v; want done with %d total, %d skipped", j, users, noConsent)
	}

	seen := map[string]int{}
	cursor := ""
	for {
		var page struct {
			Results []struct {
				User     string            `json:"user"`
				Status   string            `json:"status"`
				Variants []json.RawMessage `json:"variants"`
			} `json:"results"`
			Next string `json:"next_cursor"`
		}
		if c := call("GET", "/v1/copy/jobs/"+j.ID+"/results?limit=70&cursor="+cursor, nil, &page); c != 200 {
			t.Fatalf("results: %d", c)
		}
		for _, r := range page.Results {
			seen[r.User]++
			if (r.Status == "ok") != (len(r.Variants) == 2) {
				t.Errorf("%s: %s with %d variants", r.User, r.Status, len(r.Variants))
			}
		}
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	for i := range users {
		if id := fmt.Sprintf("cu%03d", i); seen[id] != 1 {
			t.Errorf("member %s has %d results", id, seen[id])
		}
	}
	if len(seen) != users {
		t.Errorf("%d users with results, want %d", len(seen), users)
	}
}
