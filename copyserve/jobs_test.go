package copyserve

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopmind/shopmind/copywriting"
	"github.com/shopmind/shopmind/store"
	_ "github.com/shopmind/shopmind/store/sqlite"
)

// fakeGen counts writer calls; block, when set, is waited on by every call.
type fakeGen struct {
	calls   atomic.Int64
	clock   Clock
	mu      sync.Mutex
	at      []time.Time
	prompts map[string]int
	block   chan struct{}
}

func (g *fakeGen) Writers() []string { return []string{"template"} }

func (g *fakeGen) Generate(ctx context.Context, b copywriting.Brief, n int, writer string) (Result, error) {
	g.calls.Add(1)
	g.mu.Lock()
	if g.clock != nil {
		g.at = append(g.at, g.clock.Now())
	}
	if g.prompts == nil {
		g.prompts = map[string]int{}
	}
	g.prompts[b.Signals.Lifecycle]++
	g.mu.Unlock()
	if g.block != nil {
		select {
		case <-g.block:
		case <-ctx.Done():
			return Result{}, ctx.Err()
		}
	}
	vs := make([]copywriting.Variant, n)
	for i := range vs {
		vs[i] = copywriting.Variant{Draft: copywriting.Draft{Text: fmt.Sprintf("%s for %s #%d", b.Items[0].Title, b.Signals.Lifecycle, i), Provider: "template"}, OK: true}
	}
	return Result{Variants: vs, Writer: "template", Usage: copywriting.Usage{PromptTokens: 10, CompletionTokens: 5}}, nil
}

// fakeClock advances by the time slept.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
	return nil
}

type fixture struct {
	st      store.Store
	gen     *fakeGen
	members []string
	noMkt   map[string]bool
	signal  func(u string) string // lifecycle per user (equal ones share a prompt)
}

func newFixture(t *testing.T, n int) *fixture {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "jobs.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{st: st, gen: &fakeGen{}, noMkt: map[string]bool{}, signal: func(u string) string { return "life-" + u }}
	for i := range n {
		f.members = append(f.members, fmt.Sprintf("u%03d", i))
	}
	return f
}

func (f *fixture) jobs(cfg JobsConfig) *Jobs {
	members := func(ctx context.Context, seg string) ([]string, error) {
		if seg != "seg" {
			return nil, errors.New("no such segment")
		}
		return f.members, nil
	}
	user := func(ctx context.Context, u string) (UserInfo, error) {
		return UserInfo{Marketing: !f.noMkt[u], LLM: true, Signals: copywriting.Signals{Lifecycle: f.signal(u)}}, nil
	}
	if cfg.ProgressEvery == 0 {
		cfg.ProgressEvery = 7
	}
	return NewJobs(f.gen, f.st, members, user, cfg, nil)
}

func testBrief() copywriting.Brief {
	return copywriting.Brief{Goal: copywriting.Conversion, Channel: copywriting.Push, Language: copywriting.English,
		Items: []copywriting.Item{{ID: "tea", Title: "Oolong tea", Price: 99, Currency: "CNY"}}}
}

// results lists every stored result object of a job by user.
func (f *fixture) results(t *testing.T, job string) map[string]JobResult {
	t.Helper()
	out := map[string]JobResult{}
	j := f.jobs(JobsConfig{})
	cursor := ""
	for {
		page, next, err := j.Results(context.Background(), job, cursor, 37)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page {
			if _, dup := out[r.User]; dup {
				t.Fatalf("user %s listed twice", r.User)
			}
			out[r.User] = r
		}
		if next == "" {
			return out
		}
		cursor = next
	}
}

func TestJobResumesWithoutDuplicates(t *testing.T) {
	f := newFixture(t, 120)
	ctx := context.Background()
	j := f.jobs(JobsConfig{Concurrency: 3})
	job, err := j.Create(ctx, JobSpec{Segment: "seg", Brief: testBrief(), Variants: 2})
	if err != nil {
		t.Fatal(err)
	}
	// First run: stop (as a process would die) after about 50 writer calls.
	f.gen.block = make(chan struct{})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { j.RunJob(runCtx, job.ID, nil); close(done) }()
	for f.gen.calls.Load() < 50 {
		f.gen.block <- struct{}{}
	}
	stop()
	<-done
	first := f.gen.calls.Load()
	partial := len(f.results(t, job.ID))
	if partial == 0 || partial >= 120 {
		t.Fatalf("partial run wrote %d results", partial)
	}
	got, _ := j.Get(ctx, job.ID)
	if got.Status != JobRunning {
		t.Fatalf("after the interrupted run the job is %s, want running (to be resumed)", got.Status)
	}

	// A new runner (a restarted process) resumes it through Run.
	f.gen.block = nil
	j2 := f.jobs(JobsConfig{Concurrency: 3})
	rctx, rstop := context.WithCancel(ctx)
	defer rstop()
	go j2.Run(rctx)
	waitStatus(t, j2, job.ID, JobDone)
	got, _ = j2.Get(ctx, job.ID)
	res := f.results(t, job.ID)
	if len(res) != 120 || got.Total != 120 || got.Done+got.Skipped != got.Total || got.Done != 120 {
		t.Fatalf("results %d, job %+v", len(res), got)
	}
	// Calls interrupted by the stop wrote nothing, so at most first plus the
	// remaining members were called, and every member once at least.
	second := f.gen.calls.Load() - first
	if int(second) > 120-partial || int(second) < 120-partial-3 {
		t.Errorf("resume called the writer %d times for %d remaining members", second, 120-partial)
	}
	for u, c := range f.gen.prompts {
		if c > 2 { // once, plus once more if the first call was cut off
			t.Errorf("prompt %s written %d times", u, c)
		}
	}
	objs, _, err := f.st.ListObjects(ctx, ResultKind, "", store.MaxLimit)
	if err != nil || len(objs) != 120 {
		t.Fatalf("%d result objects, %v", len(objs), err)
	}
}

