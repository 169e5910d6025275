package store

import "context"

// Lock is a named exclusive lock held by this process (see Locker).
type Lock interface {
	// Lost is closed when the lock is lost without Release: the
	// connection that held it broke, so another process may hold it now.
	Lost() <-chan struct{}
	// Release gives the lock up. Calling it again does nothing.
	Release() error
}

// Locker hands out named exclusive locks, one holder at a time across every
// process using the same store: the trainer's leadership and the copy-job
// runner are elected with them. A lock is held until released, or until
// the process (or, for PostgreSQL, its connection) dies.
type Locker interface {
	// TryLock takes the named lock if no one holds it; held is false (and
	// lock nil) when someone does.
	TryLock(ctx context.Context, name string) (lock Lock, held bool, err error)
}
