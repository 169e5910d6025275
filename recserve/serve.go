package recserve

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/shopmind/shopmind/fairness"
	"github.com/shopmind/shopmind/profile"
	"github.com/shopmind/shopmind/recommend"
	"github.com/shopmind/shopmind/shop"
)

// Errors callers map to answers.
var (
	// ErrUnknownItem means the item is neither in the catalogue nor in the
	// model: the caller should check the id.
	ErrUnknownItem = errors.New("unknown item")
	// ErrInvalid wraps a request the service cannot answer as asked.
	ErrInvalid = errors.New("invalid request")
)

// Request is what every recommendation call may ask for.
type Request struct {
	N        int      // how many items (default 10, at most Config.MaxN)
	Category string   // only items with this category level
	Explain  bool     // attach a reason to every item
	Rules    *Rules   // business rules; nil takes the configured ones
	Exclude  []string // item ids never to return
}

// Item is one recommended item. Score is relative within one answer: the
// best candidate before rules scores 1.
type Item struct {
	ID     string  `json:"id"`
	Score  float64 `json:"score"`
	Reason *Reason `json:"reason,omitempty"`
}

// Reason says why an item was recommended, in a word (Kind), with the
// history item or category behind it, and as a short English sentence.
type Reason struct {
	Kind     string `json:"kind"` // viewed, carted, favourited, bought, bought_with, viewed_together, similar, popular_in, trending, new
	Item     string `json:"item,omitempty"`
	Category string `json:"category,omitempty"`
	Text     string `json:"text"`
}

// Result is an answer.
type Result struct {
	Items    []Item `json:"items"`
	Model    string `json:"model,omitempty"` // version of the model in force ("" before the first)
	Strategy string `json:"strategy"`        // personalized, session, similar, bought_together, popular or catalogue
	Note     string `json:"note,omitempty"`  // why the answer is not what was asked for (consent)
}

