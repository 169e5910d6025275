package sqlite

import (
	"context"
	"database/sql"
)

// write runs fn in one transaction on the writer connection and commits it.
// With synchronous=FULL the commit returns once the WAL is synced to disk.
func (s *Store) write(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return wrap(op, err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return wrap(op, err)
	}
	if err := tx.Commit(); err != nil {
		return wrap(op, err)
	}
	return nil
}
