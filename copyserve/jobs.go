package copyserve

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/shopmind/shopmind/copywriting"
	"github.com/shopmind/shopmind/store"
)

// Store object kinds of copy jobs. A job is one object; its member list is
// snapshotted in chunks when it starts (so a restart works on the same
// users even if the segment changed); every member gets exactly one result
// object, keyed jobID+"/"+userID, which is what a resumed run skips.
const (
	JobKind     = "copy-job"
	ResultKind  = "copy-result"
	MembersKind = "copy-job-members"
	CacheKind   = "copy-cache"
	// CancelKind marks a job cancelled through a node that does not run it:
	// the runner checks for the mark at every progress save (a status
	// written by the canceller alone could be overwritten by the runner's
	// next save).
	CancelKind = "copy-job-cancel"
)

// Job statuses.
const (
	JobQueued    = "queued"
	JobRunning   = "running"
	JobDone      = "done"
	JobFailed    = "failed"
	JobCancelled = "cancelled"
)

// Result statuses.
const (
	ResultOK      = "ok"      // at least one variant passed every check
	ResultFailed  = "failed"  // no usable copy, or the writer failed
	ResultSkipped = "skipped" // the user has not agreed to marketing messages
)

// membersChunk is how many member ids one snapshot object holds.
const membersChunk = 1000

// consecutiveFailures aborts a job whose writer keeps failing (a provider
// down), so a later resume retries the rest instead of marking everyone
// failed.
const consecutiveFailures = 20

// ErrJobNotFound means no job has that id.
var ErrJobNotFound = errors.New("copy job not found")

// ErrJobFinished means the job can no longer be cancelled or resumed.
var ErrJobFinished = errors.New("copy job already finished")

// Job is copy for every member of a segment from one brief. Done counts
// members with a final result (written, or failed: Failed is part of Done);
// Skipped counts members without marketing consent. A finished job has
// Done+Skipped == Total.
type Job struct {
	ID        string            `json:"id"`
	Segment   string            `json:"segment"`
	Brief     copywriting.Brief `json:"brief"`
	Variants  int               `json:"variants"`
	Writer    string            `json:"writer,omitempty"`
	Status    string            `json:"status"`
	Total     int               `json:"total"`
	Done      int               `json:"done"`
	Failed    int               `json:"failed"`
	Skipped   int               `json:"skipped"`
	CacheHits int               `json:"cache_hits"`
	Usage     copywriting.Usage `json:"usage"`
	Chunks    int               `json:"chunks,omitempty"` // member snapshot objects; 0 before the snapshot
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
	Error     string            `json:"error,omitempty"`
}

// Finished reports whether the job will not run again by itself.
func (j Job) Finished() bool {
	return j.Status == JobDone || j.Status == JobFailed || j.Status == JobCancelled
}

// JobResult is one member's copy.
type JobResult struct {
	Job      string                `json:"job"`
	User     string                `json:"user"`
	Status   string                `json:"status"`
	Variants []copywriting.Variant `json:"variants,omitempty"`
	Writer   string                `json:"writer,omitempty"`
	Usage    copywriting.Usage     `json:"usage"`
	Cached   bool                  `json:"cached,omitempty"`
	Error    string                `json:"error,omitempty"`
	At       time.Time             `json:"at"`
}

// Generator writes copy; *Service is one.
type Generator interface {
	Generate(ctx context.Context, b copywriting.Brief, n int, writer string) (Result, error)
	// Writers lists the writer names; the first is the default.
	Writers() []string
}

// MembersFunc lists the user ids of a saved segment.
type MembersFunc func(ctx context.Context, segment string) ([]string, error)

// UserFunc tells what copy may know about a user and what they agreed to.
// An unknown user has the zero UserInfo (no consent).
type UserFunc func(ctx context.Context, user string) (UserInfo, error)

// UserInfo is a user's profile signals (no personal data) and consent.
type UserInfo struct {
	Signals   copywriting.Signals
	Marketing bool // agreed to marketing messages; without it no copy is written
	LLM       bool // agreed to LLM processing; without it the template writer answers
}

