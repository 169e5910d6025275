package copyserve_test

import (
	"path/filepath"
	"testing"

	"github.com/shopmind/shopmind/copyserve"
	"github.com/shopmind/shopmind/copyserve/armtest"
	"github.com/shopmind/shopmind/store"
	"github.com/shopmind/shopmind/store/sqlite"
)

// Two nodes over one store share the statistics.
func TestStoreArmCounters(t *testing.T) {
	st, err := sqlite.OpenPath(t.Context(), filepath.Join(t.TempDir(), "s.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	armtest.Run(t, copyserve.NewStoreArmCounters(st, ""), copyserve.NewStoreArmCounters(st, ""))
}

func TestMemoryArmCounters(t *testing.T) {
	m := copyserve.NewMemoryArmCounters(0)
	armtest.Run(t, m, m)
}
