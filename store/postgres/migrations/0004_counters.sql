-- Counters and values (store.CounterStore): small, fast-changing state
-- keyed by a string, such as ad spend, frequency caps and decision
-- records, shared by every node on this database. expires_at is when a
-- row lapses; NULL means never. Lapsed rows read as absent until
-- DeleteExpired removes them.

CREATE TABLE kv_counters (
    key        text COLLATE "C" PRIMARY KEY,
    value      bigint NOT NULL,
    expires_at timestamptz
);

CREATE INDEX kv_counters_expires ON kv_counters (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE kv_values (
    key        text COLLATE "C" PRIMARY KEY,
    data       bytea NOT NULL,
    expires_at timestamptz
);

CREATE INDEX kv_values_expires ON kv_values (expires_at) WHERE expires_at IS NOT NULL;
