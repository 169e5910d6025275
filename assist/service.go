package assist

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/shopmind/shopmind/catalog"
	"github.com/shopmind/shopmind/retrieval"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// SimilarFunc returns ids of items similar to itemID, best first (the
// recommender's Similar when present).
type SimilarFunc func(ctx context.Context, itemID string, n int) ([]string, error)

// bulkThreshold is how many changed items make one scan of the store
// cheaper than reading them one by one.
const bulkThreshold = 200

// Config configures a Service. Zero fields take defaults.
type Config struct {
	DocsDir       string  // Markdown policy folder (assist_docs_dir); "" for none
	MinConfidence float64 // escalate below this (assist_min_confidence)
	HistoryTurns  int     // turns kept per session (default 10)
	// NoDefaultPolicies leaves the embedded policies out of the index.
	NoDefaultPolicies bool
	// PollInterval is how often items and documents written by other
	// nodes are looked for (default 10s).
	PollInterval time.Duration
	// LLM, when set, writes answers; nil answers extractively.
	LLM *LLM
	// Embedder, when set, adds dense retrieval fused with BM25.
	Embedder retrieval.Embedder
	// Similar serves similar_products; nil falls back to the catalogue
	// (same category, then same brand).
	Similar SimilarFunc
	Now     func() time.Time
}

// Service is the assistant. Its methods are safe for concurrent use.
type Service struct {
	st  store.Store
	cat *catalog.Cache // may be nil: items are then scanned from the store
	cfg Config
	log *slog.Logger

	mu       sync.RWMutex
	searcher *retrieval.Searcher
	itemFP   map[string]string // indexed item id -> fingerprint
	docVer   map[string]int64  // indexed document id -> version
	docIDs   map[string][]string
	catVer   int64
	syncMu   sync.Mutex // one index sync at a time
}

// New builds the service and its index: the policies, the stored documents
// and the catalogue. A failing store read is returned; the index is then
// retried by Run.
func New(ctx context.Context, st store.Store, cat *catalog.Cache, cfg Config, log *slog.Logger) (*Service, error) {
	if cfg.HistoryTurns <= 0 {
		cfg.HistoryTurns = 10
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 10 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	s := &Service{st: st, cat: cat, cfg: cfg, log: log, itemFP: map[string]string{}, docVer: map[string]int64{}, docIDs: map[string][]string{}, catVer: -1}
	s.searcher = &retrieval.Searcher{BM25: retrieval.NewIndex(retrieval.Options{})}
	if cfg.Embedder != nil {
		s.searcher.Dense = retrieval.NewDense(cfg.Embedder)
	}
	var static []retrieval.Doc
	if !cfg.NoDefaultPolicies {
		static = append(static, DefaultPolicies()...)
	}
	if cfg.DocsDir != "" {
		docs, err := DirPolicies(cfg.DocsDir)
		if err != nil {
			return nil, err
		}
		static = append(static, docs...)
	}
	if err := s.upsert(ctx, static...); err != nil {
		return nil, err
	}
	if err := s.Sync(ctx); err != nil {
		return s, err
	}
	return s, nil
}

// upsert adds docs to BM25 and, when configured, the dense index (whose
// failures are logged, not returned).
func (s *Service) upsert(ctx context.Context, docs ...retrieval.Doc) error {
	if len(docs) == 0 {
		return nil
	}
	s.searcher.BM25.Upsert(docs...)
	if s.searcher.Dense != nil {
		// A failing embeddings endpoint must not stop the assistant: the
		// documents stay searchable by BM25.
		if err := s.searcher.Dense.Upsert(ctx, docs...); err != nil {
			s.log.Warn("assist: embedding documents failed; they are searchable by BM25 only (check embed_base_url and embed_model)", "docs", len(docs), "err", err)
		}
	}
	return nil
}

func (s *Service) remove(ids ...string) {
	if len(ids) == 0 {
		return
	}
	s.searcher.BM25.Delete(ids...)
	if s.searcher.Dense != nil {
		s.searcher.Dense.Delete(ids...)
	}
}

// Len is the number of indexed passages and items.
func (s *Service) Len() int { return s.searcher.BM25.Len() }

// Run keeps the index in step with the catalogue and the stored documents
// until ctx ends, polling every PollInterval.
func (s *Service) Run(ctx context.Context) error {
	t := time.NewTicker(s.cfg.PollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			func() {
				defer func() {
					if p := recover(); p != nil {
						s.log.Error("assist: index sync panicked", "panic", p, "stack", string(debug.Stack()))
					}
				}()
				if err := s.Sync(ctx); err != nil && ctx.Err() == nil {
					s.log.Warn("assist: index sync failed; retrying at the next poll", "err", err)
				}
			}()
		}
	}
}

// Sync brings items and documents in the index up to date with the store.
func (s *Service) Sync(ctx context.Context) error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	return errors.Join(s.syncItems(ctx), s.syncDocuments(ctx))
}

