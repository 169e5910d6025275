package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// putItemsSQL upserts a batch given as parallel arrays, one statement for
// the whole batch. Category paths and tags travel as JSON lists, since SQL
// arrays cannot be ragged.
const putItemsSQL = `
INSERT INTO items (id, title, description, category, brand, price, currency, stock,
                   tags, attributes, language, hidden, updated_at)
SELECT x.id, x.title, x.description,
       ARRAY(SELECT c.v FROM jsonb_array_elements_text(NULLIF(x.category, '')::jsonb) WITH ORDINALITY AS c(v, n) ORDER BY c.n),
       x.brand, x.price, x.currency, x.stock,
       ARRAY(SELECT t.v FROM jsonb_array_elements_text(NULLIF(x.tags, '')::jsonb) WITH ORDINALITY AS t(v, n) ORDER BY t.n),
       NULLIF(x.attributes, '')::jsonb, x.language, x.hidden, $13::timestamptz
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::text[],
            $8::int8[], $9::text[], $10::text[], $11::text[], $12::bool[])
     AS x(id, title, description, category, brand, price, currency, stock, tags, attributes, language, hidden)
ON CONFLICT (id) DO UPDATE SET
    title = excluded.title, description = excluded.description, category = excluded.category,
    brand = excluded.brand, price = excluded.price, currency = excluded.currency,
    stock = excluded.stock, tags = excluded.tags, attributes = excluded.attributes,
    language = excluded.language, hidden = excluded.hidden, updated_at = excluded.updated_at`

const itemColumns = `id, title, description, category, brand, price, currency, stock,
       tags, attributes, language, hidden, updated_at`

const (
	getItemSQL      = `SELECT ` + itemColumns + ` FROM items WHERE id = $1`
	listItemsSQL    = `SELECT ` + itemColumns + ` FROM items WHERE id > $1 ORDER BY id LIMIT $2`
	listCategorySQL = `SELECT ` + itemColumns + ` FROM items WHERE id > $1 AND category @> ARRAY[$3::text] ORDER BY id LIMIT $2`
	deleteItemSQL   = `DELETE FROM items WHERE id = $1`
)

// PutItems inserts or replaces items in one transaction. When an id comes
// more than once, the last one wins. Each item's change in the item feed
// moves to the feed's end; the append lock, held until the commit, makes
// feed seq values become visible in order.
func (s *pgStore) PutItems(ctx context.Context, items []shop.Item) error {
	if len(items) == 0 {
		return nil
	}
	items = lastByID(items, func(it shop.Item) string { return it.ID })
	n := len(items)
	var (
		ids, titles, descs, cats, brands = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		prices                           = make([]float64, n)
		currencies                       = make([]string, n)
		stocks                           = make([]pgtype.Int8, n)
		tags, attrs, langs               = make([]string, n), make([]string, n), make([]string, n)
		hidden                           = make([]bool, n)
	)
	for i, it := range items {
		var err error
		if cats[i], err = jsonText("category", it.Category, len(it.Category) == 0); err != nil {
			return fmt.Errorf("postgres: put items: item %q: %w", it.ID, err)
		}
		if tags[i], err = jsonText("tags", it.Tags, len(it.Tags) == 0); err != nil {
			return fmt.Errorf("postgres: put items: item %q: %w", it.ID, err)
		}
		if attrs[i], err = jsonText("attributes", it.Attributes, len(it.Attributes) == 0); err != nil {
			return fmt.Errorf("postgres: put items: item %q: %w", it.ID, err)
		}
		ids[i], titles[i], descs[i], brands[i] = it.ID, it.Title, it.Description, it.Brand
		prices[i], currencies[i], langs[i], hidden[i] = it.Price, it.Currency, it.Language, it.Hidden
		if it.Stock != nil {
			stocks[i] = pgtype.Int8{Int64: *it.Stock, Valid: true}
		}
	}
	now := utcMicro(s.now())
	return s.withConn(ctx, "put items", func(conn *pgx.Conn) error {
		// One implicit transaction, as in AppendEvents.
		b := &pgx.Batch{}
		b.Queue(appendLockSQL, s.appendLock)
		b.Queue(putItemsSQL, ids, titles, descs, cats, brands, prices, currencies,
			stocks, tags, attrs, langs, hidden, now)
		b.Queue(clearItemChangesSQL, ids)
		b.Queue(insertItemChangesSQL, ids, false, now)
		return conn.SendBatch(ctx, b).Close()
	})
}

