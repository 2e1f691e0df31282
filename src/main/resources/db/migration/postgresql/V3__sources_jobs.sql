-- Cycle-compatible image sources, images and persistent jobs. PostgreSQL dialect.
-- Keep in step with db/migration/sqlite/V3__sources_jobs.sql: same tables, columns and indexes.
-- Ids are 24-hex strings (Cycle's object ids); instants are epoch milliseconds; a hub is a Wharf namespace
-- (organization or user name). Origin credentials are sealed with SecretBox in origin_secrets, never in
-- origin_json, which is what responses are built from.

CREATE TABLE image_sources (
    id              TEXT COLLATE "C" PRIMARY KEY,
    hub             TEXT NOT NULL,
    name            TEXT NOT NULL,
    identifier      TEXT NOT NULL,
    type            TEXT NOT NULL,
    origin_json     TEXT NOT NULL,
    origin_secrets  TEXT,           -- sealed JSON object of the origin's secret fields, or NULL
    builder_json    TEXT,
    about_json      TEXT,
    acl_json        TEXT,
    creator_user_id BIGINT NOT NULL,
    state           TEXT NOT NULL,
    state_changed   BIGINT NOT NULL,
    state_error     TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    deleted_at      BIGINT
);
CREATE INDEX image_sources_hub ON image_sources (hub, created_at);

CREATE TABLE images (
    id              TEXT COLLATE "C" PRIMARY KEY,
    hub             TEXT NOT NULL,
    source_id       TEXT NOT NULL REFERENCES image_sources (id),
    name            TEXT NOT NULL,
    repository      TEXT NOT NULL,  -- the Wharf repository the import writes into
    tag             TEXT,
    digest          TEXT,           -- the imported top-level manifest (or index)
    size            BIGINT NOT NULL DEFAULT 0,
    creator_user_id BIGINT NOT NULL,
    state           TEXT NOT NULL,
    state_changed   BIGINT NOT NULL,
    state_error     TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    deleted_at      BIGINT
);
CREATE INDEX images_hub ON images (hub, created_at);
CREATE INDEX images_source ON images (source_id);

CREATE TABLE jobs (
    id               TEXT COLLATE "C" PRIMARY KEY,
    hub              TEXT NOT NULL,
    type             TEXT NOT NULL,
    caption          TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('new', 'queued', 'running', 'completed', 'error')),
    error            TEXT,
    input_json       TEXT NOT NULL,
    tasks_json       TEXT NOT NULL,  -- steps and progress (bytes, layers) of the job's task
    attempts         BIGINT NOT NULL DEFAULT 0,
    max_attempts     BIGINT NOT NULL,
    next_attempt_at  BIGINT NOT NULL,
    claimed_by       TEXT,
    claim_expires_at BIGINT,
    cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
    creator_user_id  BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    started_at       BIGINT,
    completed_at     BIGINT
);
-- What a worker scans: runnable jobs by due time, and running jobs whose lease may have expired.
CREATE INDEX jobs_runnable ON jobs (state, next_attempt_at);
CREATE INDEX jobs_hub ON jobs (hub, created_at);
