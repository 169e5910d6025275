package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/shopmind/shopmind/store"
)

// putObjectSQL inserts an object at version 1 or replaces it with the next
// version, in one statement on the writer connection, so concurrent puts of
// one object get distinct, consecutive versions.
const putObjectSQL = `INSERT INTO objects (kind, id, data, version, updated_at) VALUES (?1, ?2, ?3, 1, ?4)
	ON CONFLICT (kind, id) DO UPDATE SET
		data = excluded.data, version = objects.version + 1, updated_at = excluded.updated_at
	RETURNING version`

const (
	getObjectSQL    = `SELECT data, version, updated_at FROM objects WHERE kind = ? AND id = ?`
	listObjectsSQL  = `SELECT id, data, version, updated_at FROM objects WHERE kind = ? AND id > ? ORDER BY id LIMIT ?`
	deleteObjectSQL = `DELETE FROM objects WHERE kind = ? AND id = ?`
)

// PutObject stores data as the object kind/id and returns its new version:
// 1 for a new object, one more than the stored version otherwise.
func (s *Store) PutObject(ctx context.Context, kind, id string, data []byte) (int64, error) {
	if err := store.CheckObjectKey(kind, id); err != nil {
		return 0, fmt.Errorf("sqlite: put object: %w", err)
	}
	if data == nil {
		data = []byte{} // an empty document, not NULL
	}
	now := micros(s.now())
	var version int64
	err := s.write(ctx, fmt.Sprintf("put object %q of kind %q", id, kind), func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, putObjectSQL, kind, id, data, now).Scan(&version)
	})
	if err != nil {
		return 0, err
	}
	return version, nil
}

// GetObject returns one object, or store.ErrNotFound.
func (s *Store) GetObject(ctx context.Context, kind, id string) (store.Object, error) {
	if err := store.CheckObjectKey(kind, id); err != nil {
		return store.Object{}, fmt.Errorf("sqlite: get object: %w", err)
	}
	o := store.Object{Kind: kind, ID: id}
	var updated int64
	err := s.reader.QueryRowContext(ctx, getObjectSQL, kind, id).Scan(&o.Data, &o.Version, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Object{}, fmt.Errorf("object %q of kind %q: %w", id, kind, store.ErrNotFound)
	}
	if err != nil {
		return store.Object{}, wrap(fmt.Sprintf("get object %q of kind %q", id, kind), err)
	}
	o.UpdatedAt = fromMicros(updated)
	return o, nil
}

// ListObjects pages through the objects of one kind in id order (byte
// order). A cursor is valid only for the kind it was issued for.
func (s *Store) ListObjects(ctx context.Context, kind, cursor string, limit int) ([]store.Object, string, error) {
	if err := store.CheckObjectName("kind", kind); err != nil {
		return nil, "", fmt.Errorf("sqlite: list objects: %w", err)
	}
	limit = store.PageLimit(limit)
	after := ""
	if cursor != "" {
		var err error
		if after, err = parseObjectCursor(kind, cursor); err != nil {
			return nil, "", fmt.Errorf("sqlite: list objects of kind %q: %w", kind, err)
		}
	}
	op := fmt.Sprintf("list objects of kind %q", kind)
	rows, err := s.reader.QueryContext(ctx, listObjectsSQL, kind, after, limit+1)
	if err != nil {
		return nil, "", wrap(op, err)
	}
	defer rows.Close()
	objs := make([]store.Object, 0, min(limit+1, 64))
	for rows.Next() {
		o := store.Object{Kind: kind}
		var updated int64
		if err := rows.Scan(&o.ID, &o.Data, &o.Version, &updated); err != nil {
			return nil, "", wrap(op, err)
		}
		o.UpdatedAt = fromMicros(updated)
		objs = append(objs, o)
	}
	if err := rows.Err(); err != nil {
		return nil, "", wrap(op, err)
	}
	if len(objs) > limit {
		objs = objs[:limit]
		return objs, objectCursor(kind, objs[limit-1].ID), nil
	}
	return objs, "", nil
}

// DeleteObject removes an object, or returns store.ErrNotFound.
func (s *Store) DeleteObject(ctx context.Context, kind, id string) error {
	if err := store.CheckObjectKey(kind, id); err != nil {
		return fmt.Errorf("sqlite: delete object: %w", err)
	}
	var n int64
	err := s.write(ctx, fmt.Sprintf("delete object %q of kind %q", id, kind), func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, deleteObjectSQL, kind, id)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("object %q of kind %q: %w", id, kind, store.ErrNotFound)
	}
	return nil
}
