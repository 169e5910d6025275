package ads

import (
	"math"
	"math/rand/v2"
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
// pCTR as the prior mean.
func (c ExploreConfig) Sample(r *rand.Rand, pctr float64, s CreativeStats) float64 {
	c = c.withDefaults()
	p := math.Min(math.Max(pctr, 1e-6), 1-1e-6)
	clicks := float64(min(max(s.Clicks, 0), max(s.Impressions, 0)))
	a := c.PriorImpressions*p + clicks
	b := c.PriorImpressions*(1-p) + float64(max(s.Impressions, 0)) - clicks
	return SampleBeta(r, a, b)
}

// SampleBeta draws from Beta(a, b) (a, b > 0) as X/(X+Y) with X ~ Gamma(a)
// and Y ~ Gamma(b).
func SampleBeta(r *rand.Rand, a, b float64) float64 {
	x := sampleGamma(r, a)
	y := sampleGamma(r, b)
	if x+y == 0 {
		return a / (a + b)
	}
	return x / (x + y)
}

// sampleGamma draws from Gamma(shape, 1) by Marsaglia and Tsang's method;
// shapes below 1 use Gamma(shape+1)·U^(1/shape).
func sampleGamma(r *rand.Rand, shape float64) float64 {
	if shape < 1 {
		u := r.Float64()
		for u == 0 {
			u = r.Float64()
		}
		return sampleGamma(r, shape+1) * math.Pow(u, 1/shape)
	}
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := r.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := r.Float64()
		if u < 1-0.0331*x*x*x*x || (u > 0 && math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v))) {
			return d * v
		}
	}
}
