-- The software a peer runs (its NodeInfo `software.name`), so that each follower's server gets
-- the shape of a relayed post that it reads (FEP-1b12: Lemmy wants the wrapped activity).
ALTER TABLE domains ADD COLUMN software TEXT;
ALTER TABLE domains ADD COLUMN software_version TEXT;
ALTER TABLE domains ADD COLUMN software_checked_at TIMESTAMP;
