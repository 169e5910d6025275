package eval

import (
	"context"
	"fmt"
	"math"

	"github.com/shopmind/shopmind/recommend"
	"github.com/shopmind/shopmind/recommend/als"
	"github.com/shopmind/shopmind/recommend/blend"
	"github.com/shopmind/shopmind/recommend/bpr"
	"github.com/shopmind/shopmind/recommend/content"
	"github.com/shopmind/shopmind/recommend/ease"
	"github.com/shopmind/shopmind/recommend/knn"
	"github.com/shopmind/shopmind/recommend/pop"
	"github.com/shopmind/shopmind/recommend/rules"
	"github.com/shopmind/shopmind/recommend/seq"
	"github.com/shopmind/shopmind/shop"
)

// The search spaces. The first value of each parameter is the default; the
// search is the coordinate search of Runner.Tune. The defaults are the
// choices of the search on Beauty's validation item; Quick runs use them.

// ExactEASELimit is the largest catalogue for which --algo all runs the
// exact EASE solve (about n³ operations: seconds at 3,000 items, minutes at
// 12,000).
const ExactEASELimit = 5000

// Algorithms returns the algorithms of this package, in report order.
func Algorithms() []Algo {
	return []Algo{
		{
			Name:    "pop",
			Summary: "popularity: training events per item",
			Space:   func(*Env) []Param { return nil },
			New: func(context.Context, *Env, Point) (recommend.Recommender, error) {
				return pop.New(), nil
			},
		},
		{
			Name:    "trending",
			Summary: "time-decayed popularity (half-life in days; per user position for the Amazon sets)",
			Space: func(env *Env) []Param {
				if env.Quick {
					return []Param{{Name: "half_life_days", Values: []float64{3}}}
				}
				return []Param{{Name: "half_life_days", Values: []float64{3, 1, 10, 30, 365}}}
			},
			New: func(_ context.Context, env *Env, p Point) (recommend.Recommender, error) {
				t := pop.NewTrending(p["half_life_days"] * 86400)
				src, err := LookupSource(env.Dataset)
				t.PerUser = err == nil && src.Format == "amazon-seqrec"
				return t, nil
			},
		},
		{
			Name:    "seq",
			Summary: "sequence-aware transitions with distance decay, recency weighting and normalisation",
			Space: func(env *Env) []Param {
				if env.Quick {
					return one(seqSpace())
				}
				return seqSpace()
			},
			New: func(_ context.Context, _ *Env, p Point) (recommend.Recommender, error) {
				m := seq.New()
				m.Window = int(p["window"])
				m.Decay, m.Backward, m.Alpha, m.Beta = p["decay"], p["backward"], p["alpha"], p["beta"]
				m.Recency = p["recency"]
				return m, nil
			},
			Adjust: func(fitted recommend.Recommender, p Point) recommend.Recommender {
				m := *fitted.(*seq.Model)
				m.Recency = p["recency"]
				return &m
			},
		},
		{
			Name:    "ease",
			Summary: fmt.Sprintf("EASE, pruned: each item regressed on its %d strongest co-occurring items", easeNeighbours),
			Space: func(env *Env) []Param {
				if env.Quick {
					return one(easeSpace())
				}
				return easeSpace()
			},
			New: func(_ context.Context, _ *Env, p Point) (recommend.Recommender, error) {
				m := ease.New(p["lambda"], easeNeighbours)
				m.Recency = p["recency"]
				return m, nil
			},
			Adjust: adjustEASE,
		},
		{
			Name:    "ease-exact",
			Summary: "EASE, exact dense solve, at the penalty tuned for the pruned variant",
			Needs:   []string{"ease"},
			Space: func(env *Env) []Param {
				lambda := easeSpace()[0].Values[0]
				if t, ok := env.r.tuned["ease"]; ok {
					lambda = t.Point["lambda"]
				}
				rec := easeSpace()[1]
				if env.Quick {
					rec.Values = rec.Values[:1]
				}
				return []Param{{Name: "lambda", Values: []float64{lambda}}, rec}
			},
			New: func(_ context.Context, _ *Env, p Point) (recommend.Recommender, error) {
				m := ease.New(p["lambda"], 0)
				m.Recency = p["recency"]
				return m, nil
			},
			Adjust: adjustEASE,
			Skip: func(env *Env) string {
				if env.NumItems > ExactEASELimit {
					return fmt.Sprintf("the exact solve of %d items takes about %.1g operations and %.1f GB; run it alone with --algo ease-exact",
						env.NumItems, math.Pow(float64(env.NumItems), 3), 12*math.Pow(float64(env.NumItems), 2)/1e9)
				}
				return ""
			},
		},
		{
			Name:      "blend",
			Summary:   "seq + pruned EASE + popularity, scores normalised per user, weights tuned on the validation item",
			Needs:     []string{"seq", "ease", "pop"},
			UsesNeeds: true,
			Space: func(env *Env) []Param {
				if env.Quick {
					return one(blendSpace())
				}
				return blendSpace()
			},
			New: func(ctx context.Context, env *Env, p Point) (recommend.Recommender, error) {
				var parts []blend.Part
				for _, w := range []struct {
					algo   string
					weight float64
				}{{"seq", 1}, {"ease", p["w_ease"]}, {"pop", p["w_pop"]}} {
					m, err := env.Fitted(ctx, w.algo)
					if err != nil {
						return nil, err
					}
					parts = append(parts, blend.Part{Model: m, Weight: w.weight})
				}
				norm := blend.ZScore
				if p["norm_max"] == 1 {
					norm = blend.Max
				}
				return &blend.Model{Parts: parts, Norm: norm}, nil
			},
			Adjust: func(fitted recommend.Recommender, p Point) recommend.Recommender {
				b := fitted.(*blend.Model)
				parts := append([]blend.Part(nil), b.Parts...)
				parts[1].Weight, parts[2].Weight = p["w_ease"], p["w_pop"]
				norm := blend.ZScore
				if p["norm_max"] == 1 {
					norm = blend.Max
				}
				return &blend.Model{Parts: parts, Norm: norm}
			},
		},
		{
			Name:    "als",
			Summary: "weighted ALS for implicit feedback (Hu, Koren & Volinsky), histories folded in exactly",
			Space:   quickable(alsSpace),
			New: func(_ context.Context, _ *Env, p Point) (recommend.Recommender, error) {
				return als.New(als.Config{Factors: int(p["factors"]), Iterations: int(p["iterations"]),
					Lambda: float32(p["lambda"]), Alpha: float32(p["alpha"])}), nil
			},
		},
		{
			Name:    "bpr",
			Summary: "BPR-MF (Rendle et al.), one SGD goroutine, histories folded in as the mean of their item factors",
			Space:   quickable(bprSpace),
			New: func(_ context.Context, _ *Env, p Point) (recommend.Recommender, error) {
				return bpr.New(bpr.Config{Factors: int(p["factors"]), Epochs: int(p["epochs"]),
					LearnRate: float32(p["learn_rate"]), Reg: float32(p["reg"])}), nil
			},
		},
		{
			Name:    "knn",
			Summary: "item-kNN: shrunk cosine over users' summed event weights, K neighbours per item, optional recency decay",
			Space:   quickable(knnSpace),
			New: func(_ context.Context, _ *Env, p Point) (recommend.Recommender, error) {
				cfg := knn.Config{K: int(p["k"]), Shrink: float32(p["shrink"]), RecencyHalfLife: p["half_life"]}
				if cfg.Shrink == 0 {
					cfg.Shrink = -1 // knn reads 0 as its default, a negative value as none
				}
				return knn.New(cfg), nil
			},
		},
		{
			Name: "rules",
			Summary: "pairwise association rules at the default thresholds (support ≥ 0.01 %, ≥ 3 baskets, confidence ≥ 0.05, lift ≥ 1, " +
				"50 rules per item), scored by summed confidence; baskets take every positive-weight interaction, not only " +
				"purchases (the Amazon sets are reviews), cut per user by a time window (window_days −1: one basket per user)",
			Space: quickable(rulesSpace),
			New: func(_ context.Context, _ *Env, p Point) (recommend.Recommender, error) {
				return rules.NewRecommender(rules.DefaultConfig(), rulesBaskets(p["window_days"])), nil
			},
		},
		{
			Name:      "content",
			Summary:   "content-based: cosine of TF-IDF catalogue vectors (title, category, brand, tags, attributes, description) with a recency-weighted profile of the history",
			Space:     quickable(contentSpace),
			SkipNamed: true,
			Skip: func(env *Env) string {
				if !hasCatalogue(env.data.Meta) {
					return "the dataset has no catalogue content (no item has a title, description, category, brand, tags or attributes)"
				}
				return ""
			},
			New: func(_ context.Context, _ *Env, p Point) (recommend.Recommender, error) {
				return content.New(content.Config{RecencyHalfLife: p["half_life"]}), nil
			},
		},
	}
}

