-- Online garbage collection, SQLite dialect. Keep in step with db/migration/postgresql/V9__garbage_collection.sql.
-- The rules and the races these columns close are in docs/ARCHITECTURE.md, "Garbage collection".

-- The review queue: blobs that may have become garbage, with the last time something showed interest in them
-- (uploaded, mounted, linked, or a manifest referencing them was deleted). A blob is reviewed once that time is
-- older than gc.blob_grace; referenced blobs leave the queue until a manifest referencing them is deleted.
CREATE TABLE gc_blob_queue (
    digest     TEXT PRIMARY KEY,
    touched_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX gc_blob_queue_due ON gc_blob_queue (touched_at);

-- generation: bumped whenever the collector condemns the blob, so an upload that reserved the row earlier can
-- tell that its bytes may have been deleted since. condemned_at: the collector removed every link and will
-- delete the bytes, then the row; an upload of the same digest clears it first.
ALTER TABLE blobs ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE blobs ADD COLUMN condemned_at INTEGER;
CREATE INDEX blobs_condemned ON blobs (condemned_at) WHERE condemned_at IS NOT NULL;

-- Blobs no manifest references when this migration runs are reviewed like any other.
INSERT INTO gc_blob_queue (digest, touched_at)
SELECT b.digest, b.created_at FROM blobs b
WHERE NOT EXISTS (SELECT 1 FROM manifest_blobs mb WHERE mb.digest = b.digest);

-- One row per collection pass of any node: the cluster-wide status and totals (GET /admin/gc).
CREATE TABLE gc_passes (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    node              TEXT NOT NULL,
    started_at        INTEGER NOT NULL,
    finished_at       INTEGER NOT NULL,
    dry_run           INTEGER NOT NULL CHECK (dry_run IN (0, 1)),
    manifests_deleted INTEGER NOT NULL,
    blobs_deleted     INTEGER NOT NULL,
    bytes_reclaimed   INTEGER NOT NULL,
    error             TEXT
) STRICT;
