-- Dockerfile builds. SQLite dialect; keep in step with db/migration/postgresql/V11__image_builds.sql.
-- Instants are epoch milliseconds.

-- What POST /v1/images was given for this image: build {args, use_disk} and override {target, targz_url}
-- (JSON objects, NULL when absent). The import and build jobs read them.
ALTER TABLE images ADD COLUMN build_json TEXT;
ALTER TABLE images ADD COLUMN override_json TEXT;

-- The log of an image's latest build (buildah's output, bounded in size by the build job).
CREATE TABLE image_build_logs (
    id         TEXT PRIMARY KEY,
    hub        TEXT NOT NULL,
    image_id   TEXT NOT NULL UNIQUE REFERENCES images (id),
    log        TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
