package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// write runs fn in one transaction on the writer connection and commits it.
// With synchronous=FULL the commit returns once the WAL is synced to disk.
func (s *Store) write(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return wrap(op, canceled(ctx, err))
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return wrap(op, canceled(ctx, err))
	}
	if err := tx.Commit(); err != nil {
		return wrap(op, canceled(ctx, err))
	}
	return nil
}

// canceled names the caller's cancellation as the cause of err when there
// is one: database/sql rolls a transaction back when its context ends and
// then answers sql.ErrTxDone, which would read as a store failure (a 500
// and an error in the log) for a client that has gone away. Nothing was
// committed either way.
func canceled(ctx context.Context, err error) error {
	if c := ctx.Err(); c != nil && !errors.Is(err, c) {
		return fmt.Errorf("%w (%w)", c, err)
	}
	return err
}
