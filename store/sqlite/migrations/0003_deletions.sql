-- The deletion feed: one row per DeleteUser call, in the order they
-- committed. seq is its own position (AUTOINCREMENT so that it is never
-- reused), independent of events.seq. event_seq is the highest events.seq
-- assigned when the deletion committed: the user's events up to it were
-- removed, later ones belong to a new life. The user's row and events are
-- gone; only the id stays here, so that every node can forget the user.

CREATE TABLE deletions (
	seq        INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id    TEXT NOT NULL,
	deleted_at INTEGER NOT NULL,  -- unix microseconds
	events     INTEGER NOT NULL,  -- events removed
	user_row   INTEGER NOT NULL,  -- 1 when the users row existed
	event_seq  INTEGER NOT NULL
);
