package retrieval

import (
	"math"
	"slices"
	"sync"

	"github.com/shopmind/shopmind/internal/textan"
)

// Options tunes the BM25 index. Zero fields take the defaults.
type Options struct {
	K1          float64 // term-frequency saturation; default 1.2
	B           float64 // length normalisation, 0..1; default 0.75 (use NoLengthNorm for 0)
	TitleWeight float64 // a title occurrence counts this many text occurrences; default 2
	// NoLengthNorm sets b to 0 (a zero B means the default).
	NoLengthNorm bool
	// NoHanBigrams turns off the character-bigram field indexed for runs
	// of Han characters besides gse's words. Measured on the assistant's
	// Chinese policy questions (49 with a policy source, 72 passages),
	// the right passage ranked first for 40 without bigrams, 44 at weight
	// 0.5 and 46 at weight 1 (no further gain at 1.5 or 2); all 49 were in
	// the top 3 with bigrams, 48 without.
	NoHanBigrams bool
	// BigramWeight scales the bigram field's term frequencies; default 1.
	BigramWeight float64
	// Stem maps a lower-case English word to its stem; nil means
	// textan.PorterStem (textan.LightStem is the content recommender's).
	Stem func(string) string
}

// DefaultOptions returns the defaults: k1 1.2, b 0.75, title weight 2,
// Han bigrams at weight 1.
func DefaultOptions() Options { return Options{}.withDefaults() }

func (o Options) withDefaults() Options {
	if o.K1 <= 0 {
		o.K1 = 1.2
	}
	if o.NoLengthNorm {
		o.B = 0
	} else if o.B <= 0 {
		o.B = 0.75
	}
	if o.B > 1 {
		o.B = 1
	}
	if o.TitleWeight <= 0 {
		o.TitleWeight = 2
	}
	if o.BigramWeight <= 0 {
		o.BigramWeight = 1
	}
	return o
}

// analyzer returns the text analysis the index uses for documents and
// queries alike.
func (o Options) analyzer() textan.Analyzer {
	stem := o.Stem
	if stem == nil {
		stem = textan.PorterStem
	}
	return textan.Analyzer{Stem: stem, HanBigrams: !o.NoHanBigrams}
}

// Index is a BM25 index over each document's analysed title and text. It
// is safe for concurrent use and incremental: Upsert and Delete update the
// postings in place, and statistics (document count, average length,
// document frequencies) are always current, so an index built by any
// sequence of upserts and deletes scores exactly like one built afresh from
// the documents it holds.
type Index struct {
	opt Options
	an  textan.Analyzer

	mu       sync.RWMutex
	docs     []entry          // by slot
	free     []int32          // free slots
	byID     map[string]int32 // doc ID → slot
	postings map[string]map[int32]float64
	totalLen float64
}

type entry struct {
	doc   Doc
	terms map[string]float64 // term → weighted frequency
	len   float64            // sum of weighted frequencies
	live  bool
}

// NewIndex returns an empty index.
func NewIndex(opt Options) *Index {
	opt = opt.withDefaults()
	return &Index{
		opt:      opt,
		an:       opt.analyzer(),
		byID:     map[string]int32{},
		postings: map[string]map[int32]float64{},
	}
}

// Options returns the index's options, defaults filled in.
func (ix *Index) Options() Options { return ix.opt }

// docTerms analyses a document into weighted term frequencies.
func (ix *Index) docTerms(d *Doc) (map[string]float64, float64) {
	terms := map[string]float64{}
	total := 0.0
	field := func(w float64) textan.EmitFunc {
		return func(key, _ string) {
			if len(key) > len(textan.BigramPrefix) && key[:len(textan.BigramPrefix)] == textan.BigramPrefix {
				w := w * ix.opt.BigramWeight
				terms[key] += w
				total += w
				return
			}
			terms[key] += w
			total += w
		}
	}
	ix.an.Words(d.Title, field(ix.opt.TitleWeight))
	ix.an.Words(d.Text, field(1))
	return terms, total
}

