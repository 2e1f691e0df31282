package dev.wharf.quota;

import dev.wharf.audit.AuditAction;
import dev.wharf.audit.AuditWriter;
import dev.wharf.storage.meta.Database;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The SQL of quotas. Usage is read from {@code namespace_blobs}, which triggers keep in step with
 * {@code repository_blobs} (migration V17), so it is exact at every commit whatever wrote the links.
 */
public final class QuotaStore {
    /** Repositories of a namespace: "ns" itself or "ns/…" (the namespace is the first path component). */
    private static final String REPOSITORY_COUNT = repositoryCount(":namespace");

    /** {@link #REPOSITORY_COUNT} of the namespace an SQL expression (a parameter or a column) names. */
    private static String repositoryCount(String namespace) {
        return "(SELECT COUNT(*) FROM repositories WHERE name = " + namespace + "\n    OR substr(name, 1, length("
                + namespace + ") + 1) = " + namespace + " || '/')";
    }

    private final Database database;

    /**
     * A namespace's usage (base total plus the changes not folded into it yet), as a scalar subquery over
     * {@code namespaceExpression}.
     */
    private static String usage(String namespaceExpression) {
        return "(SELECT COALESCE(SUM(bytes), 0) FROM (SELECT bytes FROM namespace_usage WHERE namespace = "
                + namespaceExpression + " UNION ALL SELECT bytes FROM namespace_usage_changes WHERE namespace = "
                + namespaceExpression + ") u)";
    }

    public QuotaStore(Database database) {
        this.database = database;
    }

    /** What the push path needs, in one query; empty when the namespace has no quota (the common case). */
    record Check(Long limitBytes, Long limitRepositories, int warnPercent, Instant warnedAt, long usedBytes,
            boolean blobPresent, Long blobSize, boolean repositoryExists, long repositories) {}

    Optional<Check> check(String namespace, String repository, String digest) {
        return database.jdbi().withHandle(h -> h.createQuery("""
                        SELECT q.limit_bytes, q.limit_repositories, q.warn_percent, q.warned_at,
                            """ + usage("q.namespace") + """
                             AS used,
                            (SELECT COUNT(*) FROM namespace_blobs WHERE namespace = q.namespace AND digest = :digest)
                                AS present,
                            (SELECT size FROM blobs WHERE digest = :digest) AS blob_size,
                            (SELECT COUNT(*) FROM repositories WHERE name = :repository) AS repository_exists,
                            CASE WHEN q.limit_repositories IS NULL THEN 0 ELSE""" + REPOSITORY_COUNT + """
                             END AS repositories
                        FROM namespace_quotas q WHERE q.namespace = :namespace""")
                .bind("namespace", namespace).bind("repository", repository).bind("digest", digest)
                .map((rs, ctx) -> new Check(nullableLong(rs, "limit_bytes"), nullableLong(rs, "limit_repositories"),
                        rs.getInt("warn_percent"), instant(rs, "warned_at"), rs.getLong("used"),
                        rs.getLong("present") > 0, nullableLong(rs, "blob_size"), rs.getLong("repository_exists") > 0,
                        rs.getLong("repositories")))
                .findOne());
    }

    /** The namespace's quota and usage; a namespace without a quota row has null limits. */
    public Quota get(String namespace) {
        return database.jdbi().withHandle(h -> h.createQuery("""
                        SELECT :namespace AS namespace, q.limit_bytes, q.limit_repositories,
                            COALESCE(q.warn_percent, 80) AS warn_percent, q.warned_at,
                            """ + usage(":namespace") + """
                             AS used,
                            """ + REPOSITORY_COUNT + """
                             AS repositories
                        FROM (SELECT 1 AS one) x LEFT JOIN namespace_quotas q ON q.namespace = :namespace""")
                .bind("namespace", namespace).map((rs, ctx) -> quota(rs)).one());
    }

