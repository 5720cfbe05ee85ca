-- Invite codes made by operators: registration with one works in every mode and is approved.
CREATE TABLE invites (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    max_uses INTEGER,
    uses INTEGER NOT NULL DEFAULT 0,
    expires_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX invites_code ON invites (code);

-- Why someone asked to join (shown to operators in approval mode).
ALTER TABLE users ADD COLUMN reason TEXT;
ALTER TABLE users ADD COLUMN locale TEXT;
-- Posting defaults (Mastodon's `source[privacy]`, `source[sensitive]`, `source[language]`).
ALTER TABLE users ADD COLUMN default_privacy TEXT NOT NULL DEFAULT 'public';
ALTER TABLE users ADD COLUMN default_sensitive BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN default_language TEXT;
ALTER TABLE accounts ADD COLUMN bot BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE blocks (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    uri TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX blocks_pair ON blocks (account_id, target_account_id);
CREATE INDEX blocks_target ON blocks (target_account_id);

CREATE TABLE mutes (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    hide_notifications BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX mutes_pair ON mutes (account_id, target_account_id);

-- Uploaded media (local) and attachments of remote posts. `status_id` is set on posting.
CREATE TABLE media_attachments (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id TEXT REFERENCES statuses (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    content_type TEXT NOT NULL,
    file_path TEXT,
    remote_url TEXT,
    description TEXT,
    width INTEGER,
    height INTEGER,
    blurhash TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX media_attachments_status ON media_attachments (status_id);

-- Earlier versions of edited posts, oldest first.
CREATE TABLE status_edits (
    id TEXT PRIMARY KEY,
    status_id TEXT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    content TEXT NOT NULL,
    spoiler_text TEXT NOT NULL,
    sensitive BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX status_edits_status ON status_edits (status_id, id);

-- Reading positions (`home`, `notifications`) per user.
CREATE TABLE markers (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    timeline TEXT NOT NULL,
    last_read_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, timeline)
);
