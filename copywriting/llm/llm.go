// Package llm is the copywriting.Writer that asks any OpenAI-compatible
// chat-completions endpoint (OpenAI, DeepSeek, Qwen, Ollama, vLLM, a
// llama.cpp server) for marketing copy, through
// github.com/openai/openai-go/v3.
//
// One Write is one chat completion that asks for n variants as a JSON
// object ({"variants": [...]}); the answer is parsed leniently (code
// fences, a bare array or a numbered list are accepted) but an answer cut
// short by the token limit (finish_reason "length") or one that cannot be
// read is an error, never a draft.
//
// The SDK's own retries are switched off: this package retries 429, 5xx,
// 408, transport errors and per-attempt timeouts itself, with exponential
// backoff and full jitter, honouring Retry-After (seconds or an HTTP date)
// and retry-after-ms, bounded by MaxRetries and the context. A circuit
// breaker opens after BreakerThreshold consecutive calls that found the
// endpoint unavailable and fails calls fast, naming the provider, until
// BreakerCoolDown has passed; then one trial call decides.
package llm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/shopmind/shopmind/copywriting"
)

// Defaults for zero Config fields.
const (
	DefaultBaseURL          = "https://api.openai.com/v1"
	DefaultTimeout          = 60 * time.Second
	DefaultMaxRetries       = 2
	DefaultMaxTokens        = 1024
	DefaultBreakerThreshold = 5
	DefaultBreakerCoolDown  = 30 * time.Second
	DefaultBackoffBase      = 500 * time.Millisecond
	DefaultBackoffMax       = 20 * time.Second
	DefaultMaxRetryAfter    = 60 * time.Second
)

// Config configures a Writer. Zero fields take the defaults above.
type Config struct {
	BaseURL string // e.g. https://api.deepseek.com/v1, http://localhost:11434/v1
	APIKey  string // empty for servers without authentication
	Model   string // required
	// Name overrides the provider name drafts carry (default
	// "openai-compatible:" + Model).
	Name string

	Timeout    time.Duration // per attempt, streaming included
	MaxRetries int           // retries after the first attempt (0: DefaultMaxRetries; negative: none)
	// Temperature is sent when not nil; otherwise the server's default.
	Temperature *float64
	MaxTokens   int // completion token limit for one call (all n variants)
	// MaxCompletionTokens sends the limit as max_completion_tokens (newer
	// OpenAI models) instead of max_tokens (what most compatible servers
	// read).
	MaxCompletionTokens bool

	// Stream asks for a server-sent-event stream; the chunks are collected
	// into the drafts and, when OnChunk is set, handed to it as they
	// arrive. Streams ask for usage in the final chunk unless
	// NoStreamUsage is set (for servers that reject stream_options); with
	// no usage reported the usage is estimated and Result says so.
	Stream        bool
	NoStreamUsage bool
	OnChunk       func(delta string)

	// BreakerThreshold consecutive calls that found the endpoint
	// unavailable (after their retries) open the breaker (0:
	// DefaultBreakerThreshold; negative: no breaker); it stays open for
	// BreakerCoolDown. Client errors (4xx other than 408 and 429) and
	// unusable answers show the endpoint is up and do not count.
	BreakerThreshold int
	BreakerCoolDown  time.Duration

	BackoffBase time.Duration // first retry waits up to this (full jitter)
	BackoffMax  time.Duration // cap of the exponential backoff
	// MaxRetryAfter is the longest Retry-After the writer waits for; a
	// server asking for more gets the error returned instead.
	MaxRetryAfter time.Duration

	// MaxChars gives the length limit per channel and language that the
	// prompt states (default DefaultMaxChars); pass the guardrails' limits.
	MaxChars func(copywriting.Channel, copywriting.Language) int

	HTTPClient *http.Client // default: the SDK's

	// Test hooks: the clock, the sleep between attempts and the jitter
	// source (a number in [0, 1)).
	Now   func() time.Time
	Sleep func(context.Context, time.Duration) error
	Rand  func() float64
}

// Writer is a copywriting.Writer backed by an OpenAI-compatible endpoint.
// It is safe for concurrent use.
type Writer struct {
	cfg    Config
	name   string
	client openai.Client
	br     *breaker
}

var _ copywriting.Writer = (*Writer)(nil)

