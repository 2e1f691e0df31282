-- Pull-through mirrors (issue 16). SQLite dialect; keep in step with db/migration/postgresql/V18__mirrors.sql.
-- Instants are epoch milliseconds; booleans 0/1.

-- One row per mirror namespace. The upstream secret is sealed with SecretBox (context "mirror:<name>").
CREATE TABLE mirrors (
    name               TEXT PRIMARY KEY,
    upstream_url       TEXT NOT NULL,
    username           TEXT,
    sealed_secret      TEXT,
    revalidate_seconds INTEGER NOT NULL,
    anonymous_pulls    INTEGER NOT NULL CHECK (anonymous_pulls IN (0, 1)),
    managed_by         TEXT NOT NULL CHECK (managed_by IN ('config', 'api')),
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Every manifest fetched from an upstream, exactly as served, so a mirror serves it at once (before its blobs are
-- cached). "promoted" once it is also stored as ordinary content (manifests table), which happens when all its
-- blobs and children are there. used_at: last pull, for eviction (written at most once an hour per row).
CREATE TABLE mirror_manifests (
    repository TEXT NOT NULL,
    digest     TEXT NOT NULL,
    media_type TEXT NOT NULL,
    content    BLOB NOT NULL,
    fetched_at INTEGER NOT NULL,
    used_at    INTEGER NOT NULL,
    promoted   INTEGER NOT NULL DEFAULT 0 CHECK (promoted IN (0, 1)),
    PRIMARY KEY (repository, digest)
) STRICT, WITHOUT ROWID;
CREATE INDEX mirror_manifests_pending ON mirror_manifests (repository, promoted);

-- What each mirrored tag pointed at upstream when last checked.
CREATE TABLE mirror_tags (
    repository TEXT NOT NULL,
    tag        TEXT NOT NULL,
    digest     TEXT NOT NULL,
    checked_at INTEGER NOT NULL,
    used_at    INTEGER NOT NULL,
    PRIMARY KEY (repository, tag)
) STRICT, WITHOUT ROWID;

-- Blobs a fetched manifest of the repository lists: the upstream vouched that the repository has them, so a copy
-- stored for another repository may be linked here without asking the upstream again.
CREATE TABLE mirror_blobs (
    repository TEXT NOT NULL,
    digest     TEXT NOT NULL,
    PRIMARY KEY (repository, digest)
) STRICT, WITHOUT ROWID;
