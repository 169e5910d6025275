package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"

	"github.com/shopmind/shopmind/store"
)

// TryLock implements store.Locker with an advisory file lock (flock) next
// to the database file, so that processes sharing the file (serve and a
// shopmind command) take turns. The operating system drops it when the
// process dies; Lost is never closed.
func (s *Store) TryLock(ctx context.Context, name string) (store.Lock, bool, error) {
	if err := store.CheckKey(name); err != nil || strings.ContainsAny(name, `/\`) {
		return nil, false, fmt.Errorf("sqlite: lock name %q: want a short name without slashes: %w", name, store.ErrInvalid)
	}
	f, err := os.OpenFile(s.path+".lock-"+name, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("sqlite: take lock %s: %w", name, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("sqlite: take lock %s: %w", name, err)
	}
	return &fileLock{f: f, lost: make(chan struct{})}, true, nil
}

type fileLock struct {
	f    *os.File
	lost chan struct{}
	once sync.Once
	err  error
}

func (l *fileLock) Lost() <-chan struct{} { return l.lost }

func (l *fileLock) Release() error {
	l.once.Do(func() {
		// Closing the descriptor drops the flock.
		l.err = l.f.Close()
	})
	return l.err
}
