package ads

import (
	"math"
	"math/rand/v2"

	"github.com/shopmind/shopmind/bandit"
	"github.com/shopmind/shopmind/internal/randx"
)

// ExploreConfig tunes the exploration of new creatives. Zero fields take
// defaults.
//
// A creative with fewer than Impressions impressions is ranked by a
// Thompson sample of its CTR instead of the model's pCTR: a draw from the
// Beta posterior whose prior is centred on the model's pCTR with the
// weight of PriorImpressions impressions, updated by the creative's own
// clicks and impressions: Beta(k·p + clicks, k·(1−p) + impressions −
// clicks). Uncertain creatives thus sometimes rank high and get the
// impressions that teach their true rate; once they have enough, the
// model's pCTR takes over.
type ExploreConfig struct {
	Disabled         bool
	Impressions      int64   // default 1000
	PriorImpressions float64 // default 20
}

func (c ExploreConfig) withDefaults() ExploreConfig {
	if c.Impressions <= 0 {
		c.Impressions = 1000
	}
	if c.PriorImpressions <= 0 {
		c.PriorImpressions = 20
	}
	return c
}

// Explores reports whether a creative with these statistics is still
// explored.
func (c ExploreConfig) Explores(s CreativeStats) bool {
	return !c.Disabled && s.Impressions < c.withDefaults().Impressions
}

// Sample draws the creative's CTR from its posterior given the model's
// pCTR as the prior mean (bandit.Thompson with the prior k·p, k·(1−p)).
func (c ExploreConfig) Sample(r *rand.Rand, pctr float64, s CreativeStats) float64 {
	c = c.withDefaults()
	p := math.Min(math.Max(pctr, 1e-6), 1-1e-6)
	prior := bandit.Thompson{Alpha: c.PriorImpressions * p, Beta: c.PriorImpressions * (1 - p)}
	return prior.Draw(bandit.Arm{Pulls: s.Impressions, Reward: float64(s.Clicks)}, r)
}

// SampleBeta draws from Beta(a, b) (a, b > 0); see randx.Beta.
func SampleBeta(r *rand.Rand, a, b float64) float64 { return randx.Beta(r, a, b) }
