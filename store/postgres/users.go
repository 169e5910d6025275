package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// putUsersSQL upserts a batch given as parallel arrays; a replaced user keeps
// its created_at.
const putUsersSQL = `
INSERT INTO users (id, attributes, consent, created_at, updated_at)
SELECT x.id, NULLIF(x.attributes, '')::jsonb, NULLIF(x.consent, '')::jsonb, $4::timestamptz, $4::timestamptz
FROM unnest($1::text[], $2::text[], $3::text[]) AS x(id, attributes, consent)
ON CONFLICT (id) DO UPDATE SET
    attributes = excluded.attributes, consent = excluded.consent, updated_at = excluded.updated_at`

const getUserSQL = `SELECT id, attributes, consent, created_at, updated_at FROM users WHERE id = $1`

// PutUsers inserts or replaces users in one statement. When an id comes more
// than once, the last one wins.
func (s *pgStore) PutUsers(ctx context.Context, users []shop.User) error {
	if len(users) == 0 {
		return nil
	}
	users = lastByID(users, func(u shop.User) string { return u.ID })
	ids, attrs, consents := make([]string, len(users)), make([]string, len(users)), make([]string, len(users))
	for i, u := range users {
		var err error
		if attrs[i], err = jsonText("attributes", u.Attributes, len(u.Attributes) == 0); err != nil {
			return fmt.Errorf("postgres: put users: user %q: %w", u.ID, err)
		}
		if consents[i], err = jsonText("consent", u.Consent, len(u.Consent) == 0); err != nil {
			return fmt.Errorf("postgres: put users: user %q: %w", u.ID, err)
		}
		ids[i] = u.ID
	}
	now := utcMicro(s.now())
	return s.withTx(ctx, "put users", func(tx pgx.Tx) error {
		// The append lock orders consent changes in the feed (see
		// recordConsent) and serialises with DeleteUser.
		if _, err := tx.Exec(ctx, appendLockSQL, s.appendLock); err != nil {
			return err
		}
		if err := recordConsent(ctx, tx, users, now); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, putUsersSQL, ids, attrs, consents, now)
		return err
	})
}

// GetUser returns one user or store.ErrNotFound.
func (s *pgStore) GetUser(ctx context.Context, id string) (shop.User, error) {
	var u shop.User
	err := s.withConn(ctx, "get user", func(conn *pgx.Conn) error {
		var attrs, consent []byte
		err := conn.QueryRow(ctx, getUserSQL, id).Scan(&u.ID, &attrs, &consent, &u.CreatedAt, &u.UpdatedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("user %q: %w", id, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if err := decodeJSON("attributes of user "+id, attrs, &u.Attributes); err != nil {
			return err
		}
		return decodeJSON("consent of user "+id, consent, &u.Consent)
	})
	if err != nil {
		return shop.User{}, err
	}
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return u, nil
}

const listUsersSQL = `SELECT id, attributes, consent, created_at, updated_at FROM users WHERE id > $1 ORDER BY id LIMIT $2`

// ListUsers pages through users ordered by id.
func (s *pgStore) ListUsers(ctx context.Context, cursor string, limit int) ([]shop.User, string, error) {
	limit = store.PageLimit(limit)
	after := ""
	if cursor != "" {
		var err error
		if after, err = decodeCursor(userCursorTag, cursor); err != nil {
			return nil, "", wrapErr(ctx, "list users", err, false)
		}
	}
	var users []shop.User
	err := s.withConn(ctx, "list users", func(conn *pgx.Conn) error {
		rows, err := conn.Query(ctx, listUsersSQL, after, limit+1)
		if err != nil {
			return err
		}
		users, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (shop.User, error) {
			var (
				u              shop.User
				attrs, consent []byte
			)
			if err := r.Scan(&u.ID, &attrs, &consent, &u.CreatedAt, &u.UpdatedAt); err != nil {
				return u, err
			}
			u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
			if err := decodeJSON("attributes of user "+u.ID, attrs, &u.Attributes); err != nil {
				return u, err
			}
			return u, decodeJSON("consent of user "+u.ID, consent, &u.Consent)
		})
		return err
	})
	if err != nil {
		return nil, "", err
	}
	if len(users) <= limit {
		return users, "", nil
	}
	users = users[:limit]
	return users, encodeCursor(userCursorTag, users[limit-1].ID), nil
}
