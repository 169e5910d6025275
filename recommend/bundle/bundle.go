// Package bundle owns the set of recommendation models that serve together:
// the recipe that trains them from one recommend.Data (sequence transitions,
// pruned EASE, item-kNN, association rules, trending popularity and
// content similarity), the blend of them that scores users, the blend
// weights learned on a held-out last item per user, and the artefact format
// that carries the lot from the trainer to every serving node.
//
// It is pure: no I/O and no clocks (the training time comes from the data).
package bundle

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/shopmind/shopmind/recommend"
	"github.com/shopmind/shopmind/recommend/blend"
	"github.com/shopmind/shopmind/recommend/content"
	"github.com/shopmind/shopmind/recommend/ease"
	"github.com/shopmind/shopmind/recommend/knn"
	"github.com/shopmind/shopmind/recommend/pop"
	"github.com/shopmind/shopmind/recommend/rules"
	"github.com/shopmind/shopmind/recommend/seq"
)

// Config is the training recipe. Zero fields take the defaults of Default.
type Config struct {
	EaseLambda       float64       // L2 penalty of EASE (default 50)
	EaseNeighbours   int           // co-occurring items kept per EASE column (default 100)
	EaseRecency      float64       // history decay per position for EASE (default 0.7)
	MaxEaseItems     int           // catalogues with more trained items skip EASE (default 50,000)
	KNN              int           // neighbours kept per item for similar items (default 50)
	TrendingHalfLife time.Duration // half-life of trending popularity (default 7 days)
	// WEase and WPop weigh EASE and trending against the sequence model
	// (weight 1) in the user blend when NoTune is set; otherwise they are
	// learned on the held-out items (and kept when too few users have
	// enough history). Defaults 0.5 and 0.
	WEase, WPop float64
	NoTune      bool // keep WEase and WPop instead of learning them on a held-out last item per user
	TuneUsers   int  // validation users sampled for Tune and the reported metrics (default 1,000)
	Rules       rules.Config
	Basket      rules.BasketConfig
	NoContent   bool // skip the content model (trained from Data.Meta by default)
	PopularKeep int  // popular items kept overall and per category (default 200)
	Seed        uint64
}

// Default returns the recipe tuned on the S3-Rec Amazon sets' validation
// items (see BENCHMARKS.md), with tuning of the blend weights on.
// Config's zero value means the same, except that zero WEase is kept.
func Default() Config {
	return Config{
		EaseLambda: 50, EaseNeighbours: 100, EaseRecency: 0.7, MaxEaseItems: 50_000, KNN: 50,
		TrendingHalfLife: 7 * 24 * time.Hour, WEase: 0.5, WPop: 0, TuneUsers: 1000,
		Rules: rules.DefaultConfig(), PopularKeep: 200,
	}
}

func (c Config) withDefaults() Config {
	d := Default()
	if c.EaseLambda <= 0 {
		c.EaseLambda = d.EaseLambda
	}
	if c.EaseNeighbours <= 0 {
		c.EaseNeighbours = d.EaseNeighbours
	}
	if c.EaseRecency <= 0 || c.EaseRecency > 1 {
		c.EaseRecency = d.EaseRecency
	}
	if c.MaxEaseItems <= 0 {
		c.MaxEaseItems = d.MaxEaseItems
	}
	if c.KNN <= 0 {
		c.KNN = d.KNN
	}
	if c.TrendingHalfLife <= 0 {
		c.TrendingHalfLife = d.TrendingHalfLife
	}
	if c.TuneUsers <= 0 {
		c.TuneUsers = d.TuneUsers
	}
	if c.Rules == (rules.Config{}) {
		c.Rules = d.Rules
	}
	if c.PopularKeep <= 0 {
		c.PopularKeep = d.PopularKeep
	}
	return c
}

