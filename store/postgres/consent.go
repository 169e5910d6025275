package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

const (
	storedConsentSQL = `SELECT id, consent FROM users WHERE id = ANY($1::text[]) FOR UPDATE`
	insertConsentSQL = `INSERT INTO consent_changes (user_id, purpose, state, changed_at)
SELECT x.user_id, x.purpose, x.state, $4::timestamptz
FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS x(user_id, purpose, state, n)
ORDER BY x.n`
	consentSinceSQL  = `SELECT seq, user_id, purpose, state, changed_at FROM consent_changes WHERE seq > $1 ORDER BY seq LIMIT $2`
	consentOfUserSQL = `SELECT seq, user_id, purpose, state, changed_at FROM consent_changes WHERE user_id = $1 ORDER BY seq`
)

// recordConsent writes the consent changes between the stored users and
// users (one entry per id), inside the PutUsers transaction, which holds
// the append lock so that change seq values become visible in order.
func recordConsent(ctx context.Context, tx pgx.Tx, users []shop.User, now any) error {
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	rows, err := tx.Query(ctx, storedConsentSQL, ids)
	if err != nil {
		return fmt.Errorf("read the stored consent: %w", err)
	}
	stored := make(map[string]map[shop.Purpose]bool, len(users))
	for rows.Next() {
		var (
			id  string
			raw []byte
		)
		if err := rows.Scan(&id, &raw); err != nil {
			rows.Close()
			return fmt.Errorf("read the stored consent: %w", err)
		}
		var c map[shop.Purpose]bool
		if len(raw) > 0 {
			if err := json.Unmarshal(raw, &c); err != nil {
				rows.Close()
				return fmt.Errorf("stored consent of user %q: %w", id, err)
			}
		}
		stored[id] = c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read the stored consent: %w", err)
	}
	var us, ps, ss []string
	for _, u := range users {
		for _, c := range store.ConsentDiff(stored[u.ID], u.Consent) {
			us, ps, ss = append(us, u.ID), append(ps, string(c.Purpose)), append(ss, string(c.State))
		}
	}
	if len(us) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, insertConsentSQL, us, ps, ss, now); err != nil {
		return fmt.Errorf("record consent changes: %w", err)
	}
	return nil
}

// ConsentSince returns up to limit consent changes with seq above after, in
// seq order; limit is bounded like a page size (store.PageLimit).
func (s *pgStore) ConsentSince(ctx context.Context, after int64, limit int) ([]store.ConsentChange, error) {
	return s.consentQuery(ctx, "read consent since", consentSinceSQL, after, store.PageLimit(limit))
}

// ConsentHistory returns one user's consent changes, oldest first.
func (s *pgStore) ConsentHistory(ctx context.Context, userID string) ([]store.ConsentChange, error) {
	return s.consentQuery(ctx, "read consent history", consentOfUserSQL, userID)
}

func (s *pgStore) consentQuery(ctx context.Context, op, query string, args ...any) ([]store.ConsentChange, error) {
	var out []store.ConsentChange
	err := s.withConn(ctx, op, func(conn *pgx.Conn) error {
		rows, err := conn.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.ConsentChange, error) {
			var (
				c              store.ConsentChange
				purpose, state string
			)
			err := r.Scan(&c.Seq, &c.UserID, &purpose, &state, &c.At)
			c.Purpose, c.State, c.At = shop.Purpose(purpose), store.ConsentState(state), c.At.UTC()
			return c, err
		})
		return err
	})
	return out, err
}
