-- Registry metadata, PostgreSQL dialect. Keep in step with db/migration/sqlite/V1__registry.sql: same tables,
-- columns and indexes, so SqlMetadataStore runs the same SQL on both.
-- Instants are epoch milliseconds (BIGINT) in both dialects so comparisons and round trips behave identically.
-- Names that are listed or paginated use COLLATE "C": the registry API orders them by bytes, whatever the
-- database's default collation is.

CREATE TABLE repositories (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT COLLATE "C" NOT NULL UNIQUE, -- the unique index also serves catalog pagination
    created_at BIGINT NOT NULL
);

CREATE TABLE blobs (
    digest     TEXT COLLATE "C" PRIMARY KEY,
    size       BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE repository_blobs (
    repository_id BIGINT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    digest        TEXT COLLATE "C" NOT NULL REFERENCES blobs (digest),
    linked_at     BIGINT NOT NULL,
    PRIMARY KEY (repository_id, digest)
);
-- "is this blob linked anywhere" (blob size lookups, garbage collection)
CREATE INDEX repository_blobs_digest ON repository_blobs (digest);

CREATE TABLE manifests (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    repository_id    BIGINT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    digest           TEXT COLLATE "C" NOT NULL,
    media_type       TEXT NOT NULL,
    artifact_type    TEXT,
    content          BYTEA NOT NULL,
    subject_digest   TEXT COLLATE "C",
    annotations_json TEXT,
    total_size       BIGINT NOT NULL,
    pushed_at        BIGINT NOT NULL,
    last_pulled_at   BIGINT,
    pull_count       BIGINT NOT NULL DEFAULT 0,
    UNIQUE (repository_id, digest)
);
-- referrers API; most manifests have no subject, so the partial index stays small
CREATE INDEX manifests_subject ON manifests (repository_id, subject_digest) WHERE subject_digest IS NOT NULL;

CREATE TABLE manifest_blobs (
    manifest_id BIGINT NOT NULL REFERENCES manifests (id) ON DELETE CASCADE,
    digest      TEXT COLLATE "C" NOT NULL REFERENCES blobs (digest),
    PRIMARY KEY (manifest_id, digest)
);
-- "which manifests use this blob" (garbage collection)
CREATE INDEX manifest_blobs_digest ON manifest_blobs (digest);

CREATE TABLE manifest_children (
    manifest_id  BIGINT NOT NULL REFERENCES manifests (id) ON DELETE CASCADE,
    child_digest TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (manifest_id, child_digest)
);
-- "which indexes list this manifest" (delete protection, UI)
CREATE INDEX manifest_children_child ON manifest_children (child_digest, manifest_id);

CREATE TABLE tags (
    repository_id   BIGINT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    name            TEXT COLLATE "C" NOT NULL,
    manifest_digest TEXT COLLATE "C" NOT NULL,
    updated_at      BIGINT NOT NULL,
    -- the primary key serves tag listing with "after" pagination
    PRIMARY KEY (repository_id, name),
    -- no cascade: tags must be removed by the store so that tag history records the deletion
    FOREIGN KEY (repository_id, manifest_digest) REFERENCES manifests (repository_id, digest)
);
-- tags of a manifest
CREATE INDEX tags_manifest ON tags (repository_id, manifest_digest);

CREATE TABLE tag_history (
    -- insertion order is the order in which events happened to a tag (writers hold the tag row's lock)
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    repository_id   BIGINT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    tag             TEXT COLLATE "C" NOT NULL,
    -- no foreign key to manifests: history outlives deleted manifests
    digest          TEXT COLLATE "C" NOT NULL,
    previous_digest TEXT COLLATE "C",
    action          TEXT NOT NULL CHECK (action IN ('PUSH', 'MOVE', 'DELETE')),
    at              BIGINT NOT NULL
);
CREATE INDEX tag_history_tag ON tag_history (repository_id, tag, id);
CREATE INDEX tag_history_digest ON tag_history (repository_id, digest, id);
-- a MOVE away from a digest also involves it
CREATE INDEX tag_history_previous ON tag_history (repository_id, previous_digest, id)
    WHERE previous_digest IS NOT NULL;

CREATE TABLE uploads (
    id            TEXT PRIMARY KEY,
    repository    TEXT NOT NULL,
    started_at    BIGINT NOT NULL,
    last_activity BIGINT NOT NULL
);
-- expiry sweep of idle sessions
CREATE INDEX uploads_last_activity ON uploads (last_activity);
