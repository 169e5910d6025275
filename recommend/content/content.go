// Package content owns content-based recommendation: items are compared by
// what their catalogue entries say, so an item nobody has interacted with
// yet — a new listing, a long-tail product — can still be recommended and
// can still find its neighbours.
//
// # Terms
//
// Every item becomes a bag of terms drawn from its fields:
//
//   - title, description, tags: words (see below);
//   - category path: the words of every level, plus every level as a whole
//     term keyed by its path ("cat:beauty > skin care"), so that items in
//     the same leaf share a term that items in another "Skin Care" do not;
//   - brand: its words plus the whole brand ("brand:apple");
//   - attributes: every string or number value, and every string or number
//     element of a list, as "attr:key=value" (lower-cased; values longer
//     than 64 bytes, maps and booleans are skipped).
//
// Words: text is split into runs of Han characters and runs of other
// letters and digits, so mixed text ("华为Mate60手机壳", a Chinese title with
// an English brand) works. Non-Han runs are lower-cased; one-character
// tokens and a small list of English stop words are dropped, and ASCII words
// go through a light suffix stripper (plurals, -ing, -ed). Han runs
// are segmented by github.com/go-ego/gse with its embedded simplified
// Chinese dictionary, loaded from memory (gse embeds it) lazily, once per
// process, the first time Han text is seen: about a second and 130 MB of
// heap kept (see segmenter in tokenize.go; never for a catalogue without
// Han characters). One-character Chinese words in a row are joined into
// bigrams.
//
// # Weights
//
// A term's frequency in an item is the sum over its occurrences of the
// weight of the field it occurs in (Config: title > category, brand >
// tags, attributes > description). Its weight is
//
//	w = ln(1 + tf) · idf,   idf = ln((1 + N) / (1 + df)) + 1,
//
// N being the number of items and df the number of items having the term.
// Terms in more than Config.MaxDF of the items (and in more than 10) are
// dropped: they tell items apart poorly and make the postings long. Item
// vectors are L2-normalised and sparse (term ids ascending, float32
// weights), so the dot product of two vectors is their cosine.
//
// # Queries
//
// An inverted index (term → items having it, with weights) makes every
// query cost the postings of the query's terms, not items × terms:
// Similar ranks the items closest to a catalogue item, SimilarTo those
// closest to any vector, typically Embed of a brand-new item, and Score
// (the recommend.Recommender contract) ranks items by cosine with a user's
// profile, the recency-weighted sum of their history's item vectors.
// SharedTerms explains a pair.
//
// Hidden items get vectors like any other (they may be in histories):
// leaving them out of recommendations is the caller's business. Item.Language
// is not read: the script of the text decides how it is split.
//
// The package is pure: no I/O, no clock, no network, no logging. The only
// memory it reads beyond its inputs is gse's embedded dictionary.
package content

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/shopmind/shopmind/recommend"
	"github.com/shopmind/shopmind/shop"
)

// Config holds the hyper-parameters. Zero fields take the value of
// DefaultConfig; a negative field weight leaves that field out.
type Config struct {
	TitleWeight       float32 // default 3
	CategoryWeight    float32 // default 2
	BrandWeight       float32 // default 2
	TagWeight         float32 // default 1
	AttributeWeight   float32 // default 1
	DescriptionWeight float32 // default 0.5

	// MaxDF drops the terms found in more than this fraction of the items,
	// when they are also in more than 10 items (default 0.5; negative: keep
	// every term).
	MaxDF float64
	// RecencyHalfLife halves an event's contribution to the user profile
	// every RecencyHalfLife later events in the history (default 10;
	// negative: no decay).
	RecencyHalfLife float64
	// MaxHistory is how many of the latest events make the profile (default
	// 100).
	MaxHistory int
	Workers    int // goroutines for tokenising in Fit; 0 means runtime.GOMAXPROCS(0)
}

