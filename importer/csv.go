package importer

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/shopmind/shopmind/shop"
)

const csvDocs = `Comma-separated events (RFC 4180 quoting), UTF-8, one event per row.

The first row names the columns, in any order, from:
  id, type, user_id, item_id, timestamp, session_id, quantity, revenue,
  currency, order_id, query, rating, text, channel, device, page, referrer,
  placement, campaign_id, ad_id, creative_id, message_id, coupon_id,
  experiment, variant
type and user_id are required; a header naming any other column is refused
(the error names it), so a misspelt column cannot be dropped silently.
channel ... variant fill the event's context. timestamp is RFC 3339
(2026-11-01T10:00:00Z, 2026-11-01T18:00:00+08:00) or Unix seconds
(1793527200, fractions allowed). Empty cells leave the field unset. Rows
without an id get shop.StableID("csv", the row's cells in the column order
above), so importing the same file twice is absorbed. Rows that cannot be
parsed (bad number, bad time, wrong number of cells, broken quoting) are
skipped and reported with their line number.
Example:
  type,user_id,item_id,timestamp,revenue,currency
  purchase,u1,sku-9,2026-11-01T10:00:00Z,12.50,EUR`

var csvFormat = Format{Name: "csv", Description: csvDocs, Read: readCSV}

// csvColumns lists the known columns in canonical order; stable ids hash the
// cells in this order, whatever the order in the file.
var csvColumns = []string{
	"id", "type", "user_id", "item_id", "timestamp", "session_id", "quantity", "revenue",
	"currency", "order_id", "query", "rating", "text", "channel", "device", "page", "referrer",
	"placement", "campaign_id", "ad_id", "creative_id", "message_id", "coupon_id",
	"experiment", "variant",
}

// csvSetters sets one field of an event from a non-empty cell.
var csvSetters = map[string]func(e *shop.Event, v string) error{
	"id":          func(e *shop.Event, v string) error { e.ID = v; return nil },
	"type":        func(e *shop.Event, v string) error { e.Type = shop.EventType(strings.TrimSpace(v)); return nil },
	"user_id":     func(e *shop.Event, v string) error { e.UserID = v; return nil },
	"item_id":     func(e *shop.Event, v string) error { e.ItemID = v; return nil },
	"timestamp":   func(e *shop.Event, v string) (err error) { e.Timestamp, err = parseTime(v); return err },
	"session_id":  func(e *shop.Event, v string) error { e.SessionID = v; return nil },
	"quantity":    func(e *shop.Event, v string) (err error) { e.Quantity, err = parseNumber(v); return err },
	"revenue":     func(e *shop.Event, v string) (err error) { e.Revenue, err = parseNumber(v); return err },
	"currency":    func(e *shop.Event, v string) error { e.Currency = strings.TrimSpace(v); return nil },
	"order_id":    func(e *shop.Event, v string) error { e.OrderID = v; return nil },
	"query":       func(e *shop.Event, v string) error { e.Query = v; return nil },
	"rating":      func(e *shop.Event, v string) (err error) { e.Rating, err = parseNumber(v); return err },
	"text":        func(e *shop.Event, v string) error { e.Text = v; return nil },
	"channel":     func(e *shop.Event, v string) error { e.Context.Channel = v; return nil },
	"device":      func(e *shop.Event, v string) error { e.Context.Device = v; return nil },
	"page":        func(e *shop.Event, v string) error { e.Context.Page = v; return nil },
	"referrer":    func(e *shop.Event, v string) error { e.Context.Referrer = v; return nil },
	"placement":   func(e *shop.Event, v string) error { e.Context.Placement = v; return nil },
	"campaign_id": func(e *shop.Event, v string) error { e.Context.CampaignID = v; return nil },
	"ad_id":       func(e *shop.Event, v string) error { e.Context.AdID = v; return nil },
	"creative_id": func(e *shop.Event, v string) error { e.Context.CreativeID = v; return nil },
	"message_id":  func(e *shop.Event, v string) error { e.Context.MessageID = v; return nil },
	"coupon_id":   func(e *shop.Event, v string) error { e.Context.CouponID = v; return nil },
	"experiment":  func(e *shop.Event, v string) error { e.Context.Experiment = v; return nil },
	"variant":     func(e *shop.Event, v string) error { e.Context.Variant = v; return nil },
}

