-- Webhooks. SQLite dialect; keep in step with db/migration/postgresql/V13__webhooks.sql.
-- Instants are epoch milliseconds; booleans are 0/1 here and BOOLEAN there.

-- One receiver URL of a webhook pipeline (Docker Hub's webhook_pipeline holds one or more). A repository hook has
-- repository set to the full name; a namespace hook (Wharf's addition) has it empty and fires for every
-- repository of the namespace. The secret signs deliveries; it is sealed with secret_key and shown once.
CREATE TABLE webhooks (
    id              INTEGER PRIMARY KEY,
    namespace       TEXT NOT NULL,
    repository      TEXT NOT NULL DEFAULT '',
    pipeline        TEXT NOT NULL,
    name            TEXT NOT NULL,
    url             TEXT NOT NULL,
    secret_sealed   TEXT NOT NULL,
    events          TEXT NOT NULL,
    creator         TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (namespace, repository, pipeline, name)
) STRICT;
CREATE INDEX webhooks_scope ON webhooks (namespace, repository);

-- One event to deliver to one hook: the exact body (signed as it is sent), and how its latest attempt went.
-- Rows outlive their hook's deletion only as long as the log is kept (deleting a hook deletes its deliveries).
CREATE TABLE webhook_deliveries (
    id               TEXT PRIMARY KEY,
    webhook_id       INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event            TEXT NOT NULL,
    payload          TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    job_id           TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
) STRICT;
CREATE INDEX webhook_deliveries_by_hook ON webhook_deliveries (webhook_id, created_at);

-- Every attempt of a delivery: the receiver's status (NULL when none came), how long it took, the start of its
-- answer (printable text only) or why nothing came back.
CREATE TABLE webhook_attempts (
    delivery_id      TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt          INTEGER NOT NULL,
    at               INTEGER NOT NULL,
    status           INTEGER,
    duration_ms      INTEGER NOT NULL,
    response_excerpt TEXT NOT NULL DEFAULT '',
    error            TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (delivery_id, attempt)
) STRICT;
