package sqlite

import (
	"context"
	"database/sql"
)

// writerStmts are the statements of the ingestion hot path, prepared once on
// the writer connection.
type writerStmts struct {
	ensureUsers *sql.Stmt // creates missing users named in a JSON array
	userUIDs    *sql.Stmt // uid of the users named in a JSON array
	existingIDs *sql.Stmt // which ids of a JSON array are stored
	insertChunk *sql.Stmt // insertEventsSQL(appendChunk)
	countEvents *sql.Stmt // adds to the events counter
}

func (w *writerStmts) prepare(ctx context.Context, db *sql.DB) error {
	var err error
	prep := func(query string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var st *sql.Stmt
		st, err = db.PrepareContext(ctx, query)
		return st
	}
	// ?1 is the creation time, ?2 the JSON array of user ids. WHERE true
	// resolves the parsing ambiguity between a join and an upsert clause.
	w.ensureUsers = prep(`INSERT INTO users (id, created_at, updated_at)
		SELECT value, ?1, ?1 FROM json_each(?2) WHERE true
		ON CONFLICT (id) DO NOTHING`)
	w.userUIDs = prep(`SELECT id, uid FROM users WHERE id IN (SELECT value FROM json_each(?))`)
	w.existingIDs = prep(`SELECT id FROM events WHERE id IN (SELECT value FROM json_each(?))`)
	w.insertChunk = prep(insertEventsSQL(appendChunk))
	w.countEvents = prep(`UPDATE counters SET value = value + ? WHERE name = 'events'`)
	if err != nil {
		w.close()
		return wrap("prepare statements", err)
	}
	return nil
}

func (w *writerStmts) close() {
	for _, st := range []*sql.Stmt{w.ensureUsers, w.userUIDs, w.existingIDs, w.insertChunk, w.countEvents} {
		if st != nil {
			_ = st.Close()
		}
	}
}
