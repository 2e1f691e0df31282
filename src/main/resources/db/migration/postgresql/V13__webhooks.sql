-- Webhooks. PostgreSQL dialect; keep in step with db/migration/sqlite/V13__webhooks.sql.
-- Instants are epoch milliseconds.

-- One receiver URL of a webhook pipeline (Docker Hub's webhook_pipeline holds one or more). A repository hook has
-- repository set to the full name; a namespace hook (Wharf's addition) has it empty and fires for every
-- repository of the namespace. The secret signs deliveries; it is sealed with secret_key and shown once.
CREATE TABLE webhooks (
    id              BIGSERIAL PRIMARY KEY,
    namespace       TEXT COLLATE "C" NOT NULL,
    repository      TEXT COLLATE "C" NOT NULL DEFAULT '',
    pipeline        TEXT COLLATE "C" NOT NULL,
    name            TEXT NOT NULL,
    url             TEXT NOT NULL,
    secret_sealed   TEXT NOT NULL,
    events          TEXT NOT NULL,
    creator         TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    UNIQUE (namespace, repository, pipeline, name)
);
CREATE INDEX webhooks_scope ON webhooks (namespace, repository);

-- One event to deliver to one hook: the exact body (signed as it is sent), and how its latest attempt went.
CREATE TABLE webhook_deliveries (
    id               TEXT COLLATE "C" PRIMARY KEY,
    webhook_id       BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event            TEXT NOT NULL,
    payload          TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    job_id           TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_by_hook ON webhook_deliveries (webhook_id, created_at);

-- Every attempt of a delivery: the receiver's status (NULL when none came), how long it took, the start of its
-- answer (printable text only) or why nothing came back.
CREATE TABLE webhook_attempts (
    delivery_id      TEXT COLLATE "C" NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt          INTEGER NOT NULL,
    at               BIGINT NOT NULL,
    status           INTEGER,
    duration_ms      BIGINT NOT NULL,
    response_excerpt TEXT NOT NULL DEFAULT '',
    error            TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (delivery_id, attempt)
);
