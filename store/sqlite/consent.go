package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

const (
	insertConsentSQL = `INSERT INTO consent_changes (user_id, purpose, state, changed_at) VALUES (?, ?, ?, ?)`
	consentSinceSQL  = `SELECT seq, user_id, purpose, state, changed_at FROM consent_changes WHERE seq > ? ORDER BY seq LIMIT ?`
	consentOfUserSQL = `SELECT seq, user_id, purpose, state, changed_at FROM consent_changes WHERE user_id = ? ORDER BY seq`
)

// recordConsent writes the consent changes between the stored user (if
// any) and u, inside the PutUsers transaction.
func recordConsent(ctx context.Context, tx *sql.Tx, u *shop.User, now int64) error {
	var old map[shop.Purpose]bool
	var stored sql.NullString
	err := tx.QueryRowContext(ctx, `SELECT consent FROM users WHERE id = ?`, u.ID).Scan(&stored)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read the stored consent: %w", err)
	}
	if err := fromJSON("consent", stored, &old); err != nil {
		return err
	}
	for _, c := range store.ConsentDiff(old, u.Consent) {
		if _, err := tx.ExecContext(ctx, insertConsentSQL, u.ID, string(c.Purpose), string(c.State), now); err != nil {
			return fmt.Errorf("record consent change: %w", err)
		}
	}
	return nil
}

// ConsentSince returns up to limit consent changes with Seq > after, in
// Seq order. Changes commit on the one writer connection, so they become
// visible in Seq order.
func (s *Store) ConsentSince(ctx context.Context, after int64, limit int) ([]store.ConsentChange, error) {
	return s.consentQuery(ctx, fmt.Sprintf("consent since %d", after), consentSinceSQL, after, store.PageLimit(limit))
}

// ConsentHistory returns one user's consent changes, oldest first.
func (s *Store) ConsentHistory(ctx context.Context, userID string) ([]store.ConsentChange, error) {
	return s.consentQuery(ctx, fmt.Sprintf("consent history of %q", userID), consentOfUserSQL, userID)
}

func (s *Store) consentQuery(ctx context.Context, op, query string, args ...any) ([]store.ConsentChange, error) {
	rows, err := s.reader.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	var out []store.ConsentChange
	for rows.Next() {
		var (
			c              store.ConsentChange
			purpose, state string
			at             int64
		)
		if err := rows.Scan(&c.Seq, &c.UserID, &purpose, &state, &at); err != nil {
			return nil, wrap(op, err)
		}
		c.Purpose, c.State, c.At = shop.Purpose(purpose), store.ConsentState(state), fromMicros(at)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}
