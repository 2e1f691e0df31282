package dev.wharf.storage.meta;

import dev.wharf.audit.AuditAction;
import dev.wharf.audit.AuditWriter;
import dev.wharf.model.Digest;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * Repositories of {@link SqlMetadataStore}: creating one on first write (audited), finding and listing them, and
 * deleting one with everything that hangs off it. Other aggregates create repositories through {@link #ensure}
 * inside their own transaction, which also takes the repository row lock every writer takes first.
 */
final class SqlRepositories extends SqlAggregate {

    SqlRepositories(Database database) {
        super(database);
    }

    RepositoryRecord ensure(String name, Instant now) {
        return database.inWriteTransaction(h -> ensure(h, name, now));
    }

    RepositoryRecord ensure(Handle h, String name, Instant now) {
        for (int attempt = 0; attempt < RACE_ATTEMPTS; attempt++) {
            int created = h.createUpdate("INSERT INTO repositories (name, created_at) VALUES (:name, :now)"
                            + " ON CONFLICT (name) DO NOTHING")
                    .bind("name", name)
                    .bind("now", now.toEpochMilli())
                    .execute();
            if (created > 0) {
                AuditWriter.write(h, AuditAction.REPO_CREATE, AuditWriter.namespaceOf(name), name, Map.of(),
                        "created the repository " + name, now);
            }
            // FOR KEY SHARE (PostgreSQL): every writer into a repository holds this before any other row lock, so
            // a repository delete (which takes the row FOR UPDATE first) and a push, link or mount take turns
            // instead of each waiting for a row the other holds.
            Optional<RepositoryRecord> found = h.createQuery(
                            "SELECT id, name, created_at FROM repositories WHERE name = :name" + forKeyShare)
                    .bind("name", name)
                    .map(MetadataRows::repository)
                    .findOne();
            if (found.isPresent()) return found.get();
            // Deleted by a repository delete we waited for: create it again.
        }
        throw new IllegalStateException("repository " + name + " kept disappearing while being written to");
    }

    Optional<RepositoryRecord> find(String name) {
        return jdbi.withHandle(h -> h.createQuery("SELECT id, name, created_at FROM repositories WHERE name = :name")
                .bind("name", name)
                .map(MetadataRows::repository)
                .findOne());
    }

    /** The repository's id, if it exists. */
    static Optional<Long> id(Handle h, String name) {
        return h.createQuery("SELECT id FROM repositories WHERE name = :name")
                .bind("name", name)
                .mapTo(Long.class)
                .findOne();
    }

    List<String> list(String after, int limit) {
        // "" sorts before every name, so one statement (and one index range scan) covers "from the start".
        return jdbi.withHandle(h -> h.createQuery(
                        "SELECT name FROM repositories WHERE name > :after ORDER BY name LIMIT :limit")
                .bind("after", after == null ? "" : after)
                .bind("limit", limit)
                .mapTo(String.class)
                .list());
    }

    /**
     * Writers that do not go through {@link #ensure} (manifest deletes, pull statistics) lock a manifest
     * row before the repository row's foreign key; against a repository delete that can be a deadlock, which
     * PostgreSQL breaks by failing one side. When that side is the delete, it runs again.
     */
    boolean delete(String repository, Instant now) {
        for (int attempt = 1; ; attempt++) {
            try {
                return deleteOnce(repository, now);
            } catch (RuntimeException e) {
                if (attempt >= RACE_ATTEMPTS || !isDeadlock(e)) throw e;
            }
        }
    }

    private static boolean isDeadlock(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLException sql && "40P01".equals(sql.getSQLState())) return true;
        }
        return false;
    }

    private boolean deleteOnce(String repository, Instant now) {
        return database.inWriteTransaction(h -> {
            Optional<Long> found = h.createQuery("SELECT id FROM repositories WHERE name = :name" + forUpdate)
                    .bind("name", repository)
                    .mapTo(Long.class)
                    .findOne();
            if (found.isEmpty()) return false;
            long id = found.get();
            ImmutableTags policy = SqlRepositoryPolicies.immutableTags(h, id);
            List<String[]> tags = h.createQuery(
                            "SELECT name, manifest_digest FROM tags WHERE repository_id = :id ORDER BY name" + forUpdate)
                    .bind("id", id)
                    .map((rs, ctx) -> new String[] {rs.getString(1), rs.getString(2)})
                    .list();
            for (String[] tag : tags) {
                if (policy.protects(tag[0])) throw new ImmutableTagException(tag[0], Digest.parse(tag[1]));
            }
            long manifests = h.createQuery("SELECT COUNT(*) FROM manifests WHERE repository_id = :id")
                    .bind("id", id).mapTo(Long.class).one();
            // Every blob the repository used or linked may be garbage now; the collector reviews each after the
            // blob grace period. Queue rows first and in digest order, the collector's lock order, and before
            // the links go (the collector removes links while it holds a queue row).
            h.createUpdate("""
                            INSERT INTO gc_blob_queue (digest, touched_at)
                            SELECT d.digest, :now FROM (
                                SELECT mb.digest FROM manifest_blobs mb JOIN manifests m ON m.id = mb.manifest_id
                                WHERE m.repository_id = :id
                                UNION SELECT digest FROM repository_blobs WHERE repository_id = :id) d
                            WHERE true ORDER BY d.digest
                            ON CONFLICT (digest) DO UPDATE SET touched_at = CASE
                                WHEN excluded.touched_at > gc_blob_queue.touched_at THEN excluded.touched_at
                                ELSE gc_blob_queue.touched_at END""")
                    .bind("id", id)
                    .bind("now", now.toEpochMilli())
                    .execute();
            // Explicit rather than relying on ON DELETE CASCADE, which SQLite only honours with foreign_keys=ON;
            // tables keyed by the name (not the id) have no foreign key at all.
            for (String sql : List.of(
                    "DELETE FROM manifest_blobs WHERE manifest_id IN (SELECT id FROM manifests WHERE repository_id = :id)",
                    "DELETE FROM manifest_children"
                            + " WHERE manifest_id IN (SELECT id FROM manifests WHERE repository_id = :id)",
                    "DELETE FROM tags WHERE repository_id = :id",
                    "DELETE FROM tag_history WHERE repository_id = :id",
                    "DELETE FROM manifests WHERE repository_id = :id",
                    "DELETE FROM repository_blobs WHERE repository_id = :id",
                    "DELETE FROM repository_pull_days WHERE repository_id = :id",
                    "DELETE FROM repository_policies WHERE repository_id = :id")) {
                h.createUpdate(sql).bind("id", id).execute();
            }
            for (String table : List.of("repository_details", "repository_settings", "team_repository_permissions")) {
                h.createUpdate("DELETE FROM " + table + " WHERE repository = :name").bind("name", repository).execute();
            }
            h.createUpdate("DELETE FROM repositories WHERE id = :id").bind("id", id).execute();
            AuditWriter.write(h, AuditAction.REPO_DELETE, AuditWriter.namespaceOf(repository), repository,
                    Map.of("tags", String.valueOf(tags.size()), "manifests", String.valueOf(manifests)),
                    "deleted the repository " + repository + " (" + tags.size() + " tags, " + manifests
                            + " manifests)", now);
            return true;
        });
    }
}