func readCSV(ctx context.Context, path string, sink Sink, progressFn func(done, total int64)) error {
	f, size, err := openInput("csv", path, "pass a CSV file whose first row names the columns")
	if err != nil {
		return err
	}
	defer f.Close()
	name := filepath.Base(path)
	r := csv.NewReader(buffered(f))
	r.FieldsPerRecord = -1 // counted below, so that a short row is skipped with a clear reason
	r.ReuseRecord = true

	header, err := r.Read()
	if err == io.EOF {
		return fmt.Errorf("csv: %s is empty: the first row must name the columns, e.g. type,user_id,item_id,timestamp", path)
	}
	if err != nil {
		return fmt.Errorf("csv: reading the header of %s: %w", path, err)
	}
	cols, err := csvHeader(header)
	if err != nil {
		return fmt.Errorf("csv: %s: %w", path, err)
	}
	canon := make([]int, len(csvColumns)) // canonical column → index in the row, or -1
	for i, c := range csvColumns {
		canon[i] = -1
		for j, h := range cols {
			if h == c {
				canon[i] = j
			}
		}
	}

	setters := make([]func(*shop.Event, string) error, len(cols))
	for i, c := range cols {
		setters[i] = csvSetters[c]
	}

	prog := newProgress(progressFn, size)
	prog.add(int(r.InputOffset()))
	cells := make([]string, len(csvColumns)-1)
	for n := 1; ; n++ {
		rec, err := r.Read()
		prog.add(int(r.InputOffset() - prog.done))
		if err == io.EOF {
			break
		}
		if (n-1)%ctxCheck == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		var reason, where string
		var pe *csv.ParseError
		switch {
		case errors.As(err, &pe):
			where = at(name, int64(pe.StartLine))
			reason = fmt.Sprintf("bad CSV at line %d column %d: %v (quote fields holding quotes, commas or newlines, and double inner quotes)", pe.Line, pe.Column, pe.Err)
		case err != nil:
			return fmt.Errorf("csv: reading %s: %w", path, err)
		default:
			line, _ := r.FieldPos(0)
			where = at(name, int64(line))
			if len(rec) != len(cols) {
				reason = fmt.Sprintf("has %d cells; the header has %d", len(rec), len(cols))
			}
		}
		if reason != "" {
			if err := sink.Skip(ctx, where, reason); err != nil {
				return sinkErr("csv", where, err)
			}
			continue
		}
		var e shop.Event
		for i, v := range rec {
			if v == "" {
				continue
			}
			if err := setters[i](&e, v); err != nil {
				reason = fmt.Sprintf("column %s: %v", cols[i], err)
				break
			}
		}
		if reason != "" {
			if err := sink.Skip(ctx, where, reason); err != nil {
				return sinkErr("csv", where, err)
			}
			continue
		}
		if e.ID == "" {
			for i, j := range canon[1:] {
				cells[i] = ""
				if j >= 0 {
					cells[i] = rec[j]
				}
			}
			e.ID = shop.StableID("csv", cells...)
		}
		if err := sink.Event(ctx, e); err != nil {
			return sinkErr("csv", where, err)
		}
	}
	prog.finish()
	return nil
}

// csvHeader normalises the header names and refuses unknown, duplicate and
// missing required columns.
func csvHeader(header []string) ([]string, error) {
	cols := make([]string, len(header))
	var unknown, dup []string
	seen := make(map[string]bool, len(header))
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff") // spreadsheet byte order mark
		}
		h = strings.ToLower(strings.TrimSpace(h))
		cols[i] = h
		switch {
		case csvSetters[h] == nil:
			unknown = append(unknown, strconv.Quote(h))
		case seen[h]:
			dup = append(dup, strconv.Quote(h))
		}
		seen[h] = true
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("unknown column(s) %s in the header: rename or remove them; the columns are %s",
			strings.Join(unknown, ", "), strings.Join(csvColumns, ", "))
	}
	if len(dup) > 0 {
		return nil, fmt.Errorf("column(s) %s appear more than once in the header: keep one of each", strings.Join(dup, ", "))
	}
	for _, req := range []string{"type", "user_id"} {
		if !seen[req] {
			return nil, fmt.Errorf("the header has no %s column: every event needs one (header: %s)", req, strings.Join(cols, ","))
		}
	}
	return cols, nil
}

// parseTime reads RFC 3339 or Unix seconds (with an optional fraction).
func parseTime(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if sec, frac, ok := unixParts(v); ok {
		s, err := strconv.ParseInt(sec, 10, 64)
		if err == nil {
			ns := int64(0)
			if frac != "" {
				frac = (frac + "000000000")[:9]
				ns, _ = strconv.ParseInt(frac, 10, 64)
				if strings.HasPrefix(sec, "-") {
					ns = -ns
				}
			}
			return time.Unix(s, ns).UTC(), nil
		}
	} else if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time (2026-11-01T10:00:00Z) nor Unix seconds", v)
}

// unixParts splits "-123.456" into "-123" and "456" if v is a decimal number
// with at most nine fraction digits.
func unixParts(v string) (sec, frac string, ok bool) {
	sec, frac, _ = strings.Cut(v, ".")
	digits := strings.TrimPrefix(sec, "-")
	if digits == "" || len(frac) > 9 {
		return "", "", false
	}
	for _, s := range []string{digits, frac} {
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return "", "", false
			}
		}
	}
	return sec, frac, true
}

// parseNumber reads a decimal number such as 12.50.
func parseNumber(v string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number (use a dot for decimals: 12.50)", v)
	}
	return f, nil
}
