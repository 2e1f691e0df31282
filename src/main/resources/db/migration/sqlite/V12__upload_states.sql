-- Committed state of each S3 upload. SQLite dialect; keep in step with db/migration/postgresql/V12__upload_states.sql.
-- Instants are epoch milliseconds.

-- One row per upload in progress on the S3 blob store: the document naming its parts and tail. An append commits
-- by replacing it with a conditional UPDATE (WHERE revision = the one it started from), so of two nodes appending
-- to one upload at once exactly one wins. Separate from "uploads" (the registry's sessions) because the blob
-- store creates it first and knows nothing of repositories.
CREATE TABLE upload_states (
    id         TEXT PRIMARY KEY,
    revision   TEXT NOT NULL,
    state      TEXT NOT NULL,
    written_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
