package postgres

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// appendEventsSQL stores a batch given as parallel arrays in one statement:
// the events in input order (so seq follows it), skipping ids already stored;
// then the users named by the inserted events, in id order so that
// concurrent writers lock user rows alike; then the event count. It returns
// the ids it inserted.
const appendEventsSQL = `
WITH ins AS (
    INSERT INTO events (id, type, user_id, item_id, ts, session_id, quantity, revenue,
                        currency, order_id, query, rating, text, context, received_at)
    SELECT x.id, x.type, x.user_id, x.item_id, x.ts, x.session_id, x.quantity, x.revenue,
           x.currency, x.order_id, x.query, x.rating, x.text, NULLIF(x.context, '')::jsonb, $15::timestamptz
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[],
                $7::float8[], $8::float8[], $9::text[], $10::text[], $11::text[], $12::float8[],
                $13::text[], $14::text[])
         WITH ORDINALITY AS x(id, type, user_id, item_id, ts, session_id, quantity, revenue,
                              currency, order_id, query, rating, text, context, ord)
    ORDER BY x.ord
    ON CONFLICT (id) DO NOTHING
    RETURNING id, user_id
), new_users AS (
    INSERT INTO users (id, created_at, updated_at)
    SELECT DISTINCT user_id, $15::timestamptz, $15::timestamptz FROM ins ORDER BY 1
    ON CONFLICT (id) DO NOTHING
), totals AS (
    UPDATE event_totals SET events = events + (SELECT count(*) FROM ins)
    WHERE EXISTS (SELECT FROM ins)
)
SELECT id FROM ins`

// appendLockSQL takes the lock that serializes appends until the end of the
// transaction. Seq values are drawn while it is held and it is released
// only after commit, so events become visible in seq order: a reader that
// has seen seq n will never later find a new event below n.
const appendLockSQL = `SELECT pg_advisory_xact_lock($1)`

const eventColumns = `seq, id, type, user_id, item_id, ts, session_id, quantity, revenue,
       currency, order_id, query, rating, text, context, received_at`

const (
	userEventsSQL     = `SELECT ` + eventColumns + ` FROM events WHERE user_id = $1 AND (ts, seq) < ($2, $3) ORDER BY ts DESC, seq DESC LIMIT $4`
	userEventsTypeSQL = `SELECT ` + eventColumns + ` FROM events WHERE user_id = $1 AND (ts, seq) < ($2, $3) AND type = $5 ORDER BY ts DESC, seq DESC LIMIT $4`
	eventsSinceSQL    = `SELECT ` + eventColumns + ` FROM events WHERE seq > $1 ORDER BY seq LIMIT $2`
)

// eventColumnsIn holds a batch of events as one array per column, the
// parameters of appendEventsSQL.
type eventColumnsIn struct {
	ids, types, users, items    []string
	ts                          []time.Time
	sessions                    []string
	quantities, revenues        []float64
	currencies, orders, queries []string
	ratings                     []float64
	texts, contexts             []string
}

func newEventColumns(n int) *eventColumnsIn {
	return &eventColumnsIn{
		ids: make([]string, 0, n), types: make([]string, 0, n), users: make([]string, 0, n), items: make([]string, 0, n),
		ts: make([]time.Time, 0, n), sessions: make([]string, 0, n),
		quantities: make([]float64, 0, n), revenues: make([]float64, 0, n),
		currencies: make([]string, 0, n), orders: make([]string, 0, n), queries: make([]string, 0, n),
		ratings: make([]float64, 0, n), texts: make([]string, 0, n), contexts: make([]string, 0, n),
	}
}

func (c *eventColumnsIn) add(e *shop.Event) error {
	ctxJSON, err := jsonText("context", e.Context, e.Context.IsZero())
	if err != nil {
		return err
	}
	c.ids, c.types, c.users, c.items = append(c.ids, e.ID), append(c.types, string(e.Type)), append(c.users, e.UserID), append(c.items, e.ItemID)
	c.ts, c.sessions = append(c.ts, e.Timestamp), append(c.sessions, e.SessionID)
	c.quantities, c.revenues = append(c.quantities, e.Quantity), append(c.revenues, e.Revenue)
	c.currencies, c.orders, c.queries = append(c.currencies, e.Currency), append(c.orders, e.OrderID), append(c.queries, e.Query)
	c.ratings, c.texts, c.contexts = append(c.ratings, e.Rating), append(c.texts, e.Text), append(c.contexts, ctxJSON)
	return nil
}

func (c *eventColumnsIn) args(receivedAt time.Time) []any {
	return []any{c.ids, c.types, c.users, c.items, c.ts, c.sessions, c.quantities, c.revenues,
		c.currencies, c.orders, c.queries, c.ratings, c.texts, c.contexts, receivedAt}
}

