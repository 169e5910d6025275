package importer

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/shopmind/shopmind/shop"
)

const olistDocs = `The Olist (Brazilian e-commerce) product table, olist_products_dataset.csv:
CSV with a header naming at least product_id; product_category_name,
product_weight_g, product_length_cm, product_height_cm and product_width_cm
are used when present, other columns are ignored. Each row becomes an item
with language "pt-BR", attributes category_pt (the Portuguese category) and
weight_g, length_cm, height_cm, width_cm as numbers (left out when empty).
If product_category_name_translation.csv lies beside the file, the category
is [the English name], else (or for a name missing from it) [the Portuguese
name]; products without a category get none. Rows that cannot be parsed are
skipped and reported with their line number.`

var olistFormat = Format{Name: "olist-products", Description: olistDocs, Read: readOlist}

// olistTranslationFile is the side file mapping Portuguese category names
// to English ones.
const olistTranslationFile = "product_category_name_translation.csv"

// olistMeasures maps product columns to the numeric attributes they fill.
var olistMeasures = []struct{ column, attr string }{
	{"product_weight_g", "weight_g"},
	{"product_length_cm", "length_cm"},
	{"product_height_cm", "height_cm"},
	{"product_width_cm", "width_cm"},
}

func readOlist(ctx context.Context, path string, sink Sink, progressFn func(done, total int64)) error {
	f, size, err := openInput("olist-products", path, "pass olist_products_dataset.csv")
	if err != nil {
		return err
	}
	defer f.Close()
	name := filepath.Base(path)
	english, err := olistTranslation(filepath.Join(filepath.Dir(path), olistTranslationFile))
	if err != nil {
		return err
	}

	r := csv.NewReader(buffered(f))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	header, err := r.Read()
	if err == io.EOF {
		return fmt.Errorf("olist-products: %s is empty: pass olist_products_dataset.csv, whose first row names the columns", path)
	}
	if err != nil {
		return fmt.Errorf("olist-products: reading the header of %s: %w", path, err)
	}
	col := func(name string) int {
		for i, h := range header {
			if i == 0 {
				h = strings.TrimPrefix(h, "\ufeff")
			}
			if strings.TrimSpace(h) == name {
				return i
			}
		}
		return -1
	}
	layout := olistLayout{width: len(header), id: col("product_id"), cat: col("product_category_name")}
	if layout.id < 0 {
		return fmt.Errorf("olist-products: %s has no product_id column (header: %s): pass olist_products_dataset.csv", path, strings.Join(header, ","))
	}
	for _, m := range olistMeasures {
		layout.measures = append(layout.measures, col(m.column))
	}

	prog := newProgress(progressFn, size)
	prog.add(int(r.InputOffset()))
	for n := 1; ; n++ {
		rec, err := r.Read()
		prog.add(int(r.InputOffset() - prog.done))
		if err == io.EOF {
			break
		}
		if (n-1)%ctxCheck == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		var where string
		var pe *csv.ParseError
		switch {
		case errors.As(err, &pe):
			where = at(name, int64(pe.StartLine))
			err = skipf("bad CSV at line %d column %d: %v", pe.Line, pe.Column, pe.Err)
		case err != nil:
			return fmt.Errorf("olist-products: reading %s: %w", path, err)
		default:
			line, _ := r.FieldPos(0)
			where = at(name, int64(line))
			err = layout.row(ctx, rec, english, sink)
		}
		if skip, ok := err.(skipError); ok {
			err = sink.Skip(ctx, where, skip.reason)
		}
		if err != nil {
			return sinkErr("olist-products", where, err)
		}
	}
	prog.finish()
	return nil
}

// olistLayout says where the used columns are: an index, or -1 when the
// column is absent.
type olistLayout struct {
	width    int
	id, cat  int
	measures []int // parallel to olistMeasures
}

func (l *olistLayout) row(ctx context.Context, rec []string, english map[string]string, sink Sink) error {
	if len(rec) != l.width {
		return skipf("has %d cells; the header has %d", len(rec), l.width)
	}
	it := shop.Item{ID: rec[l.id], Language: "pt-BR"}
	if it.ID == "" {
		return skipError{"product_id is empty"}
	}
	attrs := map[string]any{}
	if l.cat >= 0 {
		if pt := strings.TrimSpace(rec[l.cat]); pt != "" {
			attrs["category_pt"] = pt
			cat := pt
			if en := english[pt]; en != "" {
				cat = en
			}
			it.Category = []string{cat}
		}
	}
	for k, i := range l.measures {
		if i < 0 || strings.TrimSpace(rec[i]) == "" {
			continue
		}
		v, err := parseNumber(rec[i])
		if err != nil {
			return skipf("%s: %v", olistMeasures[k].column, err)
		}
		attrs[olistMeasures[k].attr] = v
	}
	if len(attrs) > 0 {
		it.Attributes = attrs
	}
	return sink.Item(ctx, it)
}

// olistTranslation reads the Portuguese → English category table; without
// the file it returns an empty map and categories stay in Portuguese.
func olistTranslation(path string) (map[string]string, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("olist-products: %w", err)
	}
	raw = bytes.TrimPrefix(raw, []byte("\ufeff"))
	rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("olist-products: %s: %w: fix or remove it", path, err)
	}
	if len(rows) == 0 || len(rows[0]) != 2 || rows[0][0] != "product_category_name" || rows[0][1] != "product_category_name_english" {
		return nil, fmt.Errorf("olist-products: %s does not start with the header product_category_name,product_category_name_english: fix or remove it", path)
	}
	m := make(map[string]string, len(rows)-1)
	for _, row := range rows[1:] {
		m[strings.TrimSpace(row[0])] = strings.TrimSpace(row[1])
	}
	return m, nil
}
