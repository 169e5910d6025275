package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/shopmind/shopmind/store"
)

// statsSQL counts items and users, and reads the event count that
// AppendEvents keeps instead of counting the largest table. max(seq) is one
// probe of the primary key.
const statsSQL = `
SELECT (SELECT count(*) FROM items),
       (SELECT count(*) FROM users),
       (SELECT events FROM event_totals),
       (SELECT coalesce(max(seq), 0) FROM events)`

// Stats counts what is stored.
func (s *pgStore) Stats(ctx context.Context) (store.Stats, error) {
	var st store.Stats
	err := s.withConn(ctx, "read stats", func(conn *pgx.Conn) error {
		return conn.QueryRow(ctx, statsSQL).Scan(&st.Items, &st.Users, &st.Events, &st.LastSeq)
	})
	if err != nil {
		return store.Stats{}, err
	}
	return st, nil
}
