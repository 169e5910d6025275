package main

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/internal/testenv"
)

// gorseCheckKey is the API key the gorsejs check sends as X-API-Key.
const gorseCheckKey = "gorsejs-check-key-0123456789"

// TestGorseCompatibleAPIWithGorsejs starts the real `shopmind serve` and runs
// test/gorsejs/check.mjs, which drives the Gorse-compatible /api/ subset with
// the published npm gorsejs client: users, items, feedback, recommendations
// (with history, cold start, category, n), item neighbours, popular items,
// deletions, and X-API-Key authentication.
func TestGorseCompatibleAPIWithGorsejs(t *testing.T) {
	root := testenv.RepoRoot(t)
	dir := filepath.Join(root, "test", "gorsejs")
	node := testenv.Program(t, "node", "install Node.js 18 or later to run the gorsejs compatibility check")
	testenv.Exists(t, filepath.Join(dir, "node_modules", "gorsejs"),
		"run `npm ci --prefix test/gorsejs` to install the gorsejs client")
	bin := binary(t)

	// The check polls for answers from models that serve retrains every
	// train_interval; it needs them retrained within seconds.
	var help, helpErr bytes.Buffer
	run(context.Background(), []string{"serve", "--help"}, &help, &helpErr)
	if !strings.Contains(help.String()+helpErr.String(), "-train-interval") {
		t.Fatal("`shopmind serve` has no --train-interval flag (setting train_interval, env SHOPMIND_TRAIN_INTERVAL); the gorsejs check needs models retrained every second")
	}
	// startServe passes only --addr, --data and --log-level; every setting
	// also reads SHOPMIND_<NAME>, which the child inherits.
	t.Setenv("SHOPMIND_TRAIN_INTERVAL", "1s")
	t.Setenv("SHOPMIND_API_KEYS", gorseCheckKey+":admin")
	addr := freeAddr(t)
	startServe(t, bin, addr, t.TempDir())

	const limit = 3 * time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(dir, "check.mjs"), "http://"+addr, gorseCheckKey)
	cmd.Dir = root
	cmd.Env = append(cmd.Environ(), "GORSE_CHECK_WAIT=20")
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("node check.mjs did not finish within %s; its output:\n%s", limit, out)
	}
	if err != nil {
		t.Fatalf("gorsejs check against shopmind serve failed (%v):\n%s", err, out)
	}
	t.Logf("gorsejs check:\n%s", out)
}
