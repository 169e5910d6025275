package audience

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/shopmind/shopmind/cluster"
	"github.com/shopmind/shopmind/profile"
)

// Scored is a user with a similarity score.
type Scored struct {
	UserID string  `json:"user_id"`
	Score  float64 `json:"score"`
}

// Lookalike limits.
const (
	DefaultLookalikes = 100
	MaxLookalikes     = 10_000
	// lookalikeCategories is how many top-level category shares the
	// lookalike vectors carry: more than clustering, since taste is most
	// of what makes a prospect like a customer.
	lookalikeCategories = 24
)

// Lookalike returns the n users outside segment segmentID that are most
// like its members, best first (ties by user id): prospects to widen a
// campaign to.
//
// Each user is the standardised feature vector described in cluster.go,
// with up to 24 top-level categories, less the outcome features (orders
// per 30 days, monetary, average order value, purchase rate): a prospect
// differs from a customer on those by definition, and keeping them would
// rank buyers of anything above non-buyers who share the seed's taste. What
// remains is what a prospect shows before buying: category shares, price
// level, browsing intensity, cart rate, time of day, tenure and recency.
//
// The seed's centroid is the members' mean vector, which in z-scores is how
// the seed differs from the population on each feature; a user's score is
// the cosine between their vector and that centroid (-1..1), so features
// the seed is typical on count for nothing and those it stands out on
// count most. Cosine to a centroid costs one pass over the profiles,
// O(users × features), whatever the seed's size. (The mean of each user's
// top-k similarities to individual members would follow a seed made of
// several different groups better, at O(users × members) a request; such
// a seed can instead be split into one segment per group.)
//
// n defaults to DefaultLookalikes when ≤ 0 and is capped at MaxLookalikes;
// fewer come back when fewer users are outside the segment. Members are
// evaluated now, after Sync. Errors: ErrNotFound for an unknown segment;
// an *InvalidError (field "segment") when it has no members now or every
// user is a member.
func (s *Service) Lookalike(ctx context.Context, segmentID string, n int) ([]Scored, error) {
	c, err := s.compiledByID(ctx, segmentID)
	if err != nil {
		return nil, err
	}
	return s.lookalike(ctx, n, func(_ *profile.Profile, r *profile.Record) bool { return c.expr.Eval(r) })
}

// LookalikeOf is Lookalike for a seed given as user ids rather than a
// segment (ids without a profile are ignored; an *InvalidError, field
// "seed", when none has one).
func (s *Service) LookalikeOf(ctx context.Context, seed []string, n int) ([]Scored, error) {
	set := make(map[string]bool, len(seed))
	for _, id := range seed {
		set[id] = true
	}
	out, err := s.lookalike(ctx, n, func(p *profile.Profile, _ *profile.Record) bool { return set[p.UserID] })
	var inv *InvalidError
	if errors.As(err, &inv) {
		inv.Field = "seed"
	}
	return out, err
}

func (s *Service) lookalike(ctx context.Context, n int, isSeed func(*profile.Profile, *profile.Record) bool) ([]Scored, error) {
	if n <= 0 {
		n = DefaultLookalikes
	}
	n = min(n, MaxLookalikes)
	var seed []bool
	t, err := s.extract(ctx, lookalikeCategories, func(p *profile.Profile, r *profile.Record) {
		seed = append(seed, isSeed(p, r))
	})
	if err != nil {
		return nil, err
	}
	var cols []int
	for j, f := range t.feats {
		if !f.outcome {
			cols = append(cols, j)
		}
	}
	X := make([][]float64, len(t.ids))
	for i := range X {
		X[i] = pick(t.input(i), cols)
	}
	sc := cluster.NewScaler(X)
	d := len(cols)
	centroid := make([]float64, d)
	members := 0
	for i, in := range seed {
		if in {
			members++
			for j, v := range sc.Transform(X[i]) {
				centroid[j] += v
			}
		}
	}
	switch {
	case members == 0:
		return nil, &InvalidError{Field: "segment", Msg: "has no one with a profile now, so there is no one to look like"}
	case members == len(t.ids):
		return nil, &InvalidError{Field: "segment", Msg: fmt.Sprintf("holds every user (%d), so there is no one else to find", members)}
	}
	norm := 0.0
	for j := range centroid {
		centroid[j] /= float64(members)
		norm += centroid[j] * centroid[j]
	}
	norm = math.Sqrt(norm)
	out := make([]Scored, 0, len(t.ids)-members)
	for i, in := range seed {
		if in {
			continue
		}
		z := sc.Transform(X[i])
		dot, zz := 0.0, 0.0
		for j, v := range z {
			dot += v * centroid[j]
			zz += v * v
		}
		score := 0.0
		if zz > 0 && norm > 0 {
			score = dot / (math.Sqrt(zz) * norm)
		}
		out = append(out, Scored{UserID: t.ids[i], Score: math.Round(score*1e6) / 1e6})
	}
	slices.SortStableFunc(out, func(a, b Scored) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.UserID, b.UserID)
	})
	return out[:min(n, len(out))], nil
}
