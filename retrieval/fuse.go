package retrieval

import (
	"context"
	"log/slog"
)

// DefaultRRFK is the conventional constant of reciprocal-rank fusion.
const DefaultRRFK = 60

// Fuse merges ranked lists by reciprocal-rank fusion: a document's score is
// the sum over the lists holding it of 1/(k + rank), rank being its 1-based
// position in that list (its Rank field is ignored, so lists need only be
// in order). k ≤ 0 means DefaultRRFK. The result holds every document of
// every list, best first, ties broken by ID; the Doc of a hit is the one of
// the first list holding it.
func Fuse(k float64, lists ...[]Hit) []Hit {
	if k <= 0 {
		k = DefaultRRFK
	}
	idx := map[string]int{}
	var out []Hit
	for _, l := range lists {
		for pos, h := range l {
			s := 1 / (k + float64(pos+1))
			if i, ok := idx[h.Doc.ID]; ok {
				out[i].Score += s
				continue
			}
			idx[h.Doc.ID] = len(out)
			out = append(out, Hit{Doc: h.Doc, Score: s})
		}
	}
	return sortHits(out, 0)
}

// Searcher searches BM25 alone, or BM25 and a dense index fused by
// reciprocal rank.
type Searcher struct {
	BM25  *Index
	Dense *Dense // nil: BM25 only
	// RRFK is the fusion constant; 0 means DefaultRRFK.
	RRFK float64
	// Depth is how many results each side contributes to the fusion; 0
	// means max(50, 3·K).
	Depth int
	// Log receives the warning when the dense side fails; nil means
	// slog.Default().
	Log *slog.Logger
}

// Result is a search's hits and how they were found.
type Result struct {
	Hits []Hit
	// Method is "bm25" or "hybrid" (BM25 and dense fused by RRF).
	Method string
	// DenseErr is the dense side's error when it failed and the hits are
	// BM25's alone (Method "bm25"); nil otherwise.
	DenseErr error
}

// Search returns the query's hits. Without a dense index they are BM25's;
// with one, BM25's and the dense index's top lists fused by RRF. If the
// dense side fails (embeddings endpoint down, timeout) the failure is logged
// and BM25's hits are returned with a nil error: search degrades, it does
// not fail. Use SearchResult to learn whether that happened. The error is
// non-nil only when ctx is done.
func (s *Searcher) Search(ctx context.Context, q Query) ([]Hit, error) {
	r, err := s.SearchResult(ctx, q)
	return r.Hits, err
}

// SearchResult is Search, also reporting the method used and any dense
// failure it fell back from.
func (s *Searcher) SearchResult(ctx context.Context, q Query) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	k := q.k()
	if s.Dense == nil {
		return Result{Hits: s.BM25.Search(q), Method: "bm25"}, nil
	}
	depth := s.Depth
	if depth <= 0 {
		depth = max(50, 3*k)
	}
	deep := q
	deep.K = depth
	lexical := s.BM25.Search(deep)
	dense, err := s.Dense.Search(ctx, deep)
	if err != nil {
		if ctx.Err() != nil {
			return Result{}, ctx.Err()
		}
		log := s.Log
		if log == nil {
			log = slog.Default()
		}
		log.Warn("retrieval: dense search failed, answering from BM25 alone", "err", err)
		if len(lexical) > k {
			lexical = lexical[:k]
		}
		return Result{Hits: lexical, Method: "bm25", DenseErr: err}, nil
	}
	fused := Fuse(s.RRFK, lexical, dense)
	if len(fused) > k {
		fused = fused[:k]
	}
	return Result{Hits: fused, Method: "hybrid"}, nil
}

// Upsert adds documents to both indexes. The BM25 side always takes them;
// an error is the dense side's (its documents then stay searchable by BM25).
func (s *Searcher) Upsert(ctx context.Context, docs ...Doc) error {
	s.BM25.Upsert(docs...)
	if s.Dense == nil {
		return nil
	}
	return s.Dense.Upsert(ctx, docs...)
}

// Delete removes documents from both indexes.
func (s *Searcher) Delete(ids ...string) {
	s.BM25.Delete(ids...)
	if s.Dense != nil {
		s.Dense.Delete(ids...)
	}
}
