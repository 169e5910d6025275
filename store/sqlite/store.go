package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/shopmind/shopmind/store"
)

// busyTimeout is how long a connection waits for a lock held by another
// process (another shopmind, a backup tool) before giving up.
const busyTimeout = 10 * time.Second

// knownUsersMax bounds the ids AppendEvents remembers as existing users
// (about 100 bytes each).
const knownUsersMax = 200_000

// Store is a store.Store kept in one SQLite database file.
type Store struct {
	path   string
	now    func() time.Time
	writer *sql.DB // exactly one connection: every write goes through it
	reader *sql.DB // read-only connections
	stmts  writerStmts
	known  *knownUsers // uids of users known to exist
}

var _ store.Store = (*Store)(nil)

// OpenPath opens, or creates, the SQLite database at path and brings its
// schema up to date. The parent directory is created when missing.
func OpenPath(ctx context.Context, path string, opts store.Options) (*Store, error) {
	if path == "" {
		return nil, errors.New("sqlite: no database path given; name a file such as /var/lib/shopmind/shopmind.db")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: resolve database path %q: %w", path, err)
	}
	if fi, err := os.Stat(abs); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("sqlite: database path %s is a directory; name a file inside it, such as %s",
			abs, filepath.Join(abs, "shopmind.db"))
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return nil, fmt.Errorf("sqlite: create the directory for database %s: %w; choose a path in a directory this process can create and write", abs, err)
	}

	s := &Store{path: abs, now: opts.Clock(), known: newKnownUsers(knownUsersMax)}
	s.writer, err = sql.Open("sqlite", dsn(abs, false))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	s.writer.SetMaxOpenConns(1)
	s.writer.SetMaxIdleConns(1)
	s.writer.SetConnMaxLifetime(0)
	s.writer.SetConnMaxIdleTime(0)
	if err := s.writer.PingContext(ctx); err != nil {
		s.writer.Close()
		return nil, openError(abs, err)
	}
	if err := useWAL(ctx, s.writer); err != nil {
		s.writer.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", abs, err)
	}
	if err := migrate(ctx, s.writer, s.now); err != nil {
		s.writer.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", abs, err)
	}
	if err := s.stmts.prepare(ctx, s.writer); err != nil {
		s.writer.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", abs, err)
	}

	s.reader, err = sql.Open("sqlite", dsn(abs, true))
	if err != nil {
		s.close()
		return nil, fmt.Errorf("sqlite: open %s for reading: %w", abs, err)
	}
	n := max(2, runtime.GOMAXPROCS(0))
	s.reader.SetMaxOpenConns(n)
	s.reader.SetMaxIdleConns(n)
	if err := s.reader.PingContext(ctx); err != nil {
		s.close()
		return nil, openError(abs, err)
	}
	return s, nil
}

// openError explains a failure to open the database file.
func openError(path string, err error) error {
	return fmt.Errorf("sqlite: open database %s: %w; check that the path names a file (or a new file) in a directory this process can write, and that it is a shopmind SQLite database", path, err)
}

// Path returns the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// Ping checks that the database file answers a query. It uses a reader, so
// it does not wait behind a long write.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.reader.PingContext(ctx); err != nil {
		return wrap("ping", err)
	}
	var one int
	if err := s.reader.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return wrap("ping", err)
	}
	return nil
}

// Close releases both connection pools. It optimises the query planner's
// statistics first, as SQLite recommends for long-lived connections.
func (s *Store) Close() error {
	// Statistics are an optimisation; failing to refresh them loses nothing.
	_, _ = s.writer.Exec("PRAGMA optimize")
	return s.close()
}

func (s *Store) close() error {
	var errs []error
	s.stmts.close()
	if s.reader != nil {
		errs = append(errs, s.reader.Close())
	}
	if s.writer != nil {
		errs = append(errs, s.writer.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlite: close %s: %w", s.path, err)
	}
	return nil
}
