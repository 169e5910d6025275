package audience

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"

	"github.com/shopmind/shopmind/profile"
	"github.com/shopmind/shopmind/segment"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// scan evaluates a segment over every profile in user-id order, calling fn
// for members until it returns false.
func (s *Service) scan(ctx context.Context, id string, fn func(p *profile.Profile, r *profile.Record) bool) (Definition, error) {
	c, err := s.compiledByID(ctx, id)
	if err != nil {
		return Definition{}, err
	}
	return c.def, s.scanExpr(ctx, c.expr, fn)
}

// scanExpr calls fn for every profile e selects, after syncing with the
// event feed.
func (s *Service) scanExpr(ctx context.Context, e *segment.Expr, fn func(p *profile.Profile, r *profile.Record) bool) error {
	if err := s.profiles.Sync(ctx); err != nil {
		return err
	}
	rec := s.profiles.Builder().NewRecord(profile.New(""), &profile.Context{}, nil)
	s.profiles.Each(func(p *profile.Profile, pc *profile.Context) bool {
		rec.Reset(p, pc, nil)
		if e.Eval(rec) {
			return fn(p, rec) && ctx.Err() == nil
		}
		return ctx.Err() == nil
	})
	return ctx.Err()
}

// Evaluate sizes an expression that is not saved (a draft being written):
// how many users it selects now and the ids of up to sample of them.
func (s *Service) Evaluate(ctx context.Context, e *segment.Expr, sample int) (int, []string, error) {
	n, ids := 0, []string{}
	err := s.scanExpr(ctx, e, func(p *profile.Profile, _ *profile.Record) bool {
		n++
		if len(ids) < sample {
			ids = append(ids, p.UserID)
		}
		return true
	})
	return n, ids, err
}

// Size counts the segment's members now.
func (s *Service) Size(ctx context.Context, id string) (int, error) {
	n := 0
	_, err := s.scan(ctx, id, func(*profile.Profile, *profile.Record) bool { n++; return true })
	return n, err
}

// Members pages through member user ids in id order. The cursor is the last
// id of the previous page.
func (s *Service) Members(ctx context.Context, id, cursor string, limit int) ([]string, string, error) {
	limit = store.PageLimit(limit)
	var out []string
	more := false
	_, err := s.scan(ctx, id, func(p *profile.Profile, _ *profile.Record) bool {
		if p.UserID <= cursor {
			return true
		}
		if len(out) == limit {
			more = true
			return false
		}
		out = append(out, p.UserID)
		return true
	})
	next := ""
	if more {
		next = out[len(out)-1]
	}
	return out, next, err
}

// Row is one member with the profile fields the expression reads.
type Row struct {
	UserID string         `json:"user_id"`
	Fields map[string]any `json:"fields"`
}

// Preview returns up to n members with the values behind their membership.
func (s *Service) Preview(ctx context.Context, id string, n int) (Definition, []Row, error) {
	c, err := s.compiledByID(ctx, id)
	if err != nil {
		return Definition{}, nil, err
	}
	fields := c.expr.Fields()
	var rows []Row
	def, err := s.scan(ctx, id, func(p *profile.Profile, r *profile.Record) bool {
		rows = append(rows, Row{UserID: p.UserID, Fields: values(fields, r)})
		return len(rows) < n
	})
	return def, rows, err
}

// callRe matches the canonical form of a function call in Expr.Fields.
var callRe = regexp.MustCompile(`^(count|days_since|affinity)\(("(?:[^"\\]|\\.)*")(?:, (\d+)d)?\)$`)

// values reads what an expression reads from a record: schema fields by
// name, and function calls such as count("view", 7d) by their text.
func values(fields []string, r *profile.Record) map[string]any {
	out := make(map[string]any, len(fields))
	for _, f := range fields {
		i := slices.IndexFunc(profile.Schema, func(sf segment.Field) bool { return sf.Name == f })
		if i < 0 {
			if m := callRe.FindStringSubmatch(f); m != nil {
				arg, _ := strconv.Unquote(m[2])
				days, _ := strconv.Atoi(m[3])
				var v float64
				switch m[1] {
				case "count":
					v = r.Count(shop.EventType(arg), days)
				case "days_since":
					v = r.DaysSince(shop.EventType(arg))
				case "affinity":
					v = r.Affinity(arg)
				}
				out[f] = finite(v)
			}
			continue
		}
		switch profile.Schema[i].Kind {
		case segment.Number:
			out[f] = finite(r.Number(i))
		case segment.String:
			out[f] = r.Str(i)
		case segment.Bool:
			out[f] = r.Flag(i)
		}
	}
	return out
}

// Export writes every member as CSV (user_id plus the fields the expression
// reads) or JSONL (Row per line), returning the count. A segment with fewer
// than minGroup members is refused with a *GroupTooSmallError before
// anything is written (minGroup <= 1 allows any size).
func (s *Service) Export(ctx context.Context, id, format string, minGroup int, w io.Writer) (int, error) {
	c, err := s.compiledByID(ctx, id)
	if err != nil {
		return 0, err
	}
	if format != "csv" && format != "jsonl" {
		return 0, &InvalidError{Field: "format", Msg: fmt.Sprintf("%q is not csv or jsonl", format)}
	}
	if minGroup > 1 {
		if _, err := s.CheckGroupSize(ctx, id, minGroup); err != nil {
			return 0, err
		}
	}
	fields := c.expr.Fields()
	sort.Strings(fields)
	n := 0
	switch format {
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write(append([]string{"user_id"}, fields...))
		_, err = s.scan(ctx, id, func(p *profile.Profile, r *profile.Record) bool {
			vals := values(fields, r)
			rec := []string{p.UserID}
			for _, f := range fields {
				rec = append(rec, cell(vals[f]))
			}
			cw.Write(rec)
			n++
			return true
		})
		cw.Flush()
		if err == nil {
			err = cw.Error()
		}
	case "jsonl":
		enc := json.NewEncoder(w)
		_, err = s.scan(ctx, id, func(p *profile.Profile, r *profile.Record) bool {
			if werr := enc.Encode(Row{UserID: p.UserID, Fields: values(fields, r)}); werr != nil {
				err = werr
				return false
			}
			n++
			return true
		})
	default:
		return 0, &InvalidError{Field: "format", Msg: fmt.Sprintf("%q is not csv or jsonl", format)}
	}
	return n, err
}

// finite rounds v to cents, and reports infinities (never) as nil.
func finite(v float64) any {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return nil
	}
	return math.Round(v*100) / 100
}

func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// Memberships lists the ids of the segments the user belongs to now.
func (s *Service) Memberships(ctx context.Context, userID string) ([]string, error) {
	segs, err := s.all(ctx)
	if err != nil {
		return nil, err
	}
	out := []string{}
	err = s.profiles.With(ctx, userID, func(p *profile.Profile, pc *profile.Context) {
		rec := s.profiles.Builder().NewRecord(p, pc, nil)
		for _, c := range segs {
			if c.expr.Eval(rec) {
				out = append(out, c.def.ID)
			}
		}
	})
	return out, err
}
