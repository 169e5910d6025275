package copyserve

import (
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/shopmind/shopmind/store"
	"github.com/shopmind/shopmind/store/sqlite"
)

// testArmCounters is what every ArmCounters must do.
func testArmCounters(t *testing.T, a, b ArmCounters) {
	ctx := t.Context()
	var wg sync.WaitGroup
	for i := range 40 {
		c := a
		if i%2 == 1 {
			c = b
		}
		wg.Go(func() {
			if err := c.AddArm(ctx, "v1", ArmStats{Sends: 1, Clicks: int64(i % 3 / 2)}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if err := b.AddArm(ctx, "v2", ArmStats{Sends: 5, Opens: 3, Clicks: 2, Conversions: 1}); err != nil {
		t.Fatal(err)
	}
	out := make([]ArmStats, 3)
	if err := a.ArmStats(ctx, []string{"v1", "v2", "none"}, out); err != nil {
		t.Fatal(err)
	}
	want := []ArmStats{{Sends: 40, Clicks: 13}, {Sends: 5, Opens: 3, Clicks: 2, Conversions: 1}, {}}
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
}

// Two nodes over one store share the statistics.
func TestStoreArmCounters(t *testing.T) {
	st, err := sqlite.OpenPath(t.Context(), filepath.Join(t.TempDir(), "s.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	testArmCounters(t, NewStoreArmCounters(st, ""), NewStoreArmCounters(st, ""))
}

func TestMemoryArmCounters(t *testing.T) {
	m := NewMemoryArmCounters(0)
	testArmCounters(t, m, m)
}