// Info describes a trained bundle; it travels in the artefact's header.
type Info struct {
	TrainedAt   time.Time          `json:"trained_at"` // the latest training event
	Users       int                `json:"users"`
	Items       int                `json:"items"`
	Events      int                `json:"events"`
	Parts       []string           `json:"parts"`
	Seconds     map[string]float64 `json:"seconds"` // training time per part
	WEase       float64            `json:"w_ease"`
	WPop        float64            `json:"w_pop"`
	Validation  *Validation        `json:"validation,omitempty"`
	PopularKeep int                `json:"popular_keep"`
}

// Validation is the blend's quality on each sampled user's held-out last
// item (ranked against all items, the user's other items excluded), measured
// on models fitted without those items.
type Validation struct {
	Users  int     `json:"users"`
	HR10   float64 `json:"hr@10"`
	NDCG10 float64 `json:"ndcg@10"`
}

// Bundle is a trained set of models. It is read-only once built and safe for
// concurrent use.
type Bundle struct {
	Info  Info
	Items []string   // item id by index
	Cats  [][]string // category path by index, as at training
	// Popular lists the most popular items by trending score, best first;
	// PopularIn the same per category level name.
	Popular   []int32
	PopularIn map[string][]int32

	Trending *pop.Trending
	Seq      *seq.Model
	Ease     *ease.Model // nil when the catalogue is too large
	KNN      *knn.Model
	Rules    *rules.Rules
	Content  *content.Model // nil without catalogue text

	Blend *blend.Model
	index map[string]int32
	pop   []float32 // trending score by index
}

// Index returns the index of an item id.
func (b *Bundle) Index(id string) (int32, bool) {
	i, ok := b.index[id]
	return i, ok
}

// NumItems is the number of items the bundle knows.
func (b *Bundle) NumItems() int { return len(b.Items) }

// ErrNoData means there is nothing to train on.
var ErrNoData = errors.New("bundle: no events to train on")

// Train fits every model of the recipe on d. progress, when not nil, is told
// each stage as it starts.
func Train(ctx context.Context, d *recommend.Data, cfg Config, progress func(stage string)) (*Bundle, error) {
	cfg = cfg.withDefaults()
	if d == nil || d.NumItems() == 0 || d.NumInteractions() == 0 {
		return nil, ErrNoData
	}
	if progress == nil {
		progress = func(string) {}
	}
	b := &Bundle{Items: d.Items, Info: Info{Users: len(d.Users), Items: d.NumItems(), Events: d.NumInteractions(), Seconds: map[string]float64{}}}
	b.Cats = make([][]string, d.NumItems())
	if d.Meta != nil {
		for i := range b.Cats {
			b.Cats[i] = d.Meta[i].Category
		}
	}
	var latest int64
	for _, s := range d.Seqs {
		if len(s) > 0 {
			latest = max(latest, s[len(s)-1].Time)
		}
	}
	b.Info.TrainedAt = time.Unix(latest, 0).UTC()

	wEase, wPop := cfg.WEase, cfg.WPop
	if !cfg.NoTune {
		progress("validation")
		start := time.Now()
		v, we, wp, err := tune(ctx, d, cfg)
		if err != nil {
			return nil, err
		}
		b.Info.Seconds["validation"] = time.Since(start).Seconds()
		b.Info.Validation = v
		if v != nil {
			wEase, wPop = we, wp
		}
	}
	wEase, wPop = max(wEase, 0), max(wPop, 0)
	b.Info.WEase, b.Info.WPop = wEase, wPop

	fitted, err := fitParts(ctx, d, cfg, progress, b.Info.Seconds, true)
	if err != nil {
		return nil, err
	}
	b.Trending, b.Seq, b.Ease, b.KNN, b.Rules, b.Content = fitted.trending, fitted.seq, fitted.ease, fitted.knn, fitted.rules, fitted.content
	b.Info.PopularKeep = cfg.PopularKeep
	b.finish()
	return b, nil
}

type parts struct {
	trending *pop.Trending
	seq      *seq.Model
	ease     *ease.Model
	knn      *knn.Model
	rules    *rules.Rules
	content  *content.Model
}

