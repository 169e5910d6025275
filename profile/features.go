package profile

import (
	"slices"

	"github.com/shopmind/shopmind/shop"
)

// TopLevelCategories returns the distinct first levels of the category paths
// of the catalogue as the service has loaded it (after Sync), sorted. A
// shop whose listings come in several languages has one name per language
// ("Beauty" and "美妆"). Feature extraction (package audience) reads each
// one's share with Record.Affinity.
func (s *Service) TopLevelCategories() []string {
	seen := make(map[string]bool)
	s.items.Each(func(it *shop.Item) bool {
		if len(it.Category) > 0 && it.Category[0] != "" {
			seen[it.Category[0]] = true
		}
		return true
	})
	out := make([]string, 0, len(seen))
	for name := range seen {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}
