ALTER TABLE spaces DROP COLUMN opportunity_hashtag;
ALTER TABLE opportunities DROP COLUMN budget_minor;
ALTER TABLE applications DROP COLUMN source;
DROP TABLE team_consents;
