-- The item feed: the latest change of each item (put or deleted), written by
-- PutItems and DeleteItem in the transaction that made it, replacing the
-- item's earlier row, under the append lock, so seq values become visible in
-- order and a node following the feed never misses a change.

CREATE TABLE item_changes (
    seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id    text COLLATE "C" NOT NULL UNIQUE,
    deleted    boolean NOT NULL DEFAULT false,
    changed_at timestamptz NOT NULL
);

-- Items stored before this migration: one put each, dated by their last
-- update.
INSERT INTO item_changes (item_id, deleted, changed_at)
SELECT id, false, updated_at FROM items ORDER BY id;
