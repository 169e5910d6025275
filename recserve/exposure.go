package recserve

import (
	"sync"

	"github.com/shopmind/shopmind/fairness"
	"github.com/shopmind/shopmind/shop"
)

// maxCappers bounds how many distinct cap settings keep running counts on
// a node; requests with further settings are answered without demotion.
const maxCappers = 32

// cappers holds one online exposure capper per cap setting in use.
type cappers struct {
	mu sync.Mutex
	m  map[fairness.Caps]*fairness.Online
}

// capper returns this node's running exposure counts for caps.
func (s *Service) capper(caps fairness.Caps) *fairness.Online {
	s.caps.mu.Lock()
	defer s.caps.mu.Unlock()
	if o := s.caps.m[caps]; o != nil {
		return o
	}
	o := fairness.NewOnline(caps, 0)
	if s.caps.m == nil {
		s.caps.m = map[fairness.Caps]*fairness.Online{}
	}
	if len(s.caps.m) < maxCappers {
		s.caps.m[caps] = o
	}
	return o
}

func (s *Service) capCandidate(l *loaded, i int32) fairness.Candidate {
	id := l.b.Items[i]
	c := fairness.Candidate{ID: id}
	if it := s.cat.Peek(id); it != nil {
		c.Brand = it.Brand
	}
	return c
}

// capOrder moves the candidates over an exposure cap below the others,
// keeping order otherwise.
func capOrder[T any](o *fairness.Online, l *loaded, s *Service, xs []T, n int, item func(T) int32) []T {
	cands := make([]fairness.Candidate, len(xs))
	at := make(map[string]int, len(xs))
	for k, x := range xs {
		cands[k] = s.capCandidate(l, item(x))
		at[cands[k].ID] = k
	}
	order := o.Order(cands, n)
	out := make([]T, 0, len(xs))
	for _, c := range order {
		out = append(out, xs[at[c.ID]])
	}
	return out
}

// EachItem calls fn for every visible item of the catalogue view with its
// brand and its trending score in the model in force (0 for items the
// model does not know or before the first model): what exposure reports
// measure against.
func (s *Service) EachItem(fn func(id, brand string, popularity float64)) {
	l := s.cur.Load()
	s.cat.Each(func(it *shop.Item) bool {
		if it.Hidden {
			return true
		}
		p := 0.0
		if l != nil {
			if i, ok := l.b.Index(it.ID); ok {
				p = float64(l.b.PopularityScore(i))
			}
		}
		fn(it.ID, it.Brand, p)
		return true
	})
}
