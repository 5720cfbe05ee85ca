ALTER TABLE invites DROP COLUMN email;
ALTER TABLE accounts DROP COLUMN silenced_at;
DROP TABLE reports;
DROP TABLE password_resets;
DROP TABLE web_sessions;
