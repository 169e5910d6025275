package recserve

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/shopmind/shopmind/fairness"
	"github.com/shopmind/shopmind/profile"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// Bounds of the live exposure report (GET /v1/reports/exposure and the
// dashboard's reports page share them).
const (
	ReportDefaultUsers = 1000
	ReportMaxUsers     = 5000
	ReportMaxN         = 50
	// reportMaxAdPages bounds the ad_impression pages read per user.
	reportMaxAdPages = 10
)

// ExposureSample says what the exposure report measured.
type ExposureSample struct {
	Users     int    `json:"users"`     // users sampled
	Profiles  int    `json:"profiles"`  // users with a profile on this node
	MaxUsers  int    `json:"max_users"` // the largest sample a request may ask for
	N         int    `json:"n"`         // recommendations per sampled user
	Selection string `json:"selection"` // how the sample was drawn
	Model     string `json:"model"`     // version of the model in force
	Caps      string `json:"caps_note"` // how configured exposure caps were treated
	Catalogue int    `json:"catalogue"` // visible catalogue items
	Exposure  string `json:"exposure"`  // what one unit of exposure is
	LongTail  string `json:"long_tail"` // the long-tail definition
	MinGroup  int    `json:"min_group"` // k of k-anonymity for the ads groups
	Personal  int    `json:"personalized_answers"`
	Fallbacks int    `json:"non_personalized_answers"`
}

// AdsExposure is ad delivery to the sampled users grouped by a user
// attribute.
type AdsExposure struct {
	GroupBy string          `json:"group_by"`
	Measure string          `json:"measure"`
	Price   string          `json:"price"`
	Parity  fairness.Parity `json:"parity"`
}

// ExposureReport is the live exposure report: recommendation exposure over
// the model in force for a sample of users and, when asked, the ads those
// users were logged receiving by group.
type ExposureReport struct {
	Sample          ExposureSample    `json:"sample"`
	Recommendations fairness.Exposure `json:"recommendations"`
	Ads             *AdsExposure      `json:"ads,omitempty"`
	Note            string            `json:"note,omitempty"`
	// ItemExposure is every visible catalogue item's exposure (unexposed
	// items as 0), ascending: the Lorenz curve behind the Gini. Not part of
	// the API's answer, whose size must not grow with the catalogue.
	ItemExposure []float64 `json:"-"`
}

// MeasureExposure asks the model in force for n recommendations for each of
// up to users sampled profiles (every k-th by id) and measures how they
// spread over the visible catalogue, exposure caps left out so the model's
// own exposure is seen. It returns the sampled user ids for AdsByGroup.
// Errors are ForUser's (ErrInvalid and store errors).
func (s *Service) MeasureExposure(ctx context.Context, prof *profile.Service, users, n, minGroup int) (ExposureReport, []string, error) {
	if minGroup < 1 {
		minGroup = 10
	}
	ids := SampleUsers(prof, users)
	ans := ExposureReport{Sample: ExposureSample{Users: len(ids), Profiles: prof.Users(), MaxUsers: ReportMaxUsers, N: n,
		Selection: "every k-th user by id among the profiles on this node, k = profiles / users",
		Exposure:  "one per recommended slot", MinGroup: minGroup,
		LongTail: fmt.Sprintf("items outside the ⌈%g%%⌉ of the visible catalogue with the highest trending score in the model", 100*fairness.HeadFraction)}}
	if m, ok := s.Current(); ok {
		ans.Sample.Model = m.Version
	}
	// The report measures the model and rules without exposure caps, and
	// its requests are not counted in the serving caps' running counts.
	rules := s.Rules()
	ans.Sample.Caps = "none configured"
	if rules.MaxItemShare > 0 || rules.MaxBrandShare > 0 {
		ans.Sample.Caps = fmt.Sprintf("configured caps (item %g, brand %g) are left out: the report measures the model's own exposure", rules.MaxItemShare, rules.MaxBrandShare)
	}
	rules.MaxItemShare, rules.MaxBrandShare = 0, 0
	counts := map[string]float64{}
	for _, id := range ids {
		res, err := s.ForUser(ctx, id, Request{N: n, Rules: &rules})
		if err != nil {
			return ExposureReport{}, nil, err
		}
		if res.Strategy == "personalized" {
			ans.Sample.Personal++
		} else {
			ans.Sample.Fallbacks++
		}
		for _, it := range res.Items {
			counts[it.ID]++
		}
	}
	var cat []fairness.Item
	s.EachItem(func(id, brand string, pop float64) {
		cat = append(cat, fairness.Item{ID: id, Brand: brand, Popularity: pop})
	})
	ans.Sample.Catalogue = len(cat)
	ans.Recommendations = fairness.Measure(cat, counts)
	ans.ItemExposure = make([]float64, len(cat))
	for i, it := range cat {
		ans.ItemExposure[i] = counts[it.ID]
	}
	slices.Sort(ans.ItemExposure)
	return ans, ids, nil
}

