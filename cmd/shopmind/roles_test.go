package main

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// leads reads the shopmind_leader gauge of work from a node's /metrics.
func leads(t *testing.T, addr, work string) bool {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return strings.Contains(string(body), `shopmind_leader{work="`+work+`"} 1`)
}

// Two processes on one store: the trainer role serves only health and
// metrics; one process at a time trains and runs copy jobs, and the
// standby takes over when the leader dies.
func TestRolesElectOneTrainer(t *testing.T) {
	bin := binary(t)
	data := t.TempDir()
	addrA, addrB := freeAddr(t), freeAddr(t)
	a := startServe(t, bin, addrA, data)
	b := exec.Command(bin, "serve", "--addr", addrB, "--data", data, "--role", "trainer", "--log-level", "warn")
	b.Stderr = os.Stderr
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Process.Kill(); b.Wait() })
	waitUntil(t, 20*time.Second, "the trainer to be ready", func() bool {
		resp, err := http.Get("http://" + addrB + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	if resp, err := http.Get("http://" + addrB + "/v1/stats"); err != nil || resp.StatusCode != 404 {
		t.Errorf("the trainer answered /v1/stats: %v %v; want 404 (health and metrics only)", resp.StatusCode, err)
	}
	for _, work := range []string{"recommend-trainer", "copy-jobs"} {
		waitUntil(t, 10*time.Second, "one leader of "+work, func() bool { return leads(t, addrA, work) != leads(t, addrB, work) })
		if !leads(t, addrA, work) {
			t.Errorf("%s: the first node does not lead", work)
		}
	}
	a.Process.Kill()
	a.Wait()
	for _, work := range []string{"recommend-trainer", "copy-jobs"} {
		waitUntil(t, 15*time.Second, "the trainer to take over "+work, func() bool { return leads(t, addrB, work) })
	}
}

func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(d); !cond(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
