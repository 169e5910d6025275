// Package rules owns "frequently bought together": pairwise association
// rules A → B mined from baskets, with support, confidence and lift, and a
// recommend.Recommender that scores by the rules of a history's purchases.
//
// For N baskets, count(X) the number of baskets holding every item of X:
//
//	support(A → B)    = count(A, B) / N
//	confidence(A → B) = count(A, B) / count(A)
//	lift(A → B)       = confidence(A → B) / (count(B) / N)
//
// These are the definitions of arules / Apriori restricted to itemsets of
// exactly two items (one antecedent, one consequent). Pair counts come from
// sparse co-occurrence accumulation over an inverted index (baskets per
// item), after dropping items that cannot reach the minimum support.
//
// A basket is the set of items bought together. recommend.Data carries no
// order ids, so BasketsFromData groups a user's purchases by time window;
// callers with real order ids build baskets themselves and call Mine.
//
// The package is pure: no I/O, no store, no logging.
package rules

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/shopmind/shopmind/recommend"
	"github.com/shopmind/shopmind/shop"
)

// Order ranks the rules of one antecedent.
type Order int

const (
	ByConfidence Order = iota // confidence, then lift, then consequent index
	ByLift                    // lift, then confidence, then consequent index
)

// Config holds the mining thresholds. Unlike the model packages, zero
// values are taken literally (0 = no threshold); DefaultConfig has the
// recommended values.
type Config struct {
	MinSupport    float64 // minimum support of the pair, a fraction of baskets
	MinCount      int     // minimum number of baskets holding the pair
	MinConfidence float64 // minimum confidence
	MinLift       float64 // minimum lift
	// MaxPerAntecedent keeps only the best rules of every antecedent
	// (≤ 0: all).
	MaxPerAntecedent int
	Order            Order
}

// DefaultConfig returns thresholds for serving: pairs in at least 3 baskets
// and 0.01 % of them, confidence ≥ 0.05, lift ≥ 1 (no negatively associated
// pairs), the 50 best rules of each item by confidence.
func DefaultConfig() Config {
	return Config{MinSupport: 0.0001, MinCount: 3, MinConfidence: 0.05, MinLift: 1, MaxPerAntecedent: 50}
}

// Rule is one association A → B.
type Rule struct {
	Antecedent int32
	Consequent int32
	Count      int     // baskets holding both
	Support    float64 // Count / baskets
	Confidence float64 // Count / count(Antecedent)
	Lift       float64 // Confidence / support(Consequent)
}

// Rules are the mined rules, grouped by antecedent.
type Rules struct {
	baskets int
	count   []int  // baskets per item
	off     []int  // rules of item a: rules[off[a]:off[a+1]]
	rules   []Rule // by antecedent, each group in Config.Order
}

// Mine counts the baskets' items and pairs and keeps the rules passing cfg.
// Items of a basket must lie in [0, numItems); an item repeated within a
// basket counts once. Empty baskets count towards N.
func Mine(ctx context.Context, baskets [][]int32, numItems int, cfg Config) (*Rules, error) {
	if numItems < 0 {
		return nil, errors.New("rules: negative number of items")
	}
	r := &Rules{baskets: len(baskets), count: make([]int, numItems), off: make([]int, numItems+1)}
	if len(baskets) == 0 {
		return r, nil
	}
	// Distinct items per basket, in one flat slice.
	boff := make([]int, len(baskets)+1)
	var flat []int32
	for b, basket := range baskets {
		start := len(flat)
		for _, it := range basket {
			if it < 0 || int(it) >= numItems {
				return nil, fmt.Errorf("rules: basket %d has item index %d outside [0, %d)", b, it, numItems)
			}
			flat = append(flat, it)
		}
		slices.Sort(flat[start:])
		flat = append(flat[:start], slices.Compact(flat[start:])...)
		boff[b+1] = len(flat)
		for _, it := range flat[start:] {
			r.count[it]++
		}
	}
	n := float64(len(baskets))
	minCount := max(1, cfg.MinCount, int(math.Ceil(cfg.MinSupport*n-1e-9)))

	// Inverted index: baskets of every item that can reach minCount.
	ioff := make([]int, numItems+1)
	for _, it := range flat {
		if r.count[it] >= minCount {
			ioff[it+1]++
		}
	}
	for i := range numItems {
		ioff[i+1] += ioff[i]
	}
	inv := make([]int32, ioff[numItems])
	next := slices.Clone(ioff[:numItems])
	for b := range baskets {
		for _, it := range flat[boff[b]:boff[b+1]] {
			if r.count[it] >= minCount {
				inv[next[it]] = int32(b)
				next[it]++
			}
		}
	}

	acc := make([]int32, numItems)
	var touched []int32
	for a := range numItems {
		if a&255 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		start := len(r.rules)
		if r.count[a] >= minCount {
			touched = touched[:0]
			for _, b := range inv[ioff[a]:ioff[a+1]] {
				for _, c := range flat[boff[b]:boff[b+1]] {
					if int(c) == a || r.count[c] < minCount {
						continue
					}
					if acc[c] == 0 {
						touched = append(touched, c)
					}
					acc[c]++
				}
			}
			for _, c := range touched {
				k := int(acc[c])
				acc[c] = 0
				if k < minCount {
					continue
				}
				rule := newRule(int32(a), c, k, r.count[a], r.count[c], n)
				if rule.Confidence < cfg.MinConfidence || rule.Lift < cfg.MinLift {
					continue
				}
				r.rules = append(r.rules, rule)
			}
			group := r.rules[start:]
			slices.SortFunc(group, less(cfg.Order))
			if cfg.MaxPerAntecedent > 0 && len(group) > cfg.MaxPerAntecedent {
				r.rules = r.rules[:start+cfg.MaxPerAntecedent]
			}
		}
		r.off[a+1] = len(r.rules)
	}
	r.rules = slices.Clip(r.rules)
	return r, nil
}

