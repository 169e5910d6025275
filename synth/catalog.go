package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/shopmind/shopmind/shop"
)

// Category is one node of the shop's bilingual category tree. Items sit in
// leaves; their Category path holds the names in the item's own language.
type Category struct {
	ID     string `json:"id"`               // "beauty" or "beauty/skin_care"
	Parent string `json:"parent,omitempty"` // ID of the parent; empty at the top
	Name   string `json:"name"`             // English name
	NameZH string `json:"name_zh"`          // Chinese name
}

// NameIn returns the category's name in language lang (zh-CN or en).
func (c Category) NameIn(lang string) string {
	if lang == LanguageZH {
		return c.NameZH
	}
	return c.Name
}

// Brand is an invented brand. Domestic brands have a Chinese name and a
// romanised Latin name; international ones only a Latin name, which Chinese
// listings show as it is.
type Brand struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	NameZH     string   `json:"name_zh,omitempty"`
	Origin     string   `json:"origin"`     // "domestic" or "international"
	Categories []string `json:"categories"` // IDs of the top-level categories it sells in
}

// NameIn returns the name a listing in language lang shows.
func (b Brand) NameIn(lang string) string {
	if lang == LanguageZH && b.NameZH != "" {
		return b.NameZH
	}
	return b.Name
}

// lexicon holds the words of one language.
type lexicon struct {
	lang            string
	modSep, unitSep string // between title modifiers; between a number and its unit
	leaves          map[string]leafWords
	colours         map[string]string
	materials       map[string]string
	formats         map[string]string
	units           map[string]string
	tagBestseller   string
	tagNew          string
	tags            []string
	materialLine    string // fmt pattern with one %s
	closings        []string
	reviewsGood     []string // fmt patterns with one %s for the product noun
	reviewsMid      []string
	reviewsBad      []string
	bookA, bookB    []string // parts of invented book titles
}

// leafWords are the words for titles, descriptions and queries of one leaf.
type leafWords struct {
	nouns []string // what the product is
	mods  []string // title modifiers
	perks []string // selling points for descriptions
}

// lexiconFor returns the words of a language code.
func lexiconFor(lang string) *lexicon {
	if lang == LanguageZH {
		return zhWords
	}
	return enWords
}

// makeBrands invents the brands: a few per department, a tenth of them
// also selling in a second one, each with a price level and an awareness.
func (g *gen) makeBrands() {
	r := g.rand(streamBrands, 0)
	perTop := min(max(g.cfg.Items/60, 3), 12)
	taken := map[string]bool{}
	for ti := range tree {
		for k := 0; k < perTop; k++ {
			b := Brand{ID: "syn-brand-" + strconv.Itoa(len(g.brands)+1), Categories: []string{tree[ti].id}}
			if r.Float64() < 0.6 {
				b.Origin = "domestic"
				for {
					a, c := zhBrandFirst[r.IntN(len(zhBrandFirst))], zhBrandSecond[r.IntN(len(zhBrandSecond))]
					b.NameZH, b.Name = a.han+c.han, a.latin+c.latin
					if a.han != c.han && !taken[b.Name] && !taken[b.NameZH] {
						break
					}
				}
			} else {
				b.Origin = "international"
				for {
					b.Name = enBrandHeads[r.IntN(len(enBrandHeads))] + enBrandTails[r.IntN(len(enBrandTails))]
					if !taken[b.Name] && !brandBlocklist[b.Name] {
						break
					}
				}
			}
			taken[b.Name], taken[b.NameZH] = true, true
			if tree[ti].id == "books" {
				if b.NameZH != "" {
					b.NameZH += zhPublisherSuffix
				}
				b.Name += enPublisherSuffix
			} else if r.Float64() < 0.1 {
				other := r.IntN(len(tree))
				if other != ti && tree[other].id != "books" {
					b.Categories = append(b.Categories, tree[other].id)
				}
			}
			g.brands = append(g.brands, b)
			g.brandT = append(g.brandT, BrandTruth{
				ID:         b.ID,
				PriceLevel: round3(math.Exp(0.35 * r.NormFloat64())),
				Awareness:  round3(pareto(r, 1.3, 50)),
			})
		}
	}
	g.brandsOfTop = make([][]int, len(tree))
	for bi, b := range g.brands {
		for _, c := range b.Categories {
			ti := slices.IndexFunc(tree, func(t topSpec) bool { return t.id == c })
			g.brandsOfTop[ti] = append(g.brandsOfTop[ti], bi)
		}
	}
}

// itemMeta is what sessions need to know about an item beyond shop.Item.
type itemMeta struct {
	leaf    int
	brand   int
	lang    int // langZH or langEN
	price   float64
	inStock bool
	hidden  bool
	noun    string // product noun, for queries and reviews
	mod     string // first title modifier, for queries
	quality float64
}

const (
	langZH = 0
	langEN = 1
)

var langCodes = [2]string{LanguageZH, LanguageEN}