func waitStatus(t *testing.T, j *Jobs, id, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		got, err := j.Get(context.Background(), id)
		if err == nil && got.Status == want {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	got, _ := j.Get(context.Background(), id)
	t.Fatalf("job %s is %s, want %s", id, got.Status, want)
}

func TestJobCacheAnswersIdenticalPrompts(t *testing.T) {
	f := newFixture(t, 60)
	f.signal = func(u string) string { return []string{"new", "active", "lapsed"}[int(u[3]-'0')%3] }
	ctx := context.Background()
	j := f.jobs(JobsConfig{Concurrency: 4})
	job, _ := j.Create(ctx, JobSpec{Segment: "seg", Brief: testBrief(), Variants: 1})
	got, err := j.RunJob(ctx, job.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c := f.gen.calls.Load(); c != 3 {
		t.Errorf("writer called %d times for 3 distinct prompts", c)
	}
	if got.Done != 60 || got.CacheHits != 57 || got.Usage.PromptTokens != 30 {
		t.Errorf("job %+v", got)
	}
	// The cache is in the store: a second job (another process) calls nothing.
	j2 := f.jobs(JobsConfig{})
	job2, _ := j2.Create(ctx, JobSpec{Segment: "seg", Brief: testBrief(), Variants: 1})
	if got, err := j2.RunJob(ctx, job2.ID, nil); err != nil || got.CacheHits != 60 {
		t.Fatalf("second job %+v, %v", got, err)
	}
	if c := f.gen.calls.Load(); c != 3 {
		t.Errorf("writer called %d times in all", c)
	}
	// Another variant count is another prompt.
	job3, _ := j2.Create(ctx, JobSpec{Segment: "seg", Brief: testBrief(), Variants: 2})
	j2.RunJob(ctx, job3.ID, nil)
	if c := f.gen.calls.Load(); c != 6 {
		t.Errorf("writer called %d times in all, want 6", c)
	}
}

func TestJobSkipsWithoutConsent(t *testing.T) {
	f := newFixture(t, 30)
	for i, u := range f.members {
		if i%3 == 0 {
			f.noMkt[u] = true
		}
	}
	ctx := context.Background()
	j := f.jobs(JobsConfig{})
	job, _ := j.Create(ctx, JobSpec{Segment: "seg", Brief: testBrief()})
	got, err := j.RunJob(ctx, job.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Skipped != 10 || got.Done != 20 || got.Total != 30 || f.gen.calls.Load() != 20 {
		t.Fatalf("job %+v, %d calls", got, f.gen.calls.Load())
	}
	for u, r := range f.results(t, job.ID) {
		if f.noMkt[u] != (r.Status == ResultSkipped) || (r.Status == ResultSkipped && len(r.Variants) > 0) {
			t.Errorf("%s: %+v", u, r)
		}
	}
}

func TestJobRateLimit(t *testing.T) {
	f := newFixture(t, 200)
	clock := &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	f.gen.clock = clock
	ctx := context.Background()
	const rpm = 60
	j := f.jobs(JobsConfig{Concurrency: 1, RequestsPerMinute: rpm, Clock: clock})
	job, _ := j.Create(ctx, JobSpec{Segment: "seg", Brief: testBrief(), Variants: 1})
	if _, err := j.RunJob(ctx, job.ID, nil); err != nil {
		t.Fatal(err)
	}
	at := append([]time.Time(nil), f.gen.at...)
	sort.Slice(at, func(a, b int) bool { return at[a].Before(at[b]) })
	if len(at) != 200 {
		t.Fatalf("%d calls", len(at))
	}
	burst := 1
	for i := range at {
		n := sort.Search(len(at), func(k int) bool { return !at[k].Before(at[i].Add(time.Minute)) }) - i
		if n > rpm+burst {
			t.Fatalf("%d calls in the minute from %s, limit %d", n, at[i].Format(time.TimeOnly), rpm)
		}
	}
	if el := at[len(at)-1].Sub(at[0]); el < 198*time.Second {
		t.Errorf("200 calls at %d a minute took %s", rpm, el)
	}

	// Tokens: each call costs 15; 150 a minute allows about 10 calls.
	f2 := newFixture(t, 40)
	clock2 := &fakeClock{t: clock.t}
	f2.gen.clock = clock2
	j2 := f2.jobs(JobsConfig{Concurrency: 1, TokensPerMinute: 150, Clock: clock2})
	job2, _ := j2.Create(ctx, JobSpec{Segment: "seg", Brief: testBrief(), Variants: 1})
	if _, err := j2.RunJob(ctx, job2.ID, nil); err != nil {
		t.Fatal(err)
	}
	if el := f2.gen.at[len(f2.gen.at)-1].Sub(f2.gen.at[0]); el < 3*time.Minute {
		t.Errorf("40 calls of 15 tokens at 150 tokens a minute took %s", el)
	}
}

func TestJobCancel(t *testing.T) {
	f := newFixture(t, 50)
	f.gen.block = make(chan struct{})
	ctx := context.Background()
	j := f.jobs(JobsConfig{Concurrency: 2})
	rctx, rstop := context.WithCancel(ctx)
	defer rstop()
	go j.Run(rctx)
	job, _ := j.Create(ctx, JobSpec{Segment: "seg", Brief: testBrief(), Variants: 1})
	for range 10 {
		f.gen.block <- struct{}{}
	}
	if _, err := j.Cancel(ctx, job.ID); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, j, job.ID, JobCancelled)
	calls := f.gen.calls.Load()
	time.Sleep(50 * time.Millisecond)
	if f.gen.calls.Load() != calls || calls > 13 {
		t.Errorf("%d calls after cancelling at 10", f.gen.calls.Load())
	}
	if _, err := j.Cancel(ctx, job.ID); !errors.Is(err, ErrJobFinished) {
		t.Errorf("cancelling twice: %v", err)
	}
	// A queued job cancelled before it runs never runs.
	f.gen.block = nil
	rstop()
	j2 := f.jobs(JobsConfig{})
	job2, _ := j2.Create(ctx, JobSpec{Segment: "seg", Brief: testBrief(), Variants: 1})
	if got, err := j2.Cancel(ctx, job2.ID); err != nil || got.Status != JobCancelled {
		t.Fatalf("%+v %v", got, err)
	}
	before := f.gen.calls.Load()
	r2, s2 := context.WithCancel(ctx)
	go j2.Run(r2)
	time.Sleep(50 * time.Millisecond)
	s2()
	if f.gen.calls.Load() != before {
		t.Errorf("a cancelled queued job ran")
	}
	if _, err := j2.Get(ctx, "nope"); !errors.Is(err, ErrJobNotFound) {
		t.Errorf("unknown job: %v", err)
	}
}

// A job created through one node is run by the runner on another, and a
// cancellation made through the first stops it there.
func TestJobAcrossNodes(t *testing.T) {
	f := newFixture(t, 60)
	f.gen.block = make(chan struct{})
	ctx := context.Background()
	api := f.jobs(JobsConfig{})                                                                         // creates and cancels, runs nothing
	runner := f.jobs(JobsConfig{Concurrency: 1, PollInterval: 10 * time.Millisecond, ProgressEvery: 1}) // the elected runner
	rctx, rstop := context.WithCancel(ctx)
	defer rstop()
	go runner.Run(rctx)
	job, err := api.Create(ctx, JobSpec{Segment: "seg", Brief: testBrief(), Variants: 1})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 { // the runner found it in the store and is generating
		f.gen.block <- struct{}{}
	}
	waitStatus(t, api, job.ID, JobRunning)
	if got, err := api.Cancel(ctx, job.ID); err != nil || got.Status != JobCancelled {
		t.Fatalf("cancel through the other node: %+v %v", got, err)
	}
	go func() { // let the runner reach its next progress save
		for {
			select {
			case f.gen.block <- struct{}{}:
			case <-rctx.Done():
				return
			}
		}
	}()
	waitStatus(t, runner, job.ID, JobCancelled)
	got, _ := api.Get(ctx, job.ID)
	if got.Status != JobCancelled || got.Done >= 60 {
		t.Errorf("job after a cancellation through another node: %+v", got)
	}
	time.Sleep(50 * time.Millisecond)
	if got, _ := api.Get(ctx, job.ID); got.Status != JobCancelled {
		t.Errorf("the runner overwrote the cancellation: %s", got.Status)
	}
}
