-- Namespace quotas and retention policies. PostgreSQL dialect; keep in step with
-- db/migration/sqlite/V14__quotas_retention.sql. Instants are epoch milliseconds.

-- A namespace's limits, set by server administrators. NULL means "no limit" for either.
-- warned_at: when usage last crossed warn_percent of limit_bytes; cleared when usage falls back under it.
CREATE TABLE namespace_quotas (
    namespace          TEXT COLLATE "C" PRIMARY KEY,
    limit_bytes        BIGINT,
    limit_repositories BIGINT,
    warn_percent       INTEGER NOT NULL DEFAULT 80,
    warned_at          BIGINT,
    updated_at         BIGINT NOT NULL,
    updated_by         TEXT
);

-- Every distinct blob a namespace links, with how many of its repositories link it; usage = sum of size. Kept by
-- the triggers below in the linking/unlinking transaction (see the SQLite file for why triggers).
CREATE TABLE namespace_blobs (
    namespace TEXT COLLATE "C" NOT NULL,
    digest    TEXT COLLATE "C" NOT NULL,
    size      BIGINT NOT NULL,
    links     BIGINT NOT NULL,
    PRIMARY KEY (namespace, digest)
);

INSERT INTO namespace_blobs (namespace, digest, size, links)
SELECT split_part(r.name, '/', 1), rb.digest, b.size, COUNT(*)
FROM repository_blobs rb JOIN repositories r ON r.id = rb.repository_id JOIN blobs b ON b.digest = rb.digest
GROUP BY 1, rb.digest, b.size;

-- Row locks on (namespace, digest) serialize concurrent links and unlinks of one blob in one namespace; INSERT ...
-- ON CONFLICT waits for a concurrent delete of the row and then inserts afresh.
CREATE FUNCTION namespace_blobs_link() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO namespace_blobs (namespace, digest, size, links)
    SELECT split_part(r.name, '/', 1), NEW.digest, b.size, 1
    FROM repositories r, blobs b WHERE r.id = NEW.repository_id AND b.digest = NEW.digest
    ON CONFLICT (namespace, digest) DO UPDATE SET links = namespace_blobs.links + 1;
    RETURN NULL;
END $$;

CREATE FUNCTION namespace_blobs_unlink() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ns TEXT;
BEGIN
    SELECT split_part(name, '/', 1) INTO ns FROM repositories WHERE id = OLD.repository_id;
    UPDATE namespace_blobs SET links = links - 1 WHERE namespace = ns AND digest = OLD.digest;
    DELETE FROM namespace_blobs WHERE namespace = ns AND digest = OLD.digest AND links <= 0;
    RETURN NULL;
END $$;

-- A namespace's usage without summing all its blobs: a base total plus an append-only list of changes (see the
-- SQLite file); pushes only insert change rows, the quota sweep folds them into the base.
CREATE TABLE namespace_usage (
    namespace TEXT COLLATE "C" PRIMARY KEY,
    bytes     BIGINT NOT NULL
);
CREATE TABLE namespace_usage_changes (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    namespace TEXT COLLATE "C" NOT NULL,
    bytes     BIGINT NOT NULL
);
CREATE INDEX namespace_usage_changes_namespace ON namespace_usage_changes (namespace, bytes);

INSERT INTO namespace_usage (namespace, bytes) SELECT namespace, SUM(size) FROM namespace_blobs GROUP BY namespace;

CREATE FUNCTION namespace_usage_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO namespace_usage_changes (namespace, bytes) VALUES (NEW.namespace, NEW.size);
    ELSE
        INSERT INTO namespace_usage_changes (namespace, bytes) VALUES (OLD.namespace, -OLD.size);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER namespace_usage_change AFTER INSERT OR DELETE ON namespace_blobs
    FOR EACH ROW EXECUTE FUNCTION namespace_usage_change();

CREATE FUNCTION namespace_blobs_repository_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM repository_blobs WHERE repository_id = OLD.id;
    RETURN OLD;
END $$;

CREATE TRIGGER namespace_blobs_link AFTER INSERT ON repository_blobs
    FOR EACH ROW EXECUTE FUNCTION namespace_blobs_link();
CREATE TRIGGER namespace_blobs_unlink AFTER DELETE ON repository_blobs
    FOR EACH ROW EXECUTE FUNCTION namespace_blobs_unlink();
-- A repository's links go before its row, so the unlink trigger still finds its namespace.
CREATE TRIGGER namespace_blobs_repository_delete BEFORE DELETE ON repositories
    FOR EACH ROW EXECUTE FUNCTION namespace_blobs_repository_delete();

-- Retention policies: repository = '' is the namespace's policy, which applies to its repositories without one.
-- keep_tags is a glob (* any run of characters, ? one character) matched against whole tag names.
CREATE TABLE retention_policies (
    namespace        TEXT COLLATE "C" NOT NULL,
    repository       TEXT COLLATE "C" NOT NULL DEFAULT '',
    keep_last        INTEGER,
    keep_pulled_days INTEGER,
    keep_tags        TEXT,
    interval_seconds BIGINT,
    next_run_at      BIGINT,
    updated_at       BIGINT NOT NULL,
    updated_by       TEXT,
    PRIMARY KEY (namespace, repository)
);
CREATE INDEX retention_policies_due ON retention_policies (next_run_at) WHERE next_run_at IS NOT NULL;
