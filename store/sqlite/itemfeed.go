package sqlite

import (
	"context"
	"fmt"

	"github.com/shopmind/shopmind/store"
)

const (
	clearItemChangeSQL  = `DELETE FROM item_changes WHERE item_id = ?`
	insertItemChangeSQL = `INSERT INTO item_changes (item_id, deleted, changed_at) VALUES (?, ?, ?)`
	// itemsSinceSQL reads each change with the item as stored now; the
	// item columns come in itemColumns order, blank when it is gone.
	itemsSinceSQL = `SELECT c.seq, c.deleted OR i.id IS NULL, c.changed_at,
	c.item_id, COALESCE(i.title, ''), COALESCE(i.description, ''), i.category, COALESCE(i.brand, ''),
	COALESCE(i.price, 0), COALESCE(i.currency, ''), i.stock, i.tags, i.attributes, COALESCE(i.language, ''),
	COALESCE(i.hidden, 0), COALESCE(i.updated_at, c.changed_at)
FROM item_changes c LEFT JOIN items i ON i.id = c.item_id
WHERE c.seq > ? ORDER BY c.seq LIMIT ?`
)

// ItemsSince returns up to limit item changes with Seq > after, in Seq
// order, each put with the item as stored now. Changes commit on the one
// writer connection, so they become visible in Seq order.
func (s *Store) ItemsSince(ctx context.Context, after int64, limit int) ([]store.ItemChange, error) {
	op := fmt.Sprintf("items since %d", after)
	rows, err := s.reader.QueryContext(ctx, itemsSinceSQL, after, store.PageLimit(limit))
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	var out []store.ItemChange
	for rows.Next() {
		var (
			c  store.ItemChange
			at int64
		)
		it, err := scanItem(withPrefix{rows, []any{&c.Seq, &c.Deleted, &at}})
		if err != nil {
			return nil, wrap(op, err)
		}
		c.ID, c.At = it.ID, fromMicros(at)
		if !c.Deleted {
			c.Item = &it
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

// withPrefix scans leading columns into pre, the rest into what Scan is given.
type withPrefix struct {
	r   scanner
	pre []any
}

func (p withPrefix) Scan(dest ...any) error {
	return p.r.Scan(append(p.pre[:len(p.pre):len(p.pre)], dest...)...)
}
