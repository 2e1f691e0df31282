-- Cache hits and misses per mirrored repository (issue 16, "Visible"). SQLite dialect; keep in step with
-- db/migration/postgresql/V20__mirror_repository_counts.sql.
-- Each node adds what it counted since its last flush (about once a second), so the rows are cluster totals.
-- hits: manifest and blob requests served from the cache; misses: those that needed the upstream (including
-- requests that joined a download already running).
CREATE TABLE mirror_repository_counts (
    repository TEXT PRIMARY KEY,
    hits       INTEGER NOT NULL DEFAULT 0,
    misses     INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;
