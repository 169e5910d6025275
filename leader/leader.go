// Package leader runs a piece of work on one process at a time across a
// cluster: an Elector takes a named lock in the shared store (a PostgreSQL
// advisory lock, or a file lock next to the embedded database), runs the
// work while it holds it, stops the work when the lock is lost, and keeps
// trying while another process leads, so that a standby takes over within
// the retry interval when the leader dies.
package leader

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/shopmind/shopmind/store"
)

// Elector runs work under one named lock.
type Elector struct {
	locker  store.Locker
	name    string
	retry   time.Duration
	log     *slog.Logger
	leading atomic.Bool
	terms   atomic.Int64
}

// New returns an elector for the lock name; retry is how often a standby
// tries to take over (default 2 s).
func New(locker store.Locker, name string, retry time.Duration, log *slog.Logger) *Elector {
	if retry <= 0 {
		retry = 2 * time.Second
	}
	if log == nil {
		log = slog.Default()
	}
	return &Elector{locker: locker, name: name, retry: retry, log: log}
}

// Leading reports whether this process holds the lock now.
func (e *Elector) Leading() bool { return e.leading.Load() }

// Terms counts how many times this process has taken the lead.
func (e *Elector) Terms() int64 { return e.terms.Load() }

// Run takes the lead whenever it can and runs work while leading, until ctx
// ends. work's context is cancelled when the lock is lost; when work
// returns (with or without error) the lock is released and, unless ctx has
// ended, the elector stands again after the retry interval.
func (e *Elector) Run(ctx context.Context, work func(ctx context.Context) error) error {
	for {
		lock, held, err := e.locker.TryLock(ctx, e.name)
		if err != nil && ctx.Err() == nil {
			e.log.Warn("leader: cannot reach the store to stand for "+e.name, "err", err)
		}
		if held {
			e.lead(ctx, lock, work)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(e.retry):
		}
	}
}

func (e *Elector) lead(ctx context.Context, lock store.Lock, work func(ctx context.Context) error) {
	e.leading.Store(true)
	e.terms.Add(1)
	e.log.Info("leader: this process leads " + e.name)
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- work(wctx) }()
	var err error
	select {
	case err = <-done:
	case <-lock.Lost():
		e.log.Warn("leader: lost the lock of " + e.name + "; stopping its work")
		cancel()
		err = <-done
	}
	cancel()
	e.leading.Store(false)
	if rerr := lock.Release(); rerr != nil && ctx.Err() == nil {
		e.log.Warn("leader: releasing "+e.name, "err", rerr)
	}
	if err != nil && !errors.Is(err, context.Canceled) && ctx.Err() == nil {
		e.log.Error("leader: the work of "+e.name+" stopped", "err", err)
	}
}
