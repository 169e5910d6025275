package ads

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

var testNow = time.Date(2025, 3, 5, 10, 30, 0, 0, time.UTC) // a Wednesday

func validCampaign() Campaign {
	return Campaign{
		ID: "c1", Advertiser: "acme", Status: Active,
		Creatives: []Creative{{ID: "a", ItemID: "item-1", Text: "Buy now"}},
		BidType:   CPC, Bid: 0.5, DailyBudget: 100, TotalBudget: 1000,
		Targeting: Targeting{Segments: []string{"vip"}},
		Schedule:  Schedule{Start: testNow.Add(-time.Hour), End: testNow.Add(30 * 24 * time.Hour)},
	}
}

func segs(id string) bool { return id == "vip" || id == "new" }

func TestValidate(t *testing.T) {
	if err := new(validCampaign()).Validate(testNow, segs); err != nil {
		t.Fatalf("valid campaign refused: %v", err)
	}
	tests := []struct {
		name  string
		edit  func(c *Campaign)
		field string // the field the first error must name
		msg   string // a phrase of its message
	}{
		{"negative bid", func(c *Campaign) { c.Bid = -1 }, "bid", "above zero"},
		{"zero bid", func(c *Campaign) { c.Bid = 0 }, "bid", "above zero"},
		{"NaN bid", func(c *Campaign) { c.Bid = math.NaN() }, "bid", "not a number"},
		{"bid above daily budget", func(c *Campaign) { c.Bid = 150 }, "bid", "above the daily budget"},
		{"CPM bid may exceed the daily budget", func(c *Campaign) { c.BidType, c.Bid = CPM, 150 }, "", ""},
		{"no bid type", func(c *Campaign) { c.BidType = "" }, "bid_type", "missing"},
		{"unknown bid type", func(c *Campaign) { c.BidType = "cpx" }, "bid_type", "not a bid type"},
		{"no advertiser", func(c *Campaign) { c.Advertiser = " " }, "advertiser", "missing"},
		{"bad status", func(c *Campaign) { c.Status = "running" }, "status", "not a status"},
		{"empty creatives", func(c *Campaign) { c.Creatives = nil }, "creatives", "at least one creative"},
		{"creative without item", func(c *Campaign) { c.Creatives[0].ItemID = "" }, "creatives[0].item_id", "missing"},
		{"creative without id", func(c *Campaign) { c.Creatives[0].ID = "" }, "creatives[0].id", "missing"},
		{"repeated creative", func(c *Campaign) { c.Creatives = append(c.Creatives, c.Creatives[0]) }, "creatives[1].id", "repeated"},
		{"bad id", func(c *Campaign) { c.ID = "a/b" }, "id", "slashes"},
		{"unknown segment", func(c *Campaign) { c.Targeting.Segments = []string{"vip", "ghosts"} }, "targeting.segments[1]", `"ghosts" does not exist`},
		{"empty segment list", func(c *Campaign) { c.Targeting.Segments = []string{} }, "targeting.segments", "selects nobody"},
		{"empty device list", func(c *Campaign) { c.Targeting.Devices = []string{} }, "targeting.devices", "selects nothing"},
		{"targeting hour out of range", func(c *Campaign) { c.Targeting.Hours = []int{24} }, "targeting.hours[0]", "not an hour"},
		{"zero daily budget", func(c *Campaign) { c.DailyBudget = 0 }, "daily_budget", "above zero"},
		{"negative total budget", func(c *Campaign) { c.TotalBudget = -5 }, "total_budget", "positive"},
		{"daily above total", func(c *Campaign) { c.DailyBudget = 2000 }, "daily_budget", "above the total budget"},
		{"no total budget is fine", func(c *Campaign) { c.TotalBudget = 0 }, "", ""},
		{"negative cap", func(c *Campaign) { c.FrequencyCap = -1 }, "frequency_cap", "positive"},
		{"end before start", func(c *Campaign) { c.Schedule.End = c.Schedule.Start.Add(-time.Minute) }, "schedule.end", "not after the start"},
		{"end in the past", func(c *Campaign) {
			c.Schedule.Start, c.Schedule.End = testNow.Add(-48*time.Hour), testNow.Add(-24*time.Hour)
		}, "schedule.end", "in the past"},
		{"no hours selected", func(c *Campaign) { c.Schedule.Hours = []int{} }, "schedule.hours", "no hours selected"},
		{"no weekdays", func(c *Campaign) { c.Schedule.Weekdays = []string{} }, "schedule.weekdays", "never run"},
		{"bad weekday", func(c *Campaign) { c.Schedule.Weekdays = []string{"funday"} }, "schedule.weekdays[0]", "not a weekday"},
		{"bad time zone", func(c *Campaign) { c.Schedule.TimeZone = "Mars/Olympus" }, "schedule.time_zone", "IANA"},
		{"weekday outside a short window", func(c *Campaign) {
			// Wednesday 09:30 to Thursday 09:30, Saturdays only.
			c.Schedule.End = testNow.Add(23 * time.Hour)
			c.Schedule.Weekdays = []string{"sat"}
		}, "schedule", "never runs"},
		{"hours outside a short window", func(c *Campaign) {
			c.Schedule.Start, c.Schedule.End = testNow, testNow.Add(2*time.Hour) // 10:30–12:30 UTC
			c.Schedule.Hours = []int{20, 21}
		}, "schedule", "never runs"},
		{"hours in another zone inside the window", func(c *Campaign) {
			c.Schedule.Start, c.Schedule.End = testNow, testNow.Add(2*time.Hour) // 19:30–21:30 in Tokyo
			c.Schedule.Hours, c.Schedule.TimeZone = []int{20}, "Asia/Tokyo"
		}, "", ""},
		{"future weekdays are fine", func(c *Campaign) { c.Schedule.Weekdays = []string{"sun"}; c.Schedule.Hours = []int{3} }, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := validCampaign()
			c.Creatives = append([]Creative(nil), c.Creatives...)
			tc.edit(&c)
			err := c.Validate(testNow, segs)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ie *InvalidError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v, want an *InvalidError on %s", err, tc.field)
			}
			if ie.Field != tc.field || !strings.Contains(ie.Msg, tc.msg) {
				t.Errorf("first error %q, want field %s with %q", err, tc.field, tc.msg)
			}
		})
	}
}

