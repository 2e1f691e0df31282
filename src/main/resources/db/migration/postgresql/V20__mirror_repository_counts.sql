-- Cache hits and misses per mirrored repository (issue 16, "Visible"). PostgreSQL dialect; keep in step with
-- db/migration/sqlite/V20__mirror_repository_counts.sql.
-- Each node adds what it counted since its last flush (about once a second), so the rows are cluster totals.
-- hits: manifest and blob requests served from the cache; misses: those that needed the upstream (including
-- requests that joined a download already running).
CREATE TABLE mirror_repository_counts (
    repository TEXT COLLATE "C" PRIMARY KEY,
    hits       BIGINT NOT NULL DEFAULT 0,
    misses     BIGINT NOT NULL DEFAULT 0
);
