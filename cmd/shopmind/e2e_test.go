package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/shopmind/shopmind/internal/testenv"
)

func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	return testenv.Shopmind(t)
}

func freeAddr(t *testing.T) string { return testenv.FreeAddr(t) }

// startServe runs `shopmind serve` on data and waits until it is ready.
func startServe(t *testing.T, bin, addr, data string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", addr, "--data", data, "--log-level", "warn")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return cmd
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("shopmind serve on %s did not become ready", addr)
	return nil
}

type rowResult struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// postBatch sends one batch; ok is false when no answer came (connection
// dropped), in which case nothing is acknowledged.
func postBatch(client *http.Client, addr string, body []byte) (results []rowResult, ok bool) {
	resp, err := client.Post("http://"+addr+"/v1/events", "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, false
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return nil, false
	}
	var sum struct {
		Results []rowResult `json:"results"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&sum); err != nil {
		return nil, false
	}
	return sum.Results, true
}

// TestCrashLosesNoAcknowledgedEvent ingests over HTTP from several clients,
// kills the server with SIGKILL mid-flight, restarts it on the same data and
// checks that every acknowledged event is stored exactly once; then the
// clients resend what was not acknowledged, as a client would, and every
// event is stored exactly once.
func TestCrashLosesNoAcknowledgedEvent(t *testing.T) {
	bin := binary(t)
	data := t.TempDir()
	addr := freeAddr(t)
	srv := startServe(t, bin, addr, data)

	const clients, perBatch = 4, 250
	type batch struct {
		user string
		ids  []string
		body []byte
	}
	var (
		mu      sync.Mutex
		acked   = map[string]bool{}
		unacked []batch
		wg      sync.WaitGroup
	)
	stop := make(chan struct{})
	client := &http.Client{Timeout: 10 * time.Second}
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			user := fmt.Sprintf("crash-user-%d", c)
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				b := batch{user: user}
				var rows []string
				for i := range perBatch {
					id := fmt.Sprintf("c%d-b%d-e%d", c, n, i)
					b.ids = append(b.ids, id)
					rows = append(rows, fmt.Sprintf(`{"id":%q,"type":"view","user_id":%q,"item_id":"item-%d","timestamp":"2026-11-01T10:00:00Z"}`, id, user, i))
				}
				b.body = []byte("[" + strings.Join(rows, ",") + "]")
				res, ok := postBatch(client, addr, b.body)
				mu.Lock()
				if ok {
					for _, r := range res {
						if r.Status != "accepted" {
							t.Errorf("row %s: %s", r.ID, r.Status)
						}
						acked[r.ID] = true
					}
				} else {
					unacked = append(unacked, b)
				}
				mu.Unlock()
				if !ok {
					return
				}
			}
		}()
	}
	// Let batches flow, then kill while requests are in flight.
	deadline := time.Now().Add(15 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 20*perBatch || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := srv.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	srv.Wait()
	close(stop)
	wg.Wait()
	if len(acked) == 0 {
		t.Fatal("no batch was acknowledged before the kill")
	}
	t.Logf("acknowledged %d events before SIGKILL; %d batches in flight", len(acked), len(unacked))

	startServe(t, bin, addr, data)
	stored := storedIDs(t, addr, clients)
	for id := range acked {
		if stored[id] != 1 {
			t.Fatalf("acknowledged event %s stored %d times after restart", id, stored[id])
		}
	}
	// Clients retry what got no answer; nothing is stored twice.
	for _, b := range unacked {
		if _, ok := postBatch(client, addr, b.body); !ok {
			t.Fatal("retry after restart failed")
		}
	}
	stored = storedIDs(t, addr, clients)
	want := len(acked) + len(unacked)*perBatch
	total := 0
	for id, n := range stored {
		if n != 1 {
			t.Fatalf("event %s stored %d times", id, n)
		}
		total++
	}
	if total != want {
		t.Fatalf("stored %d distinct events, want %d (acknowledged + retried)", total, want)
	}
}

// storedIDs pages through each crash user's events and counts ids.
func storedIDs(t *testing.T, addr string, clients int) map[string]int {
	t.Helper()
	seen := map[string]int{}
	for c := range clients {
		cursor := ""
		for {
			url := fmt.Sprintf("http://%s/v1/users/crash-user-%d/events?limit=1000&cursor=%s", addr, c, cursor)
			resp, err := http.Get(url)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode == 404 {
				resp.Body.Close()
				break // this client never got a batch in
			}
			var page struct {
				Events []struct {
					ID string `json:"id"`
				} `json:"events"`
				NextCursor string `json:"next_cursor"`
			}
			err = json.NewDecoder(resp.Body).Decode(&page)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page.Events {
				seen[e.ID]++
			}
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
	}
	return seen
}

// TestDemoServesWhatItPrints runs `shopmind demo` as a new user would and
// follows the GET lines it prints.
func TestDemoServesWhatItPrints(t *testing.T) {
	bin := binary(t)
	addr := freeAddr(t)
	cmd := exec.Command(bin, "demo", "--addr", addr, "--data", t.TempDir(), "--users", "300", "--items", "80", "--days", "14", "--log-level", "warn")
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var curls []string
	dashboard := ""
	timeout := time.After(60 * time.Second)
collect:
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("demo exited before serving")
			}
			if strings.HasPrefix(strings.TrimSpace(l), "curl") {
				curls = append(curls, strings.TrimSpace(l))
			}
			if d, ok := strings.CutPrefix(strings.TrimSpace(l), "dashboard: "); ok {
				dashboard = d
			}
			if strings.Contains(l, "/v1/openapi.json") {
				break collect
			}
		case <-timeout:
			t.Fatal("demo did not print its curl lines within 60 s")
		}
	}
	urlRe := regexp.MustCompile(`'?(http://[^ ']+)'?`)
	tried := 0
	for _, c := range curls {
		u := urlRe.FindStringSubmatch(c)[1]
		var resp *http.Response
		var err error
		if strings.Contains(c, "-X POST") {
			body := c[strings.Index(c, "-d '")+4 : len(c)-1]
			resp, err = http.Post(u, "application/json", strings.NewReader(body))
		} else {
			resp, err = http.Get(u)
		}
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 && resp.StatusCode != 201 {
			t.Errorf("%s: status %d: %s", c, resp.StatusCode, b)
		}
		if strings.Contains(c, "category=") && !strings.Contains(string(b), `"id"`) {
			t.Errorf("%s: no items: %s", c, b)
		}
		// The demo trains before serving: recommendations are personal and
		// explained from the first request.
		if strings.Contains(c, "/recommendations?") && !strings.Contains(string(b), `"strategy":"personalized"`) {
			t.Errorf("%s: not personalised: %s", c, b)
		}
		if strings.Contains(c, "explain=true") && !strings.Contains(string(b), `"reason":{`) {
			t.Errorf("%s: no reasons: %s", c, b)
		}
		tried++
	}
	if tried < 13 {
		t.Fatalf("demo printed only %d curl lines: %v", tried, curls)
	}
	// The dashboard's address comes first and answers.
	if dashboard == "" {
		t.Error("demo did not print the dashboard's address")
	} else if resp, err := http.Get(dashboard); err != nil || resp.StatusCode != 200 {
		t.Errorf("dashboard %s: %v %v", dashboard, resp, err)
	} else {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), "<html") {
			t.Errorf("dashboard %s answered no page: %.200s", dashboard, b)
		}
	}
	// Ctrl-C stops it gracefully.
	cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("demo exit after interrupt: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("demo did not stop after interrupt")
	}
}

