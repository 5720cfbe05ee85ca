DROP INDEX notifications_account_group;
ALTER TABLE notifications DROP COLUMN group_key;
