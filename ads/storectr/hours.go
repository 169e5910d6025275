package storectr

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/shopmind/shopmind/ads"
	"github.com/shopmind/shopmind/store"
)

var _ ads.HourlyCounters = (*Counters)(nil)

// hourFields name a campaign's counters of one hour, in HourStats order:
// spend, impressions, clicks, conversions, capped charges.
var hourFields = [5]string{"hs", "hi", "hc", "hv", "hx"}

// hourKey is one statistic of a campaign in one local hour of a day.
func (c *Counters) hourKey(field string, k ads.CampaignDay, hour int) string {
	return c.key(field, k.Day, k.Campaign, strconv.Itoa(hour))
}

// AddHour implements ads.HourlyCounters: one AddCounters per statistic
// that changes (an event usually changes one or two).
func (c *Counters) AddHour(ctx context.Context, key ads.CampaignDay, hour int, d ads.HourStats) error {
	if hour < 0 || hour > 23 {
		return fmt.Errorf("storectr: hour %d is not an hour of the day (0–23)", hour)
	}
	exp := time.Now().Add(dayTTL)
	for i, n := range [5]int64{d.Spend, d.Impressions, d.Clicks, d.Conversions, d.Capped} {
		if n < 0 {
			return fmt.Errorf("storectr: campaign %q hour %d: negative statistics %+v", key.Campaign, hour, d)
		}
		if n == 0 {
			continue
		}
		if _, err := c.st.AddCounters(ctx, n, []store.Counter{{Key: c.hourKey(hourFields[i], key, hour), Expires: exp}}); err != nil {
			return err
		}
	}
	return nil
}

// Hours implements ads.HourlyCounters with one GetCounters call.
func (c *Counters) Hours(ctx context.Context, key ads.CampaignDay) ([24]ads.HourStats, error) {
	var out [24]ads.HourStats
	ks := make([]string, 0, 24*len(hourFields))
	for h := range 24 {
		for _, f := range hourFields {
			ks = append(ks, c.hourKey(f, key, h))
		}
	}
	vals, err := c.st.GetCounters(ctx, ks)
	if err != nil {
		return out, err
	}
	for h := range 24 {
		k := ks[h*len(hourFields):]
		out[h] = ads.HourStats{Spend: vals[k[0]], Impressions: vals[k[1]], Clicks: vals[k[2]], Conversions: vals[k[3]], Capped: vals[k[4]]}
	}
	return out, nil
}