// Clock is the time source of the rate limiter (tests use a fake one).
type Clock interface {
	Now() time.Time
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }
func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// JobsConfig tunes the job runner; zero values are defaults.
type JobsConfig struct {
	Concurrency       int           // users generated at once (default 4)
	RequestsPerMinute int           // writer calls a minute (0: unlimited)
	TokensPerMinute   int           // prompt+completion tokens a minute (0: unlimited)
	ProgressEvery     int           // save progress after this many users (default 100) ...
	ProgressInterval  time.Duration // ... or this often (default 1s)
	// PollInterval is how often Run looks in the store for jobs created
	// through other nodes, and a running job for a cancellation made
	// through another node (default 2 s).
	PollInterval time.Duration
	Clock        Clock // nil: the real clock
}

// Jobs runs copy jobs from the store. Run picks up the jobs left queued or
// running and those created since, through any node; Create stores a queued
// job. One job runs at a time (they share the rate limits), its members
// with bounded concurrency. One process runs the jobs of a store: in a
// cluster, the one elected by package leader.
type Jobs struct {
	gen     Generator
	st      store.Store
	members MembersFunc
	user    UserFunc
	cfg     JobsConfig
	log     *slog.Logger
	rpm     *bucket
	tpm     *bucket

	mu      sync.Mutex
	wake    chan struct{}
	cancels map[string]context.CancelFunc // the running jobs
	flights map[string]*flight            // cache fills in progress
}

// NewJobs builds the runner.
func NewJobs(gen Generator, st store.Store, members MembersFunc, user UserFunc, cfg JobsConfig, log *slog.Logger) *Jobs {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	if cfg.ProgressEvery <= 0 {
		cfg.ProgressEvery = 100
	}
	if cfg.ProgressInterval <= 0 {
		cfg.ProgressInterval = time.Second
	}
	if cfg.Clock == nil {
		cfg.Clock = realClock{}
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 2 * time.Second
	}
	if log == nil {
		log = slog.Default()
	}
	return &Jobs{
		gen: gen, st: st, members: members, user: user, cfg: cfg, log: log,
		rpm:     newBucket(cfg.RequestsPerMinute, cfg.Clock),
		tpm:     newBucket(cfg.TokensPerMinute, cfg.Clock),
		wake:    make(chan struct{}, 1),
		cancels: map[string]context.CancelFunc{},
		flights: map[string]*flight{},
	}
}

// JobSpec is what a new job asks for. The brief's items are already filled;
// its signals are filled per member.
type JobSpec struct {
	Segment  string
	Brief    copywriting.Brief
	Variants int
	Writer   string
}

// Create validates spec, stores a queued job and wakes Run.
func (j *Jobs) Create(ctx context.Context, spec JobSpec) (Job, error) {
	if spec.Segment == "" {
		return Job{}, fmt.Errorf("%w: segment is required", ErrInvalid)
	}
	if spec.Variants == 0 {
		spec.Variants = 3
	}
	// Validate brief, variants and writer once up front, without writing.
	if err := checkBrief(spec.Brief); err != nil {
		return Job{}, err
	}
	if spec.Variants < 1 || spec.Variants > 10 {
		return Job{}, fmt.Errorf("%w: variants must be from 1 to 10", ErrInvalid)
	}
	if spec.Writer != "" {
		known := false
		for _, w := range j.gen.Writers() {
			known = known || w == spec.Writer
		}
		if !known {
			return Job{}, fmt.Errorf("%w: writer %q is not configured (have %v)", ErrInvalid, spec.Writer, j.gen.Writers())
		}
	}
	now := time.Now().UTC()
	job := Job{ID: newJobID(), Segment: spec.Segment, Brief: spec.Brief, Variants: spec.Variants, Writer: spec.Writer,
		Status: JobQueued, CreatedAt: now, UpdatedAt: now}
	if err := j.put(ctx, &job); err != nil {
		return Job{}, err
	}
	j.wakeRunner()
	return job, nil
}

func newJobID() string {
	var b [8]byte
	rand.Read(b[:])
	return "cj-" + hex.EncodeToString(b[:])
}

