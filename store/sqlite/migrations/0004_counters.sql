-- Counters and values (store.CounterStore): small, fast-changing state
-- keyed by a string, such as ad spend, frequency caps and decision
-- records. expires_at (unix microseconds) is when a row lapses; NULL means
-- never. Lapsed rows read as absent until DeleteExpired removes them.

CREATE TABLE kv_counters (
	key        TEXT PRIMARY KEY,
	value      INTEGER NOT NULL,
	expires_at INTEGER
) WITHOUT ROWID;

CREATE INDEX kv_counters_expires ON kv_counters (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE kv_values (
	key        TEXT PRIMARY KEY,
	data       BLOB NOT NULL,
	expires_at INTEGER
);

CREATE INDEX kv_values_expires ON kv_values (expires_at) WHERE expires_at IS NOT NULL;
