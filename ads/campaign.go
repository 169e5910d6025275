// Package ads owns campaigns and the ad decision: eligibility, auction,
// pacing, frequency caps and exploration.
//
// A Campaign is a small JSON document kept in the store (kind "campaign").
// The Engine is the pure decision core: given the active campaigns and a
// request (user, segments, context) it keeps the campaigns that may serve
// (status, schedule, targeting, remaining budget, the pacing throttle, the
// user's frequency cap), asks a Predictor for pCTR and pCVR, replaces the
// pCTR of creatives that are still new by a Thompson sample of their Beta
// posterior, ranks by expected value per impression and runs a generalised
// second-price auction with a reserve over the requested slots. Impression,
// click and conversion events fed back with the decision's record charge
// the campaign (CPM on impression, CPC on click, CPA on conversion) through
// an atomic check-and-add that never takes spend past a budget, and update
// the creative statistics the exploration reads.
//
// Shared state lives behind Counters: Memory for one node, package
// ads/redisctr when several nodes share budgets, caps and statistics. The
// Service ties the Engine to the store (campaign documents), the counters
// and segment memberships; its methods are what an HTTP layer calls.
//
// Money is float64 currency units at the API and int64 micro-units (1e-6)
// in the counters, so that budgets add up exactly.
package ads

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// BidType says what the advertiser pays for.
type BidType string

// Bid types. The bid and every price are in currency units per click (CPC),
// per thousand impressions (CPM) or per conversion (CPA).
const (
	CPC BidType = "cpc"
	CPM BidType = "cpm"
	CPA BidType = "cpa"
)

// Status is a campaign's delivery status; only active campaigns serve.
type Status string

// Statuses.
const (
	Active   Status = "active"
	Paused   Status = "paused"
	Archived Status = "archived"
)

// Creative is one ad of a campaign: the item it lands on and its text.
type Creative struct {
	ID     string `json:"id"`
	ItemID string `json:"item_id"`
	Text   string `json:"text,omitempty"`
}

// Targeting restricts who and where a campaign serves. An absent (nil)
// list places no restriction; a present but empty list is refused by
// Validate, since it would select nothing.
type Targeting struct {
	// Segments: the user must belong to at least one of these saved
	// segments (package audience).
	Segments []string `json:"segments,omitempty"`
	// Devices and Pages match the request context's device and page.
	Devices []string `json:"devices,omitempty"`
	Pages   []string `json:"pages,omitempty"`
	// Hours (0–23) match the request context's hour, the user's local hour
	// as the client reports it (when the request gives none, the hour of
	// the request time in the campaign's time zone).
	Hours []int `json:"hours,omitempty"`
}

// Schedule says when a campaign runs, in its time zone. Days for daily
// budgets, frequency caps and pacing are calendar days in that zone.
type Schedule struct {
	Start time.Time `json:"start,omitzero"` // zero: as soon as it is active
	End   time.Time `json:"end,omitzero"`   // zero: open-ended
	// Weekdays ("mon" … "sun") and Hours (0–23) restrict the running
	// times; absent means every day and every hour. The daily budget is
	// spread over the scheduled hours of each day.
	Weekdays []string `json:"weekdays,omitempty"`
	Hours    []int    `json:"hours,omitempty"`
	TimeZone string   `json:"time_zone,omitempty"` // IANA name; "" is UTC
}

