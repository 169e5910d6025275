package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/shopmind/shopmind/store"
)

const (
	clearItemChangesSQL  = `DELETE FROM item_changes WHERE item_id = ANY($1::text[])`
	insertItemChangesSQL = `INSERT INTO item_changes (item_id, deleted, changed_at)
SELECT x.id, $2::bool, $3::timestamptz FROM unnest($1::text[]) WITH ORDINALITY AS x(id, n) ORDER BY x.n`
	// itemsSinceSQL reads each change with the item as stored now; the
	// item columns come in itemColumns order, blank when it is gone.
	itemsSinceSQL = `SELECT c.seq, c.deleted OR i.id IS NULL, c.changed_at,
       c.item_id, COALESCE(i.title, ''), COALESCE(i.description, ''), COALESCE(i.category, '{}'), COALESCE(i.brand, ''),
       COALESCE(i.price, 0), COALESCE(i.currency, ''), i.stock, COALESCE(i.tags, '{}'), i.attributes,
       COALESCE(i.language, ''), COALESCE(i.hidden, false), COALESCE(i.updated_at, c.changed_at)
FROM item_changes c LEFT JOIN items i ON i.id = c.item_id
WHERE c.seq > $1 ORDER BY c.seq LIMIT $2`
)

// ItemsSince returns up to limit item changes with seq above after, in seq
// order, each put with the item as stored now; limit is bounded like a page
// size (store.PageLimit). Writers hold the append lock, so seq values
// become visible in order.
func (s *pgStore) ItemsSince(ctx context.Context, after int64, limit int) ([]store.ItemChange, error) {
	var out []store.ItemChange
	err := s.withConn(ctx, "read items since", func(conn *pgx.Conn) error {
		rows, err := conn.Query(ctx, itemsSinceSQL, after, store.PageLimit(limit))
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.ItemChange, error) {
			var c store.ItemChange
			it, err := scanItem(withPrefix{r, []any{&c.Seq, &c.Deleted, &c.At}})
			if err != nil {
				return c, err
			}
			c.ID, c.At = it.ID, c.At.UTC()
			if !c.Deleted {
				c.Item = &it
			}
			return c, nil
		})
		return err
	})
	return out, err
}

// withPrefix scans leading columns into pre, the rest into what Scan is
// given.
type withPrefix struct {
	r   pgx.Row
	pre []any
}

func (p withPrefix) Scan(dest ...any) error {
	return p.r.Scan(append(p.pre[:len(p.pre):len(p.pre)], dest...)...)
}
