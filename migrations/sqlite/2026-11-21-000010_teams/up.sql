-- A teammate's consent that reached the poster's instance before the application it names
-- (each teammate's own instance sends its signed Accept to the poster too).
CREATE TABLE team_consents (
    application_uri TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    consent_uri TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (application_uri, account_id)
);

-- `application` (sent with the Interspace API) or `reply` (a direct reply to the
-- opportunity's post from any Mastodon-compatible app, kept as an expression of interest).
ALTER TABLE applications ADD COLUMN source TEXT NOT NULL DEFAULT 'application';

-- The budget's amount in hundredths, for the board's budget filter.
ALTER TABLE opportunities ADD COLUMN budget_minor BIGINT;

-- The hashtag that makes the space relay a post that mentions it as an opportunity
-- (NULL: such posts are not relayed).
ALTER TABLE spaces ADD COLUMN opportunity_hashtag TEXT;