// Get returns a job with its progress as last saved.
func (j *Jobs) Get(ctx context.Context, id string) (Job, error) {
	if err := store.CheckObjectName("id", id); err != nil {
		return Job{}, fmt.Errorf("job %q: %w", id, ErrJobNotFound)
	}
	o, err := j.st.GetObject(ctx, JobKind, id)
	if errors.Is(err, store.ErrNotFound) {
		return Job{}, fmt.Errorf("job %q: %w", id, ErrJobNotFound)
	}
	if err != nil {
		return Job{}, err
	}
	var job Job
	if err := json.Unmarshal(o.Data, &job); err != nil {
		return Job{}, fmt.Errorf("job %q: %w", id, err)
	}
	return job, nil
}

func (j *Jobs) put(ctx context.Context, job *Job) error {
	job.UpdatedAt = time.Now().UTC()
	raw, err := json.Marshal(job)
	if err != nil {
		return err
	}
	_, err = j.st.PutObject(ctx, JobKind, job.ID, raw)
	return err
}

// Cancel stops a queued or running job; its results so far stay.
func (j *Jobs) Cancel(ctx context.Context, id string) (Job, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	job, err := j.Get(ctx, id)
	if err != nil {
		return Job{}, err
	}
	if cancel, ok := j.cancels[id]; ok {
		cancel() // the runner saves the cancelled state as it stops
		job.Status = JobCancelled
		return job, nil
	}
	if job.Finished() {
		return job, fmt.Errorf("job %s is %s: %w", id, job.Status, ErrJobFinished)
	}
	if _, err := j.st.PutObject(ctx, CancelKind, id, []byte("{}")); err != nil {
		return job, err
	}
	job.Status = JobCancelled
	return job, j.put(ctx, &job)
}

// cancelledElsewhere reports whether a node cancelled the job (CancelKind).
func (j *Jobs) cancelledElsewhere(ctx context.Context, id string) bool {
	_, err := j.st.GetObject(ctx, CancelKind, id)
	return err == nil
}

// Results pages through the results of a job in member order. The cursor is
// the position in the member list; members not processed yet are left out.
func (j *Jobs) Results(ctx context.Context, id, cursor string, limit int) ([]JobResult, string, error) {
	job, err := j.Get(ctx, id)
	if err != nil {
		return nil, "", err
	}
	limit = min(store.PageLimit(limit), 500)
	pos := 0
	if cursor != "" {
		if pos, err = strconv.Atoi(cursor); err != nil || pos < 0 {
			return nil, "", fmt.Errorf("%w: use the next_cursor of the previous page", store.ErrInvalidCursor)
		}
	}
	out := []JobResult{}
	for pos < job.Total && len(out) < limit {
		chunk, err := j.chunk(ctx, job.ID, pos/membersChunk)
		if err != nil {
			return nil, "", err
		}
		for _, u := range chunk[pos%membersChunk:] {
			pos++
			r, ok, err := j.result(ctx, job.ID, u)
			if err != nil {
				return nil, "", err
			}
			if ok {
				out = append(out, r)
				if len(out) == limit {
					break
				}
			}
		}
	}
	next := ""
	if pos < job.Total {
		next = strconv.Itoa(pos)
	}
	return out, next, nil
}

func (j *Jobs) chunk(ctx context.Context, id string, i int) ([]string, error) {
	o, err := j.st.GetObject(ctx, MembersKind, fmt.Sprintf("%s/%06d", id, i))
	if err != nil {
		return nil, fmt.Errorf("job %s members %d: %w", id, i, err)
	}
	var ids []string
	return ids, json.Unmarshal(o.Data, &ids)
}

func (j *Jobs) result(ctx context.Context, job, user string) (JobResult, bool, error) {
	o, err := j.st.GetObject(ctx, ResultKind, job+"/"+user)
	if errors.Is(err, store.ErrNotFound) {
		return JobResult{}, false, nil
	}
	if err != nil {
		return JobResult{}, false, err
	}
	var r JobResult
	return r, true, json.Unmarshal(o.Data, &r)
}

// errCancelled stops a run whose job was cancelled through another node.
var errCancelled = errors.New("the job was cancelled")

func (j *Jobs) wakeRunner() {
	select {
	case j.wake <- struct{}{}:
	default:
	}
}

