package leader_test

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopmind/shopmind/leader"
	"github.com/shopmind/shopmind/store"
	"github.com/shopmind/shopmind/store/sqlite"
)

// Two electors on one store: one leads at a time, and the standby takes
// over when the leader stops.
func TestOneLeaderAndFailover(t *testing.T) {
	st, err := sqlite.OpenPath(t.Context(), filepath.Join(t.TempDir(), "l.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var running atomic.Int32
	var maxRunning atomic.Int32
	work := func(ctx context.Context) error {
		n := running.Add(1)
		if n > maxRunning.Load() {
			maxRunning.Store(n)
		}
		<-ctx.Done()
		running.Add(-1)
		return ctx.Err()
	}
	ctxA, stopA := context.WithCancel(t.Context())
	ctxB, stopB := context.WithCancel(t.Context())
	defer stopB()
	a := leader.New(st, "trainer", 20*time.Millisecond, nil)
	b := leader.New(st, "trainer", 20*time.Millisecond, nil)
	doneA := make(chan struct{})
	go func() { a.Run(ctxA, work); close(doneA) }()
	waitFor(t, func() bool { return a.Leading() })
	go b.Run(ctxB, work)
	time.Sleep(200 * time.Millisecond)
	if b.Leading() || maxRunning.Load() != 1 {
		t.Fatalf("b leading %v, %d running at once; want one leader", b.Leading(), maxRunning.Load())
	}
	stopA() // the leader goes away
	<-doneA
	waitFor(t, func() bool { return b.Leading() })
	if b.Terms() != 1 || maxRunning.Load() != 1 {
		t.Errorf("b terms %d, max running %d", b.Terms(), maxRunning.Load())
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
	}
}
