package postgres

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/shopmind/shopmind/store"
)

// lockSQL takes a session-level advisory lock whose key is derived from the
// schema and the name, so that stores on other schemas of one database do
// not contend.
const (
	lockSQL   = `SELECT pg_try_advisory_lock(hashtextextended(current_schema() || ':' || $1, 0))`
	unlockSQL = `SELECT pg_advisory_unlock(hashtextextended(current_schema() || ':' || $1, 0))`
)

// lockPing is how often a held lock's connection is checked.
const lockPing = 2 * time.Second

type pgLock struct {
	conn    *pgxpool.Conn
	name    string
	lost    chan struct{}
	stop    chan struct{}
	done    chan struct{}
	release sync.Once
	err     error
}

// TryLock implements store.Locker with a PostgreSQL session advisory lock
// on a connection set aside from the pool while the lock is held. The
// connection is pinged every 2 s; if it breaks, the server has dropped the
// lock and Lost is closed.
func (s *pgStore) TryLock(ctx context.Context, name string) (store.Lock, bool, error) {
	if s.closed.Load() {
		return nil, false, errClosed
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, false, wrapErr(ctx, "take lock "+name, err, false)
	}
	var held bool
	if err := conn.QueryRow(ctx, lockSQL, name).Scan(&held); err != nil {
		conn.Release()
		return nil, false, wrapErr(ctx, "take lock "+name, err, false)
	}
	if !held {
		conn.Release()
		return nil, false, nil
	}
	l := &pgLock{conn: conn, name: name, lost: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	go l.watch()
	return l, true, nil
}

func (l *pgLock) watch() {
	defer close(l.done)
	t := time.NewTicker(lockPing)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), lockPing)
			err := l.conn.Ping(ctx)
			cancel()
			if err != nil {
				close(l.lost)
				return
			}
		}
	}
}

func (l *pgLock) Lost() <-chan struct{} { return l.lost }

func (l *pgLock) Release() error {
	l.release.Do(func() {
		close(l.stop)
		<-l.done
		select {
		case <-l.lost:
			// The connection is gone and the lock with it.
			l.conn.Hijack().Close(context.Background())
			return
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := l.conn.Exec(ctx, unlockSQL, l.name); err != nil {
			// Closing the connection drops the lock on the server.
			l.conn.Hijack().Close(context.Background())
			l.err = err
			return
		}
		l.conn.Release()
	})
	return l.err
}
