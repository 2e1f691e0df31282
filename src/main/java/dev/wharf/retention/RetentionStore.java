package dev.wharf.retention;

import dev.wharf.storage.meta.Database;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The SQL of retention: policies (migration V17) and the image rows a plan is made of. */
public final class RetentionStore {
    private final Database database;

    public RetentionStore(Database database) {
        this.database = database;
    }

    /** The policy of a repository ({@code repository} = full name) or of a namespace ({@code repository} = ""). */
    public Optional<RetentionPolicy> get(String namespace, String repository) {
        return database.jdbi().withHandle(h -> h.createQuery("""
                        SELECT keep_last, keep_pulled_days, keep_tags, interval_seconds FROM retention_policies
                        WHERE namespace = :ns AND repository = :repo""")
                .bind("ns", namespace).bind("repo", repository).map((rs, ctx) -> policy(rs)).findOne());
    }

    /** The repository's own policy, else its namespace's. */
    public Optional<RetentionPolicy> effective(String namespace, String repository) {
        return get(namespace, repository).or(() -> get(namespace, ""));
    }

    public void put(String namespace, String repository, RetentionPolicy p, String actor, Instant now) {
        database.inWriteTransaction(h -> h.createUpdate("""
                        INSERT INTO retention_policies (namespace, repository, keep_last, keep_pulled_days, keep_tags,
                            interval_seconds, next_run_at, updated_at, updated_by)
                        VALUES (:ns, :repo, :last, :days, :tags, :interval, :next, :now, :actor)
                        ON CONFLICT (namespace, repository) DO UPDATE SET keep_last = :last,
                            keep_pulled_days = :days, keep_tags = :tags, interval_seconds = :interval,
                            next_run_at = :next, updated_at = :now, updated_by = :actor""")
                .bind("ns", namespace).bind("repo", repository).bind("last", p.keepLast())
                .bind("days", p.keepPulledDays()).bind("tags", p.keepTags()).bind("interval", p.intervalSeconds())
                .bind("next", p.intervalSeconds() == null ? null : now.toEpochMilli() + p.intervalSeconds() * 1000)
                .bind("now", now.toEpochMilli()).bind("actor", actor).execute());
    }

    public boolean delete(String namespace, String repository) {
        return database.inWriteTransaction(h -> h.createUpdate(
                        "DELETE FROM retention_policies WHERE namespace = :ns AND repository = :repo")
                .bind("ns", namespace).bind("repo", repository).execute()) > 0;
    }

    /**
     * Runs {@code work} in one write transaction. Store calls {@code work} makes on this thread join it (such as
     * {@code MetadataStore.deleteImage}): Jdbi hands the thread's open handle to nested calls, and a transaction
     * opened on a handle already in one joins it. A batch of deletions thus commits (or rolls back) as one.
     */
    <R> R inOneTransaction(java.util.function.Supplier<R> work) {
        return database.inWriteTransaction(h -> work.get());
    }

    /** Ids of the runs with this caption (one scope's), newest first. */
    List<String> runIds(String caption, long offset, int limit) {
        return database.jdbi().withHandle(h -> h.createQuery("""
                        SELECT id FROM jobs WHERE hub = :hub AND type = :type AND caption = :caption
                        ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :offset""")
                .bind("hub", RetentionService.JOB_HUB).bind("type", RetentionService.JOB_TYPE)
                .bind("caption", caption).bind("limit", limit).bind("offset", offset)
                .mapTo(String.class).list());
    }

    long runCount(String caption) {
        return database.jdbi().withHandle(h -> h.createQuery(
                        "SELECT COUNT(*) FROM jobs WHERE hub = :hub AND type = :type AND caption = :caption")
                .bind("hub", RetentionService.JOB_HUB).bind("type", RetentionService.JOB_TYPE)
                .bind("caption", caption).mapTo(Long.class).one());
    }

    /** Repositories of a namespace (full names), for a namespace policy's run. */
    List<String> repositories(String namespace) {
        return database.jdbi().withHandle(h -> h.createQuery("""
                        SELECT name FROM repositories WHERE substr(name, 1, length(:ns) + 1) = :ns || '/'
                        ORDER BY name""").bind("ns", namespace).mapTo(String.class).list());
    }

