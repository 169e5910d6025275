package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shopmind/shopmind/store"
)

const (
	// ensureCountersSQL makes sure a row exists for every key, so that the
	// next statement can lock it. A new row is born lapsed (expires_at =
	// now): it reads as absent until an add sets it. Keys go in sorted
	// order so that concurrent adds lock rows in one order.
	ensureCountersSQL = `INSERT INTO kv_counters (key, value, expires_at)
		SELECT k, 0, $2 FROM unnest($1::text[]) AS k ORDER BY k
		ON CONFLICT (key) DO NOTHING`
	lockCountersSQL = `SELECT key, CASE WHEN expires_at IS NULL OR expires_at > $2 THEN value ELSE 0 END
		FROM kv_counters WHERE key = ANY($1) ORDER BY key FOR UPDATE`
	setCounterSQL  = `UPDATE kv_counters SET value = $2, expires_at = $3 WHERE key = $1`
	getCountersSQL = `SELECT key, value FROM kv_counters WHERE key = ANY($1) AND (expires_at IS NULL OR expires_at > $2)`
	// putValueSQL replaces a value; with $5 (ifAbsent) only a lapsed one.
	// ON CONFLICT locks the row before the WHERE reads it.
	putValueSQL = `INSERT INTO kv_values AS v (key, data, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at
		WHERE NOT $5 OR (v.expires_at IS NOT NULL AND v.expires_at <= $4)
		RETURNING 1`
	getValueSQL       = `SELECT data FROM kv_values WHERE key = $1 AND (expires_at IS NULL OR expires_at > $2)`
	expireCountersSQL = `DELETE FROM kv_counters WHERE expires_at IS NOT NULL AND expires_at <= $1`
	expireValuesSQL   = `DELETE FROM kv_values WHERE expires_at IS NOT NULL AND expires_at <= $1`
)

// deadline is the stored form of an expiry time: NULL for never.
func deadline(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := utcMicro(t)
	return &u
}

// AddCounters implements store.CounterStore: it locks the counters' rows
// (creating missing ones), reads them, and writes the sums, in one
// transaction, so adds from every node are serialised per counter.
func (s *pgStore) AddCounters(ctx context.Context, delta int64, cs []store.Counter) (int64, error) {
	if err := store.CheckCounters(delta, cs); err != nil {
		return 0, fmt.Errorf("postgres: add counters: %w", err)
	}
	if delta == 0 || len(cs) == 0 {
		return 0, nil
	}
	keys := make([]string, len(cs))
	for i, c := range cs {
		keys[i] = c.Key
	}
	slices.Sort(keys)
	now := utcMicro(s.now())
	var added int64
	err := s.withTx(ctx, "add counters", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, ensureCountersSQL, keys, now); err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, lockCountersSQL, keys, now)
		vals := make(map[string]int64, len(keys))
		var k string
		var v int64
		if _, err := pgx.ForEachRow(rows, []any{&k, &v}, func() error { vals[k] = v; return nil }); err != nil {
			return err
		}
		cur := make([]int64, len(cs))
		for i, c := range cs {
			cur[i] = vals[c.Key]
		}
		if added = store.CounterAdd(delta, cs, cur); added == 0 {
			return nil
		}
		for i, c := range cs {
			if _, err := tx.Exec(ctx, setCounterSQL, c.Key, cur[i]+added, deadline(c.Expires)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return added, nil
}

// GetCounters implements store.CounterStore.
func (s *pgStore) GetCounters(ctx context.Context, keys []string) (map[string]int64, error) {
	out := make(map[string]int64, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	for _, k := range keys {
		if err := store.CheckKey(k); err != nil {
			return nil, fmt.Errorf("postgres: get counters: %w", err)
		}
	}
	err := s.withConn(ctx, "get counters", func(conn *pgx.Conn) error {
		rows, _ := conn.Query(ctx, getCountersSQL, keys, utcMicro(s.now()))
		var k string
		var v int64
		_, err := pgx.ForEachRow(rows, []any{&k, &v}, func() error { out[k] = v; return nil })
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PutValue implements store.CounterStore in one statement.
func (s *pgStore) PutValue(ctx context.Context, key string, data []byte, expires time.Time, ifAbsent bool) (bool, error) {
	if err := store.CheckKey(key); err != nil {
		return false, fmt.Errorf("postgres: put value: %w", err)
	}
	if data == nil {
		data = []byte{}
	}
	var stored bool
	err := s.withConn(ctx, fmt.Sprintf("put value %q", key), func(conn *pgx.Conn) error {
		var one int
		err := conn.QueryRow(ctx, putValueSQL, key, data, deadline(expires), utcMicro(s.now()), ifAbsent).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		stored = err == nil
		return err
	})
	if err != nil {
		return false, err
	}
	return stored, nil
}

// GetValue implements store.CounterStore.
func (s *pgStore) GetValue(ctx context.Context, key string) ([]byte, error) {
	if err := store.CheckKey(key); err != nil {
		return nil, fmt.Errorf("postgres: get value: %w", err)
	}
	var data []byte
	err := s.withConn(ctx, fmt.Sprintf("get value %q", key), func(conn *pgx.Conn) error {
		err := conn.QueryRow(ctx, getValueSQL, key, utcMicro(s.now())).Scan(&data)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrNotFound
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return data, nil
}

// DeleteExpired implements store.CounterStore.
func (s *pgStore) DeleteExpired(ctx context.Context) (int64, error) {
	now := utcMicro(s.now())
	var n int64
	err := s.withConn(ctx, "delete expired counters and values", func(conn *pgx.Conn) error {
		for _, q := range []string{expireCountersSQL, expireValuesSQL} {
			tag, err := conn.Exec(ctx, q, now)
			if err != nil {
				return err
			}
			n += tag.RowsAffected()
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
