package ads_test

import (
	"testing"

	"github.com/shopmind/shopmind/ads"
	"github.com/shopmind/shopmind/ads/adstest"
)

func TestMemoryCounters(t *testing.T) {
	adstest.Run(t, func(*testing.T) ads.Counters { return ads.NewMemory(ads.MemoryConfig{}) })
}