    /** An image of a repository (a manifest no index of it lists) with its current tags. */
    record ImageRow(long id, String digest, Instant pushedAt, Instant lastPulled, String subject,
            List<String> tags) {}

    List<ImageRow> images(String repository) {
        return database.jdbi().withHandle(h -> {
            Map<Long, List<String>> tags = new HashMap<>();
            h.createQuery("""
                            SELECT m.id, t.name FROM tags t JOIN repositories r ON r.id = t.repository_id
                            JOIN manifests m ON m.repository_id = t.repository_id AND m.digest = t.manifest_digest
                            WHERE r.name = :repo ORDER BY t.name""")
                    .bind("repo", repository)
                    .map((rs, ctx) -> Map.entry(rs.getLong(1), rs.getString(2)))
                    .forEach(e -> tags.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue()));
            return h.createQuery("""
                            SELECT m.id, m.digest, m.pushed_at, m.last_pulled_at, m.subject_digest
                            FROM manifests m JOIN repositories r ON r.id = m.repository_id
                            WHERE r.name = :repo AND m.index_parents = 0
                            ORDER BY m.pushed_at DESC, m.id DESC""")
                    .bind("repo", repository)
                    .map((rs, ctx) -> new ImageRow(rs.getLong(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3)),
                            nullableInstant(rs, 4), rs.getString(5), tags.getOrDefault(rs.getLong(1), List.of())))
                    .list();
        });
    }

    /** Bytes of the blobs that the {@code gone} manifests reference and no other manifest of the repository does. */
    long bytesOnlyReferencedBy(String repository, List<Long> gone) {
        if (gone.isEmpty()) return 0;
        return database.jdbi().withHandle(h -> h.createQuery("""
                        SELECT COALESCE(SUM(b.size), 0) FROM blobs b WHERE b.digest IN (
                            SELECT mb.digest FROM manifest_blobs mb WHERE mb.manifest_id IN (<gone>))
                        AND NOT EXISTS (SELECT 1 FROM manifest_blobs o JOIN manifests om ON om.id = o.manifest_id
                            JOIN repositories r ON r.id = om.repository_id
                            WHERE r.name = :repo AND o.digest = b.digest AND om.id NOT IN (<gone>))""")
                .bindList("gone", gone).bind("repo", repository).mapTo(Long.class).one());
    }

    /**
     * Claims the policies due now by moving their next run on, and calls {@code submit} in that same transaction:
     * only the node whose conditional update wins submits the run, and a node dying in between submits nothing
     * and leaves the policy due.
     */
    int claimDue(Instant now, java.util.function.BiConsumer<org.jdbi.v3.core.Handle, String[]> submit) {
        List<String[]> due = database.jdbi().withHandle(h -> h.createQuery("""
                        SELECT namespace, repository, interval_seconds FROM retention_policies
                        WHERE next_run_at IS NOT NULL AND next_run_at <= :now""")
                .bind("now", now.toEpochMilli())
                .map((rs, ctx) -> new String[] {rs.getString(1), rs.getString(2), rs.getString(3)})
                .list());
        int claimed = 0;
        for (String[] d : due) {
            long interval = Long.parseLong(d[2]);
            boolean won = database.inWriteTransaction(h -> {
                int n = h.createUpdate("""
                                UPDATE retention_policies SET next_run_at = :next
                                WHERE namespace = :ns AND repository = :repo AND next_run_at <= :now""")
                        .bind("next", now.toEpochMilli() + interval * 1000).bind("ns", d[0]).bind("repo", d[1])
                        .bind("now", now.toEpochMilli()).execute();
                if (n == 1) submit.accept(h, new String[] {d[0], d[1]});
                return n == 1;
            });
            if (won) claimed++;
        }
        return claimed;
    }

    private static RetentionPolicy policy(ResultSet rs) throws SQLException {
        Integer last = rs.getObject("keep_last") == null ? null : rs.getInt("keep_last");
        Integer days = rs.getObject("keep_pulled_days") == null ? null : rs.getInt("keep_pulled_days");
        Long interval = rs.getObject("interval_seconds") == null ? null : rs.getLong("interval_seconds");
        return new RetentionPolicy(last, days, rs.getString("keep_tags"), interval);
    }

    private static Instant nullableInstant(ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(v);
    }
}
