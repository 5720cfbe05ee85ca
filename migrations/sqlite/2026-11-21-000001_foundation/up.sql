-- Accounts are every actor we know: local members, the local space, the instance actor, and
-- remote people, groups and services. `domain` is NULL for local accounts.
CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    domain TEXT,
    actor_type TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    uri TEXT NOT NULL,
    url TEXT,
    inbox_url TEXT NOT NULL,
    shared_inbox_url TEXT,
    outbox_url TEXT,
    followers_url TEXT,
    following_url TEXT,
    public_key_pem TEXT NOT NULL,
    private_key_pem TEXT,
    locked BOOLEAN NOT NULL DEFAULT FALSE,
    discoverable BOOLEAN NOT NULL DEFAULT TRUE,
    fields TEXT NOT NULL DEFAULT '[]',
    skills TEXT NOT NULL DEFAULT '[]',
    home_space_uri TEXT,
    avatar_url TEXT,
    header_url TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    fetched_at TIMESTAMP,
    suspended_at TIMESTAMP,
    deleted_at TIMESTAMP
);
CREATE UNIQUE INDEX accounts_uri ON accounts (uri);
-- Usernames and the space handle share one namespace per instance.
CREATE UNIQUE INDEX accounts_local_username ON accounts (username) WHERE domain IS NULL;
CREATE INDEX accounts_remote_username ON accounts (username, domain) WHERE domain IS NOT NULL;

-- Local people who can sign in.
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    approved BOOLEAN NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX users_account_id ON users (account_id);
CREATE UNIQUE INDEX users_email ON users (email);

-- Spaces: the local one (exactly one per instance) and remote ones we know.
CREATE TABLE spaces (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    is_local BOOLEAN NOT NULL,
    timezone TEXT NOT NULL DEFAULT 'UTC',
    hours TEXT NOT NULL DEFAULT '',
    location TEXT NOT NULL DEFAULT '{}',
    day_price TEXT,
    visit_policy TEXT NOT NULL DEFAULT '{}',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX spaces_account_id ON spaces (account_id);

-- Follow relations in both directions, local and remote; `accepted` false is a pending request.
CREATE TABLE follows (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    uri TEXT,
    accepted BOOLEAN NOT NULL,
    show_reblogs BOOLEAN NOT NULL DEFAULT TRUE,
    notify BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX follows_pair ON follows (account_id, target_account_id);
CREATE INDEX follows_target ON follows (target_account_id, accepted);