func TestValidateReportsEveryField(t *testing.T) {
	c := Campaign{Bid: -1, DailyBudget: -1}
	err := c.Validate(testNow, nil)
	for _, f := range []string{"advertiser:", "status:", "bid_type:", "bid:", "daily_budget:", "creatives:"} {
		if err == nil || !strings.Contains(err.Error(), f) {
			t.Errorf("error %v does not name %s", err, f)
		}
	}
}

func TestValidateNilSegmentsCallback(t *testing.T) {
	c := validCampaign()
	if err := c.Validate(testNow, nil); err == nil || !strings.Contains(err.Error(), `segment "vip" does not exist`) {
		t.Errorf("nil callback: %v, want the segment reported unknown", err)
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	c := validCampaign()
	c.Schedule.Hours = []int{9, 10}
	c.Schedule.Weekdays = []string{"mon"}
	c.Targeting.Devices = []string{"mobile"}
	c.FrequencyCap = 3
	data, err := Encode(&c)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`"bid_type":"cpc"`, `"daily_budget":100`, `"frequency_cap":3`, `"item_id":"item-1"`, `"weekdays":["mon"]`} {
		if !strings.Contains(string(data), s) {
			t.Errorf("JSON %s lacks %s", data, s)
		}
	}
	back, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Encode(&back)
	if string(again) != string(data) {
		t.Errorf("round trip changed the document:\n%s\n%s", data, again)
	}
	if _, err := Decode([]byte(`{"bid": "x"}`)); err == nil {
		t.Error("damaged JSON decoded")
	}
}

func TestNormalize(t *testing.T) {
	c := Campaign{Advertiser: " acme ", BidType: "CPM", Schedule: Schedule{Weekdays: []string{"Mon"}}}
	c.Normalize()
	if c.Status != Active || c.Advertiser != "acme" || c.BidType != CPM || c.Schedule.Weekdays[0] != "mon" {
		t.Errorf("normalised %+v", c)
	}
}

func TestSchedule(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Paris")
	s := Schedule{Start: testNow, End: testNow.Add(50 * time.Hour), Hours: []int{9, 10, 11}, Weekdays: []string{"wed", "fri"}, TimeZone: "Europe/Paris"}
	sc := compileSchedule(&s, loc)
	// 10:30 UTC is 11:30 in Paris on a Wednesday: running.
	if !sc.activeLocal(testNow, testNow.In(loc)) {
		t.Error("not running at 11:30 Paris on a Wednesday")
	}
	at := testNow.Add(time.Hour) // 12:30 Paris
	if sc.activeLocal(at, at.In(loc)) {
		t.Error("running at 12:30 outside the hours")
	}
	next, ok := sc.next(at)
	// Thursday is not scheduled; Friday 09:00 Paris is 08:00 UTC, but the
	// window ends Friday 12:30 UTC, so Friday 09:00 Paris it is.
	if want := time.Date(2025, 3, 7, 8, 0, 0, 0, time.UTC); !ok || !next.Equal(want) {
		t.Errorf("next run %v %v, want %v", next, ok, want)
	}
	shape := sc.DayShape(testNow.In(loc))
	if shape[9] != 0 || shape[11] != 0.5 || shape[10] != 0 || shape[12] != 0 {
		t.Errorf("Wednesday shape %v: want only the second half of 11:00", shape)
	}
}