// easeNeighbours is the neighbourhood size of the pruned EASE.
const easeNeighbours = 100

func seqSpace() []Param {
	return []Param{
		{Name: "window", Values: []float64{12, 3, 5, 8}},
		{Name: "decay", Values: []float64{0.85, 0.5, 0.7, 1}},
		{Name: "backward", Values: []float64{0.1, 0, 0.3, 0.5}},
		{Name: "alpha", Values: []float64{0.3, 0.5, 0.7, 1}},
		{Name: "beta", Values: []float64{0.15, 0, 0.3}},
		{Name: "recency", Values: []float64{0.6, 0.4, 0.8}, ScoreOnly: true},
	}
}

func easeSpace() []Param {
	return []Param{
		{Name: "lambda", Values: []float64{50, 20, 100, 200, 400}},
		{Name: "recency", Values: []float64{0.7, 1, 0.5, 0.3}, ScoreOnly: true},
	}
}

func blendSpace() []Param {
	return []Param{
		{Name: "w_ease", Values: []float64{0.5, 0.25, 1, 2, 0}, ScoreOnly: true},
		{Name: "w_pop", Values: []float64{0, 0.05, 0.2, 0.5}, ScoreOnly: true},
		{Name: "norm_max", Values: []float64{0, 1}, ScoreOnly: true},
	}
}