// Run runs the store's unfinished jobs (queued, or running when a process
// stopped), oldest first, one at a time, until ctx ends: those a previous
// process left, those created through this node (Create wakes it) and those
// created through other nodes (found by looking at the store every
// PollInterval). A cluster runs it on one elected process (package leader),
// so a job has one runner; the API nodes only create, read and cancel.
func (j *Jobs) Run(ctx context.Context) error {
	t := time.NewTicker(j.cfg.PollInterval)
	defer t.Stop()
	for {
		id, err := j.nextUnfinished(ctx)
		if err != nil && ctx.Err() == nil {
			j.log.Warn("copy jobs: looking for work", "err", err)
		}
		if id != "" {
			if _, err := j.runJob(ctx, id, nil, false); err != nil && ctx.Err() == nil {
				j.log.Error("copy job", "job", id, "err", err)
			}
			if ctx.Err() != nil {
				return nil
			}
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-j.wake:
		case <-t.C:
		}
	}
}

// nextUnfinished returns the oldest queued or running job, "" when none.
func (j *Jobs) nextUnfinished(ctx context.Context) (string, error) {
	var best Job
	cursor := ""
	for {
		objs, next, err := j.st.ListObjects(ctx, JobKind, cursor, store.MaxLimit)
		if err != nil {
			return "", fmt.Errorf("copy jobs: listing: %w", err)
		}
		for _, o := range objs {
			var job Job
			if json.Unmarshal(o.Data, &job) != nil || job.Finished() {
				continue
			}
			if best.ID == "" || job.CreatedAt.Before(best.CreatedAt) {
				best = job
			}
		}
		if next == "" {
			return best.ID, nil
		}
		cursor = next
	}
}

// RunJob runs (or resumes) one job to its end in this goroutine, calling
// progress (if not nil) as members are handled: what the CLI does. A
// queued, running, failed or cancelled job is (re)started; a done one is
// returned as is. When ctx ends the job stays running in the store, for the
// next process to resume.
func (j *Jobs) RunJob(ctx context.Context, id string, progress func(Job)) (Job, error) {
	return j.runJob(ctx, id, progress, true)
}

// runJob runs a job; unless restart, a failed or cancelled one is left as
// it is (Run only picks up unfinished jobs: one cancelled while queued stays
// cancelled).
func (j *Jobs) runJob(ctx context.Context, id string, progress func(Job), restart bool) (Job, error) {
	j.mu.Lock()
	job, err := j.Get(ctx, id)
	if err != nil {
		j.mu.Unlock()
		return Job{}, err
	}
	if _, busy := j.cancels[id]; busy || job.Status == JobDone {
		j.mu.Unlock()
		return job, nil
	}
	if !restart && job.Finished() {
		j.mu.Unlock()
		return job, nil
	}
	jctx, cancel := context.WithCancel(ctx)
	defer cancel()
	job.Status, job.Error = JobRunning, ""
	if err := j.put(ctx, &job); err != nil {
		j.mu.Unlock()
		return job, err
	}
	j.cancels[id] = cancel
	j.mu.Unlock()

	runErr := j.run(jctx, &job, progress)

	j.mu.Lock()
	defer j.mu.Unlock()
	delete(j.cancels, id)
	switch {
	case runErr == nil:
		job.Status = JobDone
	case ctx.Err() != nil:
		// Shutting down: leave it running for the next start.
		return job, nil
	case jctx.Err() != nil || errors.Is(runErr, errCancelled):
		job.Status = JobCancelled
	default:
		job.Status, job.Error = JobFailed, runErr.Error()
	}
	if err := j.put(context.WithoutCancel(ctx), &job); err != nil {
		return job, err
	}
	if progress != nil {
		progress(job)
	}
	j.log.Info("copy job ended", "job", id, "status", job.Status, "total", job.Total, "done", job.Done, "skipped", job.Skipped, "failed", job.Failed)
	if job.Status == JobFailed {
		return job, runErr
	}
	return job, nil
}

