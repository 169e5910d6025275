-- Small versioned documents by kind: segment definitions, campaigns,
-- experiments, model manifests. data is opaque to the store.
--
-- kind and id use the "C" collation like every identifier here, so that
-- ListObjects pages in byte order of id whatever the database's locale.

CREATE TABLE objects (
    kind       text COLLATE "C" NOT NULL,
    id         text COLLATE "C" NOT NULL,
    data       bytea NOT NULL,
    version    bigint NOT NULL CHECK (version > 0), -- 1 when created, +1 per put
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (kind, id)
);
