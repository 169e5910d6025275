package llm

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopmind/shopmind/copywriting"
)

func TestWriteSuccess(t *testing.T) {
	f := newFake(t, completion(variantsJSON("真丝睡衣套装限时8折，今晚睡个好觉", "雾蓝真丝睡衣，用码 SLEEP20 立享8折"), "stop", 101, 40))
	temp := 0.7
	w := testWriter(t, f, newClock(), func(c *Config) { c.Temperature = &temp; c.MaxTokens = 300 })
	if w.Name() != "openai-compatible:test-model" {
		t.Fatalf("name %q", w.Name())
	}
	res, err := w.WriteDetailed(context.Background(), testBrief(), 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Drafts) != 2 || res.Drafts[0].Text != "真丝睡衣套装限时8折，今晚睡个好觉" {
		t.Fatalf("drafts %+v", res.Drafts)
	}
	for _, d := range res.Drafts {
		if d.Provider != "openai-compatible:test-model" {
			t.Fatalf("provider %q", d.Provider)
		}
	}
	if res.Usage != (copywriting.Usage{PromptTokens: 101, CompletionTokens: 40}) || res.UsageEstimated {
		t.Fatalf("usage %+v estimated %v", res.Usage, res.UsageEstimated)
	}
	sum := res.Drafts[0].Usage.PromptTokens + res.Drafts[1].Usage.PromptTokens
	if sum != 101 || res.Drafts[1].Usage != (copywriting.Usage{PromptTokens: 50, CompletionTokens: 20}) {
		t.Fatalf("per-draft usage %+v", res.Drafts)
	}
	if res.Attempts != 1 || res.FinishReason != "stop" {
		t.Fatalf("attempts %d finish %q", res.Attempts, res.FinishReason)
	}
	r := f.req(0)
	if r.Header.Get("Authorization") != "Bearer sk-test" {
		t.Fatalf("auth header %q", r.Header.Get("Authorization"))
	}
	if r.Body["model"] != "test-model" || r.Body["max_tokens"] != float64(300) || r.Body["temperature"] != 0.7 {
		t.Fatalf("body %s", r.Raw)
	}
	if _, ok := r.Body["stream"]; ok {
		t.Fatalf("non-streaming request has stream: %s", r.Raw)
	}
	ms := messages(t, r)
	if len(ms) != 2 || !strings.HasPrefix(ms[0], "system: ") || !contains(ms[1], "user: ", "真丝睡衣套装", "399", "SLEEP20") {
		t.Fatalf("messages %q", ms)
	}
	// Write (the interface method) gives the same drafts.
	ds, err := w.Write(context.Background(), testBrief(), 2, nil)
	if err != nil || len(ds) != 2 {
		t.Fatalf("Write: %v %+v", err, ds)
	}
}

func TestWriteRepairMessage(t *testing.T) {
	f := newFake(t, completion(variantsJSON("睡衣8折"), "stop", 10, 5))
	w := testWriter(t, f, newClock(), nil)
	repair := []copywriting.Violation{
		{Code: "absolute_term", Message: "absolute term 最 is forbidden"},
		{Code: "personal_data", Message: "phone number 13812345678 in text"},
	}
	if _, err := w.Write(context.Background(), testBrief(), 1, repair); err != nil {
		t.Fatal(err)
	}
	ms := messages(t, f.req(0))
	if len(ms) != 3 || !contains(ms[2], "user: ", "absolute_term", "absolute term 最 is forbidden", "personal_data") {
		t.Fatalf("repair message missing: %q", ms)
	}
	if strings.Contains(ms[2], "13812345678") {
		t.Fatalf("repair message carries a phone number: %q", ms[2])
	}
}

func TestWriteStreaming(t *testing.T) {
	content := variantsJSON("睡衣8折", "今晚试试真丝")
	pieces := []string{content[:7], content[7:20], content[20:]}
	f := newFake(t, sse(pieces, "stop", 80, 30))
	var mu sync.Mutex
	var got []string
	w := testWriter(t, f, newClock(), func(c *Config) {
		c.Stream = true
		c.OnChunk = func(d string) { mu.Lock(); got = append(got, d); mu.Unlock() }
	})
	res, err := w.WriteDetailed(context.Background(), testBrief(), 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Drafts) != 2 || res.Drafts[1].Text != "今晚试试真丝" {
		t.Fatalf("drafts %+v", res.Drafts)
	}
	if strings.Join(got, "") != content || len(got) != 3 {
		t.Fatalf("chunks %q", got)
	}
	if res.Usage != (copywriting.Usage{PromptTokens: 80, CompletionTokens: 30}) || res.UsageEstimated {
		t.Fatalf("usage %+v estimated %v", res.Usage, res.UsageEstimated)
	}
	r := f.req(0)
	so, _ := r.Body["stream_options"].(map[string]any)
	if r.Body["stream"] != true || so["include_usage"] != true {
		t.Fatalf("streaming request %s", r.Raw)
	}
}