// GetItem returns one item or store.ErrNotFound.
func (s *pgStore) GetItem(ctx context.Context, id string) (shop.Item, error) {
	var it shop.Item
	err := s.withConn(ctx, "get item", func(conn *pgx.Conn) error {
		var err error
		it, err = scanItem(conn.QueryRow(ctx, getItemSQL, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("item %q: %w", id, store.ErrNotFound)
		}
		return err
	})
	return it, err
}

// DeleteItem removes an item and records the deletion in the item feed, or
// returns store.ErrNotFound.
func (s *pgStore) DeleteItem(ctx context.Context, id string) error {
	now := utcMicro(s.now())
	return s.withTx(ctx, "delete item", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, appendLockSQL, s.appendLock); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, deleteItemSQL, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("item %q: %w", id, store.ErrNotFound)
		}
		ids := []string{id}
		if _, err := tx.Exec(ctx, clearItemChangesSQL, ids); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, insertItemChangesSQL, ids, true, now)
		return err
	})
}

// ListItems pages through items in byte order of id, optionally only those
// with q.Category at some level of their path.
func (s *pgStore) ListItems(ctx context.Context, q store.ItemQuery) ([]shop.Item, string, error) {
	limit := store.PageLimit(q.Limit)
	after := "" // below every id: ids are never empty
	if q.Cursor != "" {
		var err error
		if after, err = parseItemCursor(q.Cursor); err != nil {
			return nil, "", wrapErr(ctx, "list items", err, false)
		}
	}
	sql, args := listItemsSQL, []any{after, limit + 1}
	if q.Category != "" {
		sql, args = listCategorySQL, append(args, q.Category)
	}
	var items []shop.Item
	err := s.withConn(ctx, "list items", func(conn *pgx.Conn) error {
		rows, err := conn.Query(ctx, sql, args...)
		if err != nil {
			return err
		}
		items, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (shop.Item, error) { return scanItem(r) })
		return err
	})
	if err != nil {
		return nil, "", err
	}
	if len(items) <= limit {
		return items, "", nil
	}
	items = items[:limit]
	return items, itemCursor(items[limit-1].ID), nil
}

// scanItem reads one row of itemColumns.
func scanItem(row pgx.Row) (shop.Item, error) {
	var (
		it    shop.Item
		attrs []byte
	)
	err := row.Scan(&it.ID, &it.Title, &it.Description, &it.Category, &it.Brand, &it.Price, &it.Currency,
		&it.Stock, &it.Tags, &attrs, &it.Language, &it.Hidden, &it.UpdatedAt)
	if err != nil {
		return shop.Item{}, err
	}
	if err := decodeJSON("attributes of item "+it.ID, attrs, &it.Attributes); err != nil {
		return shop.Item{}, err
	}
	it.Category, it.Tags = nilIfEmpty(it.Category), nilIfEmpty(it.Tags)
	it.UpdatedAt = it.UpdatedAt.UTC()
	return it, nil
}

// lastByID keeps the last of each id and returns them sorted by id (byte
// order), so that concurrent batches lock rows in the same order and cannot
// deadlock.
func lastByID[T any](in []T, id func(T) string) []T {
	last := make(map[string]int, len(in))
	for i, v := range in {
		last[id(v)] = i
	}
	out := make([]T, 0, len(last))
	for i, v := range in {
		if last[id(v)] == i {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(a, b T) int { return cmp.Compare(id(a), id(b)) })
	return out
}
