package dev.wharf.storage.meta;

import dev.wharf.model.Digest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jdbi.v3.core.Jdbi;

/**
 * The garbage collector's view of the metadata: untagged manifests past their grace period, the blob review
 * queue, and the two transactions that take a blob out of the registry (condemn, then finish). Every method is
 * one transaction; the rules and the races they close are in docs/ARCHITECTURE.md, "Garbage collection".
 *
 * <p>On PostgreSQL, blob rows are claimed with {@code FOR UPDATE SKIP LOCKED}, so collectors on several nodes
 * work on different blobs, and skip the blobs a push, mount or upload holds at that moment. On SQLite writers are
 * serialized by {@link Database#inWriteTransaction}, which gives the same guarantees with no row locks.
 */
public final class GarbageStore {

    /** Puts a blob in the review queue (or moves its review later): binds {@code digest}, {@code now}. */
    static final String TOUCH_REVIEW = """
            INSERT INTO gc_blob_queue (digest, touched_at) VALUES (:digest, :now)
            ON CONFLICT (digest) DO UPDATE SET touched_at = CASE
                WHEN excluded.touched_at > gc_blob_queue.touched_at THEN excluded.touched_at
                ELSE gc_blob_queue.touched_at END""";

    /** Queues every blob of the manifest {@code id}, in digest order (the collector's lock order). */
    static final String REVIEW_MANIFEST_BLOBS = """
            INSERT INTO gc_blob_queue (digest, touched_at)
            SELECT digest, :now FROM manifest_blobs WHERE manifest_id = :id ORDER BY digest
            ON CONFLICT (digest) DO UPDATE SET touched_at = CASE
                WHEN excluded.touched_at > gc_blob_queue.touched_at THEN excluded.touched_at
                ELSE gc_blob_queue.touched_at END""";

    /** An untagged manifest the rules let go. */
    public record ManifestCandidate(String repository, Digest digest) {}

    /** A blob with its size, as the collector deletes it. */
    public record BlobRow(Digest digest, long size) {}

    /** Deletes the bytes of condemned blobs; returns those it deleted (or found already gone). */
    @FunctionalInterface
    public interface BytesDeleter {
        List<BlobRow> delete(List<BlobRow> condemned);
    }

    /** One recorded pass. */
    public record Pass(String node, Instant startedAt, Instant finishedAt, boolean dryRun, long manifestsDeleted,
            long blobsDeleted, long bytesReclaimed, String error) {}

    /** Sums over every recorded pass that was not a dry run, and the latest pass of any kind. */
    public record Totals(long passes, long manifestsDeleted, long blobsDeleted, long bytesReclaimed,
            Optional<Pass> last) {}

    /** Kept pass rows; older ones are folded into nothing (the totals are for recent history, Prometheus keeps more). */
    static final int KEPT_PASSES = 10_000;

    private final Database database;
    private final Jdbi jdbi;
    private final String forUpdate;
    private final String skipLocked;

    public GarbageStore(Database database) {
        this.database = database;
        this.jdbi = database.jdbi();
        boolean rowLocks = database.dialect() == Database.Dialect.POSTGRESQL;
        this.forUpdate = rowLocks ? " FOR UPDATE" : "";
        this.skipLocked = rowLocks ? " SKIP LOCKED" : "";
    }

    // --- manifests --------------------------------------------------------------------------------------

