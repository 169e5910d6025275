package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/shopmind/shopmind/store"
)

// putObjectSQL inserts an object at version 1 or replaces it with the next
// version. INSERT ... ON CONFLICT DO UPDATE takes the row lock before it
// reads the stored version, so concurrent puts of one object, from any
// node, get distinct, consecutive versions.
const putObjectSQL = `
INSERT INTO objects AS o (kind, id, data, version, updated_at) VALUES ($1, $2, $3, 1, $4)
ON CONFLICT (kind, id) DO UPDATE SET
    data = excluded.data, version = o.version + 1, updated_at = excluded.updated_at
RETURNING version`

const (
	getObjectSQL    = `SELECT data, version, updated_at FROM objects WHERE kind = $1 AND id = $2`
	listObjectsSQL  = `SELECT id, data, version, updated_at FROM objects WHERE kind = $1 AND id > $2 ORDER BY id LIMIT $3`
	deleteObjectSQL = `DELETE FROM objects WHERE kind = $1 AND id = $2`
)

// PutObject stores data as the object kind/id and returns its new version:
// 1 for a new object, one more than the stored version otherwise.
func (s *pgStore) PutObject(ctx context.Context, kind, id string, data []byte) (int64, error) {
	if err := store.CheckObjectKey(kind, id); err != nil {
		return 0, fmt.Errorf("postgres: put object: %w", err)
	}
	if data == nil {
		data = []byte{} // an empty document, not NULL
	}
	now := utcMicro(s.now())
	var version int64
	err := s.withConn(ctx, fmt.Sprintf("put object %q of kind %q", id, kind), func(conn *pgx.Conn) error {
		return conn.QueryRow(ctx, putObjectSQL, kind, id, data, now).Scan(&version)
	})
	if err != nil {
		return 0, err
	}
	return version, nil
}

// GetObject returns one object or store.ErrNotFound.
func (s *pgStore) GetObject(ctx context.Context, kind, id string) (store.Object, error) {
	if err := store.CheckObjectKey(kind, id); err != nil {
		return store.Object{}, fmt.Errorf("postgres: get object: %w", err)
	}
	o := store.Object{Kind: kind, ID: id}
	err := s.withConn(ctx, fmt.Sprintf("get object %q of kind %q", id, kind), func(conn *pgx.Conn) error {
		err := conn.QueryRow(ctx, getObjectSQL, kind, id).Scan(&o.Data, &o.Version, &o.UpdatedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrNotFound
		}
		return err
	})
	if err != nil {
		return store.Object{}, err
	}
	o.UpdatedAt = o.UpdatedAt.UTC()
	return o, nil
}

// ListObjects pages through the objects of one kind in byte order of id. A
// cursor is valid only for the kind it was issued for.
func (s *pgStore) ListObjects(ctx context.Context, kind, cursor string, limit int) ([]store.Object, string, error) {
	if err := store.CheckObjectName("kind", kind); err != nil {
		return nil, "", fmt.Errorf("postgres: list objects: %w", err)
	}
	limit = store.PageLimit(limit)
	after := "" // below every id: ids are never empty
	if cursor != "" {
		var err error
		if after, err = parseObjectCursor(kind, cursor); err != nil {
			return nil, "", wrapErr(ctx, fmt.Sprintf("list objects of kind %q", kind), err, false)
		}
	}
	var objs []store.Object
	err := s.withConn(ctx, fmt.Sprintf("list objects of kind %q", kind), func(conn *pgx.Conn) error {
		rows, err := conn.Query(ctx, listObjectsSQL, kind, after, limit+1)
		if err != nil {
			return err
		}
		objs, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Object, error) {
			o := store.Object{Kind: kind}
			err := r.Scan(&o.ID, &o.Data, &o.Version, &o.UpdatedAt)
			o.UpdatedAt = o.UpdatedAt.UTC()
			return o, err
		})
		return err
	})
	if err != nil {
		return nil, "", err
	}
	if len(objs) <= limit {
		return objs, "", nil
	}
	objs = objs[:limit]
	return objs, objectCursor(kind, objs[limit-1].ID), nil
}

// DeleteObject removes an object or returns store.ErrNotFound.
func (s *pgStore) DeleteObject(ctx context.Context, kind, id string) error {
	if err := store.CheckObjectKey(kind, id); err != nil {
		return fmt.Errorf("postgres: delete object: %w", err)
	}
	return s.withConn(ctx, fmt.Sprintf("delete object %q of kind %q", id, kind), func(conn *pgx.Conn) error {
		tag, err := conn.Exec(ctx, deleteObjectSQL, kind, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return store.ErrNotFound
		}
		return nil
	})
}