// Upsert adds documents, replacing any with the same ID. Documents without
// an ID are ignored. Analysis happens before the lock is taken.
func (ix *Index) Upsert(docs ...Doc) {
	type analysed struct {
		doc   Doc
		terms map[string]float64
		len   float64
	}
	as := make([]analysed, 0, len(docs))
	for _, d := range docs {
		if d.ID == "" {
			continue
		}
		t, l := ix.docTerms(&d)
		as = append(as, analysed{d, t, l})
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, a := range as {
		ix.removeLocked(a.doc.ID)
		var slot int32
		if n := len(ix.free); n > 0 {
			slot = ix.free[n-1]
			ix.free = ix.free[:n-1]
		} else {
			slot = int32(len(ix.docs))
			ix.docs = append(ix.docs, entry{})
		}
		ix.docs[slot] = entry{doc: a.doc, terms: a.terms, len: a.len, live: true}
		ix.byID[a.doc.ID] = slot
		ix.totalLen += a.len
		for t, f := range a.terms {
			p := ix.postings[t]
			if p == nil {
				p = map[int32]float64{}
				ix.postings[t] = p
			}
			p[slot] = f
		}
	}
}

// Delete removes documents by ID; unknown IDs are ignored.
func (ix *Index) Delete(ids ...string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, id := range ids {
		ix.removeLocked(id)
	}
}

func (ix *Index) removeLocked(id string) {
	slot, ok := ix.byID[id]
	if !ok {
		return
	}
	e := &ix.docs[slot]
	for t := range e.terms {
		p := ix.postings[t]
		delete(p, slot)
		if len(p) == 0 {
			delete(ix.postings, t)
		}
	}
	ix.totalLen -= e.len
	*e = entry{}
	delete(ix.byID, id)
	ix.free = append(ix.free, slot)
	if len(ix.byID) == 0 {
		ix.totalLen = 0 // no drift once empty
	}
}

// Get returns the document with the given ID.
func (ix *Index) Get(id string) (Doc, bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	slot, ok := ix.byID[id]
	if !ok {
		return Doc{}, false
	}
	return ix.docs[slot].doc, true
}

// Len returns the number of documents.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.byID)
}

// IDF is BM25's inverse document frequency with the +1 that keeps it
// positive: ln(1 + (N − df + 0.5)/(df + 0.5)).
func IDF(n, df int) float64 {
	return math.Log(1 + (float64(n)-float64(df)+0.5)/(float64(df)+0.5))
}

// Search returns the best K documents of the query's kinds by BM25:
// the sum over query terms t (repeated terms counted once per occurrence)
// of IDF(t)·f·(k1+1)/(f + k1·(1 − b + b·len/avglen)), f being the
// document's weighted frequency of t. Documents sharing no term with the
// query are not returned. Ties are broken by ID.
func (ix *Index) Search(q Query) []Hit {
	qterms := map[string]float64{}
	ix.an.Words(q.Text, func(key, _ string) {
		if len(key) > len(textan.BigramPrefix) && key[:len(textan.BigramPrefix)] == textan.BigramPrefix {
			qterms[key] += ix.opt.BigramWeight
			return
		}
		qterms[key]++
	})
	if len(qterms) == 0 {
		return nil
	}
	keep := q.kindFilter()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	n := len(ix.byID)
	if n == 0 {
		return nil
	}
	avg := ix.totalLen / float64(n)
	if avg <= 0 {
		avg = 1
	}
	k1, b := ix.opt.K1, ix.opt.B
	// Terms in a fixed order, so that float sums do not depend on map order.
	keys := make([]string, 0, len(qterms))
	for t := range qterms {
		keys = append(keys, t)
	}
	slices.Sort(keys)
	scores := make([]float64, len(ix.docs))
	var touched []int32
	for _, t := range keys {
		qf := qterms[t]
		p := ix.postings[t]
		if len(p) == 0 {
			continue
		}
		idf := IDF(n, len(p)) * qf
		for slot, f := range p {
			norm := k1 * (1 - b + b*ix.docs[slot].len/avg)
			if scores[slot] == 0 {
				touched = append(touched, slot)
			}
			scores[slot] += idf * f * (k1 + 1) / (f + norm)
		}
	}
	// Keep the best k in a min-heap (worst on top) of slots, so that only
	// k documents are copied and sorted.
	k := q.k()
	better := func(a, b int32) bool { // a ranks above b
		if scores[a] != scores[b] {
			return scores[a] > scores[b]
		}
		return ix.docs[a].doc.ID < ix.docs[b].doc.ID
	}
	heap := make([]int32, 0, min(k, len(touched)))
	down := func(i int) {
		for {
			c := 2*i + 1
			if c >= len(heap) {
				return
			}
			if c+1 < len(heap) && better(heap[c], heap[c+1]) {
				c++
			}
			if !better(heap[i], heap[c]) {
				return
			}
			heap[i], heap[c] = heap[c], heap[i]
			i = c
		}
	}
	for _, slot := range touched {
		if !keep(ix.docs[slot].doc.Kind) {
			continue
		}
		if len(heap) < k {
			heap = append(heap, slot)
			for i := len(heap) - 1; i > 0; { // up
				p := (i - 1) / 2
				if !better(heap[p], heap[i]) {
					break
				}
				heap[i], heap[p] = heap[p], heap[i]
				i = p
			}
			continue
		}
		if better(slot, heap[0]) {
			heap[0] = slot
			down(0)
		}
	}
	hits := make([]Hit, len(heap))
	for i, slot := range heap {
		hits[i] = Hit{Doc: ix.docs[slot].doc, Score: scores[slot]}
	}
	return sortHits(hits, k)
}