    /**
     * Manifests no tag points at, no index of their repository lists, whose subject (if any) is not in their
     * repository, and that were neither pushed nor pulled since {@code cutoff}; oldest activity first. The caller
     * deletes each with {@link MetadataStore#deleteImage} and a guard, which re-checks tags, indexes and activity
     * under the row lock.
     */
    public List<ManifestCandidate> untaggedManifests(Instant cutoff, int limit) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT r.name, m.digest FROM manifests m JOIN repositories r ON r.id = m.repository_id
                        WHERE m.index_parents = 0 AND m.last_activity_at < :cutoff
                          AND NOT EXISTS (SELECT 1 FROM tags t
                                          WHERE t.repository_id = m.repository_id AND t.manifest_digest = m.digest)
                          AND (m.subject_digest IS NULL
                               OR NOT EXISTS (SELECT 1 FROM manifests s
                                              WHERE s.repository_id = m.repository_id
                                                AND s.digest = m.subject_digest))
                        ORDER BY m.last_activity_at, m.id LIMIT :limit""")
                .bind("cutoff", cutoff.toEpochMilli())
                .bind("limit", limit)
                .map((rs, ctx) -> new ManifestCandidate(rs.getString(1), Digest.parse(rs.getString(2))))
                .list());
    }

    // --- blobs ------------------------------------------------------------------------------------------

    /**
     * Blobs a pass would condemn now (queued, due, referenced by no manifest) and blobs already condemned whose
     * bytes are still to be deleted; no locks, nothing changes. Two index range scans (the due part of the queue,
     * the condemned rows), never a scan of every blob.
     */
    public List<BlobRow> collectableBlobs(Instant cutoff, int limit) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT b.digest, b.size FROM gc_blob_queue q JOIN blobs b ON b.digest = q.digest
                        WHERE q.touched_at <= :cutoff AND b.condemned_at IS NULL
                          AND NOT EXISTS (SELECT 1 FROM manifest_blobs mb WHERE mb.digest = q.digest)
                        UNION ALL
                        SELECT digest, size FROM blobs WHERE condemned_at IS NOT NULL
                        ORDER BY 1 LIMIT :limit""")
                .bind("cutoff", cutoff.toEpochMilli())
                .bind("limit", limit)
                .map((rs, ctx) -> new BlobRow(Digest.parse(rs.getString(1)), rs.getLong(2)))
                .list());
    }

    /**
     * First transaction of a blob's deletion. Claims up to {@code limit} due queue entries (blob row locked first,
     * skipping rows another transaction holds), re-reads them with that lock held, drops from the queue the ones
     * a manifest references, and condemns the rest: every repository link removed, {@code condemned_at} set,
     * generation bumped. After this commits nothing can link the blob again; an upload of the same digest can
     * only take the row back by reserving it (which un-condemns it).
     *
     * @return how many queue entries were reviewed (0: nothing is due) and the blobs condemned
     */
    public Review condemn(Instant cutoff, int limit, Instant now) {
        return database.inWriteTransaction(h -> {
            List<String> claimed = h.createQuery("""
                            SELECT b.digest FROM gc_blob_queue q JOIN blobs b ON b.digest = q.digest
                            WHERE q.touched_at <= :cutoff AND b.condemned_at IS NULL
                            ORDER BY q.touched_at LIMIT :limit""" + (forUpdate.isEmpty() ? "" : " FOR UPDATE OF b")
                            + skipLocked)
                    .bind("cutoff", cutoff.toEpochMilli())
                    .bind("limit", limit)
                    .mapTo(String.class)
                    .list();
            if (claimed.isEmpty()) return new Review(0, List.of());
            // With the blob rows locked, nothing but a manifest deletion can touch these queue rows; lock them in
            // digest order (the order deleteImage queues in) and read them again: a statement of its own sees
            // every transaction committed before our locks were granted.
            Map<String, Long> touched = new TreeMap<>();
            h.createQuery("SELECT digest, touched_at FROM gc_blob_queue WHERE digest IN (<digests>) ORDER BY digest"
                            + forUpdate)
                    .bindList("digests", claimed)
                    .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getLong(2)))
                    .forEach(e -> touched.put(e.getKey(), e.getValue()));
            Set<String> due = new TreeSet<>();
            touched.forEach((digest, at) -> {
                if (at <= cutoff.toEpochMilli()) due.add(digest);
            });
            if (due.isEmpty()) return new Review(claimed.size(), List.of());
            Set<String> referenced = h.createQuery(
                            "SELECT DISTINCT digest FROM manifest_blobs WHERE digest IN (<digests>)")
                    .bindList("digests", List.copyOf(due))
                    .mapTo(String.class)
                    .set();
            // Referenced blobs leave the queue; deleting the last manifest that references one queues it again.
            List<String> unreferenced = new ArrayList<>();
            for (String digest : due) if (!referenced.contains(digest)) unreferenced.add(digest);
            h.createUpdate("DELETE FROM gc_blob_queue WHERE digest IN (<digests>)")
                    .bindList("digests", List.copyOf(due))
                    .execute();
            if (unreferenced.isEmpty()) return new Review(claimed.size(), List.of());
            h.createUpdate("DELETE FROM repository_blobs WHERE digest IN (<digests>)")
                    .bindList("digests", unreferenced)
                    .execute();
            List<BlobRow> condemned = h.createQuery("""
                            UPDATE blobs SET condemned_at = :now, generation = generation + 1
                            WHERE digest IN (<digests>) RETURNING digest, size""")
                    .bindList("digests", unreferenced)
                    .bind("now", now.toEpochMilli())
                    .map((rs, ctx) -> new BlobRow(Digest.parse(rs.getString(1)), rs.getLong(2)))
                    .list();
            return new Review(claimed.size(), condemned);
        });
    }

    /** What {@link #condemn} did: entries reviewed and blobs condemned. */
    public record Review(int reviewed, List<BlobRow> condemned) {}

    /**
     * Second transaction: claims up to {@code limit} condemned rows (any node's, including those a crashed
     * collector left), deletes their bytes while holding the row locks, then the rows. An upload that reserves one
     * of these digests waits for the lock and then creates a fresh row, so it publishes only after the bytes were
     * deleted; one that reserved first has un-condemned the row, which is then no longer claimed here. On SQLite
     * the byte deletion runs inside the writer lock: other writers wait for one batch.
     *
     * @return the blobs whose bytes and rows were deleted
     */
    public List<BlobRow> finish(int limit, BytesDeleter bytes) {
        return database.inWriteTransaction(h -> {
            List<BlobRow> claimed = h.createQuery("""
                            SELECT digest, size FROM blobs WHERE condemned_at IS NOT NULL
                            ORDER BY digest LIMIT :limit""" + forUpdate + skipLocked)
                    .bind("limit", limit)
                    .map((rs, ctx) -> new BlobRow(Digest.parse(rs.getString(1)), rs.getLong(2)))
                    .list();
            if (claimed.isEmpty()) return List.of();
            List<BlobRow> deleted = bytes.delete(claimed);
            if (deleted.isEmpty()) return List.of();
            h.createUpdate("DELETE FROM blobs WHERE digest IN (<digests>) AND condemned_at IS NOT NULL")
                    .bindList("digests", deleted.stream().map(b -> b.digest().toString()).toList())
                    .execute();
            return deleted;
        });
    }

    /** Blobs waiting in the review queue (due or not) plus condemned blobs whose bytes are not yet deleted. */
    public long queueLength() {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT (SELECT COUNT(*) FROM gc_blob_queue)
                             + (SELECT COUNT(*) FROM blobs WHERE condemned_at IS NOT NULL)""")
                .mapTo(Long.class)
                .one());
    }

    // --- passes -----------------------------------------------------------------------------------------

    public void recordPass(Pass pass) {
        database.inWriteTransaction(h -> {
            h.createUpdate("""
                            INSERT INTO gc_passes (node, started_at, finished_at, dry_run, manifests_deleted,
                                blobs_deleted, bytes_reclaimed, error)
                            VALUES (:node, :started, :finished, :dryRun, :manifests, :blobs, :bytes, :error)""")
                    .bind("node", pass.node())
                    .bind("started", pass.startedAt().toEpochMilli())
                    .bind("finished", pass.finishedAt().toEpochMilli())
                    .bind("dryRun", pass.dryRun())
                    .bind("manifests", pass.manifestsDeleted())
                    .bind("blobs", pass.blobsDeleted())
                    .bind("bytes", pass.bytesReclaimed())
                    .bind("error", pass.error())
                    .execute();
            return h.createUpdate("DELETE FROM gc_passes WHERE id <= (SELECT MAX(id) FROM gc_passes) - :kept")
                    .bind("kept", KEPT_PASSES)
                    .execute();
        });
    }

    public Totals totals() {
        return jdbi.withHandle(h -> {
            Optional<Pass> last = h.createQuery("""
                            SELECT node, started_at, finished_at, dry_run, manifests_deleted, blobs_deleted,
                                bytes_reclaimed, error
                            FROM gc_passes ORDER BY id DESC LIMIT 1""")
                    .map((rs, ctx) -> new Pass(rs.getString(1), Instant.ofEpochMilli(rs.getLong(2)),
                            Instant.ofEpochMilli(rs.getLong(3)), rs.getBoolean(4), rs.getLong(5), rs.getLong(6),
                            rs.getLong(7), rs.getString(8)))
                    .findOne();
            return h.createQuery("""
                            SELECT COUNT(*), COALESCE(SUM(manifests_deleted), 0), COALESCE(SUM(blobs_deleted), 0),
                                COALESCE(SUM(bytes_reclaimed), 0)
                            FROM gc_passes WHERE dry_run = :no""")
                    .bind("no", false)
                    .map((rs, ctx) -> new Totals(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), last))
                    .one();
        });
    }
}
