-- Registry metadata, SQLite dialect. Keep in step with db/migration/postgresql/V1__registry.sql: same tables,
-- columns and indexes, so SqlMetadataStore runs the same SQL on both.
-- STRICT tables reject values of the wrong type, as PostgreSQL would. INTEGER is 64-bit in SQLite, so it
-- holds ids and instants (epoch milliseconds, as in the PostgreSQL schema).
-- Text compares with SQLite's default BINARY collation: byte order, which is what the registry API wants.

CREATE TABLE repositories (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE, -- the unique index also serves catalog pagination
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE blobs (
    digest     TEXT PRIMARY KEY,
    size       INTEGER NOT NULL,
    created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE repository_blobs (
    repository_id INTEGER NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    digest        TEXT NOT NULL REFERENCES blobs (digest),
    linked_at     INTEGER NOT NULL,
    PRIMARY KEY (repository_id, digest)
) STRICT, WITHOUT ROWID;
-- "is this blob linked anywhere" (blob size lookups, garbage collection)
CREATE INDEX repository_blobs_digest ON repository_blobs (digest);

CREATE TABLE manifests (
    id               INTEGER PRIMARY KEY,
    repository_id    INTEGER NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    digest           TEXT NOT NULL,
    media_type       TEXT NOT NULL,
    artifact_type    TEXT,
    content          BLOB NOT NULL,
    subject_digest   TEXT,
    annotations_json TEXT,
    total_size       INTEGER NOT NULL,
    pushed_at        INTEGER NOT NULL,
    last_pulled_at   INTEGER,
    pull_count       INTEGER NOT NULL DEFAULT 0,
    UNIQUE (repository_id, digest)
) STRICT;
-- referrers API; most manifests have no subject, so the partial index stays small
CREATE INDEX manifests_subject ON manifests (repository_id, subject_digest) WHERE subject_digest IS NOT NULL;

CREATE TABLE manifest_blobs (
    manifest_id INTEGER NOT NULL REFERENCES manifests (id) ON DELETE CASCADE,
    digest      TEXT NOT NULL REFERENCES blobs (digest),
    PRIMARY KEY (manifest_id, digest)
) STRICT, WITHOUT ROWID;
-- "which manifests use this blob" (garbage collection)
CREATE INDEX manifest_blobs_digest ON manifest_blobs (digest);

CREATE TABLE manifest_children (
    manifest_id  INTEGER NOT NULL REFERENCES manifests (id) ON DELETE CASCADE,
    child_digest TEXT NOT NULL,
    PRIMARY KEY (manifest_id, child_digest)
) STRICT, WITHOUT ROWID;
-- "which indexes list this manifest" (delete protection, UI)
CREATE INDEX manifest_children_child ON manifest_children (child_digest, manifest_id);

CREATE TABLE tags (
    repository_id   INTEGER NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    manifest_digest TEXT NOT NULL,
    updated_at      INTEGER NOT NULL,
    -- the primary key serves tag listing with "after" pagination
    PRIMARY KEY (repository_id, name),
    -- no cascade: tags must be removed by the store so that tag history records the deletion
    FOREIGN KEY (repository_id, manifest_digest) REFERENCES manifests (repository_id, digest)
) STRICT, WITHOUT ROWID;
-- tags of a manifest
CREATE INDEX tags_manifest ON tags (repository_id, manifest_digest);

CREATE TABLE tag_history (
    -- AUTOINCREMENT: ids never go back, so insertion order is the order in which events happened
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    repository_id   INTEGER NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    tag             TEXT NOT NULL,
    -- no foreign key to manifests: history outlives deleted manifests
    digest          TEXT NOT NULL,
    previous_digest TEXT,
    action          TEXT NOT NULL CHECK (action IN ('PUSH', 'MOVE', 'DELETE')),
    at              INTEGER NOT NULL
) STRICT;
CREATE INDEX tag_history_tag ON tag_history (repository_id, tag, id);
CREATE INDEX tag_history_digest ON tag_history (repository_id, digest, id);
-- a MOVE away from a digest also involves it
CREATE INDEX tag_history_previous ON tag_history (repository_id, previous_digest, id)
    WHERE previous_digest IS NOT NULL;

CREATE TABLE uploads (
    id            TEXT PRIMARY KEY,
    repository    TEXT NOT NULL,
    started_at    INTEGER NOT NULL,
    last_activity INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
-- expiry sweep of idle sessions
CREATE INDEX uploads_last_activity ON uploads (last_activity);
