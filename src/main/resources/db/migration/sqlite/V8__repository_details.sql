-- Hub API details. SQLite dialect; keep in step with db/migration/postgresql/V8__repository_details.sql.
-- Instants are epoch milliseconds; booleans are 0/1 here and BOOLEAN there.

-- A repository's descriptions, keyed by full name like repository_settings (may precede the first push).
CREATE TABLE repository_details (
    repository       TEXT PRIMARY KEY,
    description      TEXT NOT NULL DEFAULT '',
    full_description TEXT NOT NULL DEFAULT '',
    updated_at       INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Per-organization settings: restricted images (which images members may pull through the registry).
CREATE TABLE org_settings (
    org                       TEXT PRIMARY KEY,
    restricted_enabled        INTEGER NOT NULL DEFAULT 0 CHECK (restricted_enabled IN (0, 1)),
    allow_official_images     INTEGER NOT NULL DEFAULT 1 CHECK (allow_official_images IN (0, 1)),
    allow_verified_publishers INTEGER NOT NULL DEFAULT 1 CHECK (allow_verified_publishers IN (0, 1)),
    updated_at                INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Namespaces an administrator marked as official or as a verified publisher; restricted images may allow them.
CREATE TABLE namespace_badges (
    namespace          TEXT PRIMARY KEY,
    official           INTEGER NOT NULL DEFAULT 0 CHECK (official IN (0, 1)),
    verified_publisher INTEGER NOT NULL DEFAULT 0 CHECK (verified_publisher IN (0, 1)),
    updated_at         INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