// fitParts fits the scoring models and, with all, those that serve items
// rather than users (kNN, rules, content).
func fitParts(ctx context.Context, d *recommend.Data, cfg Config, progress func(string), secs map[string]float64, all bool) (parts, error) {
	var p parts
	step := func(name string, fn func() error) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		progress(name)
		start := time.Now()
		if err := fn(); err != nil {
			return fmt.Errorf("bundle: training %s: %w", name, err)
		}
		if secs != nil {
			secs[name] = time.Since(start).Seconds()
		}
		return nil
	}
	err := step("trending", func() error {
		p.trending = pop.NewTrending(cfg.TrendingHalfLife.Seconds())
		p.trending.Weighted = true
		return p.trending.Fit(ctx, d)
	})
	if err == nil {
		err = step("seq", func() error { p.seq = seq.New(); return p.seq.Fit(ctx, d) })
	}
	if err == nil && d.NumItems() <= cfg.MaxEaseItems {
		err = step("ease", func() error {
			p.ease = ease.New(cfg.EaseLambda, cfg.EaseNeighbours)
			p.ease.Recency = cfg.EaseRecency
			return p.ease.Fit(ctx, d)
		})
	}
	if err != nil || !all {
		return p, err
	}
	err = step("knn", func() error { p.knn = knn.New(knn.Config{K: cfg.KNN}); return p.knn.Fit(ctx, d) })
	if err == nil {
		err = step("rules", func() error {
			r := rules.NewRecommender(cfg.Rules, cfg.Basket)
			if err := r.Fit(ctx, d); err != nil {
				return err
			}
			p.rules = r.Rules()
			return nil
		})
	}
	if err == nil && !cfg.NoContent && d.Meta != nil {
		err = step("content", func() error { p.content = content.New(content.DefaultConfig()); return p.content.Fit(ctx, d) })
	}
	return p, err
}

// finish derives the lookups and the blend from the fitted parts.
func (b *Bundle) finish() {
	b.index = make(map[string]int32, len(b.Items))
	for i, id := range b.Items {
		b.index[id] = int32(i)
	}
	b.Info.Parts = b.Info.Parts[:0]
	for _, p := range []struct {
		name string
		ok   bool
	}{{"trending", b.Trending != nil}, {"seq", b.Seq != nil}, {"ease", b.Ease != nil}, {"knn", b.KNN != nil},
		{"rules", b.Rules != nil}, {"content", b.Content != nil}} {
		if p.ok {
			b.Info.Parts = append(b.Info.Parts, p.name)
		}
	}
	b.Blend = userBlend(b.Seq, b.Ease, b.Trending, b.Info.WEase, b.Info.WPop)
	b.popular()
}

func userBlend(s *seq.Model, e *ease.Model, t *pop.Trending, wEase, wPop float64) *blend.Model {
	parts := []blend.Part{{Model: s, Weight: 1}}
	if e != nil && wEase > 0 {
		parts = append(parts, blend.Part{Model: e, Weight: wEase})
	}
	if t != nil && wPop > 0 {
		parts = append(parts, blend.Part{Model: t, Weight: wPop})
	}
	return &blend.Model{Parts: parts, Norm: blend.ZScore}
}

// popular ranks items by their trending score, overall and per category.
func (b *Bundle) popular() {
	scores := make([]float32, len(b.Items))
	if b.Trending != nil {
		b.Trending.Score(nil, scores)
	}
	b.pop = scores
	order := make([]int32, len(b.Items))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(x, y int32) int { return cmp.Compare(scores[y], scores[x]) })
	keep := 200
	if b.Info.PopularKeep > 0 {
		keep = b.Info.PopularKeep
	}
	b.Popular = nil
	b.PopularIn = map[string][]int32{}
	for _, it := range order {
		if scores[it] <= 0 {
			break
		}
		if len(b.Popular) < keep {
			b.Popular = append(b.Popular, it)
		}
		for _, c := range b.Cats[it] {
			if l := b.PopularIn[c]; len(l) < keep {
				b.PopularIn[c] = append(l, it)
			}
		}
	}
}