// AppendEvents stores events in one transaction and returns after it
// commits. Within the call the first of several events with one id wins;
// ids already stored are absorbed.
func (s *pgStore) AppendEvents(ctx context.Context, events []shop.Event) ([]bool, error) {
	if len(events) == 0 {
		return []bool{}, nil
	}
	first := make(map[string]int, len(events)) // id -> index of its first occurrence
	cols := newEventColumns(len(events))
	for i := range events {
		e := &events[i]
		if _, dup := first[e.ID]; dup {
			continue
		}
		first[e.ID] = i
		if err := cols.add(e); err != nil {
			return nil, fmt.Errorf("postgres: append events: event %q: %w", e.ID, err)
		}
	}
	args := cols.args(utcMicro(s.now()))
	var insertedIDs []string
	err := s.withConn(ctx, "append events", func(conn *pgx.Conn) error {
		// One round trip: pgx sends the batch with a single Sync, so the
		// server runs it as one implicit transaction, committed at the Sync
		// (or rolled back whole on any error). Close reads up to the
		// server's ReadyForQuery, which follows the commit.
		b := &pgx.Batch{}
		b.Queue(appendLockSQL, s.appendLock)
		b.Queue(appendEventsSQL, args...)
		br := conn.SendBatch(ctx, b)
		if _, err := br.Exec(); err != nil {
			_ = br.Close() // the first error is the one to report
			return err
		}
		rows, err := br.Query()
		if err == nil {
			insertedIDs, err = pgx.CollectRows(rows, pgx.RowTo[string])
		}
		if err != nil {
			_ = br.Close()
			return err
		}
		return br.Close()
	})
	if err != nil {
		return nil, err
	}
	inserted := make([]bool, len(events))
	for _, id := range insertedIDs {
		inserted[first[id]] = true
	}
	return inserted, nil
}

// UserEvents pages through one user's events, newest timestamp first and,
// among equal timestamps, the latest stored first.
func (s *pgStore) UserEvents(ctx context.Context, q store.EventQuery) ([]shop.Event, string, error) {
	limit := store.PageLimit(q.Limit)
	beforeTS := pgtype.Timestamptz{InfinityModifier: pgtype.Infinity, Valid: true}
	beforeSeq := int64(math.MaxInt64)
	if q.Cursor != "" {
		ts, seq, err := parseEventCursor(q.Cursor)
		if err != nil {
			return nil, "", wrapErr(ctx, "list user events", err, false)
		}
		beforeTS, beforeSeq = pgtype.Timestamptz{Time: ts, Valid: true}, seq
	}
	sql, args := userEventsSQL, []any{q.UserID, beforeTS, beforeSeq, limit + 1}
	if q.Type != "" {
		sql, args = userEventsTypeSQL, append(args, string(q.Type))
	}
	evs, err := s.queryEvents(ctx, "list user events", sql, args...)
	if err != nil || len(evs) <= limit {
		return evs, "", err
	}
	evs = evs[:limit]
	last := evs[limit-1]
	return evs, eventCursor(last.Timestamp, last.Seq), nil
}

// EventsSince returns up to limit events with seq above after, in seq order.
// limit is bounded like a page size (store.PageLimit).
func (s *pgStore) EventsSince(ctx context.Context, after int64, limit int) ([]shop.Event, error) {
	return s.queryEvents(ctx, "read events since", eventsSinceSQL, after, store.PageLimit(limit))
}

func (s *pgStore) queryEvents(ctx context.Context, op, sql string, args ...any) ([]shop.Event, error) {
	var evs []shop.Event
	err := s.withConn(ctx, op, func(conn *pgx.Conn) error {
		rows, err := conn.Query(ctx, sql, args...)
		if err != nil {
			return err
		}
		evs, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (shop.Event, error) { return scanEvent(r) })
		return err
	})
	if err != nil {
		return nil, err
	}
	return evs, nil
}

// scanEvent reads one row of eventColumns.
func scanEvent(row pgx.Row) (shop.Event, error) {
	var (
		e       shop.Event
		typ     string
		ctxJSON []byte
	)
	err := row.Scan(&e.Seq, &e.ID, &typ, &e.UserID, &e.ItemID, &e.Timestamp, &e.SessionID, &e.Quantity, &e.Revenue,
		&e.Currency, &e.OrderID, &e.Query, &e.Rating, &e.Text, &ctxJSON, &e.ReceivedAt)
	if err != nil {
		return shop.Event{}, err
	}
	if err := decodeJSON("context of event "+e.ID, ctxJSON, &e.Context); err != nil {
		return shop.Event{}, err
	}
	e.Type = shop.EventType(typ)
	e.Timestamp, e.ReceivedAt = e.Timestamp.UTC(), e.ReceivedAt.UTC()
	return e, nil
}
