package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shopmind/shopmind/store"
)

// deleteUserSQL removes a user's events and row, adjusts the event count and
// records the deletion, in one statement run under the append lock. Every
// part reads the snapshot taken after the lock was granted, so pos sees the
// user's events before they go and every append that committed before. pos
// is the highest seq ever stored: the largest remaining one, or the position
// recorded by the last deletion when that removed the newest events (by
// induction each deletion's event_seq is the high-water mark at its time, so
// event_seq never decreases along seq and the last one is the largest).
// No row is inserted, and no seq drawn, when there was nothing to delete.
const deleteUserSQL = `
WITH pos AS (
    SELECT greatest((SELECT coalesce(max(seq), 0) FROM events),
                    coalesce((SELECT event_seq FROM deletions ORDER BY seq DESC LIMIT 1), 0)) AS event_seq
), ev AS (
    DELETE FROM events WHERE user_id = $1 RETURNING 1
), usr AS (
    DELETE FROM users WHERE id = $1 RETURNING 1
), cons AS (
    DELETE FROM consent_changes WHERE user_id = $1
), n AS (
    SELECT (SELECT count(*) FROM ev) AS events, EXISTS (SELECT FROM usr) AS user_row
), totals AS (
    UPDATE event_totals SET events = events - (SELECT events FROM n)
    WHERE (SELECT events FROM n) > 0
)
INSERT INTO deletions (user_id, deleted_at, events, user_row, event_seq)
SELECT $1, $2::timestamptz, n.events, n.user_row, pos.event_seq FROM n, pos
WHERE n.events > 0 OR n.user_row
RETURNING seq, deleted_at, events, user_row, event_seq`

const deletionsSinceSQL = `SELECT seq, user_id, deleted_at, events, user_row, event_seq
FROM deletions WHERE seq > $1 ORDER BY seq LIMIT $2`

// DeleteUser removes the user's row and events and records the deletion.
// It takes the append lock, like AppendEvents, so that deletions and appends
// are serialised: the recorded event_seq separates the user's removed
// events from later ones, and deletion seq values become visible in order.
func (s *pgStore) DeleteUser(ctx context.Context, id string) (store.Deletion, error) {
	if err := store.CheckUserID(id); err != nil {
		return store.Deletion{}, fmt.Errorf("postgres: delete user: %w", err)
	}
	d := store.Deletion{UserID: id}
	now := utcMicro(s.now())
	err := s.withConn(ctx, fmt.Sprintf("delete user %q", id), func(conn *pgx.Conn) error {
		// One implicit transaction, as in AppendEvents: the lock is held
		// until the deletion commits.
		b := &pgx.Batch{}
		b.Queue(appendLockSQL, s.appendLock)
		b.Queue(deleteUserSQL, id, now)
		br := conn.SendBatch(ctx, b)
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return err
		}
		err := br.QueryRow().Scan(&d.Seq, &d.At, &d.Events, &d.User, &d.EventSeq)
		if errors.Is(err, pgx.ErrNoRows) {
			err = store.ErrNotFound // the operation names the user
		}
		if err != nil {
			_ = br.Close()
			return err
		}
		return br.Close()
	})
	if err != nil {
		return store.Deletion{}, err
	}
	d.At = d.At.UTC()
	return d, nil
}

// DeletionsSince returns up to limit deletions with seq above after, in seq
// order; limit is bounded like a page size (store.PageLimit).
func (s *pgStore) DeletionsSince(ctx context.Context, after int64, limit int) ([]store.Deletion, error) {
	var out []store.Deletion
	err := s.withConn(ctx, "read deletions since", func(conn *pgx.Conn) error {
		rows, err := conn.Query(ctx, deletionsSinceSQL, after, store.PageLimit(limit))
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Deletion, error) {
			var d store.Deletion
			err := r.Scan(&d.Seq, &d.UserID, &d.At, &d.Events, &d.User, &d.EventSeq)
			d.At = d.At.UTC()
			return d, err
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ScrubDeletions blanks the user id of deletions stored before the time.
func (s *pgStore) ScrubDeletions(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.withConn(ctx, "scrub deletions", func(conn *pgx.Conn) error {
		tag, err := conn.Exec(ctx, `UPDATE deletions SET user_id = '' WHERE deleted_at < $1 AND user_id <> ''`, before.UTC())
		n = tag.RowsAffected()
		return err
	})
	return n, err
}
