package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// migrationFiles holds the schema, one file per version, named
// NNNN_what_it_does.sql. A released file is never edited: a change to the
// schema is a new file with the next number.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one version of the schema.
type migration struct {
	version int
	name    string
	sql     string
}

// Advisory lock classes, the upper 32 bits of a lock key. The lower 32 bits
// are the oid of the schema or table the lock guards, so stores in different
// schemas of one database never wait for each other.
const (
	migrateLockClass = 0x73686d01 // "shm" 1
	appendLockClass  = 0x73686d02 // "shm" 2
)

func lockKey(class int64, oid uint32) int64 { return class<<32 | int64(oid) }

// migrations returns the embedded migrations in version order.
func migrations() ([]migration, error) {
	files, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".sql")
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 {
			return nil, fmt.Errorf("migration file %s is not named NNNN_description.sql", f)
		}
		b, err := migrationFiles.ReadFile(f)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: name, sql: string(b)})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s have the same version", out[i-1].name, out[i].name)
		}
	}
	return out, nil
}

// errNoSchema is returned when search_path names no existing schema.
var errNoSchema = errors.New("search_path names no schema that exists")

// migrate brings the schema up to date and looks up the append lock key.
// Everything happens in one transaction under an advisory lock on the schema:
// nodes starting together wait for each other, and each migration is applied
// once or not at all.
func (s *pgStore) migrate(ctx context.Context) error {
	all, err := migrations()
	if err != nil {
		return fmt.Errorf("postgres: migrations built into this binary: %w", err)
	}
	return s.withTx(ctx, "migrate schema", func(tx pgx.Tx) error {
		var nsOID uint32
		err := tx.QueryRow(ctx, `SELECT oid FROM pg_namespace WHERE nspname = current_schema()`).Scan(&nsOID)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("%w; create the schema (CREATE SCHEMA name) or fix search_path in the store URL", errNoSchema)
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockKey(migrateLockClass, nsOID)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    integer PRIMARY KEY,
			name       text NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now()
		)`); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT version FROM schema_migrations`)
		if err != nil {
			return err
		}
		applied, err := pgx.CollectRows(rows, pgx.RowTo[int32])
		if err != nil {
			return err
		}
		// Versions newer than this binary knows are left alone: during a
		// rolling upgrade older nodes keep running on a newer schema.
		for _, m := range all {
			if slices.Contains(applied, int32(m.version)) {
				continue
			}
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
				return fmt.Errorf("recording migration %s: %w", m.name, err)
			}
		}
		var eventsOID uint32
		if err := tx.QueryRow(ctx, `SELECT 'events'::regclass::oid`).Scan(&eventsOID); err != nil {
			return err
		}
		s.appendLock = lockKey(appendLockClass, eventsOID)
		return nil
	})
}
