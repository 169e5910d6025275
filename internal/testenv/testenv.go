// Package testenv finds what tests need from outside the repository: the
// shared datasets and a PostgreSQL server. On a developer machine without
// them the tests skip with a message saying how to enable them; in CI
// (CI=true) they must be present and a missing one fails the test.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// InCI reports whether the tests run in CI, where nothing may be skipped.
func InCI() bool { return os.Getenv("CI") == "true" }

// RepoRoot returns the directory holding go.mod.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("testenv: no go.mod above the test's directory")
		}
		dir = parent
	}
}

// Datasets returns the shared datasets directory: $SHOPMIND_DATASETS, or
// ../shared/datasets beside the repository. name, if given, must exist inside
// it. Without it the test skips (fails in CI).
func Datasets(t testing.TB, name ...string) string {
	t.Helper()
	dir := os.Getenv("SHOPMIND_DATASETS")
	if dir == "" {
		dir = filepath.Join(RepoRoot(t), "..", "shared", "datasets")
	}
	want := filepath.Join(append([]string{dir}, name...)...)
	if _, err := os.Stat(want); err != nil {
		msg := "shared dataset " + want + " not found; set SHOPMIND_DATASETS to the datasets directory to run this test"
		if InCI() {
			t.Fatal(msg + " (CI=true: datasets are required)")
		}
		t.Skip(msg)
	}
	return want
}

// PostgresURL returns $SHOPMIND_TEST_POSTGRES, a URL of a PostgreSQL database
// the tests may create schemas in. Without it the test skips (fails in CI).
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("SHOPMIND_TEST_POSTGRES")
	if u == "" {
		msg := "SHOPMIND_TEST_POSTGRES is not set; set it to a PostgreSQL URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run this test"
		if InCI() {
			t.Fatal(msg + " (CI=true: PostgreSQL is required)")
		}
		t.Skip(msg)
	}
	return u
}

// RedisURL returns SHOPMIND_TEST_REDIS. Without it the test skips (fails in
// CI).
func RedisURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("SHOPMIND_TEST_REDIS")
	if u == "" {
		msg := "SHOPMIND_TEST_REDIS is not set; set it to a Redis URL (e.g. redis://127.0.0.1:6379/0) to run this test"
		if InCI() {
			t.Fatal(msg + " (CI=true: Redis is required)")
		}
		t.Skip(msg)
	}
	return u
}

// Program returns the path of the program name found on PATH. Without it the
// test skips (fails in CI); hint tells how to get it.
func Program(t testing.TB, name, hint string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		skipOrFail(t, name+" is not on PATH; "+hint, name+" is required")
	}
	return path
}

// Exists returns path when a file or directory is there. Without it the test
// skips (fails in CI); hint tells how to make it.
func Exists(t testing.TB, path, hint string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		skipOrFail(t, path+" not found; "+hint, path+" is required")
	}
	return path
}

// skipOrFail skips the test with msg, or fails it under CI=true, where what
// is missing must be present.
func skipOrFail(t testing.TB, msg, required string) {
	t.Helper()
	if InCI() {
		t.Fatal(msg + " (CI=true: " + required + ")")
	}
	t.Skip(msg)
}