func (s *Service) syncItems(ctx context.Context) error {
	current := map[string]string{}
	var changed []string
	var fresh []shop.Item // full items read in store mode
	if s.cat != nil {
		v := s.cat.Version()
		if v == s.catVer {
			return nil
		}
		s.cat.Each(func(it *shop.Item) bool {
			if it.Hidden {
				return true
			}
			fp := itemFingerprint(it)
			current[it.ID] = fp
			if s.itemFP[it.ID] != fp {
				changed = append(changed, it.ID)
			}
			return true
		})
		if len(changed) > bulkThreshold {
			// Many changes (the first load, a re-import): one scan.
			want := make(map[string]bool, len(changed))
			for _, id := range changed {
				want[id] = true
			}
			cursor := ""
			for {
				page, next, err := s.st.ListItems(ctx, store.ItemQuery{Cursor: cursor, Limit: store.MaxLimit})
				if err != nil {
					return fmt.Errorf("assist: listing items: %w", err)
				}
				for _, it := range page {
					if want[it.ID] {
						if c := s.cat.Peek(it.ID); c != nil {
							it.Stock, it.Hidden, it.Price = c.Stock, c.Hidden, c.Price
						}
						fresh = append(fresh, it)
						delete(want, it.ID)
					}
				}
				if next == "" {
					break
				}
				cursor = next
			}
			for id := range want { // gone from the store meanwhile
				delete(current, id)
			}
			changed = nil
		}
		for _, id := range changed {
			it, err := s.st.GetItem(ctx, id)
			if errors.Is(err, store.ErrNotFound) {
				delete(current, id)
				continue
			}
			if err != nil {
				return fmt.Errorf("assist: reading item %s: %w", id, err)
			}
			if c := s.cat.Peek(id); c != nil {
				it.Stock, it.Hidden, it.Price = c.Stock, c.Hidden, c.Price
			}
			fresh = append(fresh, it)
		}
		s.catVer = v
	} else {
		cursor := ""
		for {
			page, next, err := s.st.ListItems(ctx, store.ItemQuery{Cursor: cursor, Limit: store.MaxLimit})
			if err != nil {
				return fmt.Errorf("assist: listing items: %w", err)
			}
			for i := range page {
				it := &page[i]
				if it.Hidden {
					continue
				}
				fp := itemFingerprint(it) + "\x00" + it.Description
				current[it.ID] = fp
				if s.itemFP[it.ID] != fp {
					fresh = append(fresh, *it)
				}
			}
			if next == "" {
				break
			}
			cursor = next
		}
	}
	docs := make([]retrieval.Doc, len(fresh))
	for i, it := range fresh {
		docs[i] = ItemDoc(it)
	}
	var gone []string
	for id := range s.itemFP {
		if _, ok := current[id]; !ok {
			gone = append(gone, ItemDocID(id))
		}
	}
	s.remove(gone...)
	if err := s.upsert(ctx, docs...); err != nil {
		return err
	}
	s.itemFP = current
	return nil
}

func (s *Service) syncDocuments(ctx context.Context) error {
	docs, err := readDocuments(ctx, s.st)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, d := range docs {
		seen[d.ID] = true
		if s.docVer[d.ID] == d.Version {
			continue
		}
		if err := s.indexDocument(ctx, d); err != nil {
			return err
		}
	}
	for id := range s.docVer {
		if !seen[id] {
			s.unindexDocument(id)
		}
	}
	return nil
}

func (s *Service) indexDocument(ctx context.Context, d Document) error {
	ps := d.passages()
	ids := make([]string, len(ps))
	for i := range ps {
		ids[i] = ps[i].ID
	}
	s.mu.Lock()
	old := s.docIDs[d.ID]
	s.docIDs[d.ID] = ids
	s.docVer[d.ID] = d.Version
	s.mu.Unlock()
	var stale []string
	for _, id := range old {
		if !slices.Contains(ids, id) {
			stale = append(stale, id)
		}
	}
	s.remove(stale...)
	return s.upsert(ctx, ps...)
}

func (s *Service) unindexDocument(id string) {
	s.mu.Lock()
	ids := s.docIDs[id]
	delete(s.docIDs, id)
	delete(s.docVer, id)
	s.mu.Unlock()
	s.remove(ids...)
}

// UploadDocument stores a document and indexes it on this node at once
// (other nodes at their next poll).
func (s *Service) UploadDocument(ctx context.Context, in DocumentInput) (Document, error) {
	d, err := in.validate()
	if err != nil {
		return d, err
	}
	b, err := json.Marshal(d)
	if err != nil {
		return d, err
	}
	v, err := s.st.PutObject(ctx, ObjectDocuments, d.ID, b)
	if err != nil {
		return d, fmt.Errorf("assist: storing document %s: %w", d.ID, err)
	}
	d.Version, d.UpdatedAt = v, s.cfg.Now().UTC()
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	return d, s.indexDocument(ctx, d)
}

// Documents lists the stored documents (without their passages).
func (s *Service) Documents(ctx context.Context) ([]Document, error) {
	docs, err := readDocuments(ctx, s.st)
	for i := range docs {
		docs[i].Passages = nil
	}
	return docs, err
}

// DeleteDocument removes a stored document from the store and this node's
// index; ErrNotFound if there is none.
func (s *Service) DeleteDocument(ctx context.Context, id string) error {
	if err := s.st.DeleteObject(ctx, ObjectDocuments, id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%w: no document %q", ErrNotFound, id)
		}
		return fmt.Errorf("assist: deleting document %s: %w", id, err)
	}
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.unindexDocument(id)
	return nil
}