func (s *Service) prepare(req *Request) (Rules, error) {
	if req.N == 0 {
		req.N = 10
	}
	if req.N < 1 || req.N > s.cfg.MaxN {
		return Rules{}, fmt.Errorf("%w: n must be from 1 to %d, got %d", ErrInvalid, s.cfg.MaxN, req.N)
	}
	r := s.cfg.Rules
	if req.Rules != nil {
		r = *req.Rules
	}
	if err := r.Check(); err != nil {
		return Rules{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return r, nil
}

// ForUser recommends items to a user from their recent history. Users
// without history get popular items.
func (s *Service) ForUser(ctx context.Context, userID string, req Request) (Result, error) {
	rules, err := s.prepare(&req)
	if err != nil {
		return Result{}, err
	}
	l := s.cur.Load()
	if !s.consent.Allowed(userID, shop.Personalization) {
		// Nothing of the user's is read: not their history, nor what they
		// bought or saw (the exclusion rules are personal too).
		res := s.catalogueFallback(req, rules, req.Exclude)
		if l != nil {
			res = s.popular(l, req, rules, req.Exclude)
		}
		res.Note = "not personalised: the user has not consented to personalization"
		return res, nil
	}
	var recent []profile.RecentEvent
	var purchased []string
	if s.profiles != nil {
		s.profiles.Peek(userID, func(p *profile.Profile) {
			recent = append(recent, p.Recent...)
			if rules.ExcludePurchased {
				for id := range p.Purchased {
					purchased = append(purchased, id)
				}
			}
		})
	}
	excl := append(purchased, req.Exclude...)
	if rules.ExcludeSeen {
		for _, r := range recent {
			excl = append(excl, r.Item)
		}
	}
	if l == nil {
		return s.catalogueFallback(req, rules, excl), nil
	}
	hist := make([]recommend.Event, 0, len(recent))
	for _, r := range recent {
		if i, ok := l.b.Index(r.Item); ok {
			if w := s.cfg.Weights.Of(r.Type); w > 0 {
				hist = append(hist, recommend.Event{Item: i, Time: r.Time, Weight: float32(w), Type: r.Type})
			}
		}
	}
	if len(hist) == 0 {
		return s.popular(l, req, rules, excl), nil
	}
	return s.personal(l, hist, req, rules, excl, "personalized"), nil
}

// Session recommends next items for an anonymous visitor from the items
// they just looked at, oldest first.
func (s *Service) Session(ctx context.Context, items []string, req Request) (Result, error) {
	rules, err := s.prepare(&req)
	if err != nil {
		return Result{}, err
	}
	l := s.cur.Load()
	excl := append(append([]string(nil), items...), req.Exclude...)
	if l == nil {
		return s.catalogueFallback(req, rules, excl), nil
	}
	hist := make([]recommend.Event, 0, len(items))
	t := s.now().Unix() - int64(len(items))
	for k, id := range items {
		if i, ok := l.b.Index(id); ok {
			hist = append(hist, recommend.Event{Item: i, Time: t + int64(k), Weight: float32(s.cfg.Weights.Of(shop.View)), Type: shop.View})
		}
	}
	if len(hist) == 0 {
		return s.popular(l, req, rules, excl), nil
	}
	return s.personal(l, hist, req, rules, excl, "session"), nil
}

// Popular returns the trending items, in a category when one is asked for.
func (s *Service) Popular(ctx context.Context, req Request) (Result, error) {
	rules, err := s.prepare(&req)
	if err != nil {
		return Result{}, err
	}
	l := s.cur.Load()
	if l == nil {
		return s.catalogueFallback(req, rules, req.Exclude), nil
	}
	return s.popular(l, req, rules, req.Exclude), nil
}

// Latest returns the newest visible catalogue items (most recently added or
// changed first), in a category when one is asked for. It needs no model.
func (s *Service) Latest(ctx context.Context, req Request) (Result, error) {
	rules, err := s.prepare(&req)
	if err != nil {
		return Result{}, err
	}
	return s.catalogueFallback(req, rules, req.Exclude), nil
}

// candidate is an item on its way to an answer.
type candidate struct {
	item   int32
	score  float32
	reason *Reason
}

// personal scores the whole catalogue with the user blend and keeps the best
// candidates that pass the rules.
func (s *Service) personal(l *loaded, hist []recommend.Event, req Request, rules Rules, excl []string, strategy string) Result {
	buf := l.scratch.Get().(*[]float32)
	defer l.scratch.Put(buf)
	scores := *buf
	l.b.Blend.Score(hist, scores)
	s.mask(l, scores, rules, excl)
	k := pool(req.N, rules)
	var top []recommend.Scored
	if req.Category != "" {
		top = topOf(scores, l.members[req.Category], k)
	} else {
		top = recommend.TopN(scores, k, nil)
	}
	cands := make([]candidate, len(top))
	for i, t := range top {
		cands[i] = candidate{item: t.Item, score: t.Score}
	}
	items := s.finish(l, cands, req, rules)
	if req.Explain {
		for i := range items {
			items[i].Reason = s.explain(l, hist, items[i].ID)
		}
	}
	if len(items) < req.N {
		// A narrow category or heavy exclusions: fill with popular items.
		more := s.popular(l, Request{N: req.N - len(items), Category: req.Category, Explain: req.Explain}, rules, append(excl, ids(items)...))
		items = fill(items, more.Items)
	}
	return Result{Items: items, Model: l.manifest.Version, Strategy: strategy}
}

// pool is how many candidates to draw before rules that reorder.
func pool(n int, r Rules) int {
	if len(r.Boosts) > 0 || r.MaxPerCategory > 0 || r.MMR > 0 || r.caps().On() {
		return n*5 + 20
	}
	return n
}

func topOf(scores []float32, members []int32, k int) []recommend.Scored {
	sub := make([]float32, len(members))
	for i, m := range members {
		sub[i] = scores[m]
	}
	top := recommend.TopN(sub, k, nil)
	for i := range top {
		top[i].Item = members[top[i].Item]
	}
	return top
}

// mask sets the scores of items that must not be returned to -Inf.
func (s *Service) mask(l *loaded, scores []float32, rules Rules, excl []string) {
	bl := l.blocks(s.cat, s.cfg.BlockRefresh, s.now())
	for _, i := range bl.hidden {
		scores[i] = negInf
	}
	if !rules.IncludeOutOfStock {
		for _, i := range bl.outOfStock {
			scores[i] = negInf
		}
	}
	for _, id := range excl {
		if i, ok := l.b.Index(id); ok {
			scores[i] = negInf
		}
	}
}

// allowed applies the same filters to one item, for paths that do not score
// the whole catalogue.
func (s *Service) allowed(l *loaded, i int32, rules Rules, category string, excl map[int32]bool) bool {
	bl := l.blocks(s.cat, s.cfg.BlockRefresh, s.now())
	if bl.mask[i]&1 != 0 || (!rules.IncludeOutOfStock && bl.mask[i]&2 != 0) || excl[i] {
		return false
	}
	return category == "" || slices.Contains(s.categories(l, i), category)
}

func (s *Service) categories(l *loaded, i int32) []string {
	if it := s.cat.Peek(l.b.Items[i]); it != nil && len(it.Category) > 0 {
		return it.Category
	}
	return l.b.Cats[i]
}

func (s *Service) excludeSet(l *loaded, excl []string) map[int32]bool {
	m := make(map[int32]bool, len(excl))
	for _, id := range excl {
		if i, ok := l.b.Index(id); ok {
			m[i] = true
		}
	}
	return m
}

// finish rescales candidate scores to (0, 1], applies boosts and diversity
// and keeps n.
func (s *Service) finish(l *loaded, cands []candidate, req Request, rules Rules) []Item {
	if len(cands) == 0 {
		return []Item{}
	}
	hi, lo := cands[0].score, cands[0].score
	for _, c := range cands {
		hi, lo = max(hi, c.score), min(lo, c.score)
	}
	type scored struct {
		candidate
		v    float64
		leaf string
		top  string
	}
	out := make([]scored, 0, len(cands))
	for _, c := range cands {
		v := 1.0
		if hi > lo {
			v = 0.1 + 0.9*float64(c.score-lo)/float64(hi-lo)
		}
		id := l.b.Items[c.item]
		it := s.cat.Peek(id)
		for _, b := range rules.Boosts {
			if b.matches(id, it, l.b.Cats[c.item]) {
				v *= b.Factor
			}
		}
		if v <= 0 {
			continue
		}
		cats := s.categories(l, c.item)
		sc := scored{candidate: c, v: v}
		if len(cats) > 0 {
			sc.leaf, sc.top = strings.Join(cats, "/"), cats[0]
		}
		out = append(out, sc)
	}
	slices.SortStableFunc(out, func(a, b scored) int { return cmp.Compare(b.v, a.v) })
	var capper *fairness.Online
	if caps := rules.caps(); caps.On() {
		capper = s.capper(caps)
		out = capOrder(capper, l, s, out, req.N, func(c scored) int32 { return c.item })
	}
	var chosen []scored
	switch {
	case rules.MMR > 0:
		rest := out
		for len(chosen) < req.N && len(rest) > 0 {
			best, bestV := 0, 0.0
			for i, c := range rest {
				sim := 0.0
				for _, p := range chosen {
					switch {
					case c.leaf != "" && c.leaf == p.leaf:
						sim = 1
					case c.top != "" && c.top == p.top:
						sim = max(sim, 0.5)
					}
				}
				if v := rules.MMR*c.v - (1-rules.MMR)*sim; i == 0 || v > bestV {
					best, bestV = i, v
				}
			}
			chosen = append(chosen, rest[best])
			rest = append(rest[:best:best], rest[best+1:]...)
		}
	case rules.MaxPerCategory > 0:
		per := map[string]int{}
		for _, c := range out {
			if len(chosen) == req.N {
				break
			}
			if per[c.leaf] >= rules.MaxPerCategory {
				continue
			}
			per[c.leaf]++
			chosen = append(chosen, c)
		}
	default:
		chosen = out[:min(req.N, len(out))]
	}
	if capper != nil {
		served := make([]fairness.Candidate, len(chosen))
		for i, c := range chosen {
			served[i] = s.capCandidate(l, c.item)
		}
		capper.Record(served...)
	}
	items := make([]Item, len(chosen))
	for i, c := range chosen {
		items[i] = Item{ID: l.b.Items[c.item], Score: round(c.v), Reason: c.reason}
		if !req.Explain {
			items[i].Reason = nil
		}
	}
	return items
}

func round(v float64) float64 { return float64(int64(v*1e6+0.5)) / 1e6 }

func ids(items []Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

// fill appends a fallback's items below the ones already chosen: their
// scores are scaled to stay under the lowest chosen score, keeping order.
func fill(items, more []Item) []Item {
	if len(items) == 0 {
		return append(items, more...)
	}
	f := 0.99 * items[len(items)-1].Score
	for _, m := range more {
		m.Score = round(f * m.Score)
		items = append(items, m)
	}
	return items
}

// popular answers from the trending lists.
func (s *Service) popular(l *loaded, req Request, rules Rules, excl []string) Result {
	list := l.b.Popular
	if req.Category != "" {
		list = l.b.PopularIn[req.Category]
	}
	ex := s.excludeSet(l, excl)
	k := pool(req.N, rules)
	var cands []candidate
	for _, i := range list {
		if len(cands) == k {
			break
		}
		if !s.allowed(l, i, rules, req.Category, ex) {
			continue
		}
		cands = append(cands, candidate{item: i, score: l.b.PopularityScore(i), reason: s.popularReason(l, i, req.Category)})
	}
	items := s.finish(l, cands, req, rules)
	if len(items) < req.N {
		more := s.catalogueFallback(Request{N: req.N - len(items), Category: req.Category, Explain: req.Explain}, rules, append(excl, ids(items)...))
		items = fill(items, more.Items)
	}
	return Result{Items: items, Model: l.manifest.Version, Strategy: "popular"}
}

func (s *Service) popularReason(l *loaded, i int32, category string) *Reason {
	cats := s.categories(l, i)
	if category == "" && len(cats) > 0 {
		category = cats[len(cats)-1]
	}
	if category == "" {
		return &Reason{Kind: "trending", Text: "popular right now"}
	}
	return &Reason{Kind: "popular_in", Category: category, Text: "popular in " + category}
}

// catalogueFallback answers before any model exists: visible, in-stock
// catalogue items, newest first.
func (s *Service) catalogueFallback(req Request, rules Rules, excl []string) Result {
	skip := make(map[string]bool, len(excl))
	for _, id := range excl {
		skip[id] = true
	}
	var pick []*shop.Item
	s.cat.Each(func(it *shop.Item) bool {
		if it.Hidden || skip[it.ID] || (!rules.IncludeOutOfStock && !it.InStock()) {
			return true
		}
		if req.Category != "" && !slices.Contains(it.Category, req.Category) {
			return true
		}
		pick = append(pick, it)
		return true
	})
	slices.SortFunc(pick, func(a, b *shop.Item) int {
		if c := b.UpdatedAt.Compare(a.UpdatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	items := []Item{}
	for k, it := range pick {
		if k == req.N {
			break
		}
		item := Item{ID: it.ID, Score: round(1 / float64(k+1))}
		if req.Explain {
			item.Reason = &Reason{Kind: "new", Text: "new in the catalogue"}
		}
		items = append(items, item)
	}
	return Result{Items: items, Strategy: "catalogue"}
}