// makeItems writes the catalogue.
func (g *gen) makeItems() {
	r := g.rand(streamItems, 0)
	n := g.cfg.Items
	nl := len(g.leaves)

	// Leaves: every leaf gets one item while there are enough, the rest are
	// drawn by the leaves' weights; then the order is shuffled so that IDs
	// do not group by category.
	leafOf := make([]int, n)
	cum := make([]float64, nl)
	total := 0.0
	for i, l := range g.leaves {
		total += l.weight
		cum[i] = total
	}
	for i := range leafOf {
		if n >= nl && i < nl {
			leafOf[i] = i
		} else {
			leafOf[i] = pickCum(r, cum)
		}
	}
	r.Shuffle(n, func(i, j int) { leafOf[i], leafOf[j] = leafOf[j], leafOf[i] })

	g.items = make([]shop.Item, n)
	g.meta = make([]itemMeta, n)
	g.itemT = make([]ItemTruth, n)
	popSum := 0.0
	for i := range n {
		li := leafOf[i]
		l := &g.leaves[li]
		m := &g.meta[i]
		m.leaf = li
		switch g.cfg.Language {
		case LanguageZH:
			m.lang = langZH
		case LanguageEN:
			m.lang = langEN
		default:
			m.lang = r.IntN(2)
		}
		m.brand = g.pickBrand(r, l.top)
		m.quality = round3(r.NormFloat64())
		pop := pareto(r, 1.1, 2000) * g.brandT[m.brand].Awareness * math.Exp(0.4*m.quality)
		g.itemT[i] = ItemTruth{Leaf: li, Brand: m.brand, Quality: m.quality, Popularity: pop}
		popSum += pop
		g.items[i] = g.makeItem(r, i, l, m)
	}
	// Popularity is published normalised to sum to one; the bestseller tag
	// goes to the top tenth.
	pops := make([]float64, n)
	for i := range g.itemT {
		g.itemT[i].Popularity = g.itemT[i].Popularity / popSum
		pops[i] = g.itemT[i].Popularity
	}
	slices.Sort(pops)
	cut := math.Inf(1)
	if n >= 10 {
		cut = pops[n-n/10]
	}
	for i := range g.items {
		g.itemT[i].ID = g.items[i].ID
		if g.itemT[i].Popularity >= cut {
			lex := lexiconFor(langCodes[g.meta[i].lang])
			g.items[i].Tags = append([]string{lex.tagBestseller}, g.items[i].Tags...)
		}
	}
}

// pickBrand draws a brand selling in department top, by awareness.
func (g *gen) pickBrand(r *rand.Rand, top int) int {
	bs := g.brandsOfTop[top]
	total := 0.0
	for _, b := range bs {
		total += g.brandT[b].Awareness
	}
	x := r.Float64() * total
	for _, b := range bs {
		x -= g.brandT[b].Awareness
		if x < 0 {
			return b
		}
	}
	return bs[len(bs)-1]
}

