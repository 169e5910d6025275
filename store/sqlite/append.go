package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/shopmind/shopmind/shop"
)

// appendChunk is the number of events per multi-row INSERT. Fewer, larger
// statements amortise the per-statement cost of database/sql and the driver;
// 15 parameters per row keeps a chunk far below SQLite's parameter limit.
const appendChunk = 250

const eventInsertColumns = `id, type, uid, ts, item_id, session_id, quantity, revenue, currency, order_id, query, rating, text, context, received_at`

const eventInsertArity = 15

// insertEventsSQL is a multi-row insert of n events. OR IGNORE, rather than
// an ON CONFLICT clause, lets SQLite skip the statement journal; duplicates
// are settled before the insert (see insertNew), so nothing is ignored.
func insertEventsSQL(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT OR IGNORE INTO events (` + eventInsertColumns + `) VALUES `)
	row := "(" + strings.Repeat("?,", eventInsertArity-1) + "?)"
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(row)
	}
	return b.String()
}

// batch is one AppendEvents call's events with what the write transaction
// needs, encoded beforehand.
type batch struct {
	events      []shop.Event
	now         int64            // ReceivedAt, unix microseconds
	contexts    []sql.NullString // JSON per event, NULL when empty
	idsJSON     string           // JSON array of the event ids
	users       []string         // the distinct users the events name
	uids        map[string]int64 // user id -> uid, for users known or created
	missing     []string         // users not known to exist
	missingJSON string           // missing as a JSON array
	gen         uint64           // generation of the known-users cache uids came from
}

func (s *Store) newBatch(events []shop.Event) *batch {
	b := &batch{events: events, now: micros(s.now()), contexts: make([]sql.NullString, len(events))}
	var buf []byte
	encoded := make(map[shop.Context]string) // events of one batch share few contexts
	for i := range events {
		c := &events[i].Context
		if c.IsZero() {
			continue
		}
		js, ok := encoded[*c]
		if !ok {
			buf = appendContextJSON(buf[:0], c)
			js = string(buf)
			encoded[*c] = js
		}
		b.contexts[i] = sql.NullString{String: js, Valid: true}
	}
	ids := make([]string, len(events))
	seen := make(map[string]struct{}, len(events))
	var users []string
	for i := range events {
		ids[i] = events[i].ID
		if u := events[i].UserID; !has(seen, u) {
			seen[u] = struct{}{}
			users = append(users, u)
		}
	}
	b.idsJSON = string(appendJSONStrings(buf[:0], ids))
	b.users = users
	b.uids = make(map[string]int64, len(users))
	b.missing, b.gen = s.known.resolve(users, b.uids)
	b.missingJSON = string(appendJSONStrings(buf[:0], b.missing))
	return b
}

// revalidate runs inside the write transaction: when DeleteUser has
// forgotten users since the batch's uids were resolved, a cached uid may
// name a deleted row, so every user of the batch is looked up again.
func (s *Store) revalidate(b *batch) {
	gen := s.known.generation()
	if gen == b.gen {
		return
	}
	b.gen = gen
	clear(b.uids)
	b.missing = b.users
	b.missingJSON = string(appendJSONStrings(nil, b.users))
}

// createUsers creates the batch's users that do not exist yet (INSERT OR
// IGNORE semantics: existing users keep their attributes) and records the uid
// of each user it was asked about.
func (s *Store) createUsers(ctx context.Context, tx *sql.Tx, b *batch) error {
	if len(b.missing) == 0 {
		return nil
	}
	if _, err := tx.StmtContext(ctx, s.stmts.ensureUsers).ExecContext(ctx, b.now, b.missingJSON); err != nil {
		return fmt.Errorf("create users: %w", err)
	}
	rows, err := tx.StmtContext(ctx, s.stmts.userUIDs).QueryContext(ctx, b.missingJSON)
	if err != nil {
		return fmt.Errorf("look up users: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var uid int64
		if err := rows.Scan(&id, &uid); err != nil {
			return fmt.Errorf("look up users: %w", err)
		}
		b.uids[id] = uid
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("look up users: %w", err)
	}
	return nil
}

// insertNew runs inside the write transaction. It finds which ids are
// already stored, decides in Go which events are new (the first of several
// with one id wins), and inserts exactly those, in input order, so that Seq
// follows input order. It sets inserted and returns how many were stored.
func (s *Store) insertNew(ctx context.Context, tx *sql.Tx, b *batch, inserted []bool) (int64, error) {
	events := b.events
	rows, err := tx.StmtContext(ctx, s.stmts.existingIDs).QueryContext(ctx, b.idsJSON)
	if err != nil {
		return 0, fmt.Errorf("look up stored ids: %w", err)
	}
	seen := make(map[string]struct{}, len(events))
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, fmt.Errorf("look up stored ids: %w", err)
		}
		seen[id] = struct{}{}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("look up stored ids: %w", err)
	}

	fresh := make([]int, 0, len(events))
	for i := range events {
		if _, dup := seen[events[i].ID]; dup {
			continue
		}
		seen[events[i].ID] = struct{}{}
		inserted[i] = true
		fresh = append(fresh, i)
	}

	args := make([]any, 0, eventInsertArity*min(appendChunk, len(fresh)))
	for start := 0; start < len(fresh); start += appendChunk {
		part := fresh[start:min(start+appendChunk, len(fresh))]
		args = args[:0]
		for _, i := range part {
			e := &events[i]
			uid, ok := b.uids[e.UserID]
			if !ok {
				return 0, fmt.Errorf("event %q: user %q was not created", e.ID, e.UserID)
			}
			args = append(args, e.ID, string(e.Type), uid, micros(e.Timestamp), optText(e.ItemID), optText(e.SessionID),
				optReal(e.Quantity), optReal(e.Revenue), optText(e.Currency), optText(e.OrderID), optText(e.Query),
				optReal(e.Rating), optText(e.Text), b.contexts[i], b.now)
		}
		var res sql.Result
		if len(part) == appendChunk {
			res, err = tx.StmtContext(ctx, s.stmts.insertChunk).ExecContext(ctx, args...)
		} else {
			res, err = tx.ExecContext(ctx, insertEventsSQL(len(part)), args...)
		}
		if err != nil {
			return 0, fmt.Errorf("insert events: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("insert events: %w", err)
		}
		if n != int64(len(part)) {
			// Only another writer slipping past the write lock could cause this.
			return 0, fmt.Errorf("insert events: stored %d of %d new events; the database was written concurrently", n, len(part))
		}
	}
	return int64(len(fresh)), nil
}

// optText and optReal store absent optional fields as NULL, which SQLite
// binds without copying anything.
func optText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func optReal(f float64) any {
	if f == 0 {
		return nil
	}
	return f
}
