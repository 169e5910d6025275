package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/shopmind/shopmind/api"
	"github.com/shopmind/shopmind/config"
	"github.com/shopmind/shopmind/copyserve"
	"github.com/shopmind/shopmind/copywriting"
)

const copySummary = "Write marketing copy from a brief and check any text against the guardrails."

func copyUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage: shopmind copy SUBCOMMAND [flags]\n\n%s\n\nSubcommands:\n", copySummary)
	fmt.Fprintln(w, "  generate  write checked variants for a brief (JSON file) with the template writer or the configured LLM")
	fmt.Fprintln(w, "  check     run every guardrail on a text and list the violations (exit 1 when there are any)")
	fmt.Fprintln(w, "  job       write copy for every member of a saved segment from one brief, resumably, with a progress bar")
}

func runCopy(ctx context.Context, args []string, out, errOut io.Writer) error {
	if len(args) == 0 {
		copyUsage(errOut)
		return errUsage
	}
	switch args[0] {
	case "generate":
		return runCopyGenerate(ctx, args[1:], out, errOut)
	case "check":
		return runCopyCheck(args[1:], out, errOut)
	case "job":
		return runCopyJob(ctx, args[1:], out, errOut)
	case "help", "-h", "-help", "--help":
		copyUsage(out)
		return flag.ErrHelp
	}
	fmt.Fprintf(errOut, "shopmind copy: unknown subcommand %q\n\n", args[0])
	copyUsage(errOut)
	return errUsage
}

func runCopyCheck(args []string, out, errOut io.Writer) error {
	fs := newFlags("copy check", "Run every guardrail on a text (written by a model or a person) and list the violations\n"+
		"with their reason codes and byte spans. Exits 1 when there is any.", errOut)
	text := fs.String("text", "", "the text (or --file)")
	file := fs.String("file", "", "read the text from this file (- for standard input)")
	lang := fs.String("language", "zh-CN", "zh-CN or en")
	channel := fs.String("channel", "push", "push, sms, email_subject, email_body, banner or product_description")
	facts := fs.String("facts", "{}", `the facts as JSON, e.g. {"price": 199, "currency": "CNY", "discount_percent": 20}`)
	asJSON := fs.Bool("json", false, `print {"ok", "violations"} as JSON`)
	b := config.Bind(fs, "copy_terms_zh", "copy_terms_en")
	if err := fs.Parse(args); err != nil {
		return parseErr(err)
	}
	cfg, err := config.Load(fs, b, os.Getenv)
	if err != nil {
		return err
	}
	cc, err := copyConfig(cfg)
	if err != nil {
		return err
	}
	t := *text
	if *file != "" {
		b, err := readInput(*file)
		if err != nil {
			return err
		}
		t = strings.TrimRight(string(b), "\n")
	}
	var f copywriting.Facts
	if err := json.Unmarshal([]byte(*facts), &f); err != nil {
		return fmt.Errorf("--facts: %w", err)
	}
	svc, err := copyserve.New(copyserve.Config{Guard: cc.Guard}, nil)
	if err != nil {
		return err
	}
	v, err := svc.Check(t, copywriting.Language(*lang), copywriting.Channel(*channel), f)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		enc.Encode(map[string]any{"ok": len(v) == 0, "violations": v})
	} else if len(v) == 0 {
		fmt.Fprintln(out, "ok: no guardrail failed")
	} else {
		for _, x := range v {
			fmt.Fprintf(out, "%-20s %s  [%d:%d] %q\n", x.Code, x.Message, x.Span[0], x.Span[1], t[x.Span[0]:x.Span[1]])
		}
	}
	if len(v) > 0 {
		return fmt.Errorf("%d violation(s)", len(v))
	}
	return nil
}

func runCopyGenerate(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs := newFlags("copy generate", "Write checked copy variants for a brief given as JSON (see POST /v1/copy/generate):\n"+
		`{"goal": "conversion", "channel": "push", "language": "zh-CN", "items": [{"title": "...", "price": 199,`+"\n"+
		`"currency": "CNY"}], "offer": {"discount_percent": 20}}. Drafts failing a guardrail go back to the writer with the`+"\n"+
		"reasons; only checked variants are marked ok.", errOut)
	briefPath := fs.String("brief", "", "brief JSON file (- for standard input)")
	n := fs.Int("variants", 3, "how many variants")
	writer := fs.String("writer", "", "template, or llm when llm_model is configured (default: the LLM if configured)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	b := config.Bind(fs, "llm_base_url", "llm_api_key", "llm_model", "llm_timeout", "copy_max_repairs", "copy_terms_zh", "copy_terms_en", "log_level", "log_format")
	if err := fs.Parse(args); err != nil {
		return parseErr(err)
	}
	if *briefPath == "" {
		return errors.New("--brief is required (a JSON file, or - for standard input)")
	}
	cfg, err := config.Load(fs, b, os.Getenv)
	if err != nil {
		return err
	}
	raw, err := readInput(*briefPath)
	if err != nil {
		return err
	}
	var brief copywriting.Brief
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&brief); err != nil {
		return fmt.Errorf("%s: %w", *briefPath, err)
	}
	cc, err := copyConfig(cfg)
	if err != nil {
		return err
	}
	svc, err := copyserve.New(cc, newLogger(cfg, errOut))
	if err != nil {
		return err
	}
	res, err := svc.Generate(ctx, brief, *n, *writer)
	if err != nil && !errors.Is(err, copywriting.ErrNoUsableCopy) {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		enc.Encode(res)
	} else {
		for i, v := range res.Variants {
			mark := "ok"
			if !v.OK {
				mark = "REJECTED"
			}
			fmt.Fprintf(out, "%d. [%s, %s, %d repairs] %s\n", i+1, mark, v.Provider, v.Repairs, v.Text)
			for _, x := range v.Violations {
				fmt.Fprintf(out, "     %s: %s\n", x.Code, x.Message)
			}
		}
		fmt.Fprintf(out, "writer %s, %d prompt + %d completion tokens, %.2f s\n", res.Writer, res.Usage.PromptTokens, res.Usage.CompletionTokens, res.Seconds)
	}
	return err
}

