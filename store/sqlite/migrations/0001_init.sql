-- Items, users and events, with the indexes their queries use.
-- Times are unix microseconds (UTC); free-form values are JSON text.

CREATE TABLE items (
	id          TEXT PRIMARY KEY,
	title       TEXT NOT NULL DEFAULT '',
	description TEXT NOT NULL DEFAULT '',
	category    TEXT,             -- JSON array of levels from the root, NULL when none
	brand       TEXT NOT NULL DEFAULT '',
	price       REAL NOT NULL DEFAULT 0,
	currency    TEXT NOT NULL DEFAULT '',
	stock       INTEGER,          -- NULL when stock is not tracked
	tags        TEXT,             -- JSON array, NULL when none
	attributes  TEXT,             -- JSON object, NULL when none
	language    TEXT NOT NULL DEFAULT '',
	hidden      INTEGER NOT NULL DEFAULT 0,
	updated_at  INTEGER NOT NULL
);

-- One row per distinct level of an item's category path, so that filtering by
-- a level is an index lookup.
CREATE TABLE item_categories (
	category TEXT NOT NULL,
	item_id  TEXT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
	PRIMARY KEY (category, item_id)
) WITHOUT ROWID;

CREATE INDEX item_categories_item ON item_categories (item_id);

-- uid is the user's compact key inside this file: events refer to users by
-- it, which keeps the per-user event index small.
CREATE TABLE users (
	uid        INTEGER PRIMARY KEY,
	id         TEXT NOT NULL UNIQUE,
	attributes TEXT,              -- JSON object, NULL when none
	consent    TEXT,              -- JSON object purpose -> bool, NULL when none
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);

-- seq is the change-feed position: AUTOINCREMENT so that it is never reused.
CREATE TABLE events (
	seq         INTEGER PRIMARY KEY AUTOINCREMENT,
	id          TEXT NOT NULL UNIQUE,
	type        TEXT NOT NULL,
	uid         INTEGER NOT NULL, -- users.uid
	ts          INTEGER NOT NULL,
	-- Optional fields are NULL when absent.
	item_id     TEXT,
	session_id  TEXT,
	quantity    REAL,
	revenue     REAL,
	currency    TEXT,
	order_id    TEXT,
	query       TEXT,
	rating      REAL,
	text        TEXT,
	context     TEXT,             -- JSON object
	received_at INTEGER NOT NULL
);

-- A user's events by time: UserEvents reads it backwards.
CREATE INDEX events_user_ts ON events (uid, ts, seq);

-- Counts kept up to date by the writer, so that Stats does not scan events.
CREATE TABLE counters (
	name  TEXT PRIMARY KEY,
	value INTEGER NOT NULL
);

INSERT INTO counters (name, value) VALUES ('events', 0);
