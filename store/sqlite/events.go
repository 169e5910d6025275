package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// eventColumns are the columns queryEvents scans, from events e joined with
// users u.
const eventColumns = `e.seq, e.id, e.type, u.id, e.ts, e.received_at, e.context,
	COALESCE(e.item_id, ''), COALESCE(e.session_id, ''), COALESCE(e.quantity, 0), COALESCE(e.revenue, 0),
	COALESCE(e.currency, ''), COALESCE(e.order_id, ''), COALESCE(e.query, ''), COALESCE(e.rating, 0), COALESCE(e.text, '')`

const eventsFrom = ` FROM events e JOIN users u ON u.uid = e.uid `

// AppendEvents stores events in one transaction and returns, per event,
// whether it was stored now (false: its id was already stored, earlier or
// earlier in this call). Users the events name are created if missing, in
// the same transaction. It returns once the transaction is on disk.
func (s *Store) AppendEvents(ctx context.Context, events []shop.Event) ([]bool, error) {
	inserted := make([]bool, len(events))
	if len(events) == 0 {
		return inserted, nil
	}
	b := s.newBatch(events) // all encoding happens before taking the write lock
	if err := s.appendBatch(ctx, b, inserted); err != nil {
		return nil, err
	}
	return inserted, nil
}

// appendBatch runs the write transaction of AppendEvents and, once it has
// committed, remembers the users it looked up.
func (s *Store) appendBatch(ctx context.Context, b *batch, inserted []bool) error {
	err := s.write(ctx, "append events", func(tx *sql.Tx) error {
		s.revalidate(b)
		if err := s.createUsers(ctx, tx, b); err != nil {
			return err
		}
		n, err := s.insertNew(ctx, tx, b, inserted)
		if err != nil {
			return err
		}
		if n > 0 {
			if _, err := tx.StmtContext(ctx, s.stmts.countEvents).ExecContext(ctx, n); err != nil {
				return fmt.Errorf("count events: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.known.add(b.gen, b.missing, b.uids)
	return nil
}

func has(set map[string]struct{}, k string) bool {
	_, ok := set[k]
	return ok
}

// UserEvents pages through one user's events, newest timestamp first and,
// among equal timestamps, the latest stored first.
func (s *Store) UserEvents(ctx context.Context, q store.EventQuery) ([]shop.Event, string, error) {
	limit := store.PageLimit(q.Limit)
	var where strings.Builder
	args := []any{q.UserID}
	where.WriteString("e.uid = (SELECT uid FROM users WHERE id = ?)")
	if q.Type != "" {
		where.WriteString(" AND e.type = ?")
		args = append(args, string(q.Type))
	}
	if q.Cursor != "" {
		ts, seq, err := parseEventCursor(q.Cursor)
		if err != nil {
			return nil, "", fmt.Errorf("sqlite: events of user %q: %w", q.UserID, err)
		}
		where.WriteString(" AND (e.ts, e.seq) < (?, ?)")
		args = append(args, ts, seq)
	}
	args = append(args, limit+1)
	evs, err := s.queryEvents(ctx, `SELECT `+eventColumns+eventsFrom+`WHERE `+where.String()+`
		ORDER BY e.ts DESC, e.seq DESC LIMIT ?`, args...)
	if err != nil {
		return nil, "", wrap(fmt.Sprintf("events of user %q", q.UserID), err)
	}
	if len(evs) > limit {
		evs = evs[:limit]
		last := evs[limit-1]
		return evs, eventCursor(micros(last.Timestamp), last.Seq), nil
	}
	return evs, "", nil
}

// EventsSince returns up to limit events with Seq > after, in Seq order;
// limit follows store.PageLimit.
func (s *Store) EventsSince(ctx context.Context, after int64, limit int) ([]shop.Event, error) {
	evs, err := s.queryEvents(ctx, `SELECT `+eventColumns+eventsFrom+`WHERE e.seq > ? ORDER BY e.seq LIMIT ?`,
		after, store.PageLimit(limit))
	if err != nil {
		return nil, wrap(fmt.Sprintf("events since %d", after), err)
	}
	return evs, nil
}

func (s *Store) queryEvents(ctx context.Context, query string, args ...any) ([]shop.Event, error) {
	rows, err := s.reader.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []shop.Event
	for rows.Next() {
		var (
			e            shop.Event
			typ          string
			ts, received int64
			ctxJSON      sql.NullString
		)
		if err := rows.Scan(&e.Seq, &e.ID, &typ, &e.UserID, &ts, &received, &ctxJSON,
			&e.ItemID, &e.SessionID, &e.Quantity, &e.Revenue, &e.Currency, &e.OrderID, &e.Query, &e.Rating, &e.Text); err != nil {
			return nil, err
		}
		e.Type = shop.EventType(typ)
		e.Timestamp, e.ReceivedAt = fromMicros(ts), fromMicros(received)
		if err := fromJSON("context", ctxJSON, &e.Context); err != nil {
			return nil, fmt.Errorf("event %q: %w", e.ID, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
