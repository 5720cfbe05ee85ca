-- Events (local and received), federated as FEP-8a8e Event objects with Mobilizon's properties.
-- `status_id` is the post that carries the event into Mastodon timelines (same `uri`).
CREATE TABLE events (
    id TEXT PRIMARY KEY,
    uri TEXT NOT NULL UNIQUE,
    url TEXT,
    organizer_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    space_id TEXT REFERENCES spaces (id) ON DELETE SET NULL,
    status_id TEXT REFERENCES statuses (id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    source_text TEXT NOT NULL DEFAULT '',
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    timezone TEXT NOT NULL,
    place TEXT NOT NULL DEFAULT '{}',
    category TEXT,
    capacity BIGINT,
    join_mode TEXT NOT NULL,
    external_url TEXT,
    waitlist BOOLEAN NOT NULL DEFAULT TRUE,
    status TEXT NOT NULL,
    previous_starts_at TIMESTAMP,
    cancel_reason TEXT,
    visibility TEXT NOT NULL,
    participants_count BIGINT NOT NULL DEFAULT 0,
    waitlist_count BIGINT NOT NULL DEFAULT 0,
    is_local BOOLEAN NOT NULL,
    sequence BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE INDEX events_starts_at ON events (starts_at);
CREATE INDEX events_organizer ON events (organizer_id, starts_at);
CREATE INDEX events_space ON events (space_id, starts_at);

-- Who takes part, in which state; `join_uri` is the Join activity's id (ours or the peer's);
-- `reason_code` says why a join was refused (`rejected` by the organiser, `capacity_reached`...).
CREATE TABLE event_participations (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    message TEXT,
    reason TEXT,
    reason_code TEXT,
    join_uri TEXT UNIQUE,
    reminded_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (event_id, account_id)
);
CREATE INDEX event_participations_queue ON event_participations (event_id, state, created_at);
CREATE INDEX event_participations_account ON event_participations (account_id, state);

-- The secret of each member's private calendar feed of joined events.
ALTER TABLE users ADD COLUMN calendar_token TEXT;
CREATE UNIQUE INDEX users_calendar_token ON users (calendar_token);
