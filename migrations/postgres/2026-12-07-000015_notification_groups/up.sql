-- Mastodon 4.3's notification groups: favourites and boosts of one post, and follows, that
-- arrive within a few hours share a group key (`/api/v2/notifications`). Other kinds, and
-- notifications made before this migration, have none: each is a group of its own.
ALTER TABLE notifications ADD COLUMN group_key TEXT;
CREATE INDEX notifications_account_group ON notifications (account_id, group_key);