// Campaign is an advertiser's campaign.
type Campaign struct {
	ID         string     `json:"id"`
	Name       string     `json:"name,omitempty"`
	Advertiser string     `json:"advertiser"`
	Status     Status     `json:"status"`
	Creatives  []Creative `json:"creatives"`
	Targeting  Targeting  `json:"targeting,omitzero"`
	BidType    BidType    `json:"bid_type"`
	// Bid is the most the advertiser pays per click (CPC), per thousand
	// impressions (CPM) or per conversion (CPA), in currency units.
	Bid float64 `json:"bid"`
	// DailyBudget caps spend per calendar day; TotalBudget (0: none) caps
	// spend over the campaign's life.
	DailyBudget float64  `json:"daily_budget"`
	TotalBudget float64  `json:"total_budget,omitempty"`
	Schedule    Schedule `json:"schedule,omitzero"`
	// FrequencyCap is the most impressions a user gets from this campaign
	// per day (0: no cap).
	FrequencyCap int `json:"frequency_cap,omitempty"`

	CreatedAt time.Time `json:"created_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	Version   int64     `json:"version,omitempty"`
}

// InvalidError is one thing wrong with a campaign, naming the field in the
// JSON spelling ("creatives[1].item_id"). Validate joins all of them with
// errors.Join; errors.As finds the first.
type InvalidError struct {
	Field string
	Msg   string
	// Format and Args are what Msg was written from, so a caller can say
	// it in another language (the dashboard does); empty for errors written
	// without a format.
	Format string
	Args   []any
}

func (e *InvalidError) Error() string { return e.Field + ": " + e.Msg }

// Limits on sizes.
const (
	MaxCreatives = 100
	maxIDLen     = 64
	maxText      = 2000
	maxName      = 200
	maxBid       = 1e6
	maxBudget    = 1e9
)

var weekdayNames = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// Normalize fills defaults before validation: status active, trimmed
// names.
func (c *Campaign) Normalize() {
	c.Advertiser = strings.TrimSpace(c.Advertiser)
	c.Name = strings.TrimSpace(c.Name)
	if c.Status == "" {
		c.Status = Active
	}
	c.BidType = BidType(strings.ToLower(string(c.BidType)))
	for i := range c.Schedule.Weekdays {
		c.Schedule.Weekdays[i] = strings.ToLower(strings.TrimSpace(c.Schedule.Weekdays[i]))
	}
}

// Validate reports everything wrong with c as *InvalidError values joined
// by errors.Join (nil if c can be stored). now is the time of the check
// (schedules that ended are refused); segmentExists says whether a saved
// segment exists (nil: none does, so every targeted segment is unknown).
func (c *Campaign) Validate(now time.Time, segmentExists func(id string) bool) error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &InvalidError{Field: field, Msg: fmt.Sprintf(format, args...), Format: format, Args: args})
	}
	if c.ID != "" {
		if msg := checkID(c.ID); msg != "" {
			bad("id", "%s", msg)
		}
	}
	if utf8.RuneCountInString(c.Name) > maxName {
		bad("name", "is longer than %d characters", maxName)
	}
	switch {
	case strings.TrimSpace(c.Advertiser) == "":
		bad("advertiser", "is missing")
	case utf8.RuneCountInString(c.Advertiser) > maxName:
		bad("advertiser", "is longer than %d characters", maxName)
	}
	switch c.Status {
	case Active, Paused, Archived:
	case "":
		bad("status", "is missing; use active, paused or archived")
	default:
		bad("status", "%q is not a status; use active, paused or archived", c.Status)
	}

	bidOK := false
	switch c.BidType {
	case CPC, CPM, CPA:
	case "":
		bad("bid_type", "is missing; use cpc, cpm or cpa")
	default:
		bad("bid_type", "%q is not a bid type; use cpc, cpm or cpa", c.BidType)
	}
	switch {
	case math.IsNaN(c.Bid) || math.IsInf(c.Bid, 0):
		bad("bid", "is not a number")
	case c.Bid <= 0:
		bad("bid", "is %g; a bid must be above zero", c.Bid)
	case c.Bid > maxBid:
		bad("bid", "is %g; at most %g is allowed", c.Bid, float64(maxBid))
	default:
		bidOK = true
	}
	dailyOK := false
	switch {
	case math.IsNaN(c.DailyBudget) || math.IsInf(c.DailyBudget, 0):
		bad("daily_budget", "is not a number")
	case c.DailyBudget <= 0:
		bad("daily_budget", "is %g; a daily budget must be above zero", c.DailyBudget)
	case c.DailyBudget > maxBudget:
		bad("daily_budget", "is %g; at most %g is allowed", c.DailyBudget, float64(maxBudget))
	default:
		dailyOK = true
	}
	switch {
	case math.IsNaN(c.TotalBudget) || math.IsInf(c.TotalBudget, 0):
		bad("total_budget", "is not a number")
	case c.TotalBudget < 0:
		bad("total_budget", "is %g; give a positive total or 0 for none", c.TotalBudget)
	case c.TotalBudget > maxBudget:
		bad("total_budget", "is %g; at most %g is allowed", c.TotalBudget, float64(maxBudget))
	case dailyOK && c.TotalBudget > 0 && c.DailyBudget > c.TotalBudget:
		bad("daily_budget", "%g is above the total budget %g", c.DailyBudget, c.TotalBudget)
	}
	if bidOK && dailyOK && (c.BidType == CPC || c.BidType == CPA) && c.Bid > c.DailyBudget {
		if c.BidType == CPC {
			bad("bid", "%g per click is above the daily budget %g, so not one click could be paid for", c.Bid, c.DailyBudget)
		} else {
			bad("bid", "%g per conversion is above the daily budget %g, so not one conversion could be paid for", c.Bid, c.DailyBudget)
		}
	}
	if c.FrequencyCap < 0 {
		bad("frequency_cap", "is %d; give a positive cap or 0 for none", c.FrequencyCap)
	}

	switch {
	case len(c.Creatives) == 0:
		bad("creatives", "is empty; a campaign needs at least one creative")
	case len(c.Creatives) > MaxCreatives:
		bad("creatives", "has %d creatives; at most %d are allowed", len(c.Creatives), MaxCreatives)
	}
	seen := map[string]bool{}
	for i, cr := range c.Creatives {
		f := fmt.Sprintf("creatives[%d]", i)
		switch msg := checkID(cr.ID); {
		case msg != "":
			bad(f+".id", "%s", msg)
		case seen[cr.ID]:
			bad(f+".id", "%q is repeated; creative ids must be unique within the campaign", cr.ID)
		}
		seen[cr.ID] = true
		switch {
		case strings.TrimSpace(cr.ItemID) == "":
			bad(f+".item_id", "is missing; give the item the ad lands on")
		case len(cr.ItemID) > 256:
			bad(f+".item_id", "is longer than 256 bytes")
		}
		if len(cr.Text) > maxText {
			bad(f+".text", "is longer than %d bytes", maxText)
		}
	}

	t := &c.Targeting
	if t.Segments != nil && len(t.Segments) == 0 {
		bad("targeting.segments", "is empty, which selects nobody; omit it to target every user")
	}
	for i, s := range t.Segments {
		f := fmt.Sprintf("targeting.segments[%d]", i)
		switch {
		case s == "":
			bad(f, "is empty")
		case slices.Contains(t.Segments[:i], s):
			bad(f, "%q is repeated", s)
		case segmentExists == nil || !segmentExists(s):
			bad(f, "segment %q does not exist; create it first (POST /v1/segments)", s)
		}
	}
	checkStrings(bad, "targeting.devices", "device", t.Devices)
	checkStrings(bad, "targeting.pages", "page", t.Pages)
	checkHours(bad, "targeting.hours", t.Hours)

	s := &c.Schedule
	schedOK := true
	loc := time.UTC
	if s.TimeZone != "" {
		l, err := time.LoadLocation(s.TimeZone)
		if err != nil || s.TimeZone == "Local" {
			bad("schedule.time_zone", "%q is not an IANA time zone such as Europe/Paris", s.TimeZone)
			schedOK = false
		} else {
			loc = l
		}
	}
	if !checkHours(bad, "schedule.hours", s.Hours) {
		schedOK = false
	}
	if s.Weekdays != nil && len(s.Weekdays) == 0 {
		bad("schedule.weekdays", "is empty, so the campaign would never run; omit it to run every day")
		schedOK = false
	}
	for i, d := range s.Weekdays {
		f := fmt.Sprintf("schedule.weekdays[%d]", i)
		switch {
		case !slices.Contains(weekdayNames, d):
			bad(f, "%q is not a weekday; use mon, tue, wed, thu, fri, sat or sun", d)
			schedOK = false
		case slices.Contains(s.Weekdays[:i], d):
			bad(f, "%q is repeated", d)
		}
	}
	if !s.End.IsZero() {
		switch {
		case !s.Start.IsZero() && !s.End.After(s.Start):
			bad("schedule.end", "%s is not after the start %s, so the campaign would never run", s.End.Format(time.RFC3339), s.Start.Format(time.RFC3339))
			schedOK = false
		case !s.End.After(now):
			bad("schedule.end", "%s is in the past, so the campaign would never run", s.End.Format(time.RFC3339))
			schedOK = false
		}
	}
	if schedOK {
		sc := compileSchedule(s, loc)
		if _, ok := sc.next(now); !ok {
			bad("schedule", "never runs: no hour between the start and the end falls on the selected weekdays and hours")
		}
	}
	return errors.Join(errs...)
}

// checkID returns what is wrong with a campaign or creative id ("" if
// nothing).
func checkID(id string) string {
	switch {
	case id == "":
		return "is missing"
	case len(id) > maxIDLen:
		return fmt.Sprintf("is longer than %d bytes", maxIDLen)
	case !utf8.ValidString(id) || strings.ContainsAny(id, "/?#% \t\r\n\x00"):
		return "must be UTF-8 without spaces, slashes, ?, # or %"
	}
	return ""
}

func checkStrings(bad func(string, string, ...any), field, what string, vs []string) {
	if vs != nil && len(vs) == 0 {
		bad(field, "is empty, which selects nothing; omit it to target every %s", what)
	}
	for i, v := range vs {
		switch {
		case strings.TrimSpace(v) == "":
			bad(fmt.Sprintf("%s[%d]", field, i), "is empty")
		case len(v) > maxName:
			bad(fmt.Sprintf("%s[%d]", field, i), "is longer than %d bytes", maxName)
		}
	}
}

func checkHours(bad func(string, string, ...any), field string, hs []int) bool {
	ok := true
	if hs != nil && len(hs) == 0 {
		bad(field, "is empty: no hours selected, so the campaign would never run; omit it to run at every hour")
		ok = false
	}
	for i, h := range hs {
		switch {
		case h < 0 || h > 23:
			bad(fmt.Sprintf("%s[%d]", field, i), "%d is not an hour of the day (0–23)", h)
			ok = false
		case slices.Contains(hs[:i], h):
			bad(fmt.Sprintf("%s[%d]", field, i), "%d is repeated", h)
		}
	}
	return ok
}

// Encode returns the stored JSON form of c.
func Encode(c *Campaign) ([]byte, error) { return json.Marshal(c) }

// Decode reads a campaign stored by Encode.
func Decode(data []byte) (Campaign, error) {
	var c Campaign
	if err := json.Unmarshal(data, &c); err != nil {
		return Campaign{}, fmt.Errorf("ads: decoding a campaign: %w", err)
	}
	return c, nil
}

// Micros converts currency units to the counters' micro-units.
func Micros(x float64) int64 { return int64(math.Round(x * 1e6)) }

// Units converts micro-units back to currency units.
func Units(m int64) float64 { return float64(m) / 1e6 }
