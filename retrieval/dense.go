package retrieval

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// Embedder turns texts into vectors, one per text, in order. Vectors of
// one Embedder must all have the same length.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// openAIEmbedder calls an OpenAI-compatible POST {base}/embeddings.
type openAIEmbedder struct {
	client  openai.Client
	model   string
	timeout time.Duration
}

// NewOpenAIEmbedder returns an Embedder calling the OpenAI-compatible
// endpoint POST {baseURL}/embeddings with the given model (baseURL
// including its version path, e.g. "https://api.openai.com/v1"). Each
// call is bounded by timeout (0: the context's deadline only) and is not
// retried: the Searcher falls back to BM25 instead. The key is always set,
// even empty, so that an OPENAI_API_KEY in the environment is never sent
// to another provider.
func NewOpenAIEmbedder(baseURL, apiKey, model string, timeout time.Duration) Embedder {
	return &openAIEmbedder{
		client: openai.NewClient(
			option.WithBaseURL(baseURL),
			option.WithAPIKey(apiKey),
			option.WithHeaderDel("OpenAI-Organization"),
			option.WithHeaderDel("OpenAI-Project"),
			option.WithMaxRetries(0),
		),
		model:   model,
		timeout: timeout,
	}
}

func (e *openAIEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if len(texts) == 0 {
		return nil, nil
	}
	if e.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.timeout)
		defer cancel()
	}
	res, err := e.client.Embeddings.New(ctx, openai.EmbeddingNewParams{
		Input:          openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: texts},
		Model:          openai.EmbeddingModel(e.model),
		EncodingFormat: openai.EmbeddingNewParamsEncodingFormatFloat,
	})
	if err != nil {
		return nil, fmt.Errorf("retrieval: embeddings request to model %q failed (check the embeddings base URL, key and model): %w", e.model, err)
	}
	out := make([][]float32, len(texts))
	for _, d := range res.Data {
		if d.Index < 0 || int(d.Index) >= len(texts) {
			return nil, fmt.Errorf("retrieval: embeddings response has index %d for %d inputs", d.Index, len(texts))
		}
		v := make([]float32, len(d.Embedding))
		for i, x := range d.Embedding {
			v[i] = float32(x)
		}
		out[d.Index] = v
	}
	for i, v := range out {
		if v == nil {
			return nil, fmt.Errorf("retrieval: embeddings response lacks input %d of %d", i, len(texts))
		}
	}
	return out, nil
}

// Dense is a vector index: each document's title and text embedded once,
// searched by cosine similarity to the embedded query (exhaustively, which
// is fast enough for the tens of thousands of passages a shop has). Safe
// for concurrent use.
type Dense struct {
	e Embedder
	// BatchSize is the number of texts per Embed call in Upsert; 0 means 64.
	BatchSize int

	mu   sync.RWMutex
	docs map[string]denseEntry
	dim  int
}

type denseEntry struct {
	doc Doc
	vec []float32 // unit length
}

// NewDense returns an empty dense index embedding with e.
func NewDense(e Embedder) *Dense {
	return &Dense{e: e, docs: map[string]denseEntry{}}
}

// embedText is what is embedded for a document.
func embedText(d *Doc) string {
	if d.Title == "" {
		return d.Text
	}
	return d.Title + "\n" + d.Text
}

// Upsert embeds and adds documents, replacing any with the same ID. On an
// error nothing of the failing batch is added (earlier batches are).
func (d *Dense) Upsert(ctx context.Context, docs ...Doc) error {
	batch := d.BatchSize
	if batch <= 0 {
		batch = 64
	}
	var todo []Doc
	for _, doc := range docs {
		if doc.ID != "" {
			todo = append(todo, doc)
		}
	}
	for start := 0; start < len(todo); start += batch {
		part := todo[start:min(start+batch, len(todo))]
		texts := make([]string, len(part))
		for i := range part {
			texts[i] = embedText(&part[i])
		}
		vecs, err := d.e.Embed(ctx, texts)
		if err != nil {
			return fmt.Errorf("retrieval: embedding %d documents: %w", len(part), err)
		}
		if len(vecs) != len(part) {
			return fmt.Errorf("retrieval: embedder returned %d vectors for %d documents", len(vecs), len(part))
		}
		d.mu.Lock()
		for i, v := range vecs {
			if d.dim == 0 {
				d.dim = len(v)
			}
			if len(v) != d.dim {
				d.mu.Unlock()
				return fmt.Errorf("retrieval: embedder returned a %d-dimensional vector, the index holds %d-dimensional ones", len(v), d.dim)
			}
			d.docs[part[i].ID] = denseEntry{doc: part[i], vec: normalize(v)}
		}
		d.mu.Unlock()
	}
	return nil
}

// Delete removes documents by ID.
func (d *Dense) Delete(ids ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, id := range ids {
		delete(d.docs, id)
	}
	if len(d.docs) == 0 {
		d.dim = 0
	}
}

// Len returns the number of documents.
func (d *Dense) Len() int {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return len(d.docs)
}

// ErrNoEmbedder is returned by a Dense without an Embedder.
var ErrNoEmbedder = errors.New("retrieval: dense index has no embedder")

// Search embeds the query and returns the K documents of its kinds with
// the highest cosine similarity (ties by ID).
func (d *Dense) Search(ctx context.Context, q Query) ([]Hit, error) {
	if d == nil || d.e == nil {
		return nil, ErrNoEmbedder
	}
	if q.Text == "" {
		return nil, nil
	}
	vecs, err := d.e.Embed(ctx, []string{q.Text})
	if err != nil {
		return nil, fmt.Errorf("retrieval: embedding the query: %w", err)
	}
	if len(vecs) != 1 {
		return nil, fmt.Errorf("retrieval: embedder returned %d vectors for one query", len(vecs))
	}
	qv := normalize(vecs[0])
	keep := q.kindFilter()
	d.mu.RLock()
	defer d.mu.RUnlock()
	if len(d.docs) > 0 && len(qv) != d.dim {
		return nil, fmt.Errorf("retrieval: query vector has %d dimensions, documents %d", len(qv), d.dim)
	}
	hits := make([]Hit, 0, len(d.docs))
	for _, e := range d.docs {
		if !keep(e.doc.Kind) {
			continue
		}
		hits = append(hits, Hit{Doc: e.doc, Score: dot(qv, e.vec)})
	}
	return sortHits(hits, q.k()), nil
}

func normalize(v []float32) []float32 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	out := make([]float32, len(v))
	if s == 0 {
		return out
	}
	inv := 1 / math.Sqrt(s)
	for i, x := range v {
		out[i] = float32(float64(x) * inv)
	}
	return out
}

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}
