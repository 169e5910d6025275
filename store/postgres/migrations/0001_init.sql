-- Items, users and the event log.
--
-- Identifiers use the "C" collation so that they sort by bytes, whatever the
-- database's locale: list order and cursors must not depend on it. Empty
-- optional strings are stored as '' and empty lists as '{}'. Free-form maps
-- are JSONB and NULL when empty.

CREATE TABLE items (
    id          text COLLATE "C" PRIMARY KEY,
    title       text NOT NULL DEFAULT '',
    description text NOT NULL DEFAULT '',
    category    text[] NOT NULL DEFAULT '{}', -- path from the root
    brand       text NOT NULL DEFAULT '',
    price       double precision NOT NULL DEFAULT 0,
    currency    text NOT NULL DEFAULT '',
    stock       bigint,                       -- NULL when stock is not tracked
    tags        text[] NOT NULL DEFAULT '{}',
    attributes  jsonb,
    language    text NOT NULL DEFAULT '',
    hidden      boolean NOT NULL DEFAULT false,
    updated_at  timestamptz NOT NULL
);

-- Filtering by any level of the path: category @> ARRAY['Skin Care'].
CREATE INDEX items_category_idx ON items USING gin (category);

CREATE TABLE users (
    id         text COLLATE "C" PRIMARY KEY,
    attributes jsonb,
    consent    jsonb,                         -- purpose -> agreed
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

-- seq must keep the default sequence cache of 1: with a larger cache each
-- session would draw from its own range and seq would stop following the
-- order in which appends commit.
CREATE TABLE events (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id          text COLLATE "C" NOT NULL UNIQUE,
    type        text NOT NULL,
    user_id     text COLLATE "C" NOT NULL,
    item_id     text NOT NULL DEFAULT '',
    ts          timestamptz NOT NULL,
    session_id  text NOT NULL DEFAULT '',
    quantity    double precision NOT NULL DEFAULT 0,
    revenue     double precision NOT NULL DEFAULT 0,
    currency    text NOT NULL DEFAULT '',
    order_id    text NOT NULL DEFAULT '',
    query       text NOT NULL DEFAULT '',
    rating      double precision NOT NULL DEFAULT 0,
    text        text NOT NULL DEFAULT '',     -- review text
    context     jsonb,
    received_at timestamptz NOT NULL
);

-- One user's history, newest first: UserEvents.
CREATE INDEX events_user_ts_idx ON events (user_id, ts, seq);

-- The number of stored events, kept by AppendEvents (which already holds the
-- append lock) so that Stats need not count a table that only grows.
CREATE TABLE event_totals (
    one    boolean PRIMARY KEY DEFAULT true CHECK (one),
    events bigint NOT NULL
);
INSERT INTO event_totals (events) VALUES (0);