// New makes a Writer.
func New(cfg Config) (*Writer, error) {
	cfg.Model = strings.TrimSpace(cfg.Model)
	if cfg.Model == "" {
		return nil, errors.New("llm: Config.Model is required")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = DefaultMaxRetries
	} else if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	}
	if cfg.MaxTokens <= 0 {
		cfg.MaxTokens = DefaultMaxTokens
	}
	if cfg.BreakerThreshold == 0 {
		cfg.BreakerThreshold = DefaultBreakerThreshold
	}
	if cfg.BreakerCoolDown <= 0 {
		cfg.BreakerCoolDown = DefaultBreakerCoolDown
	}
	if cfg.BackoffBase <= 0 {
		cfg.BackoffBase = DefaultBackoffBase
	}
	if cfg.BackoffMax <= 0 {
		cfg.BackoffMax = DefaultBackoffMax
	}
	if cfg.MaxRetryAfter <= 0 {
		cfg.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if cfg.MaxChars == nil {
		cfg.MaxChars = DefaultMaxChars
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleepCtx
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	name := cfg.Name
	if name == "" {
		name = "openai-compatible:" + cfg.Model
	}
	// Our retry loop is the only one.
	opts := ClientOptions(cfg.BaseURL, cfg.APIKey, 0, cfg.HTTPClient)
	w := &Writer{
		cfg:    cfg,
		name:   name,
		client: openai.NewClient(opts...),
		br:     &breaker{threshold: cfg.BreakerThreshold, coolDown: cfg.BreakerCoolDown, now: cfg.Now},
	}
	return w, nil
}

// Name is the provider name every draft carries.
func (w *Writer) Name() string { return w.name }

// BreakerState is the circuit breaker's current state.
func (w *Writer) BreakerState() State { return w.br.current() }

// Result is one call's outcome in full.
type Result struct {
	Drafts []copywriting.Draft
	// Usage is the whole call's token usage; each draft carries its share
	// (the call's tokens split evenly, the remainder on the first draft),
	// so the drafts' usages add up to this.
	Usage copywriting.Usage
	// UsageEstimated is true when the endpoint reported no usage (a stream
	// from a server that ignores stream_options) and Usage is an estimate
	// from the text lengths.
	UsageEstimated bool
	Attempts       int    // HTTP attempts made, retries included
	FinishReason   string // the endpoint's finish_reason
}

// Write implements copywriting.Writer.
func (w *Writer) Write(ctx context.Context, b copywriting.Brief, n int, repair []copywriting.Violation) ([]copywriting.Draft, error) {
	r, err := w.WriteDetailed(ctx, b, n, repair)
	if err != nil {
		return nil, err
	}
	return r.Drafts, nil
}

// WriteDetailed is Write with the call's usage, attempts and finish reason.
func (w *Writer) WriteDetailed(ctx context.Context, b copywriting.Brief, n int, repair []copywriting.Violation) (Result, error) {
	if n < 1 {
		n = 1
	}
	if ok, wait := w.br.allow(); !ok {
		if wait > 0 {
			return Result{}, fmt.Errorf("llm %s: %w after repeated failures; retry in %s", w.name, ErrCircuitOpen, wait.Round(time.Millisecond))
		}
		return Result{}, fmt.Errorf("llm %s: %w (half-open, a trial call is in flight)", w.name, ErrCircuitOpen)
	}
	p := BuildPrompt(b, n, w.cfg.MaxChars(b.Channel, b.Language), repair)
	params := w.params(p)

	var res Result
	for attempt := 0; ; attempt++ {
		res.Attempts = attempt + 1
		out, err := w.attempt(ctx, params)
		if err == nil {
			w.br.success()
			return w.finish(res, out, p, n)
		}
		if ctx.Err() != nil {
			w.br.neutral()
			return res, fmt.Errorf("llm %s: %w", w.name, errors.Join(ctx.Err(), err))
		}
		retry, unavailable, after, hasAfter := classify(err, w.cfg.Now())
		if !retry {
			if unavailable {
				w.br.failure()
			} else {
				w.br.success() // the endpoint answered: it is up
			}
			return res, fmt.Errorf("llm %s: %w", w.name, err)
		}
		if attempt >= w.cfg.MaxRetries {
			w.br.failure()
			return res, fmt.Errorf("llm %s: giving up after %d attempt(s): %w", w.name, res.Attempts, err)
		}
		wait := backoff(attempt, w.cfg.BackoffBase, w.cfg.BackoffMax, w.cfg.Rand)
		if hasAfter {
			if after > w.cfg.MaxRetryAfter {
				w.br.failure()
				return res, fmt.Errorf("llm %s: server asked to retry after %s (more than %s): %w", w.name, after, w.cfg.MaxRetryAfter, err)
			}
			wait = after
		}
		if dl, ok := ctx.Deadline(); ok && w.cfg.Now().Add(wait).After(dl) {
			w.br.neutral()
			return res, fmt.Errorf("llm %s: no time left to wait %s before retrying: %w", w.name, wait, err)
		}
		if serr := w.cfg.Sleep(ctx, wait); serr != nil {
			w.br.neutral()
			return res, fmt.Errorf("llm %s: %w", w.name, errors.Join(serr, err))
		}
	}
}

func (w *Writer) params(p Prompt) openai.ChatCompletionNewParams {
	msgs := []openai.ChatCompletionMessageParamUnion{
		openai.SystemMessage(p.System),
		openai.UserMessage(p.User),
	}
	if p.Repair != "" {
		msgs = append(msgs, openai.UserMessage(p.Repair))
	}
	params := openai.ChatCompletionNewParams{
		Model:    w.cfg.Model,
		Messages: msgs,
	}
	if w.cfg.MaxCompletionTokens {
		params.MaxCompletionTokens = openai.Int(int64(w.cfg.MaxTokens))
	} else {
		params.MaxTokens = openai.Int(int64(w.cfg.MaxTokens))
	}
	if w.cfg.Temperature != nil {
		params.Temperature = openai.Float(*w.cfg.Temperature)
	}
	if w.cfg.Stream && !w.cfg.NoStreamUsage {
		params.StreamOptions.IncludeUsage = openai.Bool(true)
	}
	return params
}

// answer is what one successful attempt brought back.
type answer struct {
	content  string
	finish   string
	usage    copywriting.Usage
	hasUsage bool
}

// attempt makes one HTTP call within the per-attempt timeout.
func (w *Writer) attempt(ctx context.Context, params openai.ChatCompletionNewParams) (answer, error) {
	actx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	var (
		a   answer
		err error
	)
	if w.cfg.Stream {
		a, err = w.stream(actx, params)
	} else {
		a, err = w.complete(actx, params)
	}
	if err != nil && ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded) {
		return a, &transportError{fmt.Errorf("attempt timed out after %s: %w", w.cfg.Timeout, err)}
	}
	return a, err
}

