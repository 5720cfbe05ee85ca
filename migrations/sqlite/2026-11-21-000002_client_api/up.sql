-- OAuth 2: registered client applications. Secrets, codes and tokens are stored as SHA-256.
CREATE TABLE oauth_apps (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    website TEXT,
    redirect_uris TEXT NOT NULL,
    scopes TEXT NOT NULL,
    client_id TEXT NOT NULL,
    client_secret_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX oauth_apps_client_id ON oauth_apps (client_id);

CREATE TABLE oauth_codes (
    id TEXT PRIMARY KEY,
    code_hash TEXT NOT NULL,
    app_id TEXT NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    redirect_uri TEXT NOT NULL,
    scopes TEXT NOT NULL,
    code_challenge TEXT,
    code_challenge_method TEXT,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX oauth_codes_hash ON oauth_codes (code_hash);

CREATE TABLE oauth_tokens (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL,
    refresh_token_hash TEXT,
    app_id TEXT REFERENCES oauth_apps (id) ON DELETE CASCADE,
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    scopes TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE UNIQUE INDEX oauth_tokens_hash ON oauth_tokens (token_hash);
CREATE UNIQUE INDEX oauth_tokens_refresh_hash ON oauth_tokens (refresh_token_hash);
CREATE INDEX oauth_tokens_user ON oauth_tokens (user_id);

-- Posts, local and remote. `reblog_of_id` set: a boost (no content of its own).
CREATE TABLE statuses (
    id TEXT PRIMARY KEY,
    uri TEXT NOT NULL,
    url TEXT,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    in_reply_to_id TEXT,
    in_reply_to_account_id TEXT,
    reblog_of_id TEXT REFERENCES statuses (id) ON DELETE CASCADE,
    content TEXT NOT NULL DEFAULT '',
    source_text TEXT NOT NULL DEFAULT '',
    spoiler_text TEXT NOT NULL DEFAULT '',
    sensitive BOOLEAN NOT NULL DEFAULT FALSE,
    visibility TEXT NOT NULL,
    language TEXT,
    is_local BOOLEAN NOT NULL,
    replies_count BIGINT NOT NULL DEFAULT 0,
    reblogs_count BIGINT NOT NULL DEFAULT 0,
    favourites_count BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    edited_at TIMESTAMP,
    deleted_at TIMESTAMP
);
CREATE UNIQUE INDEX statuses_uri ON statuses (uri);
CREATE INDEX statuses_account ON statuses (account_id, id);
CREATE INDEX statuses_reply ON statuses (in_reply_to_id);
CREATE INDEX statuses_reblog ON statuses (reblog_of_id);
CREATE INDEX statuses_public ON statuses (visibility, id);

CREATE TABLE mentions (
    id TEXT PRIMARY KEY,
    status_id TEXT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX mentions_pair ON mentions (status_id, account_id);
CREATE INDEX mentions_account ON mentions (account_id, status_id);

CREATE TABLE status_tags (
    status_id TEXT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    PRIMARY KEY (status_id, name)
);
CREATE INDEX status_tags_name ON status_tags (name, status_id);

CREATE TABLE favourites (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id TEXT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    uri TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX favourites_pair ON favourites (account_id, status_id);
CREATE INDEX favourites_status ON favourites (status_id);

CREATE TABLE bookmarks (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status_id TEXT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX bookmarks_pair ON bookmarks (account_id, status_id);

CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    from_account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    status_id TEXT REFERENCES statuses (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX notifications_account ON notifications (account_id, id);

-- Status creation with an Idempotency-Key returns the first result for 1 hour.
CREATE TABLE idempotency_keys (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    status_id TEXT NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, key)
);
