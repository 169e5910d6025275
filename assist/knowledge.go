package assist

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/shopmind/shopmind/retrieval"
	"github.com/shopmind/shopmind/shop"
)

// Kinds of knowledge documents.
const (
	KindItem   = "item"   // one catalogue item
	KindPolicy = "policy" // a section of a policy document
	KindFAQ    = "faq"    // an FAQ entry (e.g. one Bitext intent)
)

//go:embed policies
var policyFS embed.FS

// SplitMarkdown cuts a Markdown document into passages, one per heading of
// level two or deeper (text before the first such heading is a passage of
// its own under the document's title), so that a citation names a section:
// Source is name#heading. idPrefix + Source is each passage's ID.
func SplitMarkdown(idPrefix, name, lang, kind, text string) []retrieval.Doc {
	var docs []retrieval.Doc
	title := strings.TrimSuffix(path.Base(name), path.Ext(name))
	var heading string
	var body strings.Builder
	flush := func() {
		lang := lang
		t := strings.TrimSpace(body.String())
		body.Reset()
		if t == "" {
			return
		}
		src := name
		ttl := title
		if heading != "" {
			src += "#" + heading
			ttl += " - " + heading
		}
		if lang == "" {
			lang = detectLang(t)
		}
		docs = append(docs, retrieval.Doc{ID: idPrefix + src, Kind: kind, Title: ttl, Text: t, Lang: lang, Source: src})
	}
	for line := range strings.Lines(text) {
		trim := strings.TrimSpace(line)
		if strings.HasPrefix(trim, "#") {
			level := len(trim) - len(strings.TrimLeft(trim, "#"))
			h := strings.TrimSpace(trim[level:])
			if level == 1 && h != "" && len(docs) == 0 && heading == "" {
				flush()
				title = h
				continue
			}
			if h != "" {
				flush()
				heading = h
				continue
			}
		}
		body.WriteString(line)
	}
	flush()
	// Identical headings in one document would share an ID: number them.
	seen := map[string]int{}
	for i := range docs {
		seen[docs[i].ID]++
		if n := seen[docs[i].ID]; n > 1 {
			docs[i].ID += "-" + strconv.Itoa(n)
			docs[i].Source += "-" + strconv.Itoa(n)
		}
	}
	return docs
}

// DefaultPolicies are the embedded policy passages for the synthetic shop,
// in Chinese and English. IDs are policy:<lang dir>/<file>#<heading>.
func DefaultPolicies() []retrieval.Doc {
	var docs []retrieval.Doc
	for _, dir := range []string{"zh", "en"} {
		lang := LangZH
		if dir == "en" {
			lang = LangEN
		}
		entries, err := fs.ReadDir(policyFS, "policies/"+dir)
		if err != nil {
			panic("assist: embedded policies missing: " + err.Error())
		}
		for _, e := range entries {
			b, err := policyFS.ReadFile("policies/" + dir + "/" + e.Name())
			if err != nil {
				panic("assist: embedded policy unreadable: " + err.Error())
			}
			docs = append(docs, SplitMarkdown("policy:"+dir+"/", e.Name(), lang, KindPolicy, string(b))...)
		}
	}
	return docs
}

// DirPolicies reads every *.md file under dir (recursively) into passages
// with IDs docs:<relative path>#<heading>.
func DirPolicies(dir string) ([]retrieval.Doc, error) {
	var docs []retrieval.Doc
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.EqualFold(filepath.Ext(p), ".md") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		docs = append(docs, SplitMarkdown("docs:", filepath.ToSlash(rel), "", KindPolicy, string(b))...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("assist: reading policy documents from assist_docs_dir %s: %w (fix the folder or unset assist_docs_dir)", dir, err)
	}
	return docs, nil
}

// ItemDocID is the knowledge ID of a catalogue item.
func ItemDocID(itemID string) string { return "item:" + itemID }

// ItemDoc is one catalogue item as a knowledge document: title, category
// path, brand, price, stock state, description and tags. Meta carries the
// item id, price, currency and stock state for answers.
func ItemDoc(it shop.Item) retrieval.Doc {
	lang := langOf(it.Language)
	if lang == "" {
		lang = detectLang(it.Title + it.Description)
	}
	stock := "in_stock"
	if !it.InStock() {
		stock = "out_of_stock"
	}
	var b strings.Builder
	if len(it.Category) > 0 {
		b.WriteString(strings.Join(it.Category, " > "))
		b.WriteString(". ")
	}
	if it.Brand != "" {
		b.WriteString(it.Brand)
		b.WriteString(". ")
	}
	b.WriteString(priceText(it.Price, it.Currency, lang))
	b.WriteString(". ")
	b.WriteString(stockText(stock, lang))
	b.WriteString(". ")
	if it.Description != "" {
		b.WriteString(it.Description)
		b.WriteString(" ")
	}
	if len(it.Tags) > 0 {
		b.WriteString(strings.Join(it.Tags, ", "))
	}
	return retrieval.Doc{
		ID: ItemDocID(it.ID), Kind: KindItem, Title: it.Title, Text: strings.TrimSpace(b.String()), Lang: lang,
		Source: "item/" + it.ID,
		Meta: map[string]string{
			"item_id": it.ID, "price": strconv.FormatFloat(it.Price, 'f', -1, 64), "currency": it.Currency,
			"stock": stock, "category": strings.Join(it.Category, " > "), "brand": it.Brand,
		},
	}
}

func priceText(p float64, cur, lang string) string {
	n := strconv.FormatFloat(p, 'f', 2, 64)
	n = strings.TrimSuffix(n, ".00")
	if lang == LangZH {
		if cur == "" || cur == "CNY" {
			return "价格 " + n + " 元"
		}
		return "价格 " + n + " " + cur
	}
	if cur == "" {
		cur = "CNY"
	}
	return "Price " + n + " " + cur
}

func stockText(stock, lang string) string {
	switch {
	case lang == LangZH && stock == "in_stock":
		return "有货"
	case lang == LangZH:
		return "暂时缺货"
	case stock == "in_stock":
		return "In stock"
	}
	return "Out of stock"
}

// itemFingerprint changes whenever what ItemDoc shows of an item may have.
func itemFingerprint(it *shop.Item) string {
	st := "-"
	if it.Stock != nil {
		st = strconv.FormatInt(*it.Stock, 10)
	}
	return strings.Join([]string{it.Title, strings.Join(it.Category, "/"), it.Brand,
		strconv.FormatFloat(it.Price, 'g', -1, 64), it.Currency, st, strconv.FormatBool(it.Hidden),
		strings.Join(slices.Clone(it.Tags), ","), it.UpdatedAt.String()}, "\x00")
}