func (w *Writer) complete(ctx context.Context, params openai.ChatCompletionNewParams) (answer, error) {
	comp, err := w.client.Chat.Completions.New(ctx, params)
	if err != nil {
		return answer{}, wrapSDK(err)
	}
	if len(comp.Choices) == 0 {
		return answer{}, fmt.Errorf("%w: the response has no choices", ErrRefused)
	}
	c := comp.Choices[0]
	a := answer{content: c.Message.Content, finish: c.FinishReason}
	if comp.JSON.Usage.Valid() && (comp.Usage.PromptTokens > 0 || comp.Usage.CompletionTokens > 0) {
		a.usage = copywriting.Usage{PromptTokens: int(comp.Usage.PromptTokens), CompletionTokens: int(comp.Usage.CompletionTokens)}
		a.hasUsage = true
	}
	return a, nil
}

func (w *Writer) stream(ctx context.Context, params openai.ChatCompletionNewParams) (answer, error) {
	s := w.client.Chat.Completions.NewStreaming(ctx, params)
	defer s.Close()
	var (
		a    answer
		text strings.Builder
		sent bool // a chunk reached OnChunk: a retry would repeat it
	)
	for s.Next() {
		ch := s.Current()
		if ch.JSON.Usage.Valid() && (ch.Usage.PromptTokens > 0 || ch.Usage.CompletionTokens > 0) {
			a.usage = copywriting.Usage{PromptTokens: int(ch.Usage.PromptTokens), CompletionTokens: int(ch.Usage.CompletionTokens)}
			a.hasUsage = true
		}
		for _, c := range ch.Choices {
			if c.Index != 0 {
				continue
			}
			if d := c.Delta.Content; d != "" {
				text.WriteString(d)
				if w.cfg.OnChunk != nil {
					w.cfg.OnChunk(d)
					sent = true
				}
			}
			if c.FinishReason != "" {
				a.finish = c.FinishReason
			}
		}
	}
	a.content = text.String()
	if err := s.Err(); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = &transportError{fmt.Errorf("stream cut: %w", err)} // the connection dropped mid-stream
		} else {
			err = wrapSDK(err)
		}
		if sent {
			// Not retryable: the caller has seen part of this answer.
			return a, fmt.Errorf("stream broke after partial output: %v", err)
		}
		return a, err
	}
	if a.finish == "" {
		return a, fmt.Errorf("%w: the stream ended without a finish reason", ErrTruncated)
	}
	return a, nil
}

