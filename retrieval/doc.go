// Package retrieval owns the knowledge search of the customer-service
// assistant: passages (catalogue items, policy sections, FAQ entries) held
// in an incremental BM25 index over text analysed by internal/textan
// (Porter-stemmed English, gse-segmented Chinese), an optional dense index
// whose vectors come from an OpenAI-compatible embeddings endpoint, and
// reciprocal-rank fusion of the two. It is pure apart from the embeddings
// client: it never reads the store or files; callers feed it documents.
package retrieval

import (
	"cmp"
	"slices"
	"strings"
)

// Doc is one retrievable passage.
type Doc struct {
	ID     string            `json:"id"`               // unique, e.g. "item:123", "policy:returns#2", "faq:cancel_order"
	Kind   string            `json:"kind"`             // "item", "policy", "faq" (free string; filters use it)
	Title  string            `json:"title,omitempty"`  // indexed with Options.TitleWeight
	Text   string            `json:"text"`             // the passage
	Lang   string            `json:"lang,omitempty"`   // "zh-CN", "en" or "" (informational: text is always analysed by script)
	Source string            `json:"source,omitempty"` // what a citation shows: a document path/name, item id, ...
	Meta   map[string]string `json:"meta,omitempty"`   // e.g. "intent": "cancel_order", "category": "ORDER"
}

// Hit is one search result.
type Hit struct {
	Doc   Doc
	Score float64 // method-specific (BM25 score, cosine, or fused RRF score)
	Rank  int     // 1-based
}

// Query is what to search for.
type Query struct {
	Text  string
	Kinds []string // empty: all kinds
	K     int      // results wanted; 0 means DefaultK
}

// DefaultK is the number of results a Query with K 0 gets.
const DefaultK = 10

func (q Query) k() int {
	if q.K <= 0 {
		return DefaultK
	}
	return q.K
}

// kindFilter returns a predicate accepting the query's kinds (all when
// none are given).
func (q Query) kindFilter() func(string) bool {
	if len(q.Kinds) == 0 {
		return func(string) bool { return true }
	}
	set := make(map[string]bool, len(q.Kinds))
	for _, k := range q.Kinds {
		set[k] = true
	}
	return func(k string) bool { return set[k] }
}

// sortHits orders hits by score, descending, ties by ID, keeps the first
// k and numbers their ranks.
func sortHits(hits []Hit, k int) []Hit {
	slices.SortFunc(hits, func(a, b Hit) int {
		if a.Score != b.Score {
			return cmp.Compare(b.Score, a.Score)
		}
		return strings.Compare(a.Doc.ID, b.Doc.ID)
	})
	if k > 0 && len(hits) > k {
		hits = hits[:k]
	}
	for i := range hits {
		hits[i].Rank = i + 1
	}
	return hits
}