    /** Sets the limits (null removes one) and records who did, audited in the same transaction. */
    public Quota set(String namespace, Long limitBytes, Long limitRepositories, int warnPercent, String actor,
            Instant now) {
        database.inWriteTransaction(h -> {
            h.createUpdate("""
                            INSERT INTO namespace_quotas (namespace, limit_bytes, limit_repositories, warn_percent,
                                updated_at, updated_by)
                            VALUES (:namespace, :bytes, :repos, :warn, :now, :actor)
                            ON CONFLICT (namespace) DO UPDATE SET limit_bytes = :bytes, limit_repositories = :repos,
                                warn_percent = :warn, warned_at = NULL, updated_at = :now, updated_by = :actor""")
                    .bind("namespace", namespace).bind("bytes", limitBytes).bind("repos", limitRepositories)
                    .bind("warn", warnPercent).bind("now", now.toEpochMilli()).bind("actor", actor).execute();
            AuditWriter.write(h, AuditAction.NAMESPACE_QUOTA_CHANGE, namespace, namespace,
                    Map.of("limit_bytes", String.valueOf(limitBytes), "limit_repositories",
                            String.valueOf(limitRepositories), "warn_percent", String.valueOf(warnPercent)),
                    "set the quota of " + namespace, now);
            return null;
        });
        return get(namespace);
    }

    /** Removes the namespace's quota (its usage is still counted). */
    public boolean remove(String namespace, Instant now) {
        return database.inWriteTransaction(h -> {
            int n = h.createUpdate("DELETE FROM namespace_quotas WHERE namespace = :namespace")
                    .bind("namespace", namespace).execute();
            if (n > 0) {
                AuditWriter.write(h, AuditAction.NAMESPACE_QUOTA_CHANGE, namespace, namespace, Map.of(),
                        "removed the quota of " + namespace, now);
            }
            return n > 0;
        });
    }

    /**
     * Records the warning once per crossing: only the transaction that sets {@code warned_at} writes the audit
     * event (and, through the audit listener, the {@code quota.warning} webhook), so two nodes never both warn.
     */
    boolean warn(String namespace, long used, long limit, int percent, Instant now) {
        return database.inWriteTransaction(h -> {
            int n = h.createUpdate("UPDATE namespace_quotas SET warned_at = :now"
                            + " WHERE namespace = :namespace AND warned_at IS NULL")
                    .bind("namespace", namespace).bind("now", now.toEpochMilli()).execute();
            if (n == 0) return false;
            AuditWriter.write(h, AuditAction.NAMESPACE_QUOTA_WARNING, namespace, namespace,
                    Map.of("used_bytes", Long.toString(used), "limit_bytes", Long.toString(limit),
                            "warn_percent", Integer.toString(percent)),
                    namespace + " uses " + used + " of its " + limit + " bytes (warning at " + percent + " %)", now);
            return true;
        });
    }

    /** Re-arms the warning of a namespace back under its threshold. */
    void clearWarning(String namespace) {
        database.inWriteTransaction(h -> h.createUpdate(
                        "UPDATE namespace_quotas SET warned_at = NULL WHERE namespace = :namespace")
                .bind("namespace", namespace).execute());
    }

    /** Every namespace with a quota, with its usage. */
    List<Quota> withQuotas() {
        return database.jdbi().withHandle(h -> h.createQuery("""
                        SELECT q.namespace, q.limit_bytes, q.limit_repositories, q.warn_percent, q.warned_at,
                            """ + usage("q.namespace") + """
                             AS used, 0 AS repositories
                        FROM namespace_quotas q ORDER BY q.namespace""")
                .map((rs, ctx) -> quota(rs)).list());
    }

    /** Namespaces by usage, largest first (namespaces that store nothing are left out). */
    public List<Quota> byUsage(int offset, int limit) {
        return database.jdbi().withHandle(h -> h.createQuery("""
                        SELECT u.namespace, q.limit_bytes, q.limit_repositories, COALESCE(q.warn_percent, 80)
                            AS warn_percent, q.warned_at, u.used,
                            """ + repositoryCount("u.namespace") + """
                             AS repositories
                        FROM (SELECT namespace, SUM(bytes) AS used FROM (SELECT namespace, bytes FROM namespace_usage
                                UNION ALL SELECT namespace, bytes FROM namespace_usage_changes) a
                            GROUP BY namespace HAVING SUM(bytes) > 0) u
                        LEFT JOIN namespace_quotas q ON q.namespace = u.namespace
                        ORDER BY u.used DESC, u.namespace LIMIT :limit OFFSET :offset""")
                .bind("limit", limit).bind("offset", offset).map((rs, ctx) -> quota(rs)).list());
    }

