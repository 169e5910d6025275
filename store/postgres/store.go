package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shopmind/shopmind/store"
)

func init() {
	store.Register("postgres", open)
	store.Register("postgresql", open)
}

// defaultConnectTimeout bounds a connection attempt when the URL sets no
// connect_timeout, so that an unreachable server gives ErrUnavailable rather
// than a wait for the operating system's TCP timeout.
const defaultConnectTimeout = 10 * time.Second

// errClosed is returned by calls on a store after Close.
var errClosed = errors.New("the store is closed")

// pgStore is a store.Store on one PostgreSQL schema.
type pgStore struct {
	pool *pgxpool.Pool
	now  func() time.Time
	// appendLock is the advisory lock key that serializes AppendEvents on
	// this schema's events table (see events.go).
	appendLock int64
	closed     atomic.Bool
}

var _ store.Store = (*pgStore)(nil)

// open is the store.Opener for postgres:// and postgresql:// URLs.
func open(ctx context.Context, u *url.URL, opts store.Options) (store.Store, error) {
	cfg, err := parseURL(u)
	if err != nil {
		return nil, err
	}
	p, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s := &pgStore{pool: p, now: opts.Clock()}
	if err := s.migrate(ctx); err != nil {
		p.Close()
		return nil, err
	}
	return s, nil
}

// parseURL turns the store URL into a pool configuration. pgxpool reads its
// own parameters (pool_max_conns and friends) from the URL.
func parseURL(u *url.URL) (*pgxpool.Config, error) {
	c := *u
	c.Scheme = strings.ToLower(c.Scheme)
	cfg, err := pgxpool.ParseConfig(c.String())
	if err != nil {
		return nil, fmt.Errorf("postgres: store URL %s: %w; see https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING for its form", u.Redacted(), err)
	}
	if !strings.Contains(c.RawQuery, "pool_max_conns") {
		cfg.MaxConns = int32(max(4, runtime.NumCPU()))
	}
	cc := cfg.ConnConfig
	if cc.ConnectTimeout == 0 {
		cc.ConnectTimeout = defaultConnectTimeout
	}
	if _, ok := cc.RuntimeParams["application_name"]; !ok {
		cc.RuntimeParams["application_name"] = "shopmind"
	}
	return cfg, nil
}

// withConn runs fn on a pooled connection and wraps its error for op.
func (s *pgStore) withConn(ctx context.Context, op string, fn func(*pgx.Conn) error) error {
	if s.closed.Load() {
		return fmt.Errorf("postgres: %s: %w", op, errClosed)
	}
	pc, err := s.pool.Acquire(ctx)
	if err != nil {
		return wrapErr(ctx, op, err, false)
	}
	defer pc.Release()
	conn := pc.Conn()
	if err := fn(conn); err != nil {
		return wrapErr(ctx, op, err, conn.IsClosed())
	}
	return nil
}

// withTx runs fn in a transaction that commits when fn returns nil.
func (s *pgStore) withTx(ctx context.Context, op string, fn func(pgx.Tx) error) error {
	return s.withConn(ctx, op, func(conn *pgx.Conn) error {
		return pgx.BeginFunc(ctx, conn, fn)
	})
}

// Ping checks that the server answers.
func (s *pgStore) Ping(ctx context.Context) error {
	return s.withConn(ctx, "ping", func(conn *pgx.Conn) error { return conn.Ping(ctx) })
}

// Close closes the store's connections once calls in flight have finished;
// later calls fail.
func (s *pgStore) Close() error {
	if s.closed.CompareAndSwap(false, true) {
		s.pool.Close() // waits for connections in use to come back
	}
	return nil
}

// utcMicro returns t in UTC, truncated to the microsecond that PostgreSQL keeps.
func utcMicro(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
