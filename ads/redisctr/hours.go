package redisctr

import (
	"context"
	"fmt"
	"strconv"

	"github.com/shopmind/shopmind/ads"
)

var _ ads.HourlyCounters = (*Counters)(nil)

// hourKey is the hash of a campaign's statistics by hour on one day:
// fields "<hour>s", "<hour>i", "<hour>c", "<hour>v" and "<hour>x" (spend,
// impressions, clicks, conversions, capped charges). It lapses with the
// day's spend key.
func (c *Counters) hourKey(k ads.CampaignDay) string {
	return c.prefix + "hr:{" + k.Campaign + "}:" + k.Day
}

// hourFields are the field suffixes, in HourStats order.
var hourFields = [5]string{"s", "i", "c", "v", "x"}

func hourValues(d ads.HourStats) [5]int64 {
	return [5]int64{d.Spend, d.Impressions, d.Clicks, d.Conversions, d.Capped}
}

// AddHour implements ads.HourlyCounters: HINCRBY of the fields that change
// and the key's expiry, in one pipeline.
func (c *Counters) AddHour(ctx context.Context, key ads.CampaignDay, hour int, d ads.HourStats) error {
	if hour < 0 || hour > 23 {
		return fmt.Errorf("redisctr: hour %d is not an hour of the day (0–23)", hour)
	}
	k := c.hourKey(key)
	h := strconv.Itoa(hour)
	pipe := c.rdb.Pipeline()
	for i, v := range hourValues(d) {
		if v != 0 {
			pipe.HIncrBy(ctx, k, h+hourFields[i], v)
		}
	}
	if pipe.Len() == 0 {
		return nil
	}
	pipe.PExpire(ctx, k, dayTTL)
	_, err := pipe.Exec(ctx)
	return err
}

// Hours implements ads.HourlyCounters with one HGETALL.
func (c *Counters) Hours(ctx context.Context, key ads.CampaignDay) ([24]ads.HourStats, error) {
	var out [24]ads.HourStats
	m, err := c.rdb.HGetAll(ctx, c.hourKey(key)).Result()
	if err != nil {
		return out, err
	}
	for f, v := range m {
		if len(f) < 2 {
			continue
		}
		h, err := strconv.Atoi(f[:len(f)-1])
		if err != nil || h < 0 || h > 23 {
			continue // not a field this package writes
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return out, fmt.Errorf("redisctr: hourly field %s of %s: %w", f, c.hourKey(key), err)
		}
		st := &out[h]
		switch f[len(f)-1:] {
		case "s":
			st.Spend = n
		case "i":
			st.Impressions = n
		case "c":
			st.Clicks = n
		case "v":
			st.Conversions = n
		case "x":
			st.Capped = n
		}
	}
	return out, nil
}
