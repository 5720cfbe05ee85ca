DROP INDEX deliveries_inbox_ordering;
ALTER TABLE deliveries DROP COLUMN ordering_key;
DROP TABLE tombstones;
ALTER TABLE received_activities DROP COLUMN processed;
