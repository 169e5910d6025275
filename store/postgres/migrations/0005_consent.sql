-- The consent history and feed: one row per change of one user's consent to
-- one purpose, written by PutUsers in the statement that changed it, under
-- the append lock, so seq values become visible in order and a reader
-- following the feed never misses a change. DeleteUser removes the user's
-- rows.

CREATE TABLE consent_changes (
    seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    text COLLATE "C" NOT NULL,
    purpose    text NOT NULL,
    state      text NOT NULL,                 -- granted, refused or unset
    changed_at timestamptz NOT NULL
);

CREATE INDEX consent_changes_user ON consent_changes (user_id, seq);

-- Users stored before this migration: their consent as it stands, dated by
-- their last update.
INSERT INTO consent_changes (user_id, purpose, state, changed_at)
SELECT u.id, j.key, CASE WHEN j.value::boolean THEN 'granted' ELSE 'refused' END, u.updated_at
FROM users u, jsonb_each_text(u.consent) j
WHERE u.consent IS NOT NULL
ORDER BY u.id, j.key;
