-- The durable outbox, first stage: what happened, written in the same transaction as the
-- change. The federation worker turns each event into activities and deliveries.
CREATE TABLE outbox_events (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    actor_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    subject_id TEXT NOT NULL,
    target_id TEXT,
    created_at TIMESTAMP NOT NULL
);

-- Second stage: one signed POST per activity and inbox, retried until delivered or given up.
CREATE TABLE deliveries (
    id TEXT PRIMARY KEY,
    activity_id TEXT NOT NULL,
    actor_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    inbox TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX deliveries_activity_inbox ON deliveries (activity_id, inbox);
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);

-- Activity ids already received (replays are no-ops), kept for 7 days.
CREATE TABLE received_activities (
    id TEXT PRIMARY KEY,
    received_at TIMESTAMP NOT NULL
);
CREATE INDEX received_activities_at ON received_activities (received_at);
