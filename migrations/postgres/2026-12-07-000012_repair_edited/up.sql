-- Two released migrations were edited in place after some databases had run them: 000005
-- gained `outbox_events.object_uri` and 000007 `event_participations.reason_code`. A database
-- migrated before those edits lacks the columns; this adds them where they are missing.
ALTER TABLE outbox_events ADD COLUMN IF NOT EXISTS object_uri TEXT;
ALTER TABLE event_participations ADD COLUMN IF NOT EXISTS reason_code TEXT;