func readInput(path string) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(os.Stdin)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return b, nil
}

func runCopyJob(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs := newFlags("copy job", "Write copy for every member of a saved segment from one brief (JSON file, as for copy generate;\n"+
		"each member's profile signals are filled in), in this process, with a progress bar. Members without\n"+
		"consent to marketing messages are skipped; without consent to LLM processing the template writer\n"+
		"answers. Results are stored per member (GET /v1/copy/jobs/{id}/results); an interrupted job resumes\n"+
		"with --job ID and writes nothing twice. Identical prompts are answered from a cache in the store.", errOut)
	segID := fs.String("segment", "", "saved segment id (see shopmind segment list)")
	briefPath := fs.String("brief", "", "brief JSON file (- for standard input)")
	n := fs.Int("variants", 3, "how many variants per member")
	writer := fs.String("writer", "", "template, or llm when llm_model is configured (default: the LLM if configured)")
	jobID := fs.String("job", "", "resume this job instead of starting one")
	b := config.Bind(fs, append(append([]string{}, segmentSettings...), "llm_base_url", "llm_api_key", "llm_model", "llm_timeout",
		"copy_max_repairs", "copy_terms_zh", "copy_terms_en", "copy_job_concurrency", "copy_job_requests_per_minute", "copy_job_tokens_per_minute")...)
	if err := fs.Parse(args); err != nil {
		return parseErr(err)
	}
	if err := noArgs(fs, "job"); err != nil {
		return err
	}
	if *jobID == "" && (*segID == "" || *briefPath == "") {
		return errors.New("--segment and --brief are required (or --job ID to resume a job)")
	}
	cfg, err := config.Load(fs, b, os.Getenv)
	if err != nil {
		return err
	}
	var brief copywriting.Brief
	if *jobID == "" {
		raw, err := readInput(*briefPath)
		if err != nil {
			return err
		}
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&brief); err != nil {
			return fmt.Errorf("%s: %w", *briefPath, err)
		}
	}
	env, err := openSegments(ctx, fs, b, errOut)
	if err != nil {
		return err
	}
	defer env.st.Close()
	log := newLogger(cfg, errOut)
	cc, err := copyConfig(cfg)
	if err != nil {
		return err
	}
	svc, err := copyserve.New(cc, log)
	if err != nil {
		return err
	}
	jobs := copyserve.NewJobs(svc, env.st, api.CopyJobMembers(env.aud), api.CopyJobUser(env.st, env.profiles), copyJobsConfig(cfg), log)
	id := *jobID
	if id == "" {
		if _, err := env.aud.Get(ctx, *segID); err != nil {
			return err
		}
		brief.Signals = copywriting.Signals{}
		job, err := jobs.Create(ctx, copyserve.JobSpec{Segment: *segID, Brief: brief, Variants: *n, Writer: *writer})
		if err != nil {
			return err
		}
		id = job.ID
		fmt.Fprintf(errOut, "copy job %s for segment %s\n", id, *segID)
	}
	bar := newProgress(errOut, "copy "+id)
	job, err := jobs.RunJob(ctx, id, func(j copyserve.Job) {
		bar.set(int64(j.Done+j.Skipped), int64(j.Total), int64(j.Done+j.Skipped))
	})
	if job.Status == copyserve.JobDone {
		bar.finish()
	} else if bar.on {
		fmt.Fprintln(errOut)
	}
	if job.ID != "" {
		fmt.Fprintf(out, "job %s: %s; %d members: %d written (%d failed), %d skipped without consent; %d from the cache; %d prompt + %d completion tokens\n",
			job.ID, job.Status, job.Total, job.Done-job.Failed, job.Failed, job.Skipped, job.CacheHits, job.Usage.PromptTokens, job.Usage.CompletionTokens)
		if job.Status != copyserve.JobDone {
			fmt.Fprintf(out, "resume with: shopmind copy job --job %s\n", job.ID)
		}
	}
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	return err
}

// copyJobsConfig maps the configuration onto the copy job runner's.
func copyJobsConfig(cfg config.Config) copyserve.JobsConfig {
	return copyserve.JobsConfig{Concurrency: cfg.CopyJobConcurrency, RequestsPerMinute: cfg.CopyJobRPM, TokensPerMinute: cfg.CopyJobTPM}
}

// copyJobGenerator is what copy jobs generate with: svc itself, unless the
// environment sets SHOPMIND_COPY_TEST_DELAY (a duration). That variable is
// for tests only: it slows every generation by the delay so that a test can
// kill serve in the middle of a job (copyjob_crash_test.go).
func copyJobGenerator(svc *copyserve.Service) copyserve.Generator {
	d, err := time.ParseDuration(os.Getenv("SHOPMIND_COPY_TEST_DELAY"))
	if err != nil || d <= 0 {
		return svc
	}
	return slowGenerator{svc, d}
}

// slowGenerator delays each generation (tests only; see copyJobGenerator).
type slowGenerator struct {
	*copyserve.Service
	delay time.Duration
}

func (g slowGenerator) Generate(ctx context.Context, b copywriting.Brief, n int, writer string) (copyserve.Result, error) {
	select {
	case <-time.After(g.delay):
	case <-ctx.Done():
		return copyserve.Result{}, ctx.Err()
	}
	return g.Service.Generate(ctx, b, n, writer)
}
