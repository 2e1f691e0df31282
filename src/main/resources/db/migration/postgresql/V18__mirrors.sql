-- Pull-through mirrors (issue 16). PostgreSQL dialect; keep in step with db/migration/sqlite/V18__mirrors.sql.

CREATE TABLE mirrors (
    name               TEXT COLLATE "C" PRIMARY KEY,
    upstream_url       TEXT NOT NULL,
    username           TEXT,
    sealed_secret      TEXT,
    revalidate_seconds BIGINT NOT NULL,
    anonymous_pulls    BOOLEAN NOT NULL,
    managed_by         TEXT NOT NULL CHECK (managed_by IN ('config', 'api')),
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);

CREATE TABLE mirror_manifests (
    repository TEXT COLLATE "C" NOT NULL,
    digest     TEXT COLLATE "C" NOT NULL,
    media_type TEXT NOT NULL,
    content    BYTEA NOT NULL,
    fetched_at BIGINT NOT NULL,
    used_at    BIGINT NOT NULL,
    promoted   BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (repository, digest)
);
CREATE INDEX mirror_manifests_pending ON mirror_manifests (repository, promoted);

CREATE TABLE mirror_tags (
    repository TEXT COLLATE "C" NOT NULL,
    tag        TEXT COLLATE "C" NOT NULL,
    digest     TEXT NOT NULL,
    checked_at BIGINT NOT NULL,
    used_at    BIGINT NOT NULL,
    PRIMARY KEY (repository, tag)
);

CREATE TABLE mirror_blobs (
    repository TEXT COLLATE "C" NOT NULL,
    digest     TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (repository, digest)
);