// PopularityScore is the item's trending score (0 for an unknown index).
func (b *Bundle) PopularityScore(item int32) float32 {
	if item < 0 || int(item) >= len(b.pop) {
		return 0
	}
	return b.pop[item]
}

// tune holds out each sampled user's last event, fits the scoring parts on
// the rest, and picks the blend weights with the best HR@10 on the held-out
// items (NDCG@10 breaks ties). It returns nil validation when too few users
// have enough history.
func tune(ctx context.Context, d *recommend.Data, cfg Config) (*Validation, float64, float64, error) {
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5eed))
	var cand []int
	for u, s := range d.Seqs {
		if len(s) >= 3 {
			cand = append(cand, u)
		}
	}
	if len(cand) < 20 {
		return nil, 0, 0, nil
	}
	rng.Shuffle(len(cand), func(i, j int) { cand[i], cand[j] = cand[j], cand[i] })
	limit := cfg.TuneUsers
	// Keep the grid's cost near 2·10⁸ score writes on large catalogues.
	if byCost := int(2e8 / float64(d.NumItems()*12)); byCost < limit {
		limit = max(byCost, 50)
	}
	if len(cand) > limit {
		cand = cand[:limit]
	}
	held := make(map[int]int32, len(cand))
	train := &recommend.Data{Users: d.Users, Items: d.Items, Meta: d.Meta, Seqs: make([][]recommend.Event, len(d.Seqs))}
	copy(train.Seqs, d.Seqs)
	for _, u := range cand {
		s := d.Seqs[u]
		last := s[len(s)-1]
		held[u] = last.Item
		// Drop every event of the held-out item at the end of the sequence,
		// so the model does not see it.
		k := len(s)
		for k > 0 && s[k-1].Item == last.Item {
			k--
		}
		train.Seqs[u] = s[:k]
	}
	p, err := fitParts(ctx, train, cfg, func(string) {}, nil, false)
	if err != nil {
		return nil, 0, 0, err
	}
	type combo struct{ wEase, wPop float64 }
	var grid []combo
	eases := []float64{0, 0.25, 0.5, 1, 2}
	if p.ease == nil {
		eases = []float64{0}
	}
	for _, we := range eases {
		for _, wp := range []float64{0, 0.05, 0.2} {
			grid = append(grid, combo{we, wp})
		}
	}
	models := make([]*blend.Model, len(grid))
	for g, c := range grid {
		models[g] = userBlend(p.seq, p.ease, p.trending, c.wEase, c.wPop)
	}
	hits := make([]float64, len(grid))
	ndcg := make([]float64, len(grid))
	scores := make([]float32, d.NumItems())
	users := 0
	for _, u := range cand {
		if err := ctx.Err(); err != nil {
			return nil, 0, 0, err
		}
		hist := train.Seqs[u]
		if len(hist) == 0 {
			continue
		}
		users++
		target := held[u]
		seen := make(map[int32]bool, len(hist))
		for _, e := range hist {
			seen[e.Item] = true
		}
		if seen[target] {
			continue // bought again: cannot be ranked with history excluded
		}
		for g, m := range models {
			m.Score(hist, scores)
			t := scores[target]
			rank := 0
			for i, v := range scores {
				if v > t && !seen[int32(i)] {
					rank++
					if rank >= 10 {
						break
					}
				}
			}
			if rank < 10 {
				hits[g]++
				ndcg[g] += 1 / log2(float64(rank)+2)
			}
		}
	}
	if users == 0 {
		return nil, 0, 0, nil
	}
	best := 0
	for g := range grid {
		if hits[g] > hits[best] || (hits[g] == hits[best] && ndcg[g] > ndcg[best]) {
			best = g
		}
	}
	v := &Validation{Users: users, HR10: hits[best] / float64(users), NDCG10: ndcg[best] / float64(users)}
	return v, grid[best].wEase, grid[best].wPop, nil
}

func log2(x float64) float64 { return math.Log2(x) }
