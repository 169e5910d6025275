package retrieval

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"hash/fnv"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeEmbedder hashes lower-case words into a 32-dimensional bag: texts
// sharing words get close vectors. It can be told to fail.
type fakeEmbedder struct {
	fail  atomic.Bool
	calls atomic.Int32
}

func (f *fakeEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	f.calls.Add(1)
	if f.fail.Load() {
		return nil, errors.New("embeddings endpoint down")
	}
	out := make([][]float32, len(texts))
	for i, s := range texts {
		v := make([]float32, 32)
		for _, w := range strings.Fields(strings.ToLower(s)) {
			h := fnv.New32a()
			h.Write([]byte(strings.Trim(w, "?.,!")))
			v[h.Sum32()%32]++
		}
		out[i] = v
	}
	return out, nil
}

func TestDense(t *testing.T) {
	ctx := context.Background()
	fe := &fakeEmbedder{}
	d := NewDense(fe)
	d.BatchSize = 2
	err := d.Upsert(ctx,
		Doc{ID: "a", Kind: "faq", Text: "track my parcel"},
		Doc{ID: "b", Kind: "faq", Text: "reset password"},
		Doc{ID: "c", Kind: "policy", Text: "parcel lost in transit"},
	)
	if err != nil {
		t.Fatal(err)
	}
	if fe.calls.Load() != 2 || d.Len() != 3 {
		t.Fatalf("calls %d (want 2 batches), len %d", fe.calls.Load(), d.Len())
	}
	hits, err := d.Search(ctx, Query{Text: "reset password", K: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 2 || hits[0].Doc.ID != "b" || hits[0].Rank != 1 || hits[0].Score < 0.999 {
		t.Fatalf("hits %+v", hits)
	}
	hits, _ = d.Search(ctx, Query{Text: "parcel", Kinds: []string{"policy"}})
	if !slices.Equal(ids(hits), []string{"c"}) {
		t.Errorf("kind filter: %v", ids(hits))
	}
	d.Delete("b")
	hits, _ = d.Search(ctx, Query{Text: "reset password"})
	if slices.Contains(ids(hits), "b") || d.Len() != 2 {
		t.Errorf("deleted doc found: %v", ids(hits))
	}
	fe.fail.Store(true)
	if _, err := d.Search(ctx, Query{Text: "x"}); err == nil {
		t.Error("no error from a failing embedder")
	}
	if err := d.Upsert(ctx, Doc{ID: "z", Text: "x"}); err == nil || d.Len() != 2 {
		t.Errorf("failing upsert: err %v, len %d", err, d.Len())
	}
}

func TestFuse(t *testing.T) {
	h := func(ids ...string) []Hit {
		out := make([]Hit, len(ids))
		for i, id := range ids {
			out[i] = Hit{Doc: Doc{ID: id}}
		}
		return out
	}
	got := Fuse(60, h("a", "b", "c"), h("c", "a", "d"))
	// a: 1/61 + 1/62; c: 1/63 + 1/61; b: 1/62; d: 1/63
	want := []struct {
		id    string
		score float64
	}{{"a", 1.0/61 + 1.0/62}, {"c", 1.0/63 + 1.0/61}, {"b", 1.0 / 62}, {"d", 1.0 / 63}}
	if len(got) != len(want) {
		t.Fatalf("got %v", ids(got))
	}
	for i, w := range want {
		if got[i].Doc.ID != w.id || !near(got[i].Score, w.score) || got[i].Rank != i+1 {
			t.Errorf("%d: %s %.6f #%d, want %s %.6f", i, got[i].Doc.ID, got[i].Score, got[i].Rank, w.id, w.score)
		}
	}
	// Ties broken by ID: x and y both first in one list.
	if got := Fuse(0, h("y"), h("x")); !slices.Equal(ids(got), []string{"x", "y"}) || !near(got[0].Score, 1.0/61) {
		t.Errorf("tie: %v", got)
	}
	if got := Fuse(60); len(got) != 0 {
		t.Errorf("no lists: %v", got)
	}
}

func TestSearcherFallsBackToBM25(t *testing.T) {
	ctx := context.Background()
	fe := &fakeEmbedder{}
	var logBuf bytes.Buffer
	s := &Searcher{BM25: NewIndex(Options{}), Dense: NewDense(fe), Log: slog.New(slog.NewTextHandler(&logBuf, nil))}
	docs := []Doc{
		{ID: "a", Kind: "faq", Text: "track my parcel"},
		{ID: "b", Kind: "faq", Text: "reset password"},
		{ID: "c", Kind: "faq", Text: "parcel lost in transit"},
	}
	if err := s.Upsert(ctx, docs...); err != nil {
		t.Fatal(err)
	}
	r, err := s.SearchResult(ctx, Query{Text: "parcel lost"})
	if err != nil || r.Method != "hybrid" || r.DenseErr != nil || len(r.Hits) == 0 || r.Hits[0].Doc.ID != "c" {
		t.Fatalf("hybrid: %+v %v", r, err)
	}
	// Fused scores are RRF scores: at most 2/61.
	if r.Hits[0].Score > 2.0/61+1e-12 {
		t.Errorf("fused score %v", r.Hits[0].Score)
	}
	fe.fail.Store(true)
	r, err = s.SearchResult(ctx, Query{Text: "parcel lost"})
	if err != nil || r.Method != "bm25" || r.DenseErr == nil {
		t.Fatalf("fallback: method %q, dense err %v, err %v", r.Method, r.DenseErr, err)
	}
	want := s.BM25.Search(Query{Text: "parcel lost"})
	if !slices.Equal(ids(r.Hits), ids(want)) || r.Hits[0].Score != want[0].Score {
		t.Errorf("fallback hits %v, BM25 %v", ids(r.Hits), ids(want))
	}
	if !strings.Contains(logBuf.String(), "dense search failed") {
		t.Errorf("no warning logged: %q", logBuf.String())
	}
	hits, err := s.Search(ctx, Query{Text: "password"})
	if err != nil || len(hits) != 1 || hits[0].Doc.ID != "b" {
		t.Errorf("Search fallback: %v %v", ids(hits), err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Search(cctx, Query{Text: "password"}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
	s.Delete("b")
	if _, ok := s.BM25.Get("b"); ok || s.Dense.Len() != 2 {
		t.Error("Searcher.Delete left b behind")
	}
}

// TestOpenAIEmbedder speaks the embeddings protocol from an httptest server.
func TestOpenAIEmbedder(t *testing.T) {
	var status atomic.Int32
	status.Store(200)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/embeddings" {
			http.Error(w, "wrong endpoint "+r.Method+" "+r.URL.Path, 404)
			return
		}
		if r.Header.Get("Authorization") != "Bearer sk-test" {
			http.Error(w, "bad key", 401)
			return
		}
		if s := int(status.Load()); s != 200 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(s)
			io.WriteString(w, `{"error":{"message":"overloaded","type":"server_error"}}`)
			return
		}
		var req struct {
			Input []string `json:"input"`
			Model string   `json:"model"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Model != "emb-small" {
			http.Error(w, "bad request", 400)
			return
		}
		type item struct {
			Object    string    `json:"object"`
			Index     int       `json:"index"`
			Embedding []float64 `json:"embedding"`
		}
		var data []item
		for i := len(req.Input) - 1; i >= 0; i-- { // out of order on purpose
			data = append(data, item{"embedding", i, []float64{float64(len(req.Input[i])), float64(i), 1}})
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": req.Model,
			"usage": map[string]int{"prompt_tokens": 3, "total_tokens": 3}})
	}))
	defer srv.Close()
	e := NewOpenAIEmbedder(srv.URL+"/v1", "sk-test", "emb-small", 5*time.Second)
	vecs, err := e.Embed(context.Background(), []string{"ab", "abcd"})
	if err != nil {
		t.Fatal(err)
	}
	if len(vecs) != 2 || !slices.Equal(vecs[0], []float32{2, 0, 1}) || !slices.Equal(vecs[1], []float32{4, 1, 1}) {
		t.Fatalf("vectors %v", vecs)
	}
	status.Store(503)
	if _, err := e.Embed(context.Background(), []string{"x"}); err == nil || !strings.Contains(err.Error(), "emb-small") {
		t.Errorf("503: %v", err)
	}
	bad := NewOpenAIEmbedder(srv.URL+"/v1", "wrong", "emb-small", time.Second)
	status.Store(200)
	if _, err := bad.Embed(context.Background(), []string{"x"}); err == nil {
		t.Error("wrong key: no error")
	}
}
