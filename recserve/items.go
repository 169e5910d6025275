package recserve

import (
	"context"
	"fmt"

	"github.com/shopmind/shopmind/recommend"
	"github.com/shopmind/shopmind/shop"
)

// Similar returns items like the given one: those viewed with it (item-kNN
// over co-interactions), then those whose text and attributes resemble it
// (content similarity, which also covers items added after the last
// training), then popular items of its category. ErrUnknownItem when neither
// the catalogue nor the model knows the item.
func (s *Service) Similar(ctx context.Context, itemID string, req Request) (Result, error) {
	rules, err := s.prepare(&req)
	if err != nil {
		return Result{}, err
	}
	it, err := s.cat.Get(ctx, itemID)
	if err != nil {
		return Result{}, fmt.Errorf("recommendations: looking up item %s: %w", itemID, err)
	}
	l := s.cur.Load()
	var idx int32 = -1
	if l != nil {
		if i, ok := l.b.Index(itemID); ok {
			idx = i
		}
	}
	if it == nil && idx < 0 {
		return Result{}, fmt.Errorf("%w: %s", ErrUnknownItem, itemID)
	}
	excl := append([]string{itemID}, req.Exclude...)
	if l == nil {
		return s.catalogueFallback(req, rules, excl), nil
	}
	items := s.similar(l, idx, it, req, rules, excl)
	return Result{Items: items, Model: l.manifest.Version, Strategy: "similar"}, nil
}

func (s *Service) similar(l *loaded, idx int32, it *shop.Item, req Request, rules Rules, excl []string) []Item {
	ex := s.excludeSet(l, excl)
	k := pool(req.N, rules)
	title := s.title(l, idx, it)
	var cands []candidate
	seen := map[int32]bool{}
	add := func(list []recommend.Scored, tier float32, reason func(j int32) *Reason) {
		if len(list) == 0 {
			return
		}
		top := list[0].Score
		for _, c := range list {
			if len(cands) == k {
				return
			}
			if seen[c.Item] || !s.allowed(l, c.Item, rules, req.Category, ex) {
				continue
			}
			seen[c.Item] = true
			v := tier
			if top > 0 {
				v = tier * (0.5 + 0.5*c.Score/top)
			}
			cands = append(cands, candidate{item: c.Item, score: v, reason: reason(c.Item)})
		}
	}
	if idx >= 0 && l.b.KNN != nil {
		add(l.b.KNN.Neighbors(idx, k*2), 1, func(int32) *Reason {
			return &Reason{Kind: "viewed_together", Item: l.b.Items[idx], Text: "often viewed with " + title}
		})
	}
	if len(cands) < k && l.b.Content != nil {
		var list []recommend.Scored
		if idx >= 0 {
			list = l.b.Content.Similar(idx, k*2, nil)
		} else if it != nil {
			list = l.b.Content.SimilarTo(l.b.Content.Embed(*it), k*2, nil)
		}
		add(list, 0.4, func(j int32) *Reason {
			return &Reason{Kind: "similar", Item: itemOf(l, idx, it), Text: "similar to " + title}
		})
	}
	if len(cands) < k {
		var cats []string
		if it != nil {
			cats = it.Category
		} else if idx >= 0 {
			cats = l.b.Cats[idx]
		}
		for c := len(cats) - 1; c >= 0 && len(cands) < k; c-- {
			var list []recommend.Scored
			for _, j := range l.b.PopularIn[cats[c]] {
				list = append(list, recommend.Scored{Item: j, Score: l.b.PopularityScore(j)})
			}
			cat := cats[c]
			add(list, 0.1, func(int32) *Reason { return &Reason{Kind: "popular_in", Category: cat, Text: "popular in " + cat} })
		}
	}
	items := s.finish(l, cands, req, rules)
	if len(items) < req.N {
		more := s.popular(l, Request{N: req.N - len(items), Category: req.Category, Explain: req.Explain}, rules, append(excl, ids(items)...))
		items = fill(items, more.Items)
	}
	return items
}

