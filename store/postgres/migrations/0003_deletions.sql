-- The deletion feed: one row per DeleteUser call. DeleteUser holds the
-- append lock, so seq values become visible in order, as events.seq do, and
-- a reader following the feed never misses a deletion. event_seq is the
-- highest events.seq assigned when the deletion committed: the user's events
-- up to it were removed, later ones belong to a new life. The user's row and
-- events are gone; only the id stays here, so that every node can forget the
-- user. seq keeps the default sequence cache of 1 (see events).

CREATE TABLE deletions (
    seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    text COLLATE "C" NOT NULL,
    deleted_at timestamptz NOT NULL,
    events     bigint NOT NULL,               -- events removed
    user_row   boolean NOT NULL,              -- the users row existed
    event_seq  bigint NOT NULL
);