// makeItem writes one listing in the language chosen in m.
func (g *gen) makeItem(r *rand.Rand, i int, l *leaf, m *itemMeta) shop.Item {
	lang := langCodes[m.lang]
	lex := lexiconFor(lang)
	words := lex.leaves[l.fullID]
	brand := g.brands[m.brand]
	top := &tree[l.top]
	it := shop.Item{
		ID:       "syn-item-" + strconv.Itoa(i+1),
		Brand:    brand.NameIn(lang),
		Currency: g.cfg.Currency,
		Language: lang,
		Attributes: map[string]any{
			"category_id": l.fullID,
			"brand_id":    brand.ID,
		},
	}
	if lang == LanguageZH {
		it.Category = []string{top.zh, l.zh}
	} else {
		it.Category = []string{top.en, l.en}
	}

	m.noun = words.nouns[r.IntN(len(words.nouns))]
	var mods []string
	for k, want := 0, 1+r.IntN(2); k < 8 && len(mods) < want; k++ {
		md := words.mods[r.IntN(len(words.mods))]
		if !slices.Contains(mods, md) && !strings.Contains(strings.ToLower(m.noun), strings.ToLower(md)) {
			mods = append(mods, md)
		}
	}
	if len(mods) > 0 {
		m.mod = mods[0]
	}
	name := strings.Join(mods, lex.modSep)
	if lex.modSep == " " && name != "" {
		name += " "
	}
	name += m.noun

	price := l.median * math.Exp(l.sigma*r.NormFloat64()) * g.brandT[m.brand].PriceLevel
	var suffix string
	if v := l.variant; v != nil {
		k := r.IntN(len(v.values))
		amount, unit := v.values[k], v.unit
		if unit == "g" && amount >= 1000 {
			amount, unit = amount/1000, "kg"
		}
		if unit == "GB" && amount >= 1024 {
			amount, unit = amount/1024, "TB"
		}
		suffix = strconv.FormatFloat(amount, 'f', -1, 64) + lex.unitSep + lex.units[unit]
		it.Attributes[v.key] = strconv.FormatFloat(amount, 'f', -1, 64) + unit
		// Larger packs cost more, less than proportionally.
		price *= math.Pow(v.values[k]/v.values[len(v.values)/2], 0.6)
	}

	if l.formats {
		a, b := lex.bookA[r.IntN(len(lex.bookA))], lex.bookB[r.IntN(len(lex.bookB))]
		if lang == LanguageZH {
			it.Title = "《" + a + "的" + b + "》" + name
		} else {
			it.Title = "The " + a + " " + b + " – " + name
		}
		format := "paperback"
		if r.Float64() < 0.3 {
			format = "hardcover"
			price *= 1.5
		}
		it.Attributes["format"] = lex.formats[format]
	} else {
		it.Title = it.Brand + " " + name
		if suffix != "" {
			it.Title += " " + suffix
		}
	}

	var colour, material string
	if len(l.colours) > 0 {
		colour = lex.colours[l.colours[r.IntN(len(l.colours))]]
		it.Attributes["colour"] = colour
	}
	if len(l.materials) > 0 {
		material = lex.materials[l.materials[r.IntN(len(l.materials))]]
		it.Attributes["material"] = material
	}
	if len(l.sizes) > 0 {
		from := r.IntN(len(l.sizes) / 2)
		to := from + 2 + r.IntN(len(l.sizes)-from-1)
		it.Attributes["size"] = slices.Clone(l.sizes[from:min(to, len(l.sizes))])
	}
	if l.ages {
		it.Attributes["age_range"] = ageRanges[r.IntN(len(ageRanges))]
	}

	m.price = prettyPrice(price*g.fx, g.cfg.Currency)
	it.Price = m.price

	// Description: the title, two selling points, the material, a closing.
	p1 := r.IntN(len(words.perks))
	p2 := (p1 + 1 + r.IntN(len(words.perks)-1)) % len(words.perks)
	var d strings.Builder
	if lang == LanguageZH {
		d.WriteString(it.Title + "。" + words.perks[p1] + "，" + words.perks[p2] + "。")
	} else {
		d.WriteString(it.Title + ". It " + words.perks[p1] + " and " + words.perks[p2] + ".")
	}
	if material != "" {
		d.WriteString(lex.unitSep)
		d.WriteString(fmt.Sprintf(lex.materialLine, material))
	}
	d.WriteString(lex.unitSep)
	d.WriteString(lex.closings[r.IntN(len(lex.closings))])
	it.Description = d.String()

	// Stock: a sixth untracked, one in twenty sold out, the rest a
	// log-uniform count. A few listings are hidden (delisted).
	switch x := r.Float64(); {
	case x < 0.16:
	case x < 0.21:
		it.Stock = new(int64)
	default:
		s := int64(math.Exp(r.Float64() * math.Log(800)))
		it.Stock = &s
	}
	m.inStock = it.InStock()
	if r.Float64() < 0.02 {
		it.Hidden = true
		m.hidden = true
	}

	tags := []string{l.en, m.noun}
	if lang == LanguageZH {
		tags[0] = l.zh
	} else {
		tags[0] = strings.ToLower(l.en)
		tags[1] = lowerWords(m.noun)
	}
	if r.Float64() < 0.12 {
		tags = append(tags, lex.tagNew)
	}
	for k := r.IntN(3); k > 0; k-- {
		t := lex.tags[r.IntN(len(lex.tags))]
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	it.Tags = tags
	return it
}

// prettyPrice rounds a price the way shops write them: 9.9, 59.9, 299,
// 2599 (with .99 endings outside CNY, and whole tens for currencies
// without minor units).
func prettyPrice(p float64, currency string) float64 {
	if zeroDecimal[currency] {
		return math.Max(10, math.Round(p/10)*10-20)
	}
	cents := 90.0
	if currency != "CNY" {
		cents = 99
	}
	switch {
	case p >= 1000:
		return math.Round(p/100)*100 - 1
	case p >= 100:
		return math.Round(p/10)*10 - 1
	default:
		// Whole cents divided by 100, so the float is the nearest one to
		// the decimal price and encodes as written.
		return (math.Floor(p)*100 + cents) / 100
	}
}

// lowerWords lower-cases title-case words and word parts ("Face Cream" →
// "face cream", "Noise-Cancelling" → "noise-cancelling", "T-Shirt" →
// "T-shirt") and leaves acronyms and model names ("USB-C", "5G") alone.
func lowerWords(s string) string {
	ws := strings.Fields(s)
	for i, w := range ws {
		parts := strings.Split(w, "-")
		for k, p := range parts {
			if len(p) > 1 && unicode.IsUpper(rune(p[0])) && strings.ToLower(p[1:]) == p[1:] {
				parts[k] = strings.ToLower(p)
			}
		}
		ws[i] = strings.Join(parts, "-")
	}
	return strings.Join(ws, " ")
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
