DROP INDEX users_calendar_token;
ALTER TABLE users DROP COLUMN calendar_token;
DROP TABLE event_participations;
DROP TABLE events;
