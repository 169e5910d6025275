package redisarms_test

import (
	"context"
	"crypto/rand"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/shopmind/shopmind/copyserve/armtest"
	"github.com/shopmind/shopmind/copyserve/redisarms"
	"github.com/shopmind/shopmind/internal/testenv"
)

// Two nodes on one Redis share the statistics.
func TestRedisArmCounters(t *testing.T) {
	opt, err := redis.ParseURL(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	prefix := "shopmind-test:" + rand.Text()[:12] + ":"
	t.Cleanup(func() {
		keys, _ := rdb.Keys(context.Background(), prefix+"*").Result()
		if len(keys) > 0 {
			rdb.Del(context.Background(), keys...)
		}
	})
	armtest.Run(t, redisarms.New(rdb, prefix), redisarms.New(rdb, prefix))
}
