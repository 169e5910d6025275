package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"

	"github.com/shopmind/shopmind/store"
)

// A write whose caller goes away mid-transaction reports the cancellation,
// not database/sql's "transaction has already been committed or rolled
// back", and leaves nothing behind.
func TestWriteReportsTheCallersCancellation(t *testing.T) {
	s, err := OpenPath(t.Context(), filepath.Join(t.TempDir(), "x.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx, cancel := context.WithCancel(t.Context())
	err = s.write(ctx, "put value", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO kv_values (key, data, expires_at) VALUES (?1, ?2, NULL)`, "k", []byte("v")); err != nil {
			return err
		}
		cancel()
		// database/sql rolls the transaction back once it sees the
		// cancellation; wait for that, as a slow client would.
		for {
			if _, err := tx.ExecContext(context.Background(), "SELECT 1"); errors.Is(err, sql.ErrTxDone) {
				return err
			}
		}
	})
	if !errors.Is(err, context.Canceled) || !errors.Is(err, sql.ErrTxDone) {
		t.Fatalf("err = %v; want it to name context.Canceled (and keep sql.ErrTxDone)", err)
	}
	if _, err := s.GetValue(t.Context(), "k"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the cancelled write left a value: %v", err)
	}
}
