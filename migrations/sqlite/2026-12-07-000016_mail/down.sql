DROP TABLE email_changes;
DROP TABLE mail_settings;
DROP TABLE mails;
ALTER TABLE invites DROP COLUMN role;
