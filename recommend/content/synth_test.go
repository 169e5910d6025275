package content

import (
	"testing"

	"github.com/shopmind/shopmind/recommend"
	"github.com/shopmind/shopmind/synth"
)

// TestSynthShop runs the model on the synthetic shop's bilingual catalogue:
// 3,000 items in 31 leaf categories, half listed in Chinese and half
// in English, with invented brands. Fitted on the first 2,700 items, every
// item's ten nearest neighbours should mostly be in its leaf, and so should
// those of the last 300 items, embedded as new listings. The leaf is read
// from the category_id attribute, which is also a term; the test is run
// again without it (and without brand_id), on the listing's own text.
func TestSynthShop(t *testing.T) {
	s, err := synth.Generate(synth.Config{Seed: 1, Users: 1, Items: 3000, Days: 1})
	if err != nil {
		t.Fatal(err)
	}
	leaf := make([]string, len(s.Items))
	for i, it := range s.Items {
		leaf[i] = it.Attributes["category_id"].(string)
	}
	const known = 2700
	for _, ids := range []bool{true, false} {
		items := s.Items
		if !ids {
			items = nil
			for _, it := range s.Items {
				attrs := map[string]any{}
				for k, v := range it.Attributes {
					if k != "category_id" && k != "brand_id" {
						attrs[k] = v
					}
				}
				it.Attributes = attrs
				items = append(items, it)
			}
		}
		d := &recommend.Data{Meta: items[:known]}
		for _, it := range d.Meta {
			d.Items = append(d.Items, it.ID)
		}
		m := fitted(t, d, Config{})
		var hits, total, cross int
		for i := range int32(known) {
			for _, x := range m.Similar(i, 10, nil) {
				if leaf[x.Item] == leaf[i] {
					hits++
				}
				if items[x.Item].Language != items[i].Language {
					cross++
				}
				total++
			}
		}
		var newHits, newTotal int
		for i := known; i < len(items); i++ {
			for _, x := range m.SimilarTo(m.Embed(items[i]), 10, nil) {
				if leaf[x.Item] == leaf[i] {
					newHits++
				}
				newTotal++
			}
		}
		p, pNew := float64(hits)/float64(total), float64(newHits)/float64(newTotal)
		t.Logf("with ids %v: precision@10 of the leaf %.3f (known items), %.3f (new items); %d of %d neighbours in the other language",
			ids, p, pNew, cross, total)
		// 31 leaves: a random order scores about 0.03.
		if p < 0.9 || pNew < 0.9 {
			t.Errorf("with ids %v: precision@10 %.3f (known), %.3f (new), want ≥ 0.9", ids, p, pNew)
		}
	}
}