// snapshot stores the member list in chunks, once per job.
func (j *Jobs) snapshot(ctx context.Context, job *Job) error {
	ids, err := j.members(ctx, job.Segment)
	if err != nil {
		return fmt.Errorf("members of segment %s: %w", job.Segment, err)
	}
	chunks := 0
	for i := 0; i < len(ids); i += membersChunk {
		raw, _ := json.Marshal(ids[i:min(i+membersChunk, len(ids))])
		if _, err := j.st.PutObject(ctx, MembersKind, fmt.Sprintf("%s/%06d", job.ID, chunks), raw); err != nil {
			return err
		}
		chunks++
	}
	job.Total, job.Chunks = len(ids), chunks
	if chunks == 0 {
		job.Chunks = -1 // an empty segment: snapshotted, nothing to do
	}
	return j.put(ctx, job)
}

// run works through the members; counters are recounted from the stored
// results, so a resumed job ends with exact figures.
func (j *Jobs) run(ctx context.Context, job *Job, progress func(Job)) error {
	if job.Chunks == 0 {
		if err := j.snapshot(ctx, job); err != nil {
			return err
		}
	}
	job.Done, job.Failed, job.Skipped, job.CacheHits, job.Usage = 0, 0, 0, 0, copywriting.Usage{}

	var (
		mu        sync.Mutex // guards job's counters and saves
		handled   int
		lastSave  = time.Now()
		consec    int
		firstErr  error
		users     = make(chan string)
		wg        sync.WaitGroup
		wctx, stp = context.WithCancel(ctx)
	)
	defer stp()
	save := func(force bool) {
		// called with mu held
		if !force && handled%j.cfg.ProgressEvery != 0 && time.Since(lastSave) < j.cfg.ProgressInterval {
			return
		}
		lastSave = time.Now()
		// A cancellation made through another node is in the store only.
		if j.cancelledElsewhere(context.WithoutCancel(ctx), job.ID) {
			if firstErr == nil {
				firstErr = errCancelled
			}
			stp()
			return
		}
		if err := j.put(context.WithoutCancel(ctx), job); err != nil {
			j.log.Warn("copy job: saving progress", "job", job.ID, "err", err)
		}
	}
	count := func(r JobResult, fresh bool) {
		mu.Lock()
		defer mu.Unlock()
		switch r.Status {
		case ResultSkipped:
			job.Skipped++
		case ResultFailed:
			job.Done++
			job.Failed++
		default:
			job.Done++
		}
		if r.Cached {
			job.CacheHits++
		}
		job.Usage.PromptTokens += r.Usage.PromptTokens
		job.Usage.CompletionTokens += r.Usage.CompletionTokens
		if fresh {
			if r.Status == ResultFailed && r.Error != "" && !r.Cached {
				consec++
				if consec >= consecutiveFailures && firstErr == nil {
					firstErr = fmt.Errorf("the writer failed for %d members in a row (last: %s); resume the job when it works again", consec, r.Error)
					stp()
				}
			} else if r.Status != ResultSkipped {
				consec = 0
			}
		}
		handled++
		save(false)
		if progress != nil {
			progress(*job)
		}
	}
	for range j.cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range users {
				r, fresh, err := j.handle(wctx, job, u)
				if err != nil {
					if wctx.Err() == nil {
						mu.Lock()
						if firstErr == nil {
							firstErr = err
						}
						mu.Unlock()
						stp()
					}
					continue
				}
				count(r, fresh)
			}
		}()
	}
feed:
	for c := 0; c < max(job.Chunks, 0); c++ {
		ids, err := j.chunk(wctx, job.ID, c)
		if err != nil {
			mu.Lock()
			if firstErr == nil && wctx.Err() == nil {
				firstErr = err
			}
			mu.Unlock()
			break
		}
		for _, u := range ids {
			select {
			case users <- u:
			case <-wctx.Done():
				break feed
			}
		}
	}
	close(users)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if firstErr != nil {
		return firstErr
	}
	if err := ctx.Err(); err != nil {
		save(true)
		return err
	}
	return nil
}

