package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// PutUsers inserts or replaces users in one transaction, keeping CreatedAt of
// users that exist; a later entry for the same id wins.
func (s *Store) PutUsers(ctx context.Context, users []shop.User) error {
	if len(users) == 0 {
		return nil
	}
	now := micros(s.now())
	return s.write(ctx, "put users", func(tx *sql.Tx) error {
		upsert, err := tx.PrepareContext(ctx, `INSERT INTO users (id, attributes, consent, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET
				attributes = excluded.attributes, consent = excluded.consent, updated_at = excluded.updated_at`)
		if err != nil {
			return err
		}
		defer upsert.Close()
		for i := range users {
			u := &users[i]
			attrs, err := jsonText("attributes", u.Attributes, len(u.Attributes) == 0)
			if err != nil {
				return fmt.Errorf("user %q: %w", u.ID, err)
			}
			consent, err := jsonText("consent", u.Consent, len(u.Consent) == 0)
			if err != nil {
				return fmt.Errorf("user %q: %w", u.ID, err)
			}
			if err := recordConsent(ctx, tx, u, now); err != nil {
				return fmt.Errorf("user %q: %w", u.ID, err)
			}
			if _, err := upsert.ExecContext(ctx, u.ID, attrs, consent, now, now); err != nil {
				return fmt.Errorf("user %q: %w", u.ID, err)
			}
		}
		return nil
	})
}

// GetUser returns one user, or store.ErrNotFound.
func (s *Store) GetUser(ctx context.Context, id string) (shop.User, error) {
	var (
		u                = shop.User{ID: id}
		attrs, consent   sql.NullString
		created, updated int64
	)
	err := s.reader.QueryRowContext(ctx, `SELECT attributes, consent, created_at, updated_at FROM users WHERE id = ?`, id).
		Scan(&attrs, &consent, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return shop.User{}, fmt.Errorf("user %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return shop.User{}, wrap(fmt.Sprintf("get user %q", id), err)
	}
	u.CreatedAt, u.UpdatedAt = fromMicros(created), fromMicros(updated)
	if err := fromJSON("attributes", attrs, &u.Attributes); err != nil {
		return shop.User{}, fmt.Errorf("sqlite: user %q: %w", id, err)
	}
	if err := fromJSON("consent", consent, &u.Consent); err != nil {
		return shop.User{}, fmt.Errorf("sqlite: user %q: %w", id, err)
	}
	return u, nil
}

// ListUsers pages through users ordered by id.
func (s *Store) ListUsers(ctx context.Context, cursor string, limit int) ([]shop.User, string, error) {
	limit = store.PageLimit(limit)
	after := ""
	if cursor != "" {
		id, err := decodeCursor(userCursorTag, cursor)
		if err != nil || id == "" {
			return nil, "", fmt.Errorf("sqlite: list users: %w", errBadCursor)
		}
		after = id
	}
	rows, err := s.reader.QueryContext(ctx, `SELECT id, attributes, consent, created_at, updated_at FROM users
		WHERE id > ? ORDER BY id LIMIT ?`, after, limit+1)
	if err != nil {
		return nil, "", wrap("list users", err)
	}
	defer rows.Close()
	var users []shop.User
	for rows.Next() {
		var (
			u                shop.User
			attrs, consent   sql.NullString
			created, updated int64
		)
		if err := rows.Scan(&u.ID, &attrs, &consent, &created, &updated); err != nil {
			return nil, "", wrap("list users", err)
		}
		u.CreatedAt, u.UpdatedAt = fromMicros(created), fromMicros(updated)
		if err := fromJSON("attributes", attrs, &u.Attributes); err != nil {
			return nil, "", fmt.Errorf("sqlite: user %q: %w", u.ID, err)
		}
		if err := fromJSON("consent", consent, &u.Consent); err != nil {
			return nil, "", fmt.Errorf("sqlite: user %q: %w", u.ID, err)
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, "", wrap("list users", err)
	}
	if len(users) > limit {
		users = users[:limit]
		return users, encodeCursor(userCursorTag, users[limit-1].ID), nil
	}
	return users, "", nil
}
