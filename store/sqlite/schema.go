package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// migrationFiles holds the schema, one numbered file per version:
// NNNN_name.sql. A released file is never edited; a change is a new file.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in version order.
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration file %s is not named NNNN_name.sql", base)
		}
		body, err := migrationFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: strings.TrimSuffix(base, ".sql"), sql: string(body)})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	for i := range out {
		if out[i].version != i+1 {
			return nil, fmt.Errorf("migration %s: versions must run 1, 2, 3… without gaps", out[i].name)
		}
	}
	return out, nil
}

// migrate brings the schema up to date: each missing migration runs in its
// own transaction together with its schema_migrations row, so a crash leaves
// the database at one version or the next, never in between.
func migrate(ctx context.Context, db *sql.DB, now func() time.Time) error {
	ms, err := migrations()
	if err != nil {
		return fmt.Errorf("embedded migrations: %w", err)
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at INTEGER NOT NULL -- unix microseconds
	)`); err != nil {
		return wrap("create schema_migrations", err)
	}
	for _, m := range ms {
		if err := apply(ctx, db, m, now); err != nil {
			return err
		}
	}
	var newest int
	if err := db.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&newest); err != nil {
		return wrap("read schema version", err)
	}
	if last := ms[len(ms)-1].version; newest > last {
		return fmt.Errorf("database schema is at version %d but this shopmind knows versions up to %d; run a newer shopmind, or restore a backup made by this version", newest, last)
	}
	return nil
}

// apply runs one migration unless it has already been applied. The check is
// inside the (immediate) transaction, so two processes opening the same new
// file cannot both apply it.
func apply(ctx context.Context, db *sql.DB, m migration, now func() time.Time) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return wrap("begin migration "+m.name, err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", m.version).Scan(&n); err != nil {
		return wrap("check migration "+m.name, err)
	}
	if n > 0 {
		return tx.Rollback()
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return wrap("apply migration "+m.name, err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
		m.version, m.name, micros(now())); err != nil {
		return wrap("record migration "+m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return wrap("commit migration "+m.name, err)
	}
	return nil
}
