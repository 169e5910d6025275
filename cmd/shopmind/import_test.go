package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/shopmind/shopmind/internal/testenv"
	"github.com/shopmind/shopmind/profile"
	"github.com/shopmind/shopmind/store"
	_ "github.com/shopmind/shopmind/store/sqlite"
)

func importOnce(t *testing.T, args ...string) (string, time.Duration) {
	t.Helper()
	var out, errOut bytes.Buffer
	start := time.Now()
	code := run(context.Background(), append([]string{"import", "--log-level", "warn"}, args...), &out, &errOut)
	took := time.Since(start)
	if code != 0 {
		t.Fatalf("import exit %d: %s%s", code, out.String(), errOut.String())
	}
	return out.String(), took
}

func number(t *testing.T, out, pattern string) int {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("output lacks %q:\n%s", pattern, out)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestImportTaobao imports the whole Taobao head into a fresh embedded store
// (under 10 s), checks the counts, and checks that a second run adds nothing.
func TestImportTaobao(t *testing.T) {
	path := filepath.Join(testenv.Datasets(t, "taobao-userbehavior-head"), "UserBehavior_head_814users.csv")
	data := t.TempDir()
	cpu0 := cpuTime()
	out, took := importOnce(t, "--format", "taobao", "--path", path, "--data", data)
	cpu := cpuTime() - cpu0
	t.Logf("first import in %s wall, %s CPU:\n%s", took, cpu, out)
	// The target is 10 s of wall time on an idle 2-core machine (see
	// BENCHMARKS.md). Wall time swings with whatever else runs, so the test
	// guards the CPU the import burns, which does not.
	if cpu > 10*time.Second {
		t.Errorf("import burned %s of CPU; the target is under 10 s", cpu)
	}
	events := number(t, out, `imported (\d+) events`)
	dups := 0
	if m := regexp.MustCompile(`duplicate event ids, absorbed\) (\d+)`).FindStringSubmatch(out); m != nil {
		dups, _ = strconv.Atoi(m[1])
	}
	if events+dups != 84287 || events < 84000 {
		t.Errorf("imported %d events + %d duplicate rows, want 84,287 rows in all", events, dups)
	}
	if items := number(t, out, `events, (\d+) items`); items != 55233 {
		t.Errorf("items = %d, want 55,233", items)
	}
	if users := number(t, out, `items, (\d+) users`); users != 814 {
		t.Errorf("users = %d, want 814", users)
	}

	again, _ := importOnce(t, "--format", "taobao", "--path", path, "--data", data)
	if n := number(t, again, `imported (\d+) events`); n != 0 {
		t.Errorf("second import added %d events:\n%s", n, again)
	}
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(data, "shopmind.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stats, _ := st.Stats(context.Background())
	if stats.Events != int64(events) || stats.Users != 814 || stats.Items != 55233 {
		t.Errorf("store holds %+v after two imports", stats)
	}

	// Profiles for every user, then an RFM refresh, with times reported.
	svc := profile.NewService(st, profile.ServiceConfig{Profile: profile.Config{Location: shanghai(t)}}, slog.New(slog.DiscardHandler))
	begin := time.Now()
	if err := svc.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	built := time.Since(begin)
	begin = time.Now()
	q := svc.RefreshRFM()
	refreshed := time.Since(begin)
	t.Logf("profiles for %d users from %d events in %s; RFM refresh in %s", svc.Users(), stats.Events, built, refreshed)
	if svc.Users() != 814 || q.Users != 814 {
		t.Fatalf("profiled %d users (RFM over %d); want all 814", svc.Users(), q.Users)
	}
	v, err := svc.View(context.Background(), "1")
	if err != nil || v.Events == 0 || v.RFM == nil {
		t.Fatalf("profile of user 1: %+v %v", v, err)
	}
}

// cpuTime is the user+system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func shanghai(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Skip("no time zone data")
	}
	return loc
}

// TestImportReportsBadRows imports a JSONL file with good and bad rows and
// checks that bad rows are skipped with reasons and good ones stored.
func TestImportReportsBadRows(t *testing.T) {
	file := filepath.Join(t.TempDir(), "events.jsonl")
	os.WriteFile(file, []byte(`{"id":"j1","type":"view","user_id":"u1","item_id":"i1","timestamp":"2026-11-01T10:00:00Z"}
{"id":"j2","type":"teleport","user_id":"u1"}
{"item":{"id":"i1","title":"Tea","price":12,"currency":"CNY"}}
{"id":"j3","type":"view","user_id":"u1","item_id":"i1","colour":"red"}
not json
`), 0o600)
	out, _ := importOnce(t, "--format", "jsonl", "--path", file, "--data", t.TempDir())
	if number(t, out, `imported (\d+) events`) != 1 || number(t, out, `events, (\d+) items`) != 1 {
		t.Errorf("good rows not imported:\n%s", out)
	}
	if n := number(t, out, `skipped (\d+) rows`); n != 3 {
		t.Errorf("skipped %d, want 3:\n%s", n, out)
	}
	if !regexp.MustCompile(`invalid event: type`).MatchString(out) {
		t.Errorf("no reason for the bad type:\n%s", out)
	}
}
