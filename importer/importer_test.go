package importer

import (
	"context"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopmind/shopmind/shop"
)

// skipped is one row a reader reported to Sink.Skip.
type skipped struct{ where, reason string }

// recorder is a Sink that keeps everything, for small fixtures.
type recorder struct {
	items  []shop.Item
	users  []shop.User
	events []shop.Event
	skips  []skipped
	order  []string // "item:ID", "user:ID", "event:ID", "skip:WHERE" in arrival order
}

func (r *recorder) Item(_ context.Context, it shop.Item) error {
	r.items = append(r.items, it)
	r.order = append(r.order, "item:"+it.ID)
	return nil
}

func (r *recorder) User(_ context.Context, u shop.User) error {
	r.users = append(r.users, u)
	r.order = append(r.order, "user:"+u.ID)
	return nil
}

func (r *recorder) Event(_ context.Context, e shop.Event) error {
	r.events = append(r.events, e)
	r.order = append(r.order, "event:"+e.ID)
	return nil
}

func (r *recorder) Skip(_ context.Context, where, reason string) error {
	r.skips = append(r.skips, skipped{where, reason})
	r.order = append(r.order, "skip:"+where)
	return nil
}

// read runs format name on path into a new recorder, failing on an error.
func read(t testing.TB, name, path string) *recorder {
	t.Helper()
	f, err := Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	var r recorder
	if err := f.Read(context.Background(), path, &r, nil); err != nil {
		t.Fatalf("%s %s: %v", name, path, err)
	}
	return &r
}

// wantSkips checks the skipped rows: where exactly, reason by substring.
func wantSkips(t *testing.T, got []skipped, want []skipped) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d skips, want %d:\n%s", len(got), len(want), fmtSkips(got))
		return
	}
	for i := range want {
		if got[i].where != want[i].where || !strings.Contains(got[i].reason, want[i].reason) {
			t.Errorf("skip %d = %s: %q; want %s: …%q…", i, got[i].where, got[i].reason, want[i].where, want[i].reason)
		}
	}
}

func fmtSkips(s []skipped) string {
	var b strings.Builder
	for _, k := range s {
		fmt.Fprintf(&b, "  %s: %s\n", k.where, k.reason)
	}
	return b.String()
}

// counter is a Sink for the real datasets: it counts, checks that every
// entity passes shop validation and that events come after the items and
// users they name (when the format emits those).
type counter struct {
	items          map[string]shop.Item
	users          map[string]shop.User
	dupItems       int // items emitted more than once
	dupUsers       int
	events         int
	eventIDs       map[string]int
	types          map[shop.EventType]int
	sessions       map[string]bool
	skips          []skipped
	invalid        []string // first few validation failures
	nInvalid       int
	orphanItems    int // events naming an item not emitted before
	orphanUsers    int
	withCategory   int
	withAttributes int
	firstEvents    []shop.Event // the first few, for spot checks
	now            time.Time
}

func newCounter() *counter {
	return &counter{
		items: map[string]shop.Item{}, users: map[string]shop.User{}, eventIDs: map[string]int{},
		types: map[shop.EventType]int{}, sessions: map[string]bool{},
		now: time.Now(),
	}
}

func (c *counter) bad(what string, err error) {
	c.nInvalid++
	if len(c.invalid) < 5 {
		c.invalid = append(c.invalid, what+": "+err.Error())
	}
}

func (c *counter) Item(_ context.Context, it shop.Item) error {
	if _, dup := c.items[it.ID]; dup {
		c.dupItems++
	}
	c.items[it.ID] = it
	if len(it.Category) > 0 {
		c.withCategory++
	}
	if len(it.Attributes) > 0 {
		c.withAttributes++
	}
	it.Normalize()
	if err := it.Validate(); err != nil {
		c.bad("item "+it.ID, err)
	}
	return nil
}

func (c *counter) User(_ context.Context, u shop.User) error {
	if _, dup := c.users[u.ID]; dup {
		c.dupUsers++
	}
	c.users[u.ID] = u
	if err := u.Validate(); err != nil {
		c.bad("user "+u.ID, err)
	}
	return nil
}

func (c *counter) Event(_ context.Context, e shop.Event) error {
	c.events++
	c.eventIDs[e.ID]++
	c.types[e.Type]++
	if e.SessionID != "" {
		c.sessions[e.SessionID] = true
	}
	if _, ok := c.items[e.ItemID]; !ok && e.ItemID != "" {
		c.orphanItems++
	}
	if _, ok := c.users[e.UserID]; !ok {
		c.orphanUsers++
	}
	if len(c.firstEvents) < 1000 {
		c.firstEvents = append(c.firstEvents, e)
	}
	e.Normalize(c.now)
	if err := e.Validate(c.now); err != nil {
		c.bad("event "+e.ID, err)
	}
	return nil
}

