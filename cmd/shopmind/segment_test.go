package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/audience"
	"github.com/shopmind/shopmind/profile"
	"github.com/shopmind/shopmind/store"
	_ "github.com/shopmind/shopmind/store/sqlite"
	"github.com/shopmind/shopmind/synth"
)

// segmentShop stores a small synthetic shop, whose weeks end today, in a
// fresh embedded store under a temporary data directory.
func segmentShop(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	begin := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -28)
	sh, err := synth.Generate(synth.Config{Seed: 1, Users: 600, Items: 200, Days: 28, Start: begin})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "shopmind.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := loadShop(ctx, st, sh, io.Discard); err != nil {
		t.Fatal(err)
	}
	return dir
}

func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestSegmentCluster(t *testing.T) {
	dir := segmentShop(t)
	report := filepath.Join(t.TempDir(), "out", "clusters.html")
	code, out, errOut := runCmd(t, "segment", "cluster", "--k", "4", "--seed", "3", "--data", dir, "--log-level", "warn",
		"--save-as", "behaviour", "--report", report)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	t.Logf("output:\n%s", out)
	if !regexp.MustCompile(`clustered \d+ users on \d+ features into 4 clusters .*silhouette -?0\.\d+`).MatchString(out) {
		t.Errorf("no summary line")
	}
	for i := 1; i <= 4; i++ {
		if !regexp.MustCompile(`(?m)^cluster ` + string(rune('0'+i)) + `  \d+ users \(\d+\.\d%\)  \S`).MatchString(out) {
			t.Errorf("no line for cluster %d", i)
		}
	}
	if n := len(regexp.MustCompile(`overlap with the cluster: Jaccard [01]\.\d\d`).FindAllString(out, -1)); n != 4 {
		t.Errorf("%d overlap lines, want 4", n)
	}
	if !strings.Contains(out, " sd)") || !strings.Contains(out, "e.g. syn-user-") {
		t.Errorf("no key values or sample ids")
	}

	page, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	for _, want := range []string{"<!DOCTYPE html>", "cluster sizes", "scatter of users", "<circle", "Jaccard", "</html>"} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if n := strings.Count(html, "<svg"); n != 2 {
		t.Errorf("report has %d SVG figures, want 2", n)
	}
	if regexp.MustCompile(`(?i)<(script|link|img)[^>]*(src|href)=`).MatchString(html) {
		t.Errorf("report loads something from outside; it must be self-contained")
	}

	// The saved clusters are listed as segments with their sizes.
	code, out, errOut = runCmd(t, "segment", "list", "--data", dir, "--log-level", "warn")
	if code != 0 {
		t.Fatalf("list: exit %d\n%s%s", code, out, errOut)
	}
	t.Logf("list:\n%s", out)
	if !strings.HasPrefix(out, "ID") || strings.Count(out, "behaviour ") != 4 {
		t.Errorf("list does not show the 4 saved clusters:\n%s", out)
	}

	// Same data, same seed: the same clusters, described the same way.
	// (Sizes are left out: the clock moves between runs, and recency with
	// it, so a user on a border may move.)
	header := regexp.MustCompile(`(?m)^cluster \d+ .*%\)  (.*)$`)
	a, b := header.FindAllStringSubmatch(clusterOut(t, dir), -1), header.FindAllStringSubmatch(clusterOut(t, dir), -1)
	if len(a) != 4 || len(b) != 4 {
		t.Fatalf("%d and %d cluster lines", len(a), len(b))
	}
	for i := range a {
		if a[i][1] != b[i][1] {
			t.Errorf("cluster %d: %q, then %q", i+1, a[i][1], b[i][1])
		}
	}
}

func clusterOut(t *testing.T, dir string) string {
	t.Helper()
	code, out, errOut := runCmd(t, "segment", "cluster", "--k", "4", "--seed", "3", "--data", dir, "--log-level", "warn")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	return out
}

func TestSegmentExport(t *testing.T) {
	dir := segmentShop(t)
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "shopmind.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	profiles := profile.NewService(st, profile.ServiceConfig{}, slog.New(slog.DiscardHandler))
	aud := audience.New(st, profiles)
	def, err := aud.Create(ctx, audience.Input{ID: "big-spenders", Name: "big spenders", Expression: `monetary >= 500 and count("view") > 3`})
	if err != nil {
		t.Fatal(err)
	}
	size, err := aud.Size(ctx, def.ID)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if size == 0 {
		t.Fatal("the test segment is empty")
	}

	// k-anonymity: a segment one member short of min_group_size is refused
	// and no file is left behind; a segment of exactly k is exported.
	file := filepath.Join(t.TempDir(), "members.csv")
	code, out, errOut := runCmd(t, "segment", "export", "--id", "big-spenders", "--out", file, "--min-group-size", strconv.Itoa(size+1), "--data", dir, "--log-level", "warn")
	if code != 1 || !strings.Contains(errOut, "fewer than the minimum group size of "+strconv.Itoa(size+1)) || out != "" {
		t.Errorf("export below k: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("refused export left %s behind (%v)", file, err)
	}
	code, out, errOut = runCmd(t, "segment", "export", "--id", "big-spenders", "--format", "jsonl", "--data", dir, "--log-level", "warn",
		"--min-group-size", strconv.Itoa(size+1))
	if code != 1 || out != "" {
		t.Errorf("jsonl export below k: exit %d, stdout %q", code, out)
	}
	code, out, errOut = runCmd(t, "segment", "export", "--id", "big-spenders", "--out", file, "--min-group-size", strconv.Itoa(size), "--data", dir, "--log-level", "warn")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "exported "+strconv.Itoa(size)+" members of segment big-spenders") || out != "" {
		t.Errorf("stdout %q, stderr %q; want the count (%d) on stderr only", out, errOut, size)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != size+1 || strings.Join(rows[0], ",") != `user_id,count("view"),monetary` {
		t.Errorf("%d rows, header %q", len(rows), rows[0])
	}

	code, out, errOut = runCmd(t, "segment", "export", "--id", "big-spenders", "--format", "jsonl", "--min-group-size", "1", "--data", dir, "--log-level", "warn")
	if code != 0 {
		t.Fatalf("jsonl: exit %d\n%s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != size {
		t.Errorf("%d JSONL lines, want %d", len(lines), size)
	}
	var row audience.Row
	if err := json.Unmarshal([]byte(lines[0]), &row); err != nil || row.UserID == "" || row.Fields["monetary"].(float64) < 500 {
		t.Errorf("first line %s: %v", lines[0], err)
	}

	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"segment", "export", "--data", dir}, 1, "--id is required"},
		{[]string{"segment", "export", "--id", "nope", "--data", dir, "--log-level", "warn"}, 1, "not found"},
		{[]string{"segment", "export", "--id", "big-spenders", "--format", "xml", "--data", dir}, 1, "use csv or jsonl"},
		{[]string{"segment", "cluster", "--data", dir}, 1, "--k is required"},
		{[]string{"segment", "cluster", "--k", "1", "--data", dir, "--log-level", "warn"}, 1, "2 to 50"},
		{[]string{"segment", "frobnicate"}, 2, "unknown subcommand"},
		{[]string{"segment"}, 2, "Subcommands:"},
	} {
		code, _, errOut := runCmd(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d and %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
	if code, out, _ := runCmd(t, "segment", "help"); code != 0 || !strings.Contains(out, "cluster") {
		t.Errorf("segment help: exit %d, %q", code, out)
	}
}
