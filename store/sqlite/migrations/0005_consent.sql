-- The consent history and feed: one row per change of one user's consent to
-- one purpose, written by PutUsers in the transaction that changed it.
-- Writes go through the one writer connection, so seq values become visible
-- in order and a reader following the feed never misses a change. DeleteUser
-- removes the user's rows.

CREATE TABLE consent_changes (
	seq        INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id    TEXT NOT NULL,
	purpose    TEXT NOT NULL,
	state      TEXT NOT NULL,     -- granted, refused or unset
	changed_at INTEGER NOT NULL   -- unix microseconds
);

CREATE INDEX consent_changes_user ON consent_changes (user_id, seq);

-- Users stored before this migration: their consent as it stands, dated by
-- their last update.
INSERT INTO consent_changes (user_id, purpose, state, changed_at)
SELECT u.id, j.key, CASE WHEN j.value THEN 'granted' ELSE 'refused' END, u.updated_at
FROM users u, json_each(u.consent) j
WHERE u.consent IS NOT NULL
ORDER BY u.uid, j.key;
