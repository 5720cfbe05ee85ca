-- Pinned posts (an account's `featured` collection) and the choice to hide one's followers and
-- follows (Mastodon's `hide_collections`).
CREATE TABLE pins (
    account_id TEXT NOT NULL,
    status_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, status_id)
);
ALTER TABLE users ADD COLUMN hide_collections BOOLEAN NOT NULL DEFAULT FALSE;
