package synth

import (
	"math"
	"time"
)

// Truth is the latent state that produced a shop's events, published so
// that tests and simulations can check what a model recovers. Nothing in
// Items, Users or Events carries it directly; it shows only through
// behaviour (and, as in a real shop, faintly through user attributes).
//
// The behaviour model:
//
//   - A user arrives at Poisson times with rate ActivityRate sessions per day
//     (modulated by the hour of day and the day of the week in Zone), from
//     SignupAt until ChurnAt or the end of the window.
//   - A session looks at one category, sometimes two, drawn from Taste, and
//     at items of that category drawn by Popularity (an item in the user's
//     language is four times as likely as one in the other language).
//   - The chance of adding a viewed item to the cart grows with the item's
//     Quality and the user's taste for its category and falls with
//     sqrt(PriceFactor); the chance of buying a carted item falls with
//     PriceFactor itself. Out-of-stock items are never carted.
//   - Ratings centre on 4 + 0.7·Quality, lower when the price strained the
//     budget.
type Truth struct {
	Leaves []LeafTruth  `json:"leaves"` // leaf categories; Taste and ItemTruth.Leaf index this
	Brands []BrandTruth `json:"brands"` // aligned with Shop.Brands
	Items  []ItemTruth  `json:"items"`  // aligned with Shop.Items
	Users  []UserTruth  `json:"users"`  // aligned with Shop.Users
	// Campaign is the truth of the past coupon test AddCampaign wrote into
	// the shop; nil when there is none.
	Campaign *CampaignTruth `json:"campaign,omitempty"`
}

// LeafTruth is one leaf category with its typical price.
type LeafTruth struct {
	Category    string  `json:"category"`     // Category.ID, "beauty/skin_care"
	MedianPrice float64 `json:"median_price"` // for a mid-range brand, in the shop's currency
}

// BrandTruth is a brand's hidden standing.
type BrandTruth struct {
	ID         string  `json:"id"`
	PriceLevel float64 `json:"price_level"` // multiplies the category's prices; 1 is mid-range
	Awareness  float64 `json:"awareness"`   // multiplies its items' popularity; power-law, ≥ 1
}

// ItemTruth is an item's hidden standing.
type ItemTruth struct {
	ID         string  `json:"id"`
	Leaf       int     `json:"leaf"`       // index into Truth.Leaves
	Brand      int     `json:"brand"`      // index into Shop.Brands
	Quality    float64 `json:"quality"`    // standard normal; raises carting, buying and ratings
	Popularity float64 `json:"popularity"` // share of attention within the catalogue; sums to 1; power-law
}

// UserTruth is a user's hidden taste and habits.
type UserTruth struct {
	ID    string    `json:"id"`
	Taste []float64 `json:"taste"` // preference over Truth.Leaves; sums to 1, mostly on 1–3 leaves
	// BudgetLevel scales category prices into what the user pays without
	// hesitation: the budget for an item of leaf l is
	// BudgetLevel × Leaves[l].MedianPrice (see Truth.Budget).
	BudgetLevel float64 `json:"budget_level"`
	// PriceSensitivity is the exponent of PriceFactor: how fast buying falls
	// off as the price goes past the budget.
	PriceSensitivity float64   `json:"price_sensitivity"`
	ActivityRate     float64   `json:"activity_rate"` // expected sessions per day; heavy-tailed
	Locale           string    `json:"locale"`        // language the user reads: zh-CN or en
	SignupAt         time.Time `json:"signup_at"`
	ChurnAt          time.Time `json:"churn_at,omitzero"` // no sessions from then on; zero if the user stays
}

// TopLeaf returns the index of the user's favourite leaf.
func (u *UserTruth) TopLeaf() int {
	best := 0
	for i, w := range u.Taste {
		if w > u.Taste[best] {
			best = i
		}
	}
	return best
}

// Budget returns what user u pays without hesitation for an item of leaf l,
// in the shop's currency.
func (t *Truth) Budget(u, l int) float64 {
	return t.Users[u].BudgetLevel * t.Leaves[l].MedianPrice
}

// LeafIndex returns the index in Leaves of a leaf category ID, or -1.
func (t *Truth) LeafIndex(categoryID string) int {
	for i, l := range t.Leaves {
		if l.Category == categoryID {
			return i
		}
	}
	return -1
}

// PriceFactor is how much a price above budget holds a user back: 1 up to
// the budget, then (budget/price)^sensitivity.
func PriceFactor(price, budget, sensitivity float64) float64 {
	if price <= budget || price <= 0 {
		return 1
	}
	return math.Pow(budget/price, sensitivity)
}
