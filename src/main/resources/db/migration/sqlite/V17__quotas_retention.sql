-- Namespace quotas and retention policies. SQLite dialect; keep in step with
-- db/migration/postgresql/V14__quotas_retention.sql. Instants are epoch milliseconds.

-- A namespace's limits, set by server administrators. NULL means "no limit" for either.
-- warned_at: when usage last crossed warn_percent of limit_bytes (an audit event and a quota.warning webhook were
-- written then); cleared when usage falls back under it, so the next crossing warns again.
CREATE TABLE namespace_quotas (
    namespace          TEXT PRIMARY KEY,
    limit_bytes        INTEGER,
    limit_repositories INTEGER,
    warn_percent       INTEGER NOT NULL DEFAULT 80,
    warned_at          INTEGER,
    updated_at         INTEGER NOT NULL,
    updated_by         TEXT
) STRICT, WITHOUT ROWID;

-- Every distinct blob a namespace links, with how many of its repositories link it. A namespace's usage is the sum
-- of size here (docs/hub-api.md, "Quotas"). Maintained only by the triggers below, in the transaction that links
-- or unlinks, so every path that writes repository_blobs (uploads, mounts, imports, unlinks, the collector,
-- wharf migrate) keeps it exact without knowing of it.
CREATE TABLE namespace_blobs (
    namespace TEXT NOT NULL,
    digest    TEXT NOT NULL,
    size      INTEGER NOT NULL,
    links     INTEGER NOT NULL,
    PRIMARY KEY (namespace, digest)
) STRICT, WITHOUT ROWID;

INSERT INTO namespace_blobs (namespace, digest, size, links)
SELECT CASE WHEN instr(r.name, '/') > 0 THEN substr(r.name, 1, instr(r.name, '/') - 1) ELSE r.name END,
       rb.digest, b.size, COUNT(*)
FROM repository_blobs rb JOIN repositories r ON r.id = rb.repository_id JOIN blobs b ON b.digest = rb.digest
GROUP BY 1, rb.digest, b.size;

CREATE TRIGGER namespace_blobs_link AFTER INSERT ON repository_blobs
BEGIN
    INSERT INTO namespace_blobs (namespace, digest, size, links)
    SELECT CASE WHEN instr(r.name, '/') > 0 THEN substr(r.name, 1, instr(r.name, '/') - 1) ELSE r.name END,
           NEW.digest, b.size, 1
    FROM repositories r, blobs b WHERE r.id = NEW.repository_id AND b.digest = NEW.digest
    ON CONFLICT (namespace, digest) DO UPDATE SET links = links + 1;
END;

CREATE TRIGGER namespace_blobs_unlink AFTER DELETE ON repository_blobs
BEGIN
    UPDATE namespace_blobs SET links = links - 1
    WHERE digest = OLD.digest AND namespace = (SELECT CASE WHEN instr(name, '/') > 0
            THEN substr(name, 1, instr(name, '/') - 1) ELSE name END FROM repositories WHERE id = OLD.repository_id);
    DELETE FROM namespace_blobs WHERE digest = OLD.digest AND links <= 0;
END;

-- A namespace's usage without summing all its blobs: a base total plus an append-only list of changes, written by
-- the triggers below when a namespace starts or stops linking a blob. Pushes only ever insert change rows (no row
-- is updated by two pushes, so no hot row and no lock order between namespaces); the quota sweep folds the changes
-- into the base (QuotaStore.compact). Usage = base + SUM(changes), read in one statement.
CREATE TABLE namespace_usage (
    namespace TEXT PRIMARY KEY,
    bytes     INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TABLE namespace_usage_changes (
    id        INTEGER PRIMARY KEY,
    namespace TEXT NOT NULL,
    bytes     INTEGER NOT NULL
) STRICT;
CREATE INDEX namespace_usage_changes_namespace ON namespace_usage_changes (namespace, bytes);

INSERT INTO namespace_usage (namespace, bytes) SELECT namespace, SUM(size) FROM namespace_blobs GROUP BY namespace;

CREATE TRIGGER namespace_usage_add AFTER INSERT ON namespace_blobs
BEGIN
    INSERT INTO namespace_usage_changes (namespace, bytes) VALUES (NEW.namespace, NEW.size);
END;

CREATE TRIGGER namespace_usage_remove AFTER DELETE ON namespace_blobs
BEGIN
    INSERT INTO namespace_usage_changes (namespace, bytes) VALUES (OLD.namespace, -OLD.size);
END;

-- A repository's links go before its row, so the unlink trigger still finds its namespace.
CREATE TRIGGER namespace_blobs_repository_delete BEFORE DELETE ON repositories
BEGIN
    DELETE FROM repository_blobs WHERE repository_id = OLD.id;
END;

-- Retention policies: repository = '' is the namespace's policy, which applies to its repositories without one.
-- keep_tags is a glob (* any run of characters, ? one character) matched against whole tag names.
CREATE TABLE retention_policies (
    namespace        TEXT NOT NULL,
    repository       TEXT NOT NULL DEFAULT '',
    keep_last        INTEGER,
    keep_pulled_days INTEGER,
    keep_tags        TEXT,
    interval_seconds INTEGER,
    next_run_at      INTEGER,
    updated_at       INTEGER NOT NULL,
    updated_by       TEXT,
    PRIMARY KEY (namespace, repository)
) STRICT, WITHOUT ROWID;
CREATE INDEX retention_policies_due ON retention_policies (next_run_at) WHERE next_run_at IS NOT NULL;