func itemOf(l *loaded, idx int32, it *shop.Item) string {
	if it != nil {
		return it.ID
	}
	return l.b.Items[idx]
}

// title names an item for a reason: its title if the catalogue has one,
// else its id.
func (s *Service) title(l *loaded, idx int32, it *shop.Item) string {
	if it == nil && idx >= 0 {
		it = s.cat.Peek(l.b.Items[idx])
	}
	switch {
	case it != nil && it.Title != "":
		return fmt.Sprintf("%q", it.Title)
	case it != nil:
		return it.ID
	case idx >= 0:
		return l.b.Items[idx]
	}
	return "this item"
}

// BoughtTogether returns items bought in the same baskets as the given one
// (association rules ordered by confidence), topped up with similar items.
func (s *Service) BoughtTogether(ctx context.Context, itemID string, req Request) (Result, error) {
	rules, err := s.prepare(&req)
	if err != nil {
		return Result{}, err
	}
	it, err := s.cat.Get(ctx, itemID)
	if err != nil {
		return Result{}, fmt.Errorf("recommendations: looking up item %s: %w", itemID, err)
	}
	l := s.cur.Load()
	var idx int32 = -1
	if l != nil {
		if i, ok := l.b.Index(itemID); ok {
			idx = i
		}
	}
	if it == nil && idx < 0 {
		return Result{}, fmt.Errorf("%w: %s", ErrUnknownItem, itemID)
	}
	excl := append([]string{itemID}, req.Exclude...)
	if l == nil {
		return s.catalogueFallback(req, rules, excl), nil
	}
	ex := s.excludeSet(l, excl)
	title := s.title(l, idx, it)
	var cands []candidate
	if idx >= 0 && l.b.Rules != nil {
		for _, r := range l.b.Rules.BoughtTogether(idx, pool(req.N, rules)*2) {
			if !s.allowed(l, r.Consequent, rules, req.Category, ex) {
				continue
			}
			cands = append(cands, candidate{item: r.Consequent, score: float32(r.Confidence), reason: &Reason{
				Kind: "bought_with", Item: itemID,
				Text: fmt.Sprintf("bought with %s in %.0f%% of its baskets", title, 100*r.Confidence)}})
		}
	}
	items := s.finish(l, cands, req, rules)
	if len(items) < req.N {
		more := s.similar(l, idx, it, Request{N: req.N - len(items), Category: req.Category, Explain: req.Explain}, rules, append(excl, ids(items)...))
		items = fill(items, more)
	}
	return Result{Items: items, Model: l.manifest.Version, Strategy: "bought_together"}, nil
}

// explain finds the history event that contributes most to item and words
// it; without one the item is explained by its popularity.
func (s *Service) explain(l *loaded, hist []recommend.Event, id string) *Reason {
	i, ok := l.b.Index(id)
	if !ok {
		return &Reason{Kind: "trending", Text: "popular right now"}
	}
	j, _ := recommend.Explain(l.b.Seq, hist, i)
	if j < 0 && l.b.Ease != nil {
		j, _ = recommend.Explain(l.b.Ease, hist, i)
	}
	if j < 0 {
		return s.popularReason(l, i, "")
	}
	src := hist[j]
	srcID := l.b.Items[src.Item]
	name := s.title(l, src.Item, nil)
	if l.b.Rules != nil {
		for _, r := range l.b.Rules.BoughtTogether(src.Item, 50) {
			if r.Consequent == i {
				return &Reason{Kind: "bought_with", Item: srcID, Text: "bought with " + name}
			}
		}
	}
	switch src.Type {
	case shop.Purchase, shop.CouponRedeem, shop.AdConversion:
		return &Reason{Kind: "bought", Item: srcID, Text: "because you bought " + name}
	case shop.AddToCart:
		return &Reason{Kind: "carted", Item: srcID, Text: "because you added " + name + " to your cart"}
	case shop.Favorite, shop.Rating, shop.Review:
		return &Reason{Kind: "favourited", Item: srcID, Text: "because you liked " + name}
	}
	return &Reason{Kind: "viewed", Item: srcID, Text: "viewed " + name}
}
