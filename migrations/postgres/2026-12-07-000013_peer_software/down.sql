ALTER TABLE domains DROP COLUMN software_checked_at;
ALTER TABLE domains DROP COLUMN software_version;
ALTER TABLE domains DROP COLUMN software;