// DefaultConfig returns the defaults: field weights title 3, category 2,
// brand 2, tags 1, attributes 1, description 0.5; MaxDF 0.5; a recency
// half-life of 10 events over the latest 100 events.
func DefaultConfig() Config {
	return Config{
		TitleWeight: 3, CategoryWeight: 2, BrandWeight: 2,
		TagWeight: 1, AttributeWeight: 1, DescriptionWeight: 0.5,
		MaxDF: 0.5, RecencyHalfLife: 10, MaxHistory: 100,
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	for _, p := range []struct{ f, d *float32 }{
		{&c.TitleWeight, &d.TitleWeight}, {&c.CategoryWeight, &d.CategoryWeight},
		{&c.BrandWeight, &d.BrandWeight}, {&c.TagWeight, &d.TagWeight},
		{&c.AttributeWeight, &d.AttributeWeight}, {&c.DescriptionWeight, &d.DescriptionWeight},
	} {
		if *p.f == 0 || math.IsNaN(float64(*p.f)) {
			*p.f = *p.d
		}
	}
	if c.MaxDF == 0 || math.IsNaN(c.MaxDF) {
		c.MaxDF = d.MaxDF
	}
	if c.RecencyHalfLife == 0 || math.IsNaN(c.RecencyHalfLife) {
		c.RecencyHalfLife = d.RecencyHalfLife
	}
	if c.MaxHistory <= 0 {
		c.MaxHistory = d.MaxHistory
	}
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	return c
}

// minPruneDF is the document frequency a term must exceed, besides
// Config.MaxDF, to be dropped: in a small catalogue frequencies say little.
const minPruneDF = 10

// Vector is a sparse term vector of a Model: term ids in ascending order
// and their weights. Term ids belong to the model that made the vector.
type Vector struct {
	Terms   []int32
	Weights []float32
}

// Len is the number of terms.
func (v Vector) Len() int { return len(v.Terms) }

// Model is a content-based model. Create it with New; it is ready after Fit
// or UnmarshalBinary. After that every method is safe for concurrent use.
type Model struct {
	cfg      Config
	numItems int

	vocab   map[string]int32 // term key → id
	terms   []string         // id → term key, ascending
	display []string         // id → what SharedTerms shows
	idf     []float32        // id → inverse document frequency
	pruned  map[string]bool  // keys dropped by MaxDF

	// Item vectors: item i has itemTerm/itemW[itemOff[i]:itemOff[i+1]].
	itemOff  []int
	itemTerm []int32
	itemW    []float32

	// Postings: term t is in postItem/postW[postOff[t]:postOff[t+1]],
	// items ascending.
	postOff  []int
	postItem []int32
	postW    []float32

	pool *sync.Pool // of *scratch sized for numItems
}

// New returns an unfitted model with cfg (zero fields take defaults).
func New(cfg Config) *Model { return &Model{cfg: cfg.withDefaults()} }

// Name implements recommend.Recommender.
func (m *Model) Name() string { return "content" }

// Config returns the configuration in effect (defaults filled in).
func (m *Model) Config() Config { return m.cfg }

// NumItems is the number of items the model was fitted on.
func (m *Model) NumItems() int { return m.numItems }

// NumTerms is the size of the vocabulary (after MaxDF pruning).
func (m *Model) NumTerms() int { return len(m.terms) }

// docTerm is one term of one item before weighting.
type docTerm struct {
	key, surface string
	tf           float32
}

// tokenize returns the terms of it sorted by key, each with its summed
// field weight and its first surface form.
func tokenize(it *shop.Item, cfg *Config) []docTerm {
	idx := map[string]int{}
	var out []docTerm
	itemTerms(it, cfg, func(key, surface string, w float32) {
		if i, ok := idx[key]; ok {
			out[i].tf += w
			return
		}
		idx[key] = len(out)
		out = append(out, docTerm{key: key, surface: surface, tf: w})
	})
	slices.SortFunc(out, func(a, b docTerm) int { return strings.Compare(a.key, b.key) })
	return out
}

// idfOf is the inverse document frequency of a term in df of n items.
func idfOf(df, n int) float32 {
	return float32(math.Log(float64(1+n)/float64(1+df)) + 1)
}

// termWeight is the weight of a term of summed field weight tf.
func termWeight(tf, idf float32) float32 {
	return float32(math.Log1p(float64(tf))) * idf
}

// Fit implements recommend.Recommender. It builds the item vectors from
// d.Meta; with d.Meta nil, or for an item without text, the vectors are
// empty (such items are never similar to anything and score 0). d.Seqs is
// not used. It fails only for a nil d, a d.Meta whose length is not
// d.NumItems(), or a cancelled ctx (checked between items), and then leaves
// the model as it was.
func (m *Model) Fit(ctx context.Context, d *recommend.Data) error {
	if d == nil {
		return errors.New("content: no data to fit")
	}
	n := d.NumItems()
	if d.Meta != nil && len(d.Meta) != n {
		return fmt.Errorf("content: data has %d catalogue entries for %d items; Meta must be nil or one entry per item", len(d.Meta), n)
	}
	docs := make([][]docTerm, n)
	if d.Meta != nil {
		var next atomic.Int64
		var wg sync.WaitGroup
		const block = 64
		for range m.cfg.Workers {
			wg.Go(func() {
				for ctx.Err() == nil {
					lo := int(next.Add(block)) - block
					if lo >= n {
						return
					}
					for i := lo; i < min(lo+block, n); i++ {
						docs[i] = tokenize(&d.Meta[i], &m.cfg)
					}
				}
			})
		}
		wg.Wait()
		if err := ctx.Err(); err != nil {
			return err
		}
	}

	// Document frequencies and pruning.
	df := map[string]int{}
	for _, doc := range docs {
		for _, t := range doc {
			df[t.key]++
		}
	}
	pruned := map[string]bool{}
	keys := make([]string, 0, len(df))
	for k, f := range df {
		if m.cfg.MaxDF > 0 && f > minPruneDF && float64(f) > m.cfg.MaxDF*float64(n) {
			pruned[k] = true
			continue
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	vocab := make(map[string]int32, len(keys))
	idf := make([]float32, len(keys))
	for id, k := range keys {
		vocab[k] = int32(id)
		idf[id] = idfOf(df[k], n)
	}

	// Item vectors, and the surface forms' counts for display.
	type surf struct {
		id int32
		s  string
	}
	surfaces := map[surf]int{}
	itemOff := make([]int, n+1)
	var itemTerm []int32
	var itemW []float32
	for i, doc := range docs {
		if i%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		var norm float64
		start := len(itemTerm)
		for _, t := range doc { // sorted by key, so ids ascend
			id, ok := vocab[t.key]
			if !ok {
				continue
			}
			w := termWeight(t.tf, idf[id])
			norm += float64(w) * float64(w)
			itemTerm = append(itemTerm, id)
			itemW = append(itemW, w)
			surfaces[surf{id, t.surface}]++
		}
		normalize(itemW[start:], norm)
		itemOff[i+1] = len(itemTerm)
		docs[i] = nil
	}
	display := make([]string, len(keys))
	best := make([]int, len(keys))
	for s, c := range surfaces {
		if c > best[s.id] || (c == best[s.id] && s.s < display[s.id]) {
			display[s.id], best[s.id] = s.s, c
		}
	}
	for id, k := range keys {
		if display[id] == "" {
			display[id] = k
		}
	}
	m.numItems, m.vocab, m.terms, m.display, m.idf, m.pruned = n, vocab, keys, display, idf, pruned
	m.itemOff, m.itemTerm, m.itemW = itemOff, itemTerm, itemW
	m.index()
	return nil
}

// normalize scales w to unit length given its squared norm.
func normalize(w []float32, norm2 float64) {
	if norm2 <= 0 {
		return
	}
	inv := float32(1 / math.Sqrt(norm2))
	for k := range w {
		w[k] *= inv
	}
}

// index builds the postings from the item vectors and a fresh scratch pool.
func (m *Model) index() {
	off, idx, val := recommend.TransposeCSR(m.itemOff, m.itemTerm, m.itemW, len(m.terms))
	m.postOff, m.postItem, m.postW = off, idx, val
	n := m.numItems
	m.pool = &sync.Pool{New: func() any {
		return &scratch{acc: make([]float32, n), mark: make([]bool, n)}
	}}
}

// scratch is per-call working memory, pooled.
type scratch struct {
	acc     []float32 // dot products, by item
	mark    []bool    // item touched
	touched []int32
	prof    []termW
}

type termW struct {
	t int32
	w float32
}

// vector returns item's vector without copying.
func (m *Model) vector(item int32) ([]int32, []float32) {
	lo, hi := m.itemOff[item], m.itemOff[item+1]
	return m.itemTerm[lo:hi], m.itemW[lo:hi]
}

// Vector returns a copy of item's vector (empty for an item out of range).
func (m *Model) Vector(item int32) Vector {
	if item < 0 || int(item) >= m.numItems {
		return Vector{}
	}
	t, w := m.vector(item)
	return Vector{Terms: slices.Clone(t), Weights: slices.Clone(w)}
}

// Similar returns up to n items most similar to item by cosine, best first
// (ties by lower index), leaving out item itself, items for which exclude
// returns true (exclude may be nil) and items sharing no term with it. It
// returns nil for an item out of range or before Fit. Its cost is the
// length of the postings of item's terms.
func (m *Model) Similar(item int32, n int, exclude func(int32) bool) []recommend.Scored {
	if item < 0 || int(item) >= m.numItems || n <= 0 {
		return nil
	}
	t, w := m.vector(item)
	return m.search(t, w, n, func(b int32) bool {
		return b == item || (exclude != nil && exclude(b))
	})
}

// SimilarTo returns up to n items with the highest dot product with v,
// best first (ties by lower index), leaving out items for which exclude
// returns true and items sharing no term with v. For v from Embed the dot
// product is the cosine between the new item and a known one. Term ids
// that are not the model's are ignored.
func (m *Model) SimilarTo(v Vector, n int, exclude func(int32) bool) []recommend.Scored {
	if m.numItems == 0 || n <= 0 || len(v.Terms) != len(v.Weights) {
		return nil
	}
	return m.search(v.Terms, v.Weights, n, exclude)
}

// search accumulates the dot products of (terms, ws) with every item
// through the postings and keeps the n best positive ones.
func (m *Model) search(terms []int32, ws []float32, n int, exclude func(int32) bool) []recommend.Scored {
	s := m.pool.Get().(*scratch)
	defer m.pool.Put(s)
	for k, t := range terms {
		if t < 0 || int(t) >= len(m.terms) {
			continue
		}
		w := ws[k]
		for p := m.postOff[t]; p < m.postOff[t+1]; p++ {
			b := m.postItem[p]
			if !s.mark[b] {
				s.mark[b] = true
				s.touched = append(s.touched, b)
			}
			s.acc[b] += w * m.postW[p]
		}
	}
	h := make([]recommend.Scored, 0, min(n, len(s.touched))+1)
	for _, b := range s.touched {
		sc := s.acc[b]
		s.acc[b], s.mark[b] = 0, false
		if sc <= 0 || (exclude != nil && exclude(b)) {
			continue
		}
		h = pushTop(h, recommend.Scored{Item: b, Score: sc}, n)
	}
	s.touched = s.touched[:0]
	slices.SortFunc(h, func(a, b recommend.Scored) int {
		if better(a, b) {
			return -1
		}
		if better(b, a) {
			return 1
		}
		return 0
	})
	if len(h) == 0 {
		return nil
	}
	return h
}

// better orders by score descending, then item ascending.
func better(a, b recommend.Scored) bool {
	if a.Score != b.Score {
		return a.Score > b.Score
	}
	return a.Item < b.Item
}

// pushTop adds x to the heap h of the best n seen so far (the worst at
// h[0]) and returns it.
func pushTop(h []recommend.Scored, x recommend.Scored, n int) []recommend.Scored {
	if len(h) == n {
		if !better(x, h[0]) {
			return h
		}
		h[0] = x
	} else {
		h = append(h, x)
		for i := len(h) - 1; i > 0; {
			p := (i - 1) / 2
			if !better(h[p], h[i]) {
				break
			}
			h[p], h[i] = h[i], h[p]
			i = p
		}
		return h
	}
	for i := 0; ; {
		l, w := 2*i+1, i
		if l < len(h) && better(h[w], h[l]) {
			w = l
		}
		if r := l + 1; r < len(h) && better(h[w], h[r]) {
			w = r
		}
		if w == i {
			return h
		}
		h[w], h[i] = h[i], h[w]
		i = w
	}
}

// Embed returns the vector of it in the model's term space, for an item
// that was not in the catalogue the model was fitted on. Terms the model
// dropped for MaxDF are ignored; terms the catalogue never had count in the
// norm (with the idf of a term in no item) but are left out of the vector,
// since no known item has them: so the vector's dot product with a known
// item's vector is their true cosine. Embedding Chinese text loads the
// segmenter if it is not loaded yet.
func (m *Model) Embed(it shop.Item) Vector {
	var v Vector
	if m.vocab == nil {
		return v
	}
	var norm float64
	for _, t := range tokenize(&it, &m.cfg) {
		if m.pruned[t.key] {
			continue
		}
		id, ok := m.vocab[t.key]
		idf := idfOf(0, m.numItems)
		if ok {
			idf = m.idf[id]
		}
		w := termWeight(t.tf, idf)
		norm += float64(w) * float64(w)
		if ok {
			v.Terms = append(v.Terms, id)
			v.Weights = append(v.Weights, w)
		}
	}
	normalize(v.Weights, norm)
	return v
}

// Score implements recommend.Recommender. The user's profile is the sum,
// over the latest Config.MaxHistory events of hist with a positive Weight
// and an item in range, of the item's vector times the event's weight times
// 2^(−age/RecencyHalfLife), age being the number of events after it. Every
// item's score is its cosine with the profile, in [0, 1]; items sharing no
// term with it, and every item for an empty profile, score 0. The history's
// own items score high: leaving them out is the caller's business. Score
// costs the postings of the profile's terms plus clearing scores. It
// allocates only when its pool of scratch memory is empty (then one float32
// and one bool per item) or the profile outgrows the pooled buffer.
func (m *Model) Score(hist []recommend.Event, scores []float32) {
	clear(scores)
	if m.numItems == 0 {
		return
	}
	s := m.pool.Get().(*scratch)
	defer m.pool.Put(s)
	prof := s.prof[:0]
	first := max(0, len(hist)-m.cfg.MaxHistory)
	for p := first; p < len(hist); p++ {
		e := hist[p]
		w := float64(e.Weight)
		if e.Item < 0 || int(e.Item) >= m.numItems || !(w > 0) || math.IsInf(w, 1) {
			continue
		}
		if h := m.cfg.RecencyHalfLife; h > 0 {
			w *= math.Exp2(-float64(len(hist)-1-p) / h)
		}
		terms, ws := m.vector(e.Item)
		for k, t := range terms {
			prof = append(prof, termW{t, float32(w) * ws[k]})
		}
	}
	slices.SortFunc(prof, func(a, b termW) int { return cmp.Compare(a.t, b.t) })
	merged := prof[:0]
	for _, x := range prof {
		if k := len(merged) - 1; k >= 0 && merged[k].t == x.t {
			merged[k].w += x.w
		} else {
			merged = append(merged, x)
		}
	}
	var norm float64
	for _, x := range merged {
		norm += float64(x.w) * float64(x.w)
	}
	s.prof = prof
	if norm <= 0 {
		return
	}
	inv := float32(1 / math.Sqrt(norm))
	for _, x := range merged {
		w := x.w * inv
		for p := m.postOff[x.t]; p < m.postOff[x.t+1]; p++ {
			if b := m.postItem[p]; int(b) < len(scores) {
				scores[b] += w * m.postW[p]
			}
		}
	}
}

// SharedTerms returns up to k terms that items a and b both have, by
// decreasing contribution to their cosine (the product of the two weights),
// as a person reads them: a word in its most frequent surface form in the
// catalogue ("hiking" for the stem "hike"), a category level by its name
// ("Skin Care", without the path or the "cat:" prefix), a brand by its name,
// an attribute as "key: value". Case-insensitive duplicates (the brand
// "Apple" and the word "apple") appear once, and a term contained in
// another shared term is left out: "gear" when the category "Outdoor Gear"
// is shared, the sub-words 连衣 and 衣裙 when 连衣裙 is. It returns nil for
// items out of range or sharing nothing.
func (m *Model) SharedTerms(a, b int32, k int) []string {
	if a < 0 || b < 0 || int(a) >= m.numItems || int(b) >= m.numItems || k <= 0 {
		return nil
	}
	ta, wa := m.vector(a)
	tb, wb := m.vector(b)
	var common []termW
	for i, j := 0, 0; i < len(ta) && j < len(tb); {
		switch {
		case ta[i] < tb[j]:
			i++
		case ta[i] > tb[j]:
			j++
		default:
			common = append(common, termW{ta[i], wa[i] * wb[j]})
			i++
			j++
		}
	}
	slices.SortFunc(common, func(x, y termW) int {
		if c := cmp.Compare(y.w, x.w); c != 0 {
			return c
		}
		return strings.Compare(m.display[x.t], m.display[y.t])
	})
	lower := make([]string, len(common))
	for i, c := range common {
		lower[i] = strings.ToLower(m.display[c.t])
	}
	var out []string
	seen := map[string]bool{}
terms:
	for i, c := range common {
		if seen[lower[i]] {
			continue
		}
		for j := range common {
			if j != i && len(lower[j]) > len(lower[i]) && containsWord(lower[j], lower[i]) {
				continue terms // "连衣" when 连衣裙 is shared too
			}
		}
		seen[lower[i]] = true
		out = append(out, m.display[c.t])
		if len(out) == k {
			break
		}
	}
	return out
}

// containsWord reports whether needle occurs in hay, at word boundaries
// unless needle is Han text (which has no spaces between words).
func containsWord(hay, needle string) bool {
	for from := 0; ; {
		i := strings.Index(hay[from:], needle)
		if i < 0 {
			return false
		}
		i += from
		first, _ := utf8.DecodeRuneInString(needle)
		if unicode.Is(unicode.Han, first) {
			return true
		}
		before, _ := utf8.DecodeLastRuneInString(hay[:i])
		after, _ := utf8.DecodeRuneInString(hay[i+len(needle):])
		if (i == 0 || !isWordRune(before)) && (i+len(needle) == len(hay) || !isWordRune(after)) {
			return true
		}
		from = i + 1
	}
}
