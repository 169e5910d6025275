-- The item feed: the latest change of each item (put or deleted), written by
-- PutItems and DeleteItem in the transaction that made it, replacing the
-- item's earlier row. Writes go through the one writer connection, so seq
-- values become visible in order and a node following the feed never misses
-- a change. AUTOINCREMENT keeps seq values from being reused.

CREATE TABLE item_changes (
	seq        INTEGER PRIMARY KEY AUTOINCREMENT,
	item_id    TEXT NOT NULL UNIQUE,
	deleted    INTEGER NOT NULL DEFAULT 0,
	changed_at INTEGER NOT NULL   -- unix microseconds
);

-- Items stored before this migration: one put each, dated by their last
-- update.
INSERT INTO item_changes (item_id, deleted, changed_at)
SELECT id, 0, updated_at FROM items ORDER BY id;
