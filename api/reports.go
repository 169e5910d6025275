package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/shopmind/shopmind/fairness"
	"github.com/shopmind/shopmind/profile"
	"github.com/shopmind/shopmind/recserve"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// Bounds of GET /v1/reports/exposure.
const (
	reportDefaultUsers = 1000
	reportMaxUsers     = 5000
	reportMaxN         = 50
	// reportMaxAdPages bounds the ad_impression pages read per user.
	reportMaxAdPages = 10
)

// exposureSample says what the exposure report measured.
type exposureSample struct {
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

type adsExposure struct {
	GroupBy string          `json:"group_by"`
	Measure string          `json:"measure"`
	Price   string          `json:"price"`
	Parity  fairness.Parity `json:"parity"`
}

type exposureAnswer struct {
	Sample          exposureSample    `json:"sample"`
	Recommendations fairness.Exposure `json:"recommendations"`
	Ads             *adsExposure      `json:"ads,omitempty"`
	Note            string            `json:"note,omitempty"`
}

// exposureReport answers GET /v1/reports/exposure: recommendation exposure
// over the live model for a sample of users and, with group_by, the ads
// those users were logged receiving grouped by a user attribute.
func (s *Server) exposureReport(w http.ResponseWriter, r *http.Request) {
	if !s.recsReady(w) || !s.profilesReady(w) {
		return
	}
	q := r.URL.Query()
	users, ok := intParam(w, q.Get("users"), "users", reportDefaultUsers, 1, reportMaxUsers)
	if !ok {
		return
	}
	n, ok := intParam(w, q.Get("n"), "n", 10, 1, reportMaxN)
	if !ok {
		return
	}
	groupBy := strings.TrimSpace(q.Get("group_by"))
	if len(groupBy) > 64 {
		writeProblem(w, http.StatusBadRequest, "invalid-parameter", "group_by: name a user attribute of at most 64 characters, e.g. age_band")
		return
	}
	ctx := r.Context()
	ids := sampleUsers(s.profiles, users)
	minGroup := s.cfg.MinGroupSize
	if minGroup < 1 {
		minGroup = 10
	}
	ans := exposureAnswer{Sample: exposureSample{Users: len(ids), Profiles: s.profiles.Users(), MaxUsers: reportMaxUsers, N: n,
		Selection: "every k-th user by id among the profiles on this node, k = profiles / users",
		Exposure:  "one per recommended slot", MinGroup: minGroup,
		LongTail: fmt.Sprintf("items outside the ⌈%g%%⌉ of the visible catalogue with the highest trending score in the model", 100*fairness.HeadFraction)}}
	if m, ok := s.recs.Current(); ok {
		ans.Sample.Model = m.Version
	}
	// The report measures the model and rules without exposure caps, and
	// its requests are not counted in the serving caps' running counts.
	rules := s.recs.Rules()
	ans.Sample.Caps = "none configured"
	if rules.MaxItemShare > 0 || rules.MaxBrandShare > 0 {
		ans.Sample.Caps = fmt.Sprintf("configured caps (item %g, brand %g) are left out: the report measures the model's own exposure", rules.MaxItemShare, rules.MaxBrandShare)
	}
	rules.MaxItemShare, rules.MaxBrandShare = 0, 0
	counts := map[string]float64{}
	for _, id := range ids {
		res, err := s.recs.ForUser(ctx, id, recserve.Request{N: n, Rules: &rules})
		if err != nil {
			s.recError(w, r, err)
			return
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
	s.recs.EachItem(func(id, brand string, pop float64) {
		cat = append(cat, fairness.Item{ID: id, Brand: brand, Popularity: pop})
	})
	ans.Sample.Catalogue = len(cat)
	ans.Recommendations = fairness.Measure(cat, counts)
	if groupBy == "" {
		ans.Note = "add group_by=ATTRIBUTE (a user attribute such as age_band or gender) for ad delivery by group"
		writeJSON(w, http.StatusOK, ans)
		return
	}
	a, err := s.adsByGroup(ctx, ids, groupBy, minGroup)
	var unknown *unknownAttributeError
	switch {
	case errors.As(err, &unknown):
		writeProblem(w, http.StatusBadRequest, "invalid-parameter", unknown.Error())
		return
	case err != nil:
		s.storeError(w, r, "the sampled users", err)
		return
	}
	ans.Ads = a
	writeJSON(w, http.StatusOK, ans)
}

func intParam(w http.ResponseWriter, v, name string, def, lo, hi int) (int, bool) {
	if v == "" {
		return def, true
	}
	x, err := strconv.Atoi(v)
	if err != nil || x < lo || x > hi {
		writeProblem(w, http.StatusBadRequest, "invalid-parameter", fmt.Sprintf("%s must be a whole number from %d to %d", name, lo, hi))
		return 0, false
	}
	return x, true
}

// sampleUsers takes every k-th profile in id order, k = profiles/users.
func sampleUsers(p *profile.Service, users int) []string {
	step := max(1, p.Users()/users)
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

type unknownAttributeError struct {
	name string
	seen []string
}

func (e *unknownAttributeError) Error() string {
	if len(e.seen) == 0 {
		return fmt.Sprintf("group_by %q: no sampled user has attributes to group by", e.name)
	}
	return fmt.Sprintf("group_by %q is not an attribute of any sampled user; use one of %s", e.name, strings.Join(e.seen, ", "))
}

// adsByGroup counts the ad_impression events logged for each sampled user
// and groups them by the user attribute.
func (s *Server) adsByGroup(ctx context.Context, ids []string, attr string, minGroup int) (*adsExposure, error) {
	groups := map[string]*fairness.GroupDelivery{}
	seen := map[string]bool{}
	found := false
	for _, id := range ids {
		u, err := s.store.GetUser(ctx, id)
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
		imps, err := s.countAdImpressions(ctx, id)
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
		return nil, &unknownAttributeError{name: attr, seen: keys}
	}
	list := make([]fairness.GroupDelivery, 0, len(groups))
	for _, g := range groups {
		list = append(list, *g)
	}
	return &adsExposure{GroupBy: attr,
		Measure: "delivery_rate is ad_impression events logged per sampled user of the group over all stored time " +
			"(ad requests are not stored, so it is not a per-request rate); requests counts users",
		Price:  "not available: ad_impression events carry no price (decision records expire), so avg_price is omitted",
		Parity: fairness.DeliveryParity(list, minGroup)}, nil
}

func (s *Server) countAdImpressions(ctx context.Context, user string) (int64, error) {
	var n int64
	cursor := ""
	for range reportMaxAdPages {
		evs, next, err := s.store.UserEvents(ctx, store.EventQuery{UserID: user, Type: shop.AdImpression, Cursor: cursor, Limit: store.MaxLimit})
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
