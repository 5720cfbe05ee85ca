-- Opportunities (project requests, jobs, collaborations...), local and received. On the wire an
-- opportunity is a Note with a machine-readable attachment; `status_id` is that post here.
CREATE TABLE opportunities (
    id TEXT PRIMARY KEY,
    uri TEXT NOT NULL UNIQUE,
    url TEXT,
    author_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    space_id TEXT REFERENCES spaces (id) ON DELETE SET NULL,
    status_id TEXT REFERENCES statuses (id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    source_text TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,
    location_mode TEXT NOT NULL,
    location_city TEXT,
    location_space_id TEXT REFERENCES spaces (id) ON DELETE SET NULL,
    budget_amount TEXT,
    budget_currency TEXT,
    budget_period TEXT,
    deadline DATE,
    team_size BIGINT NOT NULL DEFAULT 1,
    status TEXT NOT NULL,
    visibility TEXT NOT NULL,
    applications_count BIGINT NOT NULL DEFAULT 0,
    is_local BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE INDEX opportunities_board ON opportunities (status, created_at);
CREATE INDEX opportunities_author ON opportunities (author_id, created_at);

-- Skill tags of an opportunity, for the board's filter.
CREATE TABLE opportunity_skills (
    opportunity_id TEXT NOT NULL REFERENCES opportunities (id) ON DELETE CASCADE,
    skill TEXT NOT NULL,
    PRIMARY KEY (opportunity_id, skill)
);
CREATE INDEX opportunity_skills_skill ON opportunity_skills (skill);

-- Applications: private to the applicant, their teammates and the poster.
CREATE TABLE applications (
    id TEXT PRIMARY KEY,
    uri TEXT NOT NULL UNIQUE,
    opportunity_id TEXT NOT NULL REFERENCES opportunities (id) ON DELETE CASCADE,
    applicant_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    cover_note TEXT NOT NULL DEFAULT '',
    proposed_budget TEXT,
    links TEXT NOT NULL DEFAULT '[]',
    message TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX applications_opportunity ON applications (opportunity_id, created_at);
CREATE INDEX applications_applicant ON applications (applicant_id, created_at);

-- Teammates named in an application, and their consent (the `Accept` their instance sent).
CREATE TABLE application_members (
    application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    invite_uri TEXT UNIQUE,
    consent_uri TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (application_id, account_id)
);
CREATE INDEX application_members_account ON application_members (account_id, state);

-- Skills members follow, to hear of new matching opportunities.
CREATE TABLE skill_follows (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    skill TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, skill)
);
CREATE INDEX skill_follows_skill ON skill_follows (skill);

-- Members who list themselves in the directory of skills.
ALTER TABLE users ADD COLUMN directory_opt_in BOOLEAN NOT NULL DEFAULT FALSE;
