package eval

import (
	"context"
	"fmt"
	"math"

	"github.com/shopmind/shopmind/recommend"
	"github.com/shopmind/shopmind/recommend/blend"
	"github.com/shopmind/shopmind/recommend/ease"
	"github.com/shopmind/shopmind/recommend/pop"
	"github.com/shopmind/shopmind/recommend/seq"
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