    /** How many namespaces store anything. */
    public long namespacesStoring() {
        return database.jdbi().withHandle(h -> h.createQuery(
                "SELECT COUNT(DISTINCT namespace) FROM namespace_blobs").mapTo(Long.class).one());
    }

    /**
     * Folds the usage changes into the base totals. Exactly the change rows deleted are added (PostgreSQL: one
     * statement, so a change committed meanwhile stays for the next time; SQLite: one writer at a time), and a
     * reader's single statement sees either all of them as changes or all of them in the base.
     */
    public int compact() {
        if (database.dialect() == Database.Dialect.POSTGRESQL) {
            return database.inWriteTransaction(h -> h.createUpdate("""
                    WITH gone AS (DELETE FROM namespace_usage_changes RETURNING namespace, bytes)
                    INSERT INTO namespace_usage (namespace, bytes)
                    SELECT namespace, SUM(bytes) FROM gone GROUP BY namespace
                    ON CONFLICT (namespace) DO UPDATE SET bytes = namespace_usage.bytes + EXCLUDED.bytes""")
                    .execute());
        }
        return database.inWriteTransaction(h -> {
            Long max = h.createQuery("SELECT MAX(id) FROM namespace_usage_changes").mapTo(Long.class).one();
            if (max == null) return 0;
            int n = h.createUpdate("""
                            INSERT INTO namespace_usage (namespace, bytes)
                            SELECT namespace, SUM(bytes) FROM namespace_usage_changes WHERE id <= :max
                            GROUP BY namespace
                            ON CONFLICT (namespace) DO UPDATE SET bytes = bytes + excluded.bytes""")
                    .bind("max", max).execute();
            h.createUpdate("DELETE FROM namespace_usage_changes WHERE id <= :max").bind("max", max).execute();
            return n;
        });
    }

    /**
     * Usage recounted from scratch (distinct digests of {@code repository_blobs} per namespace), to compare with
     * the maintained table; {@code wharf}'s tests and an operator's check.
     */
    public Map<String, Long> recount() {
        return database.jdbi().withHandle(h -> {
            Map<String, Long> out = new java.util.TreeMap<>();
            h.createQuery("""
                            SELECT d.namespace, SUM(b.size) AS used FROM (
                                SELECT DISTINCT CASE WHEN r.name LIKE '%/%'
                                        THEN substr(r.name, 1, """ + slashPosition() + """
                             - 1) ELSE r.name END AS namespace, rb.digest
                                FROM repository_blobs rb JOIN repositories r ON r.id = rb.repository_id) d
                            JOIN blobs b ON b.digest = d.digest GROUP BY d.namespace""")
                    .map((rs, ctx) -> Map.entry(rs.getString("namespace"), rs.getLong("used")))
                    .forEach(e -> out.put(e.getKey(), e.getValue()));
            return out;
        });
    }

    /** Usage as maintained (base + changes, what the checks read), per namespace that stores anything. */
    public Map<String, Long> maintained() {
        return database.jdbi().withHandle(h -> {
            Map<String, Long> out = new java.util.TreeMap<>();
            h.createQuery("SELECT namespace, SUM(bytes) AS used FROM (SELECT namespace, bytes FROM namespace_usage"
                            + " UNION ALL SELECT namespace, bytes FROM namespace_usage_changes) a GROUP BY namespace"
                            + " HAVING SUM(bytes) <> 0")
                    .map((rs, ctx) -> Map.entry(rs.getString("namespace"), rs.getLong("used")))
                    .forEach(e -> out.put(e.getKey(), e.getValue()));
            return out;
        });
    }

    private String slashPosition() {
        return database.dialect() == Database.Dialect.POSTGRESQL ? "strpos(r.name, '/')" : "instr(r.name, '/')";
    }

    private static Quota quota(ResultSet rs) throws SQLException {
        int warn = rs.getInt("warn_percent");
        return new Quota(rs.getString("namespace"), nullableLong(rs, "limit_bytes"),
                nullableLong(rs, "limit_repositories"), warn == 0 ? 80 : warn, instant(rs, "warned_at"),
                rs.getLong("used"), rs.getLong("repositories"));
    }

    private static Long nullableLong(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Long v = nullableLong(rs, column);
        return v == null ? null : Instant.ofEpochMilli(v);
    }
}