// handle gives one member their result: the stored one if any (fresh is
// false), else a new one, stored before it is counted.
func (j *Jobs) handle(ctx context.Context, job *Job, user string) (JobResult, bool, error) {
	if user == "" {
		// A member erased after the snapshot (EraseUser): nothing is
		// written for them.
		return JobResult{Job: job.ID, Status: ResultSkipped, Error: "the user was deleted"}, true, nil
	}
	if r, ok, err := j.result(ctx, job.ID, user); err != nil || ok {
		return r, false, err
	}
	info, err := j.user(ctx, user)
	if err != nil {
		return JobResult{}, false, fmt.Errorf("user %s: %w", user, err)
	}
	r := JobResult{Job: job.ID, User: user}
	if !info.Marketing {
		r.Status = ResultSkipped
		r.Error = "no consent to marketing messages"
	} else {
		b := job.Brief
		b.Signals = info.Signals
		writer := job.Writer
		// Without consent to LLM processing no model sees anything drawn
		// from this user: the template writer answers.
		if !info.LLM && writer != "template" && (writer != "" || j.gen.Writers()[0] != "template") {
			writer = "template"
		}
		res, cached, err := j.generate(ctx, b, job.Variants, writer)
		if ctx.Err() != nil {
			return JobResult{}, false, ctx.Err()
		}
		if errors.Is(err, ErrInvalid) {
			return JobResult{}, false, err
		}
		r.Variants, r.Writer, r.Usage, r.Cached = res.Variants, res.Writer, res.Usage, cached
		r.Status = ResultOK
		if err != nil {
			r.Status, r.Error = ResultFailed, err.Error()
			if errors.Is(err, copywriting.ErrNoUsableCopy) {
				r.Error = "" // the variants carry their reasons
			}
		}
	}
	r.At = time.Now().UTC()
	raw, err := json.Marshal(r)
	if err != nil {
		return JobResult{}, false, err
	}
	if _, err := j.st.PutObject(ctx, ResultKind, job.ID+"/"+user, raw); err != nil {
		return JobResult{}, false, err
	}
	return r, true, nil
}

// flight is a cache fill in progress, which identical prompts wait for.
type flight struct {
	done chan struct{}
	res  Result
	err  error
}

