-- What this instance knows about other servers: blocks set by the operator, and delivery health
-- (a domain is unavailable after a delivery to it gave up; it is revived when it answers again).
CREATE TABLE domains (
    domain TEXT PRIMARY KEY,
    blocked_at TIMESTAMP,
    block_reason TEXT,
    failures INTEGER NOT NULL DEFAULT 0,
    unavailable_at TIMESTAMP,
    last_success_at TIMESTAMP,
    last_failure_at TIMESTAMP
);

-- The host of each delivery's inbox, for blocks and unavailability.
ALTER TABLE deliveries ADD COLUMN domain TEXT NOT NULL DEFAULT '';
CREATE INDEX deliveries_domain ON deliveries (domain, state);

-- Deliveries are sent in order per inbox: the worker looks up the oldest pending one per inbox.
CREATE INDEX deliveries_inbox_pending ON deliveries (inbox, state, created_at);

-- An id the outgoing activity must carry (the Like that an Undo takes back).
ALTER TABLE outbox_events ADD COLUMN object_uri TEXT;
