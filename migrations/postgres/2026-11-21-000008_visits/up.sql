-- Partnerships between two spaces, one row per pair as seen from our side. `uri` is the
-- agreement's ActivityPub id (minted by the side that proposed it); `pending_terms` is an
-- amendment awaiting an answer, proposed by us when `pending_from_us`.
CREATE TABLE partnerships (
    id TEXT PRIMARY KEY,
    uri TEXT NOT NULL UNIQUE,
    space_id TEXT NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
    partner_space_id TEXT NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    terms TEXT NOT NULL,
    pending_terms TEXT,
    pending_from_us BOOLEAN NOT NULL DEFAULT FALSE,
    reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (space_id, partner_space_id)
);

-- Visits, on the visitor's home instance and on the host's: the same `uri` on both.
CREATE TABLE visits (
    id TEXT PRIMARY KEY,
    uri TEXT NOT NULL UNIQUE,
    visitor_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    home_space_id TEXT NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
    host_space_id TEXT NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
    partnership_id TEXT REFERENCES partnerships (id) ON DELETE SET NULL,
    date_from DATE NOT NULL,
    date_to DATE NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    reason TEXT,
    reason_code TEXT,
    cancelled_by TEXT,
    checked_in_at TIMESTAMP,
    checked_out_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX visits_visitor ON visits (visitor_id, date_from);
CREATE INDEX visits_host ON visits (host_space_id, date_from);

-- One row per day of a visit: quotas and daily capacity are counted here.
CREATE TABLE visit_days (
    visit_id TEXT NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    host_space_id TEXT NOT NULL,
    visitor_id TEXT NOT NULL,
    day DATE NOT NULL,
    PRIMARY KEY (visit_id, day)
);
CREATE INDEX visit_days_host_day ON visit_days (host_space_id, day);
CREATE INDEX visit_days_visitor ON visit_days (visitor_id, host_space_id, day);
