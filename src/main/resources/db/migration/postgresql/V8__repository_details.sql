-- Hub API details. PostgreSQL dialect; keep in step with db/migration/sqlite/V8__repository_details.sql.
-- Instants are epoch milliseconds; booleans are BOOLEAN here and 0/1 there.

-- A repository's descriptions, keyed by full name like repository_settings (may precede the first push).
CREATE TABLE repository_details (
    repository       TEXT COLLATE "C" PRIMARY KEY,
    description      TEXT NOT NULL DEFAULT '',
    full_description TEXT NOT NULL DEFAULT '',
    updated_at       BIGINT NOT NULL
);

-- Per-organization settings: restricted images (which images members may pull through the registry).
CREATE TABLE org_settings (
    org                       TEXT COLLATE "C" PRIMARY KEY,
    restricted_enabled        BOOLEAN NOT NULL DEFAULT FALSE,
    allow_official_images     BOOLEAN NOT NULL DEFAULT TRUE,
    allow_verified_publishers BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at                BIGINT NOT NULL
);

-- Namespaces an administrator marked as official or as a verified publisher; restricted images may allow them.
CREATE TABLE namespace_badges (
    namespace          TEXT COLLATE "C" PRIMARY KEY,
    official           BOOLEAN NOT NULL DEFAULT FALSE,
    verified_publisher BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at         BIGINT NOT NULL
);
