package clv

import (
	"fmt"
	"time"
)

// Transaction is one purchase: who, when and for how much.
type Transaction struct {
	Customer string
	Time     time.Time
	Amount   float64 // order value; 0 when unknown
}

// SummaryConfig says how transactions are cut into a calibration period
// (to fit on) and a holdout period (to check predictions on).
type SummaryConfig struct {
	// CalibrationEnd is the last day of the calibration period, inclusive.
	// Customers whose first purchase falls after it are left out. Required.
	CalibrationEnd time.Time
	// HoldoutEnd is the last day of the holdout period, inclusive. Zero means
	// no holdout.
	HoldoutEnd time.Time
	// Origin is day 0 of the weekly tracking series (Summary.WeeklyRepeats
	// and Summary.Birth). Zero means the day of the earliest transaction.
	Origin time.Time
	// Location is the calendar that decides what "the same day" means.
	// nil means UTC.
	Location *time.Location
}

// Summary is the cohort of customers first seen by the end of calibration,
// summarised for the models, with what they did in the holdout period.
type Summary struct {
	Customers []Customer // calibration summaries, in order of first appearance in the transactions
	Birth     []float64  // weeks from Origin to each customer's first purchase (whole days / 7)
	Holdout   []int      // repeat purchases of each customer in the holdout period; nil without one

	Origin           time.Time // day 0
	CalibrationWeeks float64   // weeks from Origin to the end of the calibration period's last day
	HoldoutWeeks     float64   // length of the holdout period in weeks; 0 without one
	// WeeklyRepeats[w] counts the cohort's repeat purchases on days
	// 7w … 7w+6 after Origin, through the end of the holdout period (or of the
	// calibration period when there is none).
	WeeklyRepeats []int

	Transactions  int  // transactions read
	Merged        int  // transactions merged into another of the same customer on the same day
	LateCustomers int  // customers left out because their first purchase is after CalibrationEnd
	HasSpend      bool // some repeat purchase in calibration has a positive amount
}

// Summarize turns transactions into calibration summaries by the CDNOW
// convention of Fader, Hardie & Lee: a customer's transactions on the same
// calendar day are merged into one purchase (amounts added); the first
// purchase starts the clock and is not counted; x counts the later purchase
// days up to CalibrationEnd, tₓ is the time of the last of them and T the time
// from the first purchase to CalibrationEnd, all in weeks (days/7). Zbar is the
// mean value of the counted repeat purchases. When HoldoutEnd is set,
// Summary.Holdout counts each customer's purchases in the days after
// CalibrationEnd up to HoldoutEnd.
//
// The input need not be sorted. Customers whose first purchase is after
// CalibrationEnd are left out (counted in LateCustomers); transactions after
// HoldoutEnd are ignored.
func Summarize(txs []Transaction, cfg SummaryConfig) (*Summary, error) {
	if cfg.CalibrationEnd.IsZero() {
		return nil, fmt.Errorf("summarising transactions: the calibration end date is required")
	}
	loc := cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	calEnd := dayNumber(cfg.CalibrationEnd, loc)
	end := calEnd
	hasHoldout := !cfg.HoldoutEnd.IsZero()
	if hasHoldout {
		end = dayNumber(cfg.HoldoutEnd, loc)
		if end <= calEnd {
			return nil, fmt.Errorf("summarising transactions: the holdout end %s is not after the calibration end %s",
				cfg.HoldoutEnd.Format(time.DateOnly), cfg.CalibrationEnd.Format(time.DateOnly))
		}
	}
	if len(txs) == 0 {
		return nil, fmt.Errorf("summarising transactions: %w: no transactions", ErrNoData)
	}

	// Purchase days per customer, amounts merged by day.
	type custDays struct {
		days map[int64]float64
	}
	byCust := map[string]*custDays{}
	var order []string
	origin := int64(0)
	haveOrigin := false
	if !cfg.Origin.IsZero() {
		origin, haveOrigin = dayNumber(cfg.Origin, loc), true
	}
	s := &Summary{Transactions: len(txs)}
	minDay := int64(0)
	for i, tx := range txs {
		if tx.Customer == "" {
			return nil, fmt.Errorf("transaction %d: the customer id is empty; drop the row or give it an id", i+1)
		}
		if tx.Time.IsZero() {
			return nil, fmt.Errorf("transaction %d (customer %q): the time is missing", i+1, tx.Customer)
		}
		if !finite(tx.Amount) || tx.Amount < 0 {
			return nil, fmt.Errorf("transaction %d (customer %q): amount %v must be finite and ≥ 0 (leave refunds out)", i+1, tx.Customer, tx.Amount)
		}
		d := dayNumber(tx.Time, loc)
		if i == 0 || d < minDay {
			minDay = d
		}
		if d > end {
			continue
		}
		c := byCust[tx.Customer]
		if c == nil {
			c = &custDays{days: map[int64]float64{}}
			byCust[tx.Customer] = c
			order = append(order, tx.Customer)
		}
		if _, ok := c.days[d]; ok {
			s.Merged++
		}
		c.days[d] += tx.Amount
	}
	if !haveOrigin {
		origin = minDay
	}
	s.Origin = time.Date(1970, 1, 1, 0, 0, 0, 0, loc).AddDate(0, 0, int(origin))
	s.CalibrationWeeks = float64(calEnd-origin+1) / 7
	if hasHoldout {
		s.HoldoutWeeks = float64(end-calEnd) / 7
		s.Holdout = []int{}
	}
	if end >= origin {
		s.WeeklyRepeats = make([]int, (end-origin)/7+1)
	}
	for _, id := range order {
		days := byCust[id].days
		first := int64(0)
		firstSet := false
		for d := range days {
			if !firstSet || d < first {
				first, firstSet = d, true
			}
		}
		if first > calEnd {
			s.LateCustomers++
			continue
		}
		c := Customer{ID: id, T: float64(calEnd-first) / 7}
		last := first
		spend := 0.0
		holdout := 0
		for d, amount := range days {
			if d == first {
				continue
			}
			if d <= calEnd {
				c.X++
				spend += amount
				last = max(last, d)
			} else {
				holdout++
			}
			if w := (d - origin) / 7; d >= origin && int(w) < len(s.WeeklyRepeats) {
				s.WeeklyRepeats[w]++
			}
		}
		c.Tx = float64(last-first) / 7
		if c.X > 0 {
			c.Zbar = spend / float64(c.X)
			s.HasSpend = s.HasSpend || c.Zbar > 0
		}
		s.Customers = append(s.Customers, c)
		s.Birth = append(s.Birth, float64(first-origin)/7)
		if hasHoldout {
			s.Holdout = append(s.Holdout, holdout)
		}
	}
	if len(s.Customers) == 0 {
		return nil, fmt.Errorf("summarising transactions: %w: no customer made a first purchase by the calibration end %s",
			ErrNoData, cfg.CalibrationEnd.Format(time.DateOnly))
	}
	return s, nil
}

// dayNumber is the calendar day of t in loc, counted from 1970-01-01.
func dayNumber(t time.Time, loc *time.Location) int64 {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}
