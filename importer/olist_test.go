package importer

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/shopmind/shopmind/internal/testenv"
)

func TestOlistFixture(t *testing.T) {
	type want struct {
		id       string
		category []string
		attrs    map[string]any
	}
	tests := []struct {
		name, path string
		items      []want
	}{
		{"with translation", "testdata/olist/olist_products_dataset.csv", []want{
			{"p1", []string{"health_beauty"}, map[string]any{"category_pt": "beleza_saude", "weight_g": 225.0, "length_cm": 16.0, "height_cm": 10.0, "width_cm": 14.0}},
			{"p2", nil, map[string]any{"weight_g": 500.0}},
			{"p3", []string{"cama_mesa"}, map[string]any{"category_pt": "cama_mesa", "weight_g": 1000.5, "length_cm": 30.0, "height_cm": 18.0, "width_cm": 20.0}}, // not in the table
		}},
		{"without translation", "testdata/olist-pt/olist_products_dataset.csv", []want{
			{"p1", []string{"beleza_saude"}, map[string]any{"category_pt": "beleza_saude", "weight_g": 225.0, "length_cm": 16.0, "height_cm": 10.0, "width_cm": 14.0}},
			{"p2", nil, map[string]any{"weight_g": 500.0}},
			{"p3", []string{"cama_mesa"}, map[string]any{"category_pt": "cama_mesa", "weight_g": 1000.5, "length_cm": 30.0, "height_cm": 18.0, "width_cm": 20.0}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := read(t, "olist-products", tt.path)
			wantSkips(t, r.skips, []skipped{
				{"olist_products_dataset.csv:5", `product_weight_g: "heavy" is not a number`},
				{"olist_products_dataset.csv:6", "has 3 cells; the header has 6"},
			})
			if len(r.items) != len(tt.items) {
				t.Fatalf("got %d items; want %d", len(r.items), len(tt.items))
			}
			for i, w := range tt.items {
				it := r.items[i]
				if it.ID != w.id || !slices.Equal(it.Category, w.category) || it.Language != "pt-BR" || len(it.Attributes) != len(w.attrs) {
					t.Errorf("item %d = %+v; want %+v", i, it, w)
					continue
				}
				for k, v := range w.attrs {
					if it.Attributes[k] != v {
						t.Errorf("item %s attribute %s = %v (%T); want %v", it.ID, k, it.Attributes[k], it.Attributes[k], v)
					}
				}
			}
		})
	}
}

func TestOlistDataset(t *testing.T) {
	dir := testenv.Datasets(t, "olist-partial")
	english, err := olistTranslation(filepath.Join(dir, olistTranslationFile))
	if err != nil || len(english) != 71 {
		t.Fatalf("translation table: %d names, %v; want 71", len(english), err)
	}
	c := readAll(t, "olist-products", filepath.Join(dir, "olist_products_dataset.csv"))
	if len(c.items) != 32951 || len(c.skips) != 0 {
		t.Fatalf("%d items, %d skips %v; want 32,951 and none", len(c.items), len(c.skips), c.skips)
	}
	var translated, portuguese, none int
	for _, it := range c.items {
		pt, _ := it.Attributes["category_pt"].(string)
		switch {
		case len(it.Category) == 0:
			none++
		case english[pt] != "":
			translated++
			if it.Category[0] != english[pt] {
				t.Errorf("item %s: category %v; want [%s]", it.ID, it.Category, english[pt])
			}
		default:
			portuguese++
		}
	}
	t.Logf("%d items with an English category, %d left in Portuguese (not in the table), %d without category", translated, portuguese, none)
	// 610 products have no category; 2 categories (13 products) are missing
	// from the translation table and stay in Portuguese.
	if translated != 32328 || portuguese != 13 || none != 610 {
		t.Errorf("%d English, %d Portuguese, %d none; want 32,328, 13, 610", translated, portuguese, none)
	}
	first := c.items["1e9e8ef04dbcff4541ed26657ea517e5"]
	if !slices.Equal(first.Category, []string{"perfume"}) || first.Attributes["weight_g"] != 225.0 || first.Language != "pt-BR" {
		t.Errorf("first product = %+v", first)
	}
}
