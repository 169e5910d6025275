// Package browser holds the dashboard's tests in headless Chromium: the
// *.test.mjs files (node --test, playwright-core) and the Go test that
// serves the synthetic shop for them. It has no code of its own.
package browser

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/shopmind/shopmind/internal/testenv"
)

// TestDashboardInChromium starts the real `shopmind serve` over a store
// holding the synthetic shop and runs every test/browser/*.test.mjs against
// its dashboard in headless Chromium (playwright-core): the pages are signed
// into through the login form with an admin and a read-only key, must not
// log console errors or fail requests, and are screenshotted. The
// screenshots stay in $SHOPMIND_SCREENSHOTS (or a directory the test logs).
func TestDashboardInChromium(t *testing.T) {
	root := testenv.RepoRoot(t)
	dir := filepath.Join(root, "test", "browser")
	node := testenv.Program(t, "node", "install Node.js 20 or later to run the dashboard's browser tests")
	chromium := os.Getenv("CHROMIUM")
	if chromium != "" {
		testenv.Exists(t, chromium, "CHROMIUM names a Chromium binary that is not there")
	} else {
		chromium = testenv.Program(t, "chromium", "install Chromium (Debian: apt-get install chromium) or set CHROMIUM to a Chromium binary")
	}
	testenv.Exists(t, filepath.Join(dir, "node_modules", "playwright-core"),
		"run `npm ci --prefix test/browser` to install playwright-core (it downloads no browser)")
	files, err := filepath.Glob(filepath.Join(dir, "*.test.mjs"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no test/browser/*.test.mjs files found (%v)", err)
	}
	if testing.Short() {
		t.Skip("builds the binary and drives Chromium for minutes; skipped with -short")
	}
	bin := testenv.Shopmind(t)

	// The server must not pick up a developer's settings (another store, a
	// real LLM): the pages are tested over the demo shop with the template
	// copy writer.
	for _, name := range []string{"CONFIG", "STORE", "REDIS", "ROLE", "API_KEYS",
		"LLM_BASE_URL", "LLM_API_KEY", "LLM_MODEL", "EMBED_BASE_URL", "EMBED_API_KEY"} {
		t.Setenv("SHOPMIND_"+name, "")
	}

	start := time.Now()
	data := t.TempDir()
	demoCtx, cancelDemo := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancelDemo()
	demo := exec.CommandContext(demoCtx, bin, "demo", "--no-serve", "--data", data,
		"--users", "1000", "--items", "300", "--log-level", "warn")
	if out, err := demo.CombinedOutput(); err != nil {
		t.Fatalf("shopmind demo --no-serve (filling the store the pages show) failed: %v\n%s", err, out)
	}
	t.Logf("demo shop stored and its model trained in %s", time.Since(start).Round(time.Millisecond))

	adminKey, readKey := "ui-admin-"+rand.Text(), "ui-read-"+rand.Text()
	t.Setenv("SHOPMIND_API_KEYS", adminKey+":admin;"+readKey+":read")
	addr := testenv.FreeAddr(t)
	var serverLog testenv.SyncBuffer
	serveDashboard(t, bin, addr, data, &serverLog)

	shots := os.Getenv("SHOPMIND_SCREENSHOTS")
	if shots == "" {
		// Not t.TempDir: the screenshots are for looking at after the test.
		shots, err = os.MkdirTemp("", "shopmind-screenshots-")
		if err != nil {
			t.Fatalf("creating a directory for the screenshots: %v", err)
		}
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatalf("creating SHOPMIND_SCREENSHOTS=%s: %v", shots, err)
	}
	defer func() { t.Logf("screenshots: %s", shots) }()

	// A guard against a hung browser, not the expected duration (about a
	// minute); it stays inside go test's own -timeout.
	limit := 6 * time.Minute
	if d, ok := t.Deadline(); ok {
		limit = min(limit, time.Until(d)-30*time.Second)
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	args := append([]string{"--test", "--test-concurrency=1", "--test-reporter=spec"}, files...)
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = dir
	cmd.Env = append(cmd.Environ(),
		"SHOPMIND_UI_URL=http://"+addr,
		"SHOPMIND_UI_ADMIN_KEY="+adminKey,
		"SHOPMIND_UI_READ_KEY="+readKey,
		"SHOPMIND_SCREENSHOTS="+shots,
		"CHROMIUM="+chromium,
		"NO_COLOR=1",
	)
	// On timeout, SIGTERM node's whole process group: each test file's
	// process then closes its Chromium (playwright-core does on SIGTERM),
	// which a SIGKILL of the runner alone would leave behind.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	nodeStart := time.Now()
	err = cmd.Run()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("the browser tests did not finish within %s; node's output:\n%s\nthe server's log:\n%s", limit, out.Bytes(), serverLog.String())
	}
	if err != nil {
		t.Fatalf("browser tests against shopmind serve failed (%v); node's output:\n%s\nthe server's log:\n%s", err, out.Bytes(), serverLog.String())
	}
	t.Logf("browser tests passed in %s (node --test %d files):\n%s",
		time.Since(nodeStart).Round(time.Millisecond), len(files), out.Bytes())
}

// serveDashboard runs `shopmind serve` on data, its log going to log, and
// waits until it is ready. Unlike startServe it allows a minute and a half:
// profiles are built from the whole event log before /readyz says yes, which
// takes long on a busy CI machine.
func serveDashboard(t *testing.T, bin, addr, data string, log *testenv.SyncBuffer) {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", addr, "--data", data, "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting shopmind serve: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	const wait = 90 * time.Second
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("shopmind serve on %s was not ready within %s; its log:\n%s", addr, wait, log.String())
}