func (c *counter) Skip(_ context.Context, where, reason string) error {
	c.skips = append(c.skips, skipped{where, reason})
	return nil
}

// readAll runs a format on a real dataset into a counter and logs the time.
func readAll(t *testing.T, name, path string) *counter {
	t.Helper()
	f, err := Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	c := newCounter()
	start := time.Now()
	if err := f.Read(context.Background(), path, c, nil); err != nil {
		t.Fatalf("%s %s: %v", name, path, err)
	}
	t.Logf("%s: %d events (%d distinct ids), %d users, %d items, %d skips in %v",
		name, c.events, len(c.eventIDs), len(c.users), len(c.items), len(c.skips), time.Since(start).Round(time.Millisecond))
	if c.nInvalid > 0 {
		t.Errorf("%d entities fail shop validation, e.g. %v", c.nInvalid, c.invalid)
	}
	if c.dupItems > 0 || c.dupUsers > 0 {
		t.Errorf("%d items and %d users emitted more than once; want each once", c.dupItems, c.dupUsers)
	}
	return c
}

func TestFormatsSortedAndDocumented(t *testing.T) {
	fs := Formats()
	var names []string
	for _, f := range fs {
		names = append(names, f.Name)
		if len(f.Description) < 200 || f.Read == nil {
			t.Errorf("format %s: description of %d bytes, Read set %v; want documentation and a reader", f.Name, len(f.Description), f.Read != nil)
		}
		got, err := Lookup(f.Name)
		if err != nil || got.Name != f.Name {
			t.Errorf("Lookup(%q) = %q, %v", f.Name, got.Name, err)
		}
	}
	want := []string{"amazon-seqrec", "csv", "jsonl", "movielens", "olist-products", "taobao"}
	if !slices.Equal(names, want) {
		t.Errorf("Formats() = %v; want %v", names, want)
	}
}

func TestLookupUnknownListsNames(t *testing.T) {
	_, err := Lookup("parquet")
	if err == nil {
		t.Fatal("Lookup(parquet) succeeded")
	}
	for _, name := range []string{`"parquet"`, "amazon-seqrec", "csv", "jsonl", "movielens", "olist-products", "taobao"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not mention %s", err, name)
		}
	}
}

// TestImportsStayPure enforces the package doc: importer speaks shop and
// the standard library only, never store, api or ingest.
func TestImportsStayPure(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			first, _, _ := strings.Cut(path, "/")
			switch {
			case !strings.Contains(first, "."): // standard library
			case path == "github.com/shopmind/shopmind/shop":
			case path == "github.com/shopmind/shopmind/internal/testenv" && strings.HasSuffix(file, "_test.go"):
			default:
				t.Errorf("%s imports %s; importer may import only shop and the standard library", file, path)
			}
		}
	}
}

// TestMissingInputSaysWhatToPass checks the errors for a wrong path.
func TestMissingInputSaysWhatToPass(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "x.txt")
	if err := os.WriteFile(file, []byte("1 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		format, path string
		want         []string
	}{
		{"jsonl", filepath.Join(dir, "missing.jsonl"), []string{"no such file", "pass a file"}},
		{"csv", dir, []string{"is a directory", "pass a CSV file"}},
		{"taobao", filepath.Join(dir, "nope.csv"), []string{"no such file", "UserBehavior.csv"}},
		{"movielens", dir, []string{"u.genre not found in " + dir, "pass the ml-100k directory"}},
		{"movielens", file, []string{"is a file", "pass the ml-100k directory"}},
		{"amazon-seqrec", dir, []string{"is a directory", "Beauty.txt"}},
		{"olist-products", filepath.Join(dir, "p.csv"), []string{"no such file", "olist_products_dataset.csv"}},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			f, _ := Lookup(tt.format)
			err := f.Read(context.Background(), tt.path, &recorder{}, nil)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// failAfter is a sink whose n-th call fails.
type failAfter struct {
	recorder
	n, calls int
}

var errSinkFull = errors.New("sink full")

func (f *failAfter) tick() error {
	f.calls++
	if f.calls >= f.n {
		return errSinkFull
	}
	return nil
}
func (f *failAfter) Item(ctx context.Context, it shop.Item) error {
	if err := f.tick(); err != nil {
		return err
	}
	return f.recorder.Item(ctx, it)
}
func (f *failAfter) User(ctx context.Context, u shop.User) error {
	if err := f.tick(); err != nil {
		return err
	}
	return f.recorder.User(ctx, u)
}
func (f *failAfter) Event(ctx context.Context, e shop.Event) error {
	if err := f.tick(); err != nil {
		return err
	}
	return f.recorder.Event(ctx, e)
}
func (f *failAfter) Skip(ctx context.Context, where, reason string) error {
	if err := f.tick(); err != nil {
		return err
	}
	return f.recorder.Skip(ctx, where, reason)
}

// TestSinkErrorStopsImport checks, for every format, that an error from the
// sink stops the reader at once and comes back wrapped with the location.
func TestSinkErrorStopsImport(t *testing.T) {
	inputs := map[string]string{
		"jsonl":          "testdata/events.jsonl",
		"csv":            "testdata/events.csv",
		"taobao":         "testdata/taobao.csv",
		"movielens":      "testdata/ml-mini",
		"amazon-seqrec":  "testdata/seqrec/Mini.txt",
		"olist-products": "testdata/olist/olist_products_dataset.csv",
	}
	for _, f := range Formats() {
		t.Run(f.Name, func(t *testing.T) {
			sink := &failAfter{n: 3}
			err := f.Read(context.Background(), inputs[f.Name], sink, nil)
			if !errors.Is(err, errSinkFull) {
				t.Fatalf("err = %v; want the sink's error", err)
			}
			if !strings.Contains(err.Error(), ":") || sink.calls != 3 {
				t.Errorf("err = %q after %d sink calls; want a location and a stop at call 3", err, sink.calls)
			}
		})
	}
}

// TestCancelledContext checks that a cancelled import stops with ctx.Err().
func TestCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tt := range []struct{ format, path string }{
		{"jsonl", "testdata/events.jsonl"},
		{"csv", "testdata/events.csv"},
		{"taobao", "testdata/taobao.csv"},
		{"movielens", "testdata/ml-mini"},
		{"amazon-seqrec", "testdata/seqrec/Mini.txt"},
		{"olist-products", "testdata/olist/olist_products_dataset.csv"},
	} {
		f, _ := Lookup(tt.format)
		var r recorder
		if err := f.Read(ctx, tt.path, &r, nil); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: err = %v; want context.Canceled", tt.format, err)
		}
		if len(r.order) != 0 {
			t.Errorf("%s: sink got %d calls after cancellation", tt.format, len(r.order))
		}
	}
}

