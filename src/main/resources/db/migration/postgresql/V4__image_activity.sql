-- Image activity (Hub image management). Keep in step with db/migration/sqlite/V4__image_activity.sql.
-- last_activity_at = max(pushed_at, last_pulled_at), written by the store on push and on recorded pulls, so
-- "active since X" and "order by last activity" are range scans of one index instead of a per-row computation.
ALTER TABLE manifests ADD COLUMN last_activity_at BIGINT NOT NULL DEFAULT 0;
UPDATE manifests SET last_activity_at = GREATEST(pushed_at, COALESCE(last_pulled_at, 0));
-- images list and summary of one repository: status filters and last_activity ordering; digest ordering uses
-- the (repository_id, digest) unique index
CREATE INDEX manifests_activity ON manifests (repository_id, last_activity_at, digest);