// cacheKey hashes the canonical JSON of what the writer would see.
func cacheKey(b copywriting.Brief, n int, writer string) string {
	raw, _ := json.Marshal(struct {
		Brief    copywriting.Brief `json:"brief"`
		Variants int               `json:"variants"`
		Writer   string            `json:"writer"`
	}{b, n, writer})
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// generate answers from the cache, else calls the writer within the rate
// limits and caches what it wrote. cached is true for a cache answer.
func (j *Jobs) generate(ctx context.Context, b copywriting.Brief, n int, writer string) (Result, bool, error) {
	key := cacheKey(b, n, writer)
	for {
		if o, err := j.st.GetObject(ctx, CacheKind, key); err == nil {
			var res Result
			if json.Unmarshal(o.Data, &res) == nil {
				res.Usage, res.Seconds = copywriting.Usage{}, 0 // nothing spent now
				return res, true, nil
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return Result{}, false, err
		}
		j.mu.Lock()
		f, waiting := j.flights[key]
		if !waiting {
			f = &flight{done: make(chan struct{})}
			j.flights[key] = f
		}
		j.mu.Unlock()
		if !waiting {
			break
		}
		select {
		case <-f.done:
		case <-ctx.Done():
			return Result{}, false, ctx.Err()
		}
		if f.err != nil {
			// The writer failed for the other caller; answer the same.
			return f.res, false, f.err
		}
		// Filled: read it from the store (loop).
	}
	var res Result
	var err error
	defer func() {
		j.mu.Lock()
		f := j.flights[key]
		delete(j.flights, key)
		j.mu.Unlock()
		f.res, f.err = res, err
		close(f.done)
	}()
	// Another caller may have filled the cache between our miss and taking
	// the flight (it stores before it lets go of its flight): look again.
	if o, gerr := j.st.GetObject(ctx, CacheKind, key); gerr == nil {
		var cached Result
		if json.Unmarshal(o.Data, &cached) == nil {
			cached.Usage, cached.Seconds = copywriting.Usage{}, 0
			res = cached
			return res, true, nil
		}
	}
	if err = j.rpm.take(ctx, 1); err != nil {
		return res, false, err
	}
	if err = j.tpm.waitPositive(ctx); err != nil {
		return res, false, err
	}
	res, err = j.gen.Generate(ctx, b, n, writer)
	j.tpm.charge(float64(res.Usage.PromptTokens + res.Usage.CompletionTokens))
	if err == nil {
		raw, merr := json.Marshal(res)
		if merr == nil {
			if _, perr := j.st.PutObject(ctx, CacheKind, key, raw); perr != nil {
				j.log.Warn("copy job: caching", "err", perr)
			}
		}
	}
	return res, false, err
}

// bucket is a token bucket refilled at perMinute/60 a second, holding at
// most a second's worth (at least 1), so no minute sees more than perMinute
// plus that burst. A nil bucket is unlimited.
type bucket struct {
	mu     sync.Mutex
	clock  Clock
	rate   float64 // per second
	cap    float64
	tokens float64
	last   time.Time
}

func newBucket(perMinute int, clock Clock) *bucket {
	if perMinute <= 0 {
		return nil
	}
	rate := float64(perMinute) / 60
	c := math.Max(1, math.Ceil(rate))
	return &bucket{clock: clock, rate: rate, cap: c, tokens: c, last: clock.Now()}
}

// refill must be called with mu held.
func (b *bucket) refill() {
	now := b.clock.Now()
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = math.Min(b.cap, b.tokens+el*b.rate)
	}
	b.last = now
}

// take waits until n tokens are there and takes them.
func (b *bucket) take(ctx context.Context, n float64) error {
	if b == nil {
		return nil
	}
	for {
		b.mu.Lock()
		b.refill()
		if b.tokens >= n {
			b.tokens -= n
			b.mu.Unlock()
			return nil
		}
		wait := time.Duration((n - b.tokens) / b.rate * float64(time.Second))
		b.mu.Unlock()
		if err := b.clock.Sleep(ctx, max(wait, time.Millisecond)); err != nil {
			return err
		}
	}
}

// waitPositive waits until the bucket is out of debt: token costs are known
// only after a call, so calls start while there is credit and charge after.
func (b *bucket) waitPositive(ctx context.Context) error {
	if b == nil {
		return nil
	}
	for {
		b.mu.Lock()
		b.refill()
		if b.tokens > 0 {
			b.mu.Unlock()
			return nil
		}
		wait := time.Duration((-b.tokens + 1) / b.rate * float64(time.Second))
		b.mu.Unlock()
		if err := b.clock.Sleep(ctx, max(wait, time.Millisecond)); err != nil {
			return err
		}
	}
}

func (b *bucket) charge(n float64) {
	if b == nil || n <= 0 {
		return
	}
	b.mu.Lock()
	b.refill()
	b.tokens -= n
	b.mu.Unlock()
}

// EraseUser removes what copy jobs hold of a deleted user: their results,
// and their id from every job's member list (replaced by an empty entry, so
// that positions, and with them resumption, stay as they were). It returns
// how many stored objects it removed or rewrote.
func (j *Jobs) EraseUser(ctx context.Context, user string) (int64, error) {
	var n int64
	cursor := ""
	for {
		objs, next, err := j.st.ListObjects(ctx, JobKind, cursor, store.MaxLimit)
		if err != nil {
			return n, fmt.Errorf("copy jobs: listing jobs: %w", err)
		}
		for _, o := range objs {
			var job Job
			if err := json.Unmarshal(o.Data, &job); err != nil {
				return n, fmt.Errorf("copy job %s is stored damaged: %w", o.ID, err)
			}
			switch err := j.st.DeleteObject(ctx, ResultKind, job.ID+"/"+user); {
			case err == nil:
				n++
			case !errors.Is(err, store.ErrNotFound):
				return n, fmt.Errorf("copy job %s: removing a result: %w", job.ID, err)
			}
			for c := 0; c < max(job.Chunks, 0); c++ {
				ids, err := j.chunk(ctx, job.ID, c)
				if err != nil {
					return n, err
				}
				i := slices.Index(ids, user)
				if i < 0 {
					continue
				}
				for ; i >= 0; i = slices.Index(ids, user) {
					ids[i] = ""
				}
				raw, _ := json.Marshal(ids)
				if _, err := j.st.PutObject(ctx, MembersKind, fmt.Sprintf("%s/%06d", job.ID, c), raw); err != nil {
					return n, fmt.Errorf("copy job %s: rewriting its members: %w", job.ID, err)
				}
				n++
			}
		}
		if next == "" {
			return n, nil
		}
		cursor = next
	}
}
