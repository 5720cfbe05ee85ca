-- E-mail: the durable queue of messages (rendered when queued, so a reset link's secret is
-- never kept elsewhere), each member's choice of categories with the token of their one-click
-- unsubscribe links, confirmations of a new address, and the role an invite gives.
CREATE TABLE mails (
    id TEXT PRIMARY KEY,
    category TEXT NOT NULL,
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    text_body TEXT NOT NULL,
    html_body TEXT NOT NULL,
    attachment_name TEXT,
    attachment_type TEXT,
    attachment_body TEXT,
    unsubscribe_url TEXT,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX mails_due ON mails (state, next_attempt_at);

CREATE TABLE mail_settings (
    user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    token TEXT NOT NULL UNIQUE,
    categories TEXT NOT NULL,
    digest_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE email_changes (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);

ALTER TABLE invites ADD COLUMN role TEXT NOT NULL DEFAULT 'member';
