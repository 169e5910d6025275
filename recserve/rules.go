package recserve

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/shopmind/shopmind/fairness"
	"github.com/shopmind/shopmind/shop"
)

// Rules are the business rules applied to every answer. Config sets the
// defaults; a request may tighten or change them.
type Rules struct {
	ExcludePurchased  bool    `json:"exclude_purchased"`    // never recommend what the user bought
	ExcludeSeen       bool    `json:"exclude_seen"`         // nor what is in their recent history
	IncludeOutOfStock bool    `json:"include_out_of_stock"` // hidden items are never included
	Boosts            []Boost `json:"boosts,omitempty"`
	MaxPerCategory    int     `json:"max_per_category,omitempty"` // per leaf category; 0: no cap
	// MMR, in (0, 1], re-ranks by maximal marginal relevance: λ·score −
	// (1−λ)·max similarity to what is already chosen (same leaf category 1,
	// same top level 0.5). 0 turns it off.
	MMR float64 `json:"mmr,omitempty"`
	// MaxItemShare and MaxBrandShare, in (0, 1], cap an item's and a
	// brand's share of the recommendation exposure this node served under
	// the same caps: candidates over a cap (decayed running counts, see
	// fairness.Online) go below the others at the end of ranking. Counts
	// are per node, so each node caps its own traffic's shares, which
	// bounds the cluster's share the same. 0 turns a cap off.
	MaxItemShare  float64 `json:"max_item_share,omitempty"`
	MaxBrandShare float64 `json:"max_brand_share,omitempty"`
}

func (r Rules) caps() fairness.Caps {
	return fairness.Caps{MaxItemShare: r.MaxItemShare, MaxBrandShare: r.MaxBrandShare}
}

// DefaultRules excludes purchased and recently seen items and out-of-stock
// ones, with no boosts and no diversity constraint.
func DefaultRules() Rules { return Rules{ExcludePurchased: true, ExcludeSeen: true} }

// Boost multiplies the score of matching items by Factor: above 1 boosts,
// below 1 buries, 0 removes.
type Boost struct {
	Field  string  `json:"field"` // category, brand, item or tag
	Value  string  `json:"value"`
	Factor float64 `json:"factor"`
}

// ParseBoosts reads "category:Shoes=1.5,brand:Acme=0.5".
func ParseBoosts(s string) ([]Boost, error) {
	var out []Boost
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		lhs, f, ok := strings.Cut(part, "=")
		field, value, ok2 := strings.Cut(lhs, ":")
		if !ok || !ok2 || value == "" {
			return nil, fmt.Errorf("boost %q: write field:value=factor, e.g. category:Shoes=1.5", part)
		}
		factor, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || factor < 0 || factor > 1000 {
			return nil, fmt.Errorf("boost %q: the factor must be a number from 0 to 1000", part)
		}
		b := Boost{Field: strings.TrimSpace(field), Value: strings.TrimSpace(value), Factor: factor}
		if err := b.check(); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

func (b Boost) check() error {
	switch b.Field {
	case "category", "brand", "item", "tag":
		return nil
	}
	return fmt.Errorf("boost field %q: use category, brand, item or tag", b.Field)
}

// Check reports the first invalid rule.
func (r Rules) Check() error {
	for _, b := range r.Boosts {
		if err := b.check(); err != nil {
			return err
		}
		if b.Factor < 0 {
			return fmt.Errorf("boost %s:%s: the factor must not be negative", b.Field, b.Value)
		}
	}
	if r.MaxPerCategory < 0 {
		return fmt.Errorf("max_per_category must not be negative")
	}
	if r.MMR < 0 || r.MMR > 1 {
		return fmt.Errorf("mmr must be in [0, 1]")
	}
	if err := r.caps().Check(); err != nil {
		return err
	}
	return nil
}

func (b Boost) matches(id string, it *shop.Item, cats []string) bool {
	switch b.Field {
	case "item":
		return id == b.Value
	case "category":
		if it != nil {
			cats = it.Category
		}
		for _, c := range cats {
			if strings.EqualFold(c, b.Value) {
				return true
			}
		}
	case "brand":
		return it != nil && strings.EqualFold(it.Brand, b.Value)
	case "tag":
		if it != nil {
			for _, t := range it.Tags {
				if strings.EqualFold(t, b.Value) {
					return true
				}
			}
		}
	}
	return false
}
