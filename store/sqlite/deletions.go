package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/shopmind/shopmind/store"
)

const (
	// feedPositionSQL is the highest events.seq ever assigned: sqlite_sequence
	// keeps it for an AUTOINCREMENT table even after the rows are deleted.
	feedPositionSQL = `SELECT MAX(
		COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0),
		COALESCE((SELECT MAX(seq) FROM events), 0))`
	deleteUserEventsSQL = `DELETE FROM events WHERE uid = ?`
	insertDeletionSQL   = `INSERT INTO deletions (user_id, deleted_at, events, user_row, event_seq)
		VALUES (?, ?, ?, 1, ?) RETURNING seq`
	deletionsSinceSQL = `SELECT seq, user_id, deleted_at, events, user_row, event_seq
		FROM deletions WHERE seq > ? ORDER BY seq LIMIT ?`
)

// DeleteUser removes the user's row and events and records the deletion, in
// one write transaction. Events refer to users by uid, so a user without a
// row has no events either: store.ErrNotFound, and nothing is recorded.
func (s *Store) DeleteUser(ctx context.Context, id string) (store.Deletion, error) {
	if err := store.CheckUserID(id); err != nil {
		return store.Deletion{}, fmt.Errorf("sqlite: delete user: %w", err)
	}
	now := micros(s.now())
	d := store.Deletion{UserID: id, At: fromMicros(now), User: true}
	err := s.write(ctx, fmt.Sprintf("delete user %q", id), func(tx *sql.Tx) error {
		// Inside the transaction, so that AppendEvents, serialised with it on
		// the writer connection, never uses the uid once the row is gone.
		s.known.forget(id)
		var uid int64
		err := tx.QueryRowContext(ctx, `SELECT uid FROM users WHERE id = ?`, id).Scan(&uid)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("look up user: %w", err)
		}
		if err := tx.QueryRowContext(ctx, feedPositionSQL).Scan(&d.EventSeq); err != nil {
			return fmt.Errorf("read the feed position: %w", err)
		}
		res, err := tx.ExecContext(ctx, deleteUserEventsSQL, uid)
		if err != nil {
			return fmt.Errorf("delete events: %w", err)
		}
		if d.Events, err = res.RowsAffected(); err != nil {
			return fmt.Errorf("delete events: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM consent_changes WHERE user_id = ?`, id); err != nil {
			return fmt.Errorf("delete consent history: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM users WHERE uid = ?`, uid); err != nil {
			return fmt.Errorf("delete user row: %w", err)
		}
		if d.Events > 0 {
			if _, err := tx.StmtContext(ctx, s.stmts.countEvents).ExecContext(ctx, -d.Events); err != nil {
				return fmt.Errorf("count events: %w", err)
			}
		}
		if err := tx.QueryRowContext(ctx, insertDeletionSQL, id, now, d.Events, d.EventSeq).Scan(&d.Seq); err != nil {
			return fmt.Errorf("record the deletion: %w", err)
		}
		return nil
	})
	if err != nil {
		return store.Deletion{}, err
	}
	return d, nil
}

// DeletionsSince returns up to limit deletions with Seq > after, in Seq
// order; limit follows store.PageLimit. Deletions commit on the one writer
// connection, so they become visible in Seq order.
func (s *Store) DeletionsSince(ctx context.Context, after int64, limit int) ([]store.Deletion, error) {
	op := fmt.Sprintf("deletions since %d", after)
	rows, err := s.reader.QueryContext(ctx, deletionsSinceSQL, after, store.PageLimit(limit))
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	var out []store.Deletion
	for rows.Next() {
		var (
			d  store.Deletion
			at int64
		)
		if err := rows.Scan(&d.Seq, &d.UserID, &at, &d.Events, &d.User, &d.EventSeq); err != nil {
			return nil, wrap(op, err)
		}
		d.At = fromMicros(at)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

// ScrubDeletions blanks the user id of deletions stored before the time.
func (s *Store) ScrubDeletions(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.write(ctx, "scrub deletions", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE deletions SET user_id = '' WHERE deleted_at < ? AND user_id <> ''`, micros(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