// newRule computes the measures of the rule a → c held by k of baskets
// baskets, a being in countA of them and c in countC. Mine and
// UnmarshalBinary share it, so decoded rules equal mined ones to the bit.
func newRule(a, c int32, k, countA, countC int, baskets float64) Rule {
	conf := float64(k) / float64(countA)
	return Rule{Antecedent: a, Consequent: c, Count: k, Support: float64(k) / baskets, Confidence: conf, Lift: conf * baskets / float64(countC)}
}

func less(o Order) func(x, y Rule) int {
	return func(x, y Rule) int {
		first, second := cmp.Compare(y.Confidence, x.Confidence), cmp.Compare(y.Lift, x.Lift)
		if o == ByLift {
			first, second = second, first
		}
		if first != 0 {
			return first
		}
		if second != 0 {
			return second
		}
		return cmp.Compare(x.Consequent, y.Consequent)
	}
}

// Len is the number of rules kept.
func (r *Rules) Len() int { return len(r.rules) }

// Baskets is the number of baskets mined (N).
func (r *Rules) Baskets() int { return r.baskets }

// ItemCount is the number of baskets holding item (0 when out of range).
func (r *Rules) ItemCount(item int32) int {
	if item < 0 || int(item) >= len(r.count) {
		return 0
	}
	return r.count[item]
}

// All returns every rule kept, grouped by antecedent in index order, each
// group in the configured order. The slice is the Rules' own: do not modify.
func (r *Rules) All() []Rule { return r.rules }

// BoughtTogether returns up to n rules with antecedent item, best first
// (a view into the rules: do not modify). It is nil for items without
// rules or out of range.
func (r *Rules) BoughtTogether(item int32, n int) []Rule {
	if item < 0 || int(item) >= len(r.count) || n <= 0 {
		return nil
	}
	g := r.rules[r.off[item]:r.off[item+1]]
	if len(g) == 0 {
		return nil
	}
	return g[:min(n, len(g)):min(n, len(g))]
}

// BasketConfig says how BasketsFromData cuts a user's events into baskets.
type BasketConfig struct {
	// Types are the event types that put an item in a basket (default:
	// purchase only).
	Types []shop.EventType
	// Window is the span in seconds of one basket: a basket opens at a
	// qualifying event and takes the user's qualifying events up to Window
	// seconds after it (default 86,400, a day); negative puts all of a
	// user's qualifying events in one basket.
	Window int64
}

func (c BasketConfig) withDefaults() BasketConfig {
	if len(c.Types) == 0 {
		c.Types = []shop.EventType{shop.Purchase}
	}
	if c.Window == 0 {
		c.Window = 86400
	}
	return c
}

func (c BasketConfig) qualifies(t shop.EventType) bool { return slices.Contains(c.Types, t) }

// BasketsFromData cuts every user's events of the configured types into
// baskets by time window (see BasketConfig). Events are taken in the order
// of each sequence, which Data keeps by time. Baskets with one item are kept:
// they count towards N as arules counts one-item transactions.
func BasketsFromData(d *recommend.Data, cfg BasketConfig) [][]int32 {
	cfg = cfg.withDefaults()
	var out [][]int32
	for _, seq := range d.Seqs {
		var cur []int32
		var opened int64
		for _, e := range seq {
			if !cfg.qualifies(e.Type) {
				continue
			}
			if cur != nil && cfg.Window >= 0 && e.Time-opened > cfg.Window {
				out = append(out, cur)
				cur = nil
			}
			if cur == nil {
				opened = e.Time
			}
			cur = append(cur, e.Item)
		}
		if cur != nil {
			out = append(out, cur)
		}
	}
	return out
}

// Recommender adapts mined rules to recommend.Recommender: it mines the
// baskets of the training data at Fit and scores a history by the rules of
// its purchased items.
type Recommender struct {
	cfg    Config
	basket BasketConfig
	rules  *Rules
}

// NewRecommender returns an unfitted rules recommender mining with cfg the
// baskets cut by basket.
func NewRecommender(cfg Config, basket BasketConfig) *Recommender {
	return &Recommender{cfg: cfg, basket: basket.withDefaults()}
}

// Name implements recommend.Recommender.
func (r *Recommender) Name() string { return "rules" }

// Rules returns the mined rules (nil before Fit).
func (r *Recommender) Rules() *Rules { return r.rules }

// Fit implements recommend.Recommender.
func (r *Recommender) Fit(ctx context.Context, d *recommend.Data) error {
	if d == nil {
		return errors.New("rules: no data")
	}
	rules, err := Mine(ctx, BasketsFromData(d, r.basket), d.NumItems(), r.cfg)
	if err != nil {
		return err
	}
	r.rules = rules
	return nil
}

// Score implements recommend.Recommender: every event of hist of a basket
// type (purchases by default) adds the confidence of each rule of its item
// to the rule's consequent; an item bought twice counts twice. A history
// without such events scores zeros. Score does not allocate.
func (r *Recommender) Score(hist []recommend.Event, scores []float32) {
	clear(scores)
	if r.rules == nil {
		return
	}
	for _, e := range hist {
		if !r.basket.qualifies(e.Type) || e.Item < 0 || int(e.Item) >= len(r.rules.count) {
			continue
		}
		for _, rule := range r.rules.rules[r.rules.off[e.Item]:r.rules.off[e.Item+1]] {
			if int(rule.Consequent) < len(scores) {
				scores[rule.Consequent] += float32(rule.Confidence)
			}
		}
	}
}
