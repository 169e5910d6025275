package copyserve

import (
	"context"
	"time"

	"github.com/shopmind/shopmind/store"
)

// StoreArmCounters keeps the variant bandit's statistics and its
// once-per-event keys in the store's counters, so that every node serving
// a brief reads and updates the same numbers and they survive restarts.
type StoreArmCounters struct {
	st     store.CounterStore
	prefix string
}

// NewStoreArmCounters returns counters in st under keys starting with
// prefix ("" means "copy:").
func NewStoreArmCounters(st store.CounterStore, prefix string) *StoreArmCounters {
	if prefix == "" {
		prefix = "copy:"
	}
	return &StoreArmCounters{st: st, prefix: prefix}
}

var armFields = [4]string{"s", "o", "c", "v"} // sends, opens, clicks, conversions

func (c *StoreArmCounters) key(id, field string) string { return c.prefix + "arm:" + field + ":" + id }

// ArmStats implements ArmCounters with one read.
func (c *StoreArmCounters) ArmStats(ctx context.Context, ids []string, out []ArmStats) error {
	keys := make([]string, 0, 4*len(ids))
	for _, id := range ids {
		for _, f := range armFields {
			keys = append(keys, c.key(id, f))
		}
	}
	vals, err := c.st.GetCounters(ctx, keys)
	if err != nil {
		return err
	}
	for i, id := range ids {
		out[i] = ArmStats{Sends: vals[c.key(id, "s")], Opens: vals[c.key(id, "o")],
			Clicks: vals[c.key(id, "c")], Conversions: vals[c.key(id, "v")]}
	}
	return nil
}

// AddArm implements ArmCounters: one atomic add per statistic that changes.
func (c *StoreArmCounters) AddArm(ctx context.Context, id string, d ArmStats) error {
	for i, n := range [4]int64{d.Sends, d.Opens, d.Clicks, d.Conversions} {
		if n <= 0 {
			continue
		}
		if _, err := c.st.AddCounters(ctx, n, []store.Counter{{Key: c.key(id, armFields[i])}}); err != nil {
			return err
		}
	}
	return nil
}

// FirstTime implements ArmCounters with an atomic put-if-absent.
func (c *StoreArmCounters) FirstTime(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	return c.st.PutValue(ctx, c.prefix+"seen:"+key, []byte{1}, time.Now().Add(ttl), true)
}
