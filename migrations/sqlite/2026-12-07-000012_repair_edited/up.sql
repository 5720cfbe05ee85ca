-- Two released migrations were edited in place after some databases had run them: 000005
-- gained `outbox_events.object_uri` and 000007 `event_participations.reason_code`. SQLite has
-- no `ADD COLUMN IF NOT EXISTS`, so the columns a database lacks are added by the migration
-- runner itself before this migration runs (`db::pool::repair_edited_migrations`); this one
-- only records that the repair is done.
SELECT 1;
