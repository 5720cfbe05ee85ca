ALTER TABLE users DROP COLUMN directory_opt_in;
DROP TABLE skill_follows;
DROP TABLE application_members;
DROP TABLE applications;
DROP TABLE opportunity_skills;
DROP TABLE opportunities;