func TestWriteStreamingWithoutUsageEstimates(t *testing.T) {
	f := newFake(t, sse([]string{`{"variants": ["真丝睡衣`, `8折"]}`}, "stop", 0, 0))
	w := testWriter(t, f, newClock(), func(c *Config) { c.Stream = true; c.NoStreamUsage = true })
	res, err := w.WriteDetailed(context.Background(), testBrief(), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.UsageEstimated || res.Usage.PromptTokens == 0 || res.Usage.CompletionTokens == 0 {
		t.Fatalf("usage %+v estimated %v", res.Usage, res.UsageEstimated)
	}
	if res.Drafts[0].Text != "真丝睡衣8折" {
		t.Fatalf("draft %q", res.Drafts[0].Text)
	}
	if _, ok := f.req(0).Body["stream_options"]; ok {
		t.Fatalf("stream_options sent despite NoStreamUsage: %s", f.req(0).Raw)
	}
}

func TestStreamingTruncated(t *testing.T) {
	f := newFake(t, sse([]string{`{"variants": ["真丝睡`}, "length", 10, 300))
	w := testWriter(t, f, newClock(), func(c *Config) { c.Stream = true })
	_, err := w.Write(context.Background(), testBrief(), 1, nil)
	if !errors.Is(err, ErrTruncated) {
		t.Fatalf("want ErrTruncated, got %v", err)
	}
	// A stream that just stops (no finish reason) is truncated too.
	f2 := newFake(t, sse([]string{`{"variants": ["真丝睡`}, "", 0, 0))
	w2 := testWriter(t, f2, newClock(), func(c *Config) { c.Stream = true })
	if _, err := w2.Write(context.Background(), testBrief(), 1, nil); !errors.Is(err, ErrTruncated) {
		t.Fatalf("want ErrTruncated, got %v", err)
	}
}

func TestStreamingErrorStatusRetried(t *testing.T) {
	f := newFake(t, status(503, nil), sse([]string{variantsJSON("睡衣8折")}, "stop", 5, 5))
	clk := newClock()
	w := testWriter(t, f, clk, func(c *Config) { c.Stream = true })
	res, err := w.WriteDetailed(context.Background(), testBrief(), 1, nil)
	if err != nil || res.Attempts != 2 {
		t.Fatalf("err %v attempts %d", err, res.Attempts)
	}
}

func Test429RetryAfterSeconds(t *testing.T) {
	f := newFake(t, status(429, map[string]string{"Retry-After": "7"}), completion(variantsJSON("睡衣8折"), "stop", 10, 5))
	clk := newClock()
	w := testWriter(t, f, clk, nil)
	res, err := w.WriteDetailed(context.Background(), testBrief(), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Attempts != 2 || f.count() != 2 {
		t.Fatalf("attempts %d requests %d", res.Attempts, f.count())
	}
	if s := clk.Sleeps(); len(s) != 1 || s[0] != 7*time.Second {
		t.Fatalf("sleeps %v, want [7s]", s)
	}
}

func Test429RetryAfterDate(t *testing.T) {
	clk := newClock()
	at := clk.Now().Add(5 * time.Second).Format(http.TimeFormat)
	f := newFake(t, status(429, map[string]string{"Retry-After": at}), completion(variantsJSON("睡衣8折"), "stop", 10, 5))
	w := testWriter(t, f, clk, nil)
	if _, err := w.Write(context.Background(), testBrief(), 1, nil); err != nil {
		t.Fatal(err)
	}
	if s := clk.Sleeps(); len(s) != 1 || s[0] != 5*time.Second {
		t.Fatalf("sleeps %v, want [5s]", s)
	}
}

func Test429RetryAfterTooLong(t *testing.T) {
	f := newFake(t, status(429, map[string]string{"Retry-After": "3600"}))
	clk := newClock()
	w := testWriter(t, f, clk, nil)
	_, err := w.Write(context.Background(), testBrief(), 1, nil)
	if err == nil || !strings.Contains(err.Error(), "retry after 1h0m0s") || StatusCode(err) != 429 {
		t.Fatalf("err %v", err)
	}
	if f.count() != 1 || len(clk.Sleeps()) != 0 {
		t.Fatalf("requests %d sleeps %v", f.count(), clk.Sleeps())
	}
}

func Test500ThenSuccess(t *testing.T) {
	f := newFake(t, status(500, nil), status(502, nil), completion(variantsJSON("睡衣8折"), "stop", 10, 5))
	clk := newClock()
	w := testWriter(t, f, clk, func(c *Config) { c.BackoffBase = 100 * time.Millisecond })
	res, err := w.WriteDetailed(context.Background(), testBrief(), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Attempts != 3 {
		t.Fatalf("attempts %d", res.Attempts)
	}
	// full jitter with Rand = 0.5: half of 100ms·2^attempt
	if s := clk.Sleeps(); len(s) != 2 || s[0] != 50*time.Millisecond || s[1] != 100*time.Millisecond {
		t.Fatalf("sleeps %v", s)
	}
	if w.BreakerState() != Closed {
		t.Fatalf("breaker %v", w.BreakerState())
	}
}

func TestRetriesExhausted(t *testing.T) {
	f := newFake(t, status(503, nil))
	w := testWriter(t, f, newClock(), func(c *Config) { c.MaxRetries = 2 })
	_, err := w.Write(context.Background(), testBrief(), 1, nil)
	if err == nil || f.count() != 3 || StatusCode(err) != 503 || !strings.Contains(err.Error(), "openai-compatible:test-model") {
		t.Fatalf("err %v requests %d", err, f.count())
	}
}

func TestClientErrorNotRetried(t *testing.T) {
	f := newFake(t, status(401, nil))
	w := testWriter(t, f, newClock(), nil)
	_, err := w.Write(context.Background(), testBrief(), 1, nil)
	if err == nil || f.count() != 1 || StatusCode(err) != 401 {
		t.Fatalf("err %v requests %d", err, f.count())
	}
}

func TestBackoffBoundedByContext(t *testing.T) {
	f := newFake(t, status(503, map[string]string{"Retry-After": "30"}))
	w := testWriter(t, f, newClock(), func(c *Config) { c.Now = time.Now })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := w.Write(ctx, testBrief(), 1, nil)
	if err == nil || !strings.Contains(err.Error(), "no time left") || f.count() != 1 {
		t.Fatalf("err %v requests %d", err, f.count())
	}
}

func TestTimeout(t *testing.T) {
	hang := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(3 * time.Second):
		}
	}
	// Every attempt times out: the error says so and names the provider.
	f := newFake(t, hang)
	w := testWriter(t, f, newClock(), func(c *Config) { c.Timeout = 50 * time.Millisecond; c.MaxRetries = -1 })
	start := time.Now()
	_, err := w.Write(context.Background(), testBrief(), 1, nil)
	if err == nil || !strings.Contains(err.Error(), "timed out") || !strings.Contains(err.Error(), "openai-compatible:test-model") {
		t.Fatalf("err %v", err)
	}
	if time.Since(start) > time.Second {
		t.Fatalf("timeout not enforced: %v", time.Since(start))
	}
	// A timed-out attempt is retried.
	f2 := newFake(t, hang, completion(variantsJSON("睡衣8折"), "stop", 10, 5))
	w2 := testWriter(t, f2, newClock(), func(c *Config) { c.Timeout = 50 * time.Millisecond })
	res, err := w2.WriteDetailed(context.Background(), testBrief(), 1, nil)
	if err != nil || res.Attempts != 2 {
		t.Fatalf("err %v attempts %d", err, res.Attempts)
	}
	// The caller's context bounds everything.
	f3 := newFake(t, hang)
	w3 := testWriter(t, f3, newClock(), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := w3.Write(ctx, testBrief(), 1, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want DeadlineExceeded, got %v", err)
	}
}

func TestTruncatedOutput(t *testing.T) {
	f := newFake(t, completion(`{"variants": ["真丝睡衣套装限时`, "length", 10, 1024))
	w := testWriter(t, f, newClock(), nil)
	_, err := w.Write(context.Background(), testBrief(), 1, nil)
	if !errors.Is(err, ErrTruncated) || !strings.Contains(err.Error(), `"length"`) {
		t.Fatalf("want ErrTruncated, got %v", err)
	}
	if f.count() != 1 {
		t.Fatalf("truncated output retried: %d requests", f.count())
	}
}

func TestContentFilter(t *testing.T) {
	f := newFake(t, completion("", "content_filter", 10, 0))
	w := testWriter(t, f, newClock(), nil)
	if _, err := w.Write(context.Background(), testBrief(), 1, nil); !errors.Is(err, ErrRefused) {
		t.Fatalf("want ErrRefused, got %v", err)
	}
}

func TestMalformedOutput(t *testing.T) {
	for name, h := range map[string]http.HandlerFunc{
		"body not JSON": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"id": "x", "choices": [{"index": 0, "message": {"content": "a"`))
		},
		"content broken JSON": completion(`{"variants": ["a", "b"`, "stop", 10, 5),
		"variants missing":    completion(`{"copy": "a"}`, "stop", 10, 5),
		"empty content":       completion("", "stop", 10, 0),
		"plain text for n=2":  completion("Here is some copy without structure.", "stop", 10, 5),
	} {
		t.Run(name, func(t *testing.T) {
			f := newFake(t, h)
			w := testWriter(t, f, newClock(), nil)
			_, err := w.Write(context.Background(), testBrief(), 2, nil)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("want ErrMalformed, got %v", err)
			}
			if f.count() != 1 {
				t.Fatalf("malformed output retried: %d requests", f.count())
			}
		})
	}
}

func TestBreaker(t *testing.T) {
	var fail sync.Mutex
	failing := true
	h := func(w http.ResponseWriter, r *http.Request) {
		fail.Lock()
		bad := failing
		fail.Unlock()
		if bad {
			status(500, nil)(w, r)
			return
		}
		completion(variantsJSON("睡衣8折"), "stop", 10, 5)(w, r)
	}
	f := newFake(t, h)
	clk := newClock()
	w := testWriter(t, f, clk, func(c *Config) {
		c.MaxRetries = -1
		c.BreakerThreshold = 3
		c.BreakerCoolDown = 10 * time.Second
	})
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if _, err := w.Write(ctx, testBrief(), 1, nil); err == nil || errors.Is(err, ErrCircuitOpen) {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if w.BreakerState() != Open {
		t.Fatalf("breaker %v after 3 failures", w.BreakerState())
	}
	_, err := w.Write(ctx, testBrief(), 1, nil)
	if !errors.Is(err, ErrCircuitOpen) || !strings.Contains(err.Error(), "openai-compatible:test-model") || f.count() != 3 {
		t.Fatalf("open breaker: err %v requests %d", err, f.count())
	}
	// After the cool-down one trial goes through; it fails: open again.
	clk.Advance(10 * time.Second)
	if w.BreakerState() != HalfOpen {
		t.Fatalf("breaker %v after cool-down", w.BreakerState())
	}
	if _, err := w.Write(ctx, testBrief(), 1, nil); err == nil || errors.Is(err, ErrCircuitOpen) || f.count() != 4 {
		t.Fatalf("half-open trial: err %v requests %d", err, f.count())
	}
	if _, err := w.Write(ctx, testBrief(), 1, nil); !errors.Is(err, ErrCircuitOpen) || f.count() != 4 {
		t.Fatalf("reopened breaker: err %v requests %d", err, f.count())
	}
	// Next cool-down, the endpoint has recovered: the trial closes it.
	fail.Lock()
	failing = false
	fail.Unlock()
	clk.Advance(10 * time.Second)
	if _, err := w.Write(ctx, testBrief(), 1, nil); err != nil {
		t.Fatal(err)
	}
	if w.BreakerState() != Closed {
		t.Fatalf("breaker %v after a successful trial", w.BreakerState())
	}
}

func TestBreakerHalfOpenSingleTrial(t *testing.T) {
	b := &breaker{threshold: 1, coolDown: time.Second, now: newClock().Now}
	clk := newClock()
	b.now = clk.Now
	b.failure()
	if ok, wait := b.allow(); ok || wait != time.Second {
		t.Fatalf("open: %v %v", ok, wait)
	}
	clk.Advance(time.Second)
	if ok, _ := b.allow(); !ok {
		t.Fatal("trial refused")
	}
	if ok, _ := b.allow(); ok {
		t.Fatal("second concurrent trial allowed")
	}
	b.neutral()
	if ok, _ := b.allow(); !ok {
		t.Fatal("trial slot not released")
	}
	b.success()
	if b.current() != Closed {
		t.Fatal("not closed")
	}
}

func TestEnvironmentKeyNotLeaked(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "sk-from-environment")
	t.Setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1")
	f := newFake(t, completion(variantsJSON("睡衣8折"), "stop", 10, 5))
	w := testWriter(t, f, newClock(), func(c *Config) { c.APIKey = "" })
	if _, err := w.Write(context.Background(), testBrief(), 1, nil); err != nil {
		t.Fatal(err)
	}
	if a := f.req(0).Header.Get("Authorization"); strings.Contains(a, "sk-from-environment") {
		t.Fatalf("environment key sent: %q", a)
	}
}

func TestNewRequiresModel(t *testing.T) {
	if _, err := New(Config{BaseURL: "http://localhost"}); err == nil {
		t.Fatal("no error without a model")
	}
}

// TestRealEndpoint runs against a real OpenAI-compatible endpoint when
// SHOPMIND_TEST_LLM_URL and SHOPMIND_TEST_LLM_MODEL are set
// (SHOPMIND_TEST_LLM_KEY optional), e.g. an Ollama at
// http://localhost:11434/v1.
func TestRealEndpoint(t *testing.T) {
	url, model := os.Getenv("SHOPMIND_TEST_LLM_URL"), os.Getenv("SHOPMIND_TEST_LLM_MODEL")
	if url == "" || model == "" {
		t.Skip("set SHOPMIND_TEST_LLM_URL and SHOPMIND_TEST_LLM_MODEL (and SHOPMIND_TEST_LLM_KEY) to run against a real endpoint")
	}
	for _, stream := range []bool{false, true} {
		w, err := New(Config{BaseURL: url, Model: model, APIKey: os.Getenv("SHOPMIND_TEST_LLM_KEY"), Timeout: 120 * time.Second, Stream: stream, MaxTokens: 2048})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		res, err := w.WriteDetailed(ctx, testBrief(), 2, nil)
		cancel()
		if err != nil {
			t.Fatalf("stream=%v: %v", stream, err)
		}
		for _, d := range res.Drafts {
			if d.Text == "" || d.Provider != "openai-compatible:"+model {
				t.Fatalf("stream=%v: draft %+v", stream, d)
			}
			t.Logf("stream=%v: %q", stream, d.Text)
		}
		t.Logf("stream=%v: usage %+v estimated=%v attempts=%d", stream, res.Usage, res.UsageEstimated, res.Attempts)
	}
}

// dropAfter writes the start of an SSE stream and then cuts the connection.
func dropAfter(first string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		body := ""
		if first != "" {
			body = `data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":` + first + `},"finish_reason":null}]}` + "\n\n"
		}
		// chunked encoding, never terminated
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
		if body != "" {
			buf.WriteString(strconv.FormatInt(int64(len(body)), 16) + "\r\n" + body + "\r\n")
		}
		buf.Flush()
	}
}

func TestStreamCut(t *testing.T) {
	ok := sse([]string{variantsJSON("睡衣8折")}, "stop", 5, 5)
	// Cut before anything reached the caller: retried.
	f := newFake(t, dropAfter(`"{\"vari"`), ok)
	w := testWriter(t, f, newClock(), func(c *Config) { c.Stream = true })
	res, err := w.WriteDetailed(context.Background(), testBrief(), 1, nil)
	if err != nil || res.Attempts != 2 {
		t.Fatalf("err %v attempts %d", err, res.Attempts)
	}
	// Cut after a chunk reached OnChunk: not retried (the caller would see
	// the text twice), and a clear error.
	f2 := newFake(t, dropAfter(`"{\"vari"`), ok)
	var got []string
	w2 := testWriter(t, f2, newClock(), func(c *Config) { c.Stream = true; c.OnChunk = func(d string) { got = append(got, d) } })
	_, err = w2.Write(context.Background(), testBrief(), 1, nil)
	if err == nil || !strings.Contains(err.Error(), "partial output") || f2.count() != 1 || len(got) != 1 {
		t.Fatalf("err %v requests %d chunks %q", err, f2.count(), got)
	}
}

func TestConcurrentUse(t *testing.T) {
	f := newFake(t, completion(variantsJSON("睡衣8折", "真丝8折"), "stop", 10, 4))
	w := testWriter(t, f, newClock(), nil)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			ds, err := w.Write(context.Background(), testBrief(), 2, nil)
			if err == nil && len(ds) != 2 {
				err = errors.New("wrong number of drafts")
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}