// alsSpace: 64 factors and 15 sweeps (the package defaults) fixed; the
// penalty and the confidence slope (c = 1 + alpha·w, w = 5 for a purchase)
// searched around the package defaults, which Beauty's search keeps (its
// validation NDCG@10 varies by under 0.001 over the grid).
func alsSpace() []Param {
	return []Param{
		{Name: "factors", Values: []float64{64}},
		{Name: "iterations", Values: []float64{15}},
		{Name: "lambda", Values: []float64{10, 1, 50}},
		{Name: "alpha", Values: []float64{10, 5, 40}},
	}
}

// bprSpace: 64 factors and the penalty fixed; the step size and the number
// of epochs searched. On Beauty BPR is far from converged at the package
// defaults (50 epochs at step 0.1: validation HR@10 0.047; at step 0.2,
// 200 epochs 0.058, 400 0.064, 800 0.067). The grid stops at 400 epochs,
// the most that trains within the 30 s budget per model on Amazon Sports
// (800 took 35 s).
func bprSpace() []Param {
	return []Param{
		{Name: "factors", Values: []float64{64}},
		{Name: "learn_rate", Values: []float64{0.2, 0.1}},
		{Name: "epochs", Values: []float64{400, 200}},
		{Name: "reg", Values: []float64{0.005}},
	}
}

// knnSpace: neighbours per item, shrinkage (in units of weight²: with every
// event a purchase of weight 5, 1000 is 40 co-purchases) and the recency
// half-life in events (0: none). Beauty wants strong shrinkage and a short
// half-life (package defaults K 100, shrink 10, no decay: validation HR@10
// 0.069; these: 0.091).
func knnSpace() []Param {
	return []Param{
		{Name: "k", Values: []float64{400, 50, 100, 200}},
		{Name: "shrink", Values: []float64{1000, 0, 10, 100}},
		{Name: "half_life", Values: []float64{1, 0, 3, 10}},
	}
}

// rulesSpace: the basket window in days (−1: all of a user's interactions
// in one basket). The Amazon sets place a user's reviews one day apart, so
// there a one-day basket pairs two consecutive reviews; Beauty prefers one
// basket per user.
func rulesSpace() []Param {
	return []Param{{Name: "window_days", Values: []float64{-1, 1, 7}}}
}

// contentSpace: the profile's recency half-life in events (−1: none).
func contentSpace() []Param {
	return []Param{{Name: "half_life", Values: []float64{1, 3, 10, -1}}}
}

// quickable returns a Space that keeps only the defaults in Quick runs.
func quickable(space func() []Param) func(*Env) []Param {
	return func(env *Env) []Param {
		if env.Quick {
			return one(space())
		}
		return space()
	}
}

// positiveTypes lists the event types of positive default weight: what a
// rules basket takes.
func positiveTypes() []shop.EventType {
	var out []shop.EventType
	for _, t := range shop.EventTypes {
		if shop.DefaultWeights[t] > 0 {
			out = append(out, t)
		}
	}
	return out
}

// rulesBaskets is the basket configuration of the rules algorithm for a
// window in days (negative: one basket per user).
func rulesBaskets(days float64) rules.BasketConfig {
	w := int64(-1)
	if days >= 0 {
		w = max(1, int64(math.Round(days*86400)))
	}
	return rules.BasketConfig{Types: positiveTypes(), Window: w}
}

// hasCatalogue reports whether any item of meta has something a
// content-based model can read.
func hasCatalogue(meta []shop.Item) bool {
	for i := range meta {
		it := &meta[i]
		if it.Title != "" || it.Description != "" || it.Brand != "" || len(it.Category) > 0 || len(it.Tags) > 0 || len(it.Attributes) > 0 {
			return true
		}
	}
	return false
}

// one keeps the default of every parameter.
func one(space []Param) []Param {
	out := make([]Param, len(space))
	for i, p := range space {
		p.Values = p.Values[:1]
		out[i] = p
	}
	return out
}

func adjustEASE(fitted recommend.Recommender, p Point) recommend.Recommender {
	return fitted.(*ease.Model).WithRecency(p["recency"])
}
