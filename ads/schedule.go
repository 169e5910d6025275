package ads

import (
	"slices"
	"time"
)

// schedule is a compiled Schedule.
type schedule struct {
	start, end time.Time // zero: unbounded
	loc        *time.Location
	weekdays   uint8  // bit d set: runs on time.Weekday(d)
	hours      uint32 // bit h set: runs in local hour h
}

const allHours = 1<<24 - 1

func compileSchedule(s *Schedule, loc *time.Location) schedule {
	sc := schedule{start: s.Start, end: s.End, loc: loc, weekdays: 0x7f, hours: allHours}
	if s.Weekdays != nil {
		sc.weekdays = 0
		for _, d := range s.Weekdays {
			if i := slices.Index(weekdayNames, d); i >= 0 {
				sc.weekdays |= 1 << i
			}
		}
	}
	if s.Hours != nil {
		sc.hours = hourMask(s.Hours)
	}
	return sc
}

func hourMask(hs []int) uint32 {
	var m uint32
	for _, h := range hs {
		if h >= 0 && h < 24 {
			m |= 1 << h
		}
	}
	return m
}

// inWindow reports whether t is within [start, end).
func (s *schedule) inWindow(t time.Time) bool {
	return (s.start.IsZero() || !t.Before(s.start)) && (s.end.IsZero() || t.Before(s.end))
}

// activeLocal reports whether the campaign runs at t, whose local form lt
// the caller computed already.
func (s *schedule) activeLocal(t, lt time.Time) bool {
	return s.inWindow(t) && s.weekdays&(1<<lt.Weekday()) != 0 && s.hours&(1<<lt.Hour()) != 0
}

// next returns the first time at or after now when the campaign runs,
// looking at most eight days past the later of now and the start.
func (s *schedule) next(now time.Time) (time.Time, bool) {
	t := now
	if !s.start.IsZero() && s.start.After(t) {
		t = s.start
	}
	for range 8*24 + 2 {
		if !s.end.IsZero() && !t.Before(s.end) {
			return time.Time{}, false
		}
		lt := t.In(s.loc)
		if s.activeLocal(t, lt) {
			return t, true
		}
		t = time.Date(lt.Year(), lt.Month(), lt.Day(), lt.Hour()+1, 0, 0, 0, s.loc)
	}
	return time.Time{}, false
}

// dayKey is the calendar day of local time lt, the key of daily budgets,
// caps and pacing.
func dayKey(lt time.Time) string {
	var b [10]byte
	return string(lt.AppendFormat(b[:0], "2006-01-02"))
}

// DayShape returns, for the local day containing lt, the fraction of each
// local hour during which the campaign runs (0 or 1 except in the hours
// its start or end cut).
func (s *schedule) DayShape(lt time.Time) (shape [24]float64) {
	y, m, d := lt.Date()
	for h := range 24 {
		from := time.Date(y, m, d, h, 0, 0, 0, s.loc)
		to := from.Add(time.Hour)
		if s.weekdays&(1<<from.Weekday()) == 0 || s.hours&(1<<h) == 0 {
			continue
		}
		if !s.start.IsZero() && s.start.After(from) {
			from = s.start
		}
		if !s.end.IsZero() && s.end.Before(to) {
			to = s.end
		}
		if to.After(from) {
			shape[h] = float64(to.Sub(from)) / float64(time.Hour)
		}
	}
	return shape
}
