-- Small versioned documents by kind: segment definitions, campaigns,
-- experiments, model manifests. data is opaque to the store.
--
-- kind and id compare with the BINARY collation (byte order, as Go compares
-- strings): ListObjects pages by id within a kind and its cursors rely on it.
-- A rowid table rather than WITHOUT ROWID, since a document may be megabytes;
-- the primary key's index serves every lookup and listing.

CREATE TABLE objects (
	kind       TEXT NOT NULL COLLATE BINARY,
	id         TEXT NOT NULL COLLATE BINARY,
	data       BLOB NOT NULL,
	version    INTEGER NOT NULL CHECK (version > 0), -- 1 when created, +1 per put
	updated_at INTEGER NOT NULL,                     -- unix microseconds
	PRIMARY KEY (kind, id)
);
