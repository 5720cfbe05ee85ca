-- Browser sessions, apart from OAuth tokens: the cookie carries a random token whose SHA-256 is
-- stored here; `csrf_token` is the secret every form of the session must echo.
CREATE TABLE web_sessions (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    user_agent TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);

-- Password reset links an operator hands to a member (single use, time-limited).
CREATE TABLE password_resets (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_by TEXT,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);

-- Reports about accounts (local or remote) and their posts, filed by members or received as Flag.
CREATE TABLE reports (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_ids TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL DEFAULT 'other',
    forwarded BOOLEAN NOT NULL DEFAULT FALSE,
    uri TEXT UNIQUE,
    action_taken_at TIMESTAMP,
    action_taken_by TEXT,
    resolution TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX reports_open ON reports (action_taken_at, created_at);

-- Silenced remote accounts: their posts stay out of public timelines and of non-followers' views.
ALTER TABLE accounts ADD COLUMN silenced_at TIMESTAMP;

-- The address an invite was made for (the operator mails the link themselves).
ALTER TABLE invites ADD COLUMN email TEXT;
