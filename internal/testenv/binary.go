package testenv

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var build struct {
	once sync.Once
	bin  string
	err  error
}

// Shopmind builds the real shopmind binary (./cmd/shopmind) once per test
// process and returns its path. Tests that run it as a separate process
// (end to end, crashes, the browser tests) share the build.
func Shopmind(t testing.TB) string {
	t.Helper()
	root := RepoRoot(t)
	build.once.Do(func() {
		dir, err := os.MkdirTemp("", "shopmind-bin-")
		if err != nil {
			build.err = err
			return
		}
		bin := filepath.Join(dir, "shopmind")
		cmd := exec.Command("go", "build", "-o", bin, "./cmd/shopmind")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			build.err = fmt.Errorf("go build ./cmd/shopmind: %v\n%s", err, out)
			return
		}
		build.bin = bin
	})
	if build.err != nil {
		t.Fatal(build.err)
	}
	return build.bin
}

// FreeAddr returns a loopback address with a port free at the time of the
// call.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