// TestHelpOnEveryCommand checks that each command answers --help.
func TestHelpOnEveryCommand(t *testing.T) {
	for _, c := range commands() {
		var out, errOut bytes.Buffer
		code := run(context.Background(), []string{c.name, "--help"}, &out, &errOut)
		if code != 0 || !strings.Contains(out.String()+errOut.String(), "Usage: shopmind "+c.name) {
			t.Errorf("%s --help: code %d, output %q", c.name, code, out.String()+errOut.String())
		}
	}
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"nonsense"}, &out, &errOut); code != 2 {
		t.Errorf("unknown command: code %d", code)
	}
}

// TestServeRefusesOpenAddressWithoutKeys checks the safety rule: no API keys,
// no listening beyond loopback.
func TestServeRefusesOpenAddressWithoutKeys(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"serve", "--addr", "0.0.0.0:0", "--data", t.TempDir(), "--log-level", "error"}, &out, &errOut)
	if code == 0 || !strings.Contains(errOut.String(), "without API keys") {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	t.Setenv("SHOPMIND_API_KEYS", "0123456789abcdef:admin")
	// With keys it starts; the context's end stops it gracefully.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	errOut.Reset()
	if code := run(ctx, []string{"serve", "--addr", "0.0.0.0:0", "--data", t.TempDir(), "--log-level", "error"}, &out, &errOut); code != 0 {
		t.Fatalf("with keys: exit %d, stderr %q", code, errOut.String())
	}
}
