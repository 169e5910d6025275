package llm

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopmind/shopmind/copywriting"
)

// fakeServer speaks the OpenAI chat-completions protocol in process. Each
// request is answered by the next reply in the queue (the last one
// repeats) and recorded.
type fakeServer struct {
	*httptest.Server
	mu      sync.Mutex
	replies []http.HandlerFunc
	reqs    []recorded
}

type recorded struct {
	Header http.Header
	Body   map[string]any
	Raw    string
}

func newFake(t *testing.T, replies ...http.HandlerFunc) *fakeServer {
	t.Helper()
	f := &fakeServer{replies: replies}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
			http.Error(w, `{"error":{"message":"not found"}}`, http.StatusNotFound)
			return
		}
		raw, _ := io.ReadAll(r.Body)
		var body map[string]any
		_ = json.Unmarshal(raw, &body)
		f.mu.Lock()
		i := len(f.reqs)
		f.reqs = append(f.reqs, recorded{Header: r.Header.Clone(), Body: body, Raw: string(raw)})
		h := f.replies[min(i, len(f.replies)-1)]
		f.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeServer) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.reqs)
}

func (f *fakeServer) req(i int) recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reqs[i]
}

// completion answers with one choice.
func completion(content, finish string, prompt, compl int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		resp := map[string]any{
			"id": "chatcmpl-1", "object": "chat.completion", "created": 1700000000, "model": "test-model",
			"choices": []any{map[string]any{
				"index": 0, "finish_reason": finish, "logprobs": nil,
				"message": map[string]any{"role": "assistant", "content": content, "refusal": nil},
			}},
		}
		if prompt > 0 || compl > 0 {
			resp["usage"] = map[string]any{"prompt_tokens": prompt, "completion_tokens": compl, "total_tokens": prompt + compl}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(resp)
	}
}

func variantsJSON(v ...string) string {
	b, _ := json.Marshal(map[string]any{"variants": v})
	return string(b)
}

// sse answers with a server-sent-event stream: one chunk per piece, a
// final chunk with finish, then (when prompt > 0) a usage chunk, then
// [DONE].
func sse(pieces []string, finish string, prompt, compl int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fl := w.(http.Flusher)
		send := func(v any) {
			b, _ := json.Marshal(v)
			fmt.Fprintf(w, "data: %s\n\n", b)
			fl.Flush()
		}
		chunk := func(delta map[string]any, fin any) map[string]any {
			return map[string]any{
				"id": "chatcmpl-2", "object": "chat.completion.chunk", "created": 1700000000, "model": "test-model",
				"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": fin}},
			}
		}
		send(chunk(map[string]any{"role": "assistant", "content": ""}, nil))
		for _, p := range pieces {
			send(chunk(map[string]any{"content": p}, nil))
		}
		if finish != "" {
			send(chunk(map[string]any{}, finish))
		}
		if prompt > 0 {
			send(map[string]any{
				"id": "chatcmpl-2", "object": "chat.completion.chunk", "created": 1700000000, "model": "test-model",
				"choices": []any{},
				"usage":   map[string]any{"prompt_tokens": prompt, "completion_tokens": compl, "total_tokens": prompt + compl},
			})
		}
		fmt.Fprint(w, "data: [DONE]\n\n")
		fl.Flush()
	}
}

func status(code int, header map[string]string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"error":{"message":"status %d","type":"test","code":"x"}}`, code)
	}
}

// fakeClock is the writer's clock and sleep: sleeping advances it.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

func testWriter(t *testing.T, f *fakeServer, clk *fakeClock, mod func(*Config)) *Writer {
	t.Helper()
	cfg := Config{
		BaseURL: f.URL + "/v1",
		APIKey:  "sk-test",
		Model:   "test-model",
		Timeout: 2 * time.Second,
		Now:     clk.Now,
		Sleep:   clk.Sleep,
		Rand:    func() float64 { return 0.5 },
	}
	if mod != nil {
		mod(&cfg)
	}
	w, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func testBrief() copywriting.Brief {
	return copywriting.Brief{
		Goal: copywriting.Conversion, Channel: copywriting.Push, Language: copywriting.Chinese,
		Voice: "温暖、俏皮",
		Items: []copywriting.Item{{
			ID: "sku-991", Title: "真丝睡衣套装", Category: []string{"服饰", "家居服"}, Brand: "眠眠",
			Price: 399, Currency: "CNY", Attributes: map[string]string{"material": "桑蚕丝", "colour": "雾蓝"},
		}},
		Offer:   &copywriting.Offer{DiscountPercent: 20, Code: "SLEEP20", Until: time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)},
		Signals: copywriting.Signals{Lifecycle: "at_risk", TopCategories: []string{"家居服"}, PriceBand: "mid", DaysSinceLast: 45},
	}
}

func messages(t *testing.T, r recorded) []string {
	t.Helper()
	ms, _ := r.Body["messages"].([]any)
	var out []string
	for _, m := range ms {
		mm := m.(map[string]any)
		out = append(out, fmt.Sprint(mm["role"])+": "+fmt.Sprint(mm["content"]))
	}
	return out
}

func contains(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}