// SampleUsers takes every k-th profile in id order, k = profiles/users.
func SampleUsers(p *profile.Service, users int) []string {
	step := max(1, p.Users()/max(users, 1))
	var ids []string
	k := 0
	p.Each(func(pr *profile.Profile, _ *profile.Context) bool {
		if k%step == 0 {
			ids = append(ids, pr.UserID)
		}
		k++
		return len(ids) < users
	})
	return ids
}

// UnknownAttributeError means no sampled user has the attribute asked to
// group by; Seen lists the attributes they do have.
type UnknownAttributeError struct {
	Name string
	Seen []string
}

func (e *UnknownAttributeError) Error() string {
	if len(e.Seen) == 0 {
		return fmt.Sprintf("group_by %q: no sampled user has attributes to group by", e.Name)
	}
	return fmt.Sprintf("group_by %q is not an attribute of any sampled user; use one of %s", e.Name, strings.Join(e.Seen, ", "))
}

// AdsByGroup counts the ad_impression events logged for each of ids and
// groups them by the user attribute attr, suppressing groups smaller than
// minGroup. An attribute no user has gives *UnknownAttributeError.
func AdsByGroup(ctx context.Context, st store.Store, ids []string, attr string, minGroup int) (*AdsExposure, error) {
	groups := map[string]*fairness.GroupDelivery{}
	seen := map[string]bool{}
	found := false
	for _, id := range ids {
		u, err := st.GetUser(ctx, id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("reading user %s: %w", id, err)
		}
		g := "(unknown)"
		if v, ok := u.Attributes[attr]; ok && v != nil {
			g, found = fmt.Sprint(v), true
		}
		for k := range u.Attributes {
			seen[k] = true
		}
		imps, err := countAdImpressions(ctx, st, id)
		if err != nil {
			return nil, err
		}
		gd := groups[g]
		if gd == nil {
			gd = &fairness.GroupDelivery{Group: g}
			groups[g] = gd
		}
		gd.Users++
		gd.Requests++
		gd.Impressions += imps
	}
	if !found {
		keys := make([]string, 0, len(seen))
		for k := range seen {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		return nil, &UnknownAttributeError{Name: attr, Seen: keys}
	}
	list := make([]fairness.GroupDelivery, 0, len(groups))
	for _, g := range groups {
		list = append(list, *g)
	}
	return &AdsExposure{GroupBy: attr,
		Measure: "delivery_rate is ad_impression events logged per sampled user of the group over all stored time " +
			"(ad requests are not stored, so it is not a per-request rate); requests counts users",
		Price:  "not available: ad_impression events carry no price (decision records expire), so avg_price is omitted",
		Parity: fairness.DeliveryParity(list, minGroup)}, nil
}

func countAdImpressions(ctx context.Context, st store.Store, user string) (int64, error) {
	var n int64
	cursor := ""
	for range reportMaxAdPages {
		evs, next, err := st.UserEvents(ctx, store.EventQuery{UserID: user, Type: shop.AdImpression, Cursor: cursor, Limit: store.MaxLimit})
		if err != nil {
			return 0, fmt.Errorf("reading ad impressions of %s: %w", user, err)
		}
		n += int64(len(evs))
		if next == "" {
			break
		}
		cursor = next
	}
	return n, nil
}
