// Package armtest is the behaviour every copyserve.ArmCounters must show,
// run by each implementation's tests.
package armtest

import (
	"sync"
	"testing"
	"time"

	"github.com/shopmind/shopmind/copyserve"
)

// Run checks a and b, two views of one shared set of counters (two nodes):
// adds from both sum up, unknown arms read zero, and an event key counts
// once across both.
func Run(t *testing.T, a, b copyserve.ArmCounters) {
	t.Helper()
	ctx := t.Context()
	var wg sync.WaitGroup
	for i := range 40 {
		c := a
		if i%2 == 1 {
			c = b
		}
		wg.Go(func() {
			if err := c.AddArm(ctx, "v1", copyserve.ArmStats{Sends: 1, Clicks: int64(i % 3 / 2)}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if err := b.AddArm(ctx, "v2", copyserve.ArmStats{Sends: 5, Opens: 3, Clicks: 2, Conversions: 1}); err != nil {
		t.Fatal(err)
	}
	out := make([]copyserve.ArmStats, 3)
	if err := a.ArmStats(ctx, []string{"v1", "v2", "none"}, out); err != nil {
		t.Fatal(err)
	}
	want := []copyserve.ArmStats{{Sends: 40, Clicks: 13}, {Sends: 5, Opens: 3, Clicks: 2, Conversions: 1}, {}}
	for i := range want {
		if out[i] != want[i] {
			t.Errorf("arm %d = %+v, want %+v", i, out[i], want[i])
		}
	}
	if ok, err := a.FirstTime(ctx, "msg-1/click", time.Hour); !ok || err != nil {
		t.Fatalf("first time: %v %v", ok, err)
	}
	if ok, _ := b.FirstTime(ctx, "msg-1/click", time.Hour); ok {
		t.Error("the same event counted twice across nodes")
	}
	if ok, _ := b.FirstTime(ctx, "msg-1/open", time.Hour); !ok {
		t.Error("another event of the same message was taken for a repeat")
	}
}