// TestProgress checks the progress contract on a generated file larger
// than a few reporting steps: starts at 0, ends at total, never goes back,
// and is not called more often than every ~64 KiB.
func TestProgress(t *testing.T) {
	var b strings.Builder
	for i := range 20000 {
		fmt.Fprintf(&b, "%d,%d,%d,pv,%d\n", i/50, i%977, i%31, 1700000000+i)
	}
	path := filepath.Join(t.TempDir(), "big.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	size := int64(b.Len())
	type call struct{ done, total int64 }
	var calls []call
	f, _ := Lookup("taobao")
	if err := f.Read(context.Background(), path, &recorder{}, func(done, total int64) {
		calls = append(calls, call{done, total})
	}); err != nil {
		t.Fatal(err)
	}
	if len(calls) < 3 {
		t.Fatalf("%d progress calls for %d bytes: %v", len(calls), size, calls)
	}
	if first, last := calls[0], calls[len(calls)-1]; first != (call{0, size}) || last != (call{size, size}) {
		t.Errorf("first call %v, last %v; want {0 %d} and {%d %d}", first, last, size, size, size)
	}
	if maxCalls := size/progressStep + 2; int64(len(calls)) > maxCalls {
		t.Errorf("%d progress calls for %d bytes; want at most %d", len(calls), size, maxCalls)
	}
	for i := 1; i < len(calls); i++ {
		if calls[i].done < calls[i-1].done || calls[i].total != size {
			t.Errorf("call %d = %v after %v", i, calls[i], calls[i-1])
		}
	}
}

// TestLongLineIsSkipped checks that a line beyond the limit is skipped with
// its number and the reader goes on.
func TestLongLineIsSkipped(t *testing.T) {
	var b strings.Builder
	b.WriteString("1,2,3,pv,1700000000\n")
	b.WriteString(strings.Repeat("9", maxLineLen+10) + "\n")
	b.WriteString("1,2,3,buy,1700000001")
	path := filepath.Join(t.TempDir(), "long.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	r := read(t, "taobao", path)
	wantSkips(t, r.skips, []skipped{{"long.csv:2", "longer than"}})
	if len(r.events) != 2 || r.events[1].Type != shop.Purchase {
		t.Errorf("events = %+v; want the rows around the long line", r.events)
	}
}

func TestDecimalID(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0", 0, true}, {"17", 17, true}, {"9999999999999999999", 9999999999999999999, true},
		{"017", 0, false}, {"", 0, false}, {"+1", 0, false}, {"1a", 0, false},
		{"18446744073709551616", 0, false}, // too long for a uint64
	}
	for _, tt := range tests {
		got, ok := decimalID([]byte(tt.in))
		if got != tt.want || ok != tt.ok {
			t.Errorf("decimalID(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	s := newIDSet()
	for _, id := range []string{"17", "017", "sku-1", "17", "sku-1", "0"} {
		s.add([]byte(id))
	}
	if n := len(s.nums) + len(s.strs); n != 4 {
		t.Errorf("idSet holds %d ids; want 4 (17, 017, sku-1, 0)", n)
	}
}
