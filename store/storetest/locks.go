package storetest

import (
	"testing"

	"github.com/shopmind/shopmind/store"
)

func testLocks(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	a, held, err := s.TryLock(ctx, "trainer")
	if err != nil || !held || a == nil {
		t.Fatalf("first TryLock = %v, %v, %v; want held", a, held, err)
	}
	if b, held, err := s.TryLock(ctx, "trainer"); err != nil || held || b != nil {
		t.Fatalf("second TryLock while held = %v, %v, %v; want not held", b, held, err)
	}
	other, held, err := s.TryLock(ctx, "copy-jobs")
	if err != nil || !held {
		t.Fatalf("TryLock of another name = %v, %v; want held", held, err)
	}
	defer other.Release()
	select {
	case <-a.Lost():
		t.Fatal("a held lock reports lost")
	default:
	}
	if err := a.Release(); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if err := a.Release(); err != nil {
		t.Errorf("second Release: %v", err)
	}
	b, held, err := s.TryLock(ctx, "trainer")
	if err != nil || !held {
		t.Fatalf("TryLock after release = %v, %v; want held", held, err)
	}
	b.Release()
}
