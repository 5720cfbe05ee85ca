-- An incoming activity counts as received only once its processing committed. Until then its
-- row is a claim (processed = false): a concurrent copy waits, and a retry after a failure (or
-- after a claim left by a crash has gone stale) is processed. Rows before this were processed.
ALTER TABLE received_activities ADD COLUMN processed BOOLEAN NOT NULL DEFAULT TRUE;

-- A Delete of an object we never had: the Create that arrives after it is refused.
CREATE TABLE tombstones (
    uri TEXT PRIMARY KEY,
    actor_uri TEXT NOT NULL,
    deleted_at TIMESTAMP NOT NULL
);
CREATE INDEX tombstones_deleted_at ON tombstones (deleted_at);

-- Deliveries keep their order per object (its Create, then Update, then Delete), not per
-- inbox: what they are about, NULL where no order matters.
ALTER TABLE deliveries ADD COLUMN ordering_key TEXT;
CREATE INDEX deliveries_inbox_ordering ON deliveries (inbox, ordering_key, state, created_at);
