// Package redisx opens the one Redis client a process shares between the
// ad counters, the copy bandit's statistics and the rate limits.
package redisx

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// Open connects to the Redis server at url (redis://[user:pass@]host:port/db,
// or rediss:// for TLS) and checks that it answers. Calls honour their
// context's deadline, so that a server that hangs rather than refuses fails
// a call within it (the fallbacks of the ad counters and the rate limits
// rely on that).
func Open(ctx context.Context, url string) (*redis.Client, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis URL: %w", err)
	}
	opt.ContextTimeoutEnabled = true
	rdb := redis.NewClient(opt)
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("redis at %s: %w", opt.Addr, err)
	}
	return rdb, nil
}
