package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

const itemColumns = `id, title, description, category, brand, price, currency, stock, tags, attributes, language, hidden, updated_at`

// PutItems inserts or replaces items in one transaction; a later entry for
// the same id wins. The item_categories rows follow the category path, and
// each item's change in the item feed moves to the feed's end.
func (s *Store) PutItems(ctx context.Context, items []shop.Item) error {
	if len(items) == 0 {
		return nil
	}
	now := micros(s.now())
	return s.write(ctx, "put items", func(tx *sql.Tx) error {
		upsert, err := tx.PrepareContext(ctx, `INSERT INTO items (`+itemColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET
				title = excluded.title, description = excluded.description, category = excluded.category,
				brand = excluded.brand, price = excluded.price, currency = excluded.currency,
				stock = excluded.stock, tags = excluded.tags, attributes = excluded.attributes,
				language = excluded.language, hidden = excluded.hidden, updated_at = excluded.updated_at`)
		if err != nil {
			return err
		}
		defer upsert.Close()
		clearCats, err := tx.PrepareContext(ctx, `DELETE FROM item_categories WHERE item_id = ?`)
		if err != nil {
			return err
		}
		defer clearCats.Close()
		addCat, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO item_categories (category, item_id) VALUES (?, ?)`)
		if err != nil {
			return err
		}
		defer addCat.Close()
		clearChange, err := tx.PrepareContext(ctx, clearItemChangeSQL)
		if err != nil {
			return err
		}
		defer clearChange.Close()
		addChange, err := tx.PrepareContext(ctx, insertItemChangeSQL)
		if err != nil {
			return err
		}
		defer addChange.Close()

		for i := range items {
			it := &items[i]
			category, err := jsonText("category", it.Category, len(it.Category) == 0)
			if err != nil {
				return fmt.Errorf("item %q: %w", it.ID, err)
			}
			tags, err := jsonText("tags", it.Tags, len(it.Tags) == 0)
			if err != nil {
				return fmt.Errorf("item %q: %w", it.ID, err)
			}
			attrs, err := jsonText("attributes", it.Attributes, len(it.Attributes) == 0)
			if err != nil {
				return fmt.Errorf("item %q: %w", it.ID, err)
			}
			var stock sql.NullInt64
			if it.Stock != nil {
				stock = sql.NullInt64{Int64: *it.Stock, Valid: true}
			}
			if _, err := upsert.ExecContext(ctx, it.ID, it.Title, it.Description, category, it.Brand, it.Price,
				it.Currency, stock, tags, attrs, it.Language, it.Hidden, now); err != nil {
				return fmt.Errorf("item %q: %w", it.ID, err)
			}
			if _, err := clearCats.ExecContext(ctx, it.ID); err != nil {
				return fmt.Errorf("item %q categories: %w", it.ID, err)
			}
			for _, c := range it.Category {
				if _, err := addCat.ExecContext(ctx, c, it.ID); err != nil {
					return fmt.Errorf("item %q category %q: %w", it.ID, c, err)
				}
			}
			if _, err := clearChange.ExecContext(ctx, it.ID); err != nil {
				return fmt.Errorf("item %q feed: %w", it.ID, err)
			}
			if _, err := addChange.ExecContext(ctx, it.ID, false, now); err != nil {
				return fmt.Errorf("item %q feed: %w", it.ID, err)
			}
		}
		return nil
	})
}

// GetItem returns one item, or store.ErrNotFound.
func (s *Store) GetItem(ctx context.Context, id string) (shop.Item, error) {
	row := s.reader.QueryRowContext(ctx, `SELECT `+itemColumns+` FROM items WHERE id = ?`, id)
	it, err := scanItem(row)
	if errors.Is(err, sql.ErrNoRows) {
		return shop.Item{}, fmt.Errorf("item %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return shop.Item{}, wrap(fmt.Sprintf("get item %q", id), err)
	}
	return it, nil
}

// DeleteItem removes an item and its category rows and records the deletion
// in the item feed, or returns store.ErrNotFound.
func (s *Store) DeleteItem(ctx context.Context, id string) error {
	var n int64
	now := micros(s.now())
	err := s.write(ctx, "delete item", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM item_categories WHERE item_id = ?`, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM items WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		if _, err := tx.ExecContext(ctx, clearItemChangeSQL, id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, insertItemChangeSQL, id, true, now)
		return err
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("item %q: %w", id, store.ErrNotFound)
	}
	return nil
}

// ListItems pages through items in id order (byte order), optionally only
// those with q.Category at some level of their path.
func (s *Store) ListItems(ctx context.Context, q store.ItemQuery) ([]shop.Item, string, error) {
	limit := store.PageLimit(q.Limit)
	after := ""
	if q.Cursor != "" {
		var err error
		if after, err = parseItemCursor(q.Cursor); err != nil {
			return nil, "", fmt.Errorf("sqlite: list items: %w", err)
		}
	}
	var rows *sql.Rows
	var err error
	if q.Category == "" {
		rows, err = s.reader.QueryContext(ctx, `SELECT `+itemColumns+` FROM items
			WHERE id > ? ORDER BY id LIMIT ?`, after, limit+1)
	} else {
		rows, err = s.reader.QueryContext(ctx, `SELECT `+prefixed("i.", itemColumns)+`
			FROM item_categories c JOIN items i ON i.id = c.item_id
			WHERE c.category = ? AND c.item_id > ? ORDER BY c.item_id LIMIT ?`, q.Category, after, limit+1)
	}
	if err != nil {
		return nil, "", wrap("list items", err)
	}
	defer rows.Close()
	items := make([]shop.Item, 0, min(limit+1, 64))
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, "", wrap("list items", err)
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, "", wrap("list items", err)
	}
	if len(items) > limit {
		items = items[:limit]
		return items, itemCursor(items[limit-1].ID), nil
	}
	return items, "", nil
}

type scanner interface{ Scan(dest ...any) error }

func scanItem(r scanner) (shop.Item, error) {
	var (
		it                    shop.Item
		category, tags, attrs sql.NullString
		stock                 sql.NullInt64
		updatedAt             int64
	)
	if err := r.Scan(&it.ID, &it.Title, &it.Description, &category, &it.Brand, &it.Price, &it.Currency,
		&stock, &tags, &attrs, &it.Language, &it.Hidden, &updatedAt); err != nil {
		return shop.Item{}, err
	}
	if stock.Valid {
		it.Stock = &stock.Int64
	}
	it.UpdatedAt = fromMicros(updatedAt)
	if err := fromJSON("category", category, &it.Category); err != nil {
		return shop.Item{}, fmt.Errorf("item %q: %w", it.ID, err)
	}
	if err := fromJSON("tags", tags, &it.Tags); err != nil {
		return shop.Item{}, fmt.Errorf("item %q: %w", it.ID, err)
	}
	if err := fromJSON("attributes", attrs, &it.Attributes); err != nil {
		return shop.Item{}, fmt.Errorf("item %q: %w", it.ID, err)
	}
	return it, nil
}

// prefixed qualifies each column of a comma-separated list with prefix.
func prefixed(prefix, columns string) string {
	cols := strings.Split(columns, ", ")
	for i, c := range cols {
		cols[i] = prefix + c
	}
	return strings.Join(cols, ", ")
}
