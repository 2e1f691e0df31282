-- Image activity (Hub image management). Keep in step with db/migration/sqlite/V4__image_activity.sql.
-- last_activity_at = max(pushed_at, last_pulled_at), written by the store on push and on recorded pulls, so
-- "active since X" and "order by last activity" are range scans of an index instead of a per-row computation.
ALTER TABLE manifests ADD COLUMN last_activity_at BIGINT NOT NULL DEFAULT 0;
UPDATE manifests SET last_activity_at = GREATEST(pushed_at, COALESCE(last_pulled_at, 0));
-- How many indexes of the same repository list this manifest, kept by the store when indexes are stored and
-- deleted. Zero means the manifest is an image of its own; children are part of their index.
ALTER TABLE manifests ADD COLUMN index_parents BIGINT NOT NULL DEFAULT 0;
UPDATE manifests SET index_parents = (
    SELECT COUNT(*) FROM manifest_children c JOIN manifests p ON p.id = c.manifest_id
    WHERE c.child_digest = manifests.digest AND p.repository_id = manifests.repository_id);
-- Images of a repository first (children have index_parents > 0 and sort after them), for the images list, its
-- count and the summary: by last activity (status filters, last_activity ordering), then by digest. Not partial
-- indexes: with index_parents as a column SQLite can answer counts from the index alone.
CREATE INDEX manifests_images_activity ON manifests (repository_id, index_parents, last_activity_at, digest);
CREATE INDEX manifests_images_digest ON manifests (repository_id, index_parents, digest);
