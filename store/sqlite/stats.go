package sqlite

import (
	"context"

	"github.com/shopmind/shopmind/store"
)

// Stats counts what is stored, in one consistent read. Events are counted by
// the writer as they are stored, so this does not scan the events table.
func (s *Store) Stats(ctx context.Context) (store.Stats, error) {
	var st store.Stats
	err := s.reader.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM items),
		(SELECT COUNT(*) FROM users),
		(SELECT value FROM counters WHERE name = 'events'),
		(SELECT COALESCE(MAX(seq), 0) FROM events)`).Scan(&st.Items, &st.Users, &st.Events, &st.LastSeq)
	if err != nil {
		return store.Stats{}, wrap("stats", err)
	}
	return st, nil
}
