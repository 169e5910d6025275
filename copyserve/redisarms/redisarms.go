// Package redisarms keeps the copy variant bandit's statistics and its
// once-per-event keys in Redis (copyserve.ArmCounters), so that every node
// reads and updates the same numbers at Redis speed:
//
//	<prefix>copy:arm:<variant>       hash: s (sends), o (opens), c (clicks), v (conversions)
//	<prefix>copy:seen:<event key>    set once with NX, expiring after the bandit's TTL
package redisarms

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/shopmind/shopmind/copyserve"
)

// Counters implements copyserve.ArmCounters on a Redis client.
type Counters struct {
	rdb    redis.UniversalClient
	prefix string
}

// New returns counters on rdb whose keys start with prefix + "copy:".
func New(rdb redis.UniversalClient, prefix string) *Counters {
	return &Counters{rdb: rdb, prefix: prefix + "copy:"}
}

var fields = [4]string{"s", "o", "c", "v"}

// ArmStats implements copyserve.ArmCounters with one pipelined round trip.
func (c *Counters) ArmStats(ctx context.Context, ids []string, out []copyserve.ArmStats) error {
	pipe := c.rdb.Pipeline()
	cmds := make([]*redis.SliceCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.HMGet(ctx, c.prefix+"arm:"+id, fields[:]...)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return err
	}
	for i, cmd := range cmds {
		var v [4]int64
		for k, x := range cmd.Val() {
			if s, ok := x.(string); ok {
				n, err := strconv.ParseInt(s, 10, 64)
				if err != nil {
					return fmt.Errorf("redisarms: %s of variant %s is not a count: %w", fields[k], ids[i], err)
				}
				v[k] = n
			}
		}
		out[i] = copyserve.ArmStats{Sends: v[0], Opens: v[1], Clicks: v[2], Conversions: v[3]}
	}
	return nil
}

// AddArm implements copyserve.ArmCounters: one HINCRBY per statistic that
// changes, in one transaction.
func (c *Counters) AddArm(ctx context.Context, id string, d copyserve.ArmStats) error {
	key := c.prefix + "arm:" + id
	pipe := c.rdb.TxPipeline()
	n := 0
	for i, v := range [4]int64{d.Sends, d.Opens, d.Clicks, d.Conversions} {
		if v > 0 {
			pipe.HIncrBy(ctx, key, fields[i], v)
			n++
		}
	}
	if n == 0 {
		return nil
	}
	_, err := pipe.Exec(ctx)
	return err
}

// FirstTime implements copyserve.ArmCounters with SET NX.
func (c *Counters) FirstTime(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	return c.rdb.SetNX(ctx, c.prefix+"seen:"+key, 1, ttl).Result()
}
