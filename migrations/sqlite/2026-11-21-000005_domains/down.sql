ALTER TABLE outbox_events DROP COLUMN object_uri;
DROP INDEX deliveries_inbox_pending;
DROP INDEX deliveries_domain;
ALTER TABLE deliveries DROP COLUMN domain;
DROP TABLE domains;