// wrapSDK keeps API errors and transport errors as they are (classify reads
// them) and marks anything else, such as a body that is not valid JSON,
// as a malformed response.
func wrapSDK(err error) error {
	var apiErr *openai.Error
	if errors.As(err, &apiErr) {
		msg := apiErr.Message
		if msg == "" && apiErr.Response != nil {
			msg = http.StatusText(apiErr.StatusCode)
		}
		return &apiError{err: apiErr, msg: fmt.Sprintf("HTTP %d: %s", apiErr.StatusCode, msg)}
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return err
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return &transportError{err}
	}
	return fmt.Errorf("%w: invalid response from the endpoint: %v", ErrMalformed, err)
}

// apiError is an HTTP error status from the endpoint, with a short message
// (the SDK's own message dumps the request).
type apiError struct {
	err *openai.Error
	msg string
}

func (e *apiError) Error() string { return e.msg }
func (e *apiError) Unwrap() error { return e.err }

// StatusCode is the HTTP status of err when it came from the endpoint, or 0.
func StatusCode(err error) int {
	var apiErr *openai.Error
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode
	}
	return 0
}

// finish turns a successful answer into drafts, or an error when it was
// cut short or cannot be read.
func (w *Writer) finish(res Result, a answer, p Prompt, n int) (Result, error) {
	res.FinishReason = a.finish
	switch a.finish {
	case "length":
		return res, fmt.Errorf("llm %s: %w (finish_reason \"length\"; raise MaxTokens or ask for fewer variants)", w.name, ErrTruncated)
	case "content_filter":
		return res, fmt.Errorf("llm %s: %w (finish_reason \"content_filter\")", w.name, ErrRefused)
	}
	texts, err := parseVariants(a.content, n)
	if err != nil {
		return res, fmt.Errorf("llm %s: %w", w.name, err)
	}
	res.Usage = a.usage
	if !a.hasUsage {
		res.Usage = copywriting.Usage{
			PromptTokens:     estimateTokens(p.System) + estimateTokens(p.User) + estimateTokens(p.Repair),
			CompletionTokens: estimateTokens(a.content),
		}
		res.UsageEstimated = true
	}
	k := len(texts)
	for i, t := range texts {
		u := copywriting.Usage{PromptTokens: res.Usage.PromptTokens / k, CompletionTokens: res.Usage.CompletionTokens / k}
		if i == 0 {
			u.PromptTokens += res.Usage.PromptTokens % k
			u.CompletionTokens += res.Usage.CompletionTokens % k
		}
		res.Drafts = append(res.Drafts, copywriting.Draft{Text: t, Provider: w.name, Usage: u})
	}
	return res, nil
}

// estimateTokens is a rough count for when the endpoint reports none: one
// token per Han character, one per four other bytes.
func estimateTokens(s string) int {
	han, other := 0, 0
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			han++
		} else {
			other += len(string(r))
		}
	}
	return han + (other+3)/4
}

// ClientOptions are the openai-go request options for an OpenAI-compatible
// endpoint at baseURL: the key is always set, even empty, so that an
// OPENAI_API_KEY in the environment is never sent to another provider's
// endpoint; OpenAI's organisation and project headers are dropped; the SDK
// retries at most retries times; hc (may be nil) carries the requests.
func ClientOptions(baseURL, apiKey string, retries int, hc *http.Client) []option.RequestOption {
	opts := []option.RequestOption{
		option.WithBaseURL(baseURL),
		option.WithAPIKey(apiKey),
		option.WithHeaderDel("OpenAI-Organization"),
		option.WithHeaderDel("OpenAI-Project"),
		option.WithMaxRetries(retries),
	}
	if hc != nil {
		opts = append(opts, option.WithHTTPClient(hc))
	}
	return opts
}
