-- Web console charts. SQLite dialect; keep in step with db/migration/postgresql/V10__pulls_per_day.sql.

-- Manifest pulls per repository per UTC day (day = days since 1970-01-01), added to by each PullRecorder flush
-- in the same transaction as manifests.pull_count. Days without pulls have no row.
CREATE TABLE repository_pull_days (
    repository_id INTEGER NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    day           INTEGER NOT NULL,
    pulls         INTEGER NOT NULL,
    PRIMARY KEY (repository_id, day)
) STRICT, WITHOUT ROWID;
