package dev.wharf.storage.meta;

import dev.wharf.model.Digest;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;

/**
 * Blobs and their repository links in {@link SqlMetadataStore}: reserving a blob row before its bytes are published,
 * linking it after, mounting, unlinking and sizes. Every link and unlink puts the blob in the collector's review
 * queue ({@link GarbageStore}); a blob's generation tells a publisher whether the collector condemned it meanwhile.
 */
final class SqlBlobLinks extends SqlAggregate {

    private final SqlRepositories repositories;

    SqlBlobLinks(Database database, SqlRepositories repositories) {
        super(database);
        this.repositories = repositories;
    }

    void linkBlob(String repository, Digest digest, long size, Instant now) {
        database.inWriteTransaction(h -> {
            long generation = reserveBlob(h, digest, size, now);
            return link(h, repository, digest, generation, now);
        });
    }

    long reserveBlob(Digest digest, long size, Instant now) {
        return database.inWriteTransaction(h -> reserveBlob(h, digest, size, now));
    }

    /**
     * Makes sure a live (not condemned) row exists for the blob and restarts its grace period. The UPDATE takes
     * the row lock, so on PostgreSQL it waits for a collector that is deleting the bytes of a condemned row; once
     * that collector commits, the row is gone and is created again here.
     */
    private long reserveBlob(Handle h, Digest digest, long size, Instant now) {
        for (int attempt = 0; attempt < RACE_ATTEMPTS; attempt++) {
            // A digest names its content, so the first recorded size stays.
            h.createUpdate("""
                            INSERT INTO blobs (digest, size, created_at) VALUES (:digest, :size, :now)
                            ON CONFLICT (digest) DO NOTHING""")
                    .bind("digest", digest.toString())
                    .bind("size", size)
                    .bind("now", now.toEpochMilli())
                    .execute();
            Optional<Long> generation = h.createQuery(
                            "UPDATE blobs SET condemned_at = NULL WHERE digest = :digest RETURNING generation")
                    .bind("digest", digest.toString())
                    .mapTo(Long.class)
                    .findOne();
            if (generation.isPresent()) {
                touchReview(h, digest, now);
                return generation.get();
            }
            // deleted by a collector between the two statements: insert again
        }
        throw new IllegalStateException("blob " + digest + " kept disappearing while being reserved");
    }

    boolean linkReservedBlob(String repository, Digest digest, long generation, Instant now) {
        return database.inWriteTransaction(h -> link(h, repository, digest, generation, now));
    }

    /**
     * Links a reserved blob unless the collector condemned it since (its generation moved on): its bytes may be
     * gone then. FOR SHARE keeps a collector from condemning it until we commit.
     */
    private boolean link(Handle h, String repository, Digest digest, long generation, Instant now) {
        Optional<Long> current = h.createQuery(
                        "SELECT generation FROM blobs WHERE digest = :digest AND condemned_at IS NULL" + forShare)
                .bind("digest", digest.toString())
                .mapTo(Long.class)
                .findOne();
        if (current.isEmpty() || current.get() != generation) return false;
        insertLink(h, repositories.ensure(h, repository, now).id(), digest, now);
        return true;
    }

    List<String> repositoriesLinking(Digest digest, int limit) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT r.name FROM repository_blobs rb JOIN repositories r ON r.id = rb.repository_id
                        WHERE rb.digest = :digest ORDER BY r.name LIMIT :limit""")
                .bind("digest", digest.toString()).bind("limit", limit)
                .mapTo(String.class).list());
    }

    boolean mountBlob(String repository, String from, Digest digest, Instant now) {
        java.util.Objects.requireNonNull(from, "from");
        return database.inWriteTransaction(h -> {
            // A blob with a link has published bytes (links are only made after publishing and are removed
            // before a collector deletes bytes); the shared row lock keeps it that way until we commit.
            boolean live = h.createQuery(
                            "SELECT 1 FROM blobs WHERE digest = :digest AND condemned_at IS NULL" + forShare)
                    .bind("digest", digest.toString())
                    .mapTo(Integer.class)
                    .findOne()
                    .isPresent();
            if (!live) return false;
            Query linked = h.createQuery("""
                            SELECT 1 FROM repository_blobs rb JOIN repositories r ON r.id = rb.repository_id
                            WHERE r.name = :from AND rb.digest = :digest""")
                    .bind("digest", digest.toString()).bind("from", from);
            if (linked.mapTo(Integer.class).findOne().isEmpty()) return false;
            insertLink(h, repositories.ensure(h, repository, now).id(), digest, now);
            return true;
        });
    }

    private static void insertLink(Handle h, long repositoryId, Digest digest, Instant now) {
        h.createUpdate("""
                        INSERT INTO repository_blobs (repository_id, digest, linked_at) VALUES (:repo, :digest, :now)
                        ON CONFLICT (repository_id, digest) DO NOTHING""")
                .bind("repo", repositoryId)
                .bind("digest", digest.toString())
                .bind("now", now.toEpochMilli())
                .execute();
        touchReview(h, digest, now);
    }

    /** Puts the blob in the collector's review queue, due one blob grace period from {@code now}. */
    static void touchReview(Handle h, Digest digest, Instant now) {
        h.createUpdate(GarbageStore.TOUCH_REVIEW)
                .bind("digest", digest.toString())
                .bind("now", now.toEpochMilli())
                .execute();
    }

    OptionalLong linkedBlobSize(String repository, Digest digest) {
        return toOptionalLong(jdbi.withHandle(h -> h.createQuery("""
                        SELECT b.size FROM repository_blobs rb
                        JOIN repositories r ON r.id = rb.repository_id
                        JOIN blobs b ON b.digest = rb.digest
                        WHERE r.name = :repo AND rb.digest = :digest""")
                .bind("repo", repository)
                .bind("digest", digest.toString())
                .mapTo(Long.class)
                .findOne()));
    }

    boolean unlinkBlob(String repository, Digest digest, Instant now) {
        return database.inWriteTransaction(h -> {
            // Blob row first, as every writer does, so this never waits in a circle with a collector that holds
            // the blob row and its queue row and is removing the links.
            h.createQuery("SELECT 1 FROM blobs WHERE digest = :digest" + forShare)
                    .bind("digest", digest.toString())
                    .mapTo(Integer.class)
                    .findOne();
            boolean removed = h.createUpdate("""
                            DELETE FROM repository_blobs
                            WHERE repository_id = (SELECT id FROM repositories WHERE name = :repo) AND digest = :digest""")
                    .bind("repo", repository)
                    .bind("digest", digest.toString())
                    .execute() > 0;
            if (removed) touchReview(h, digest, now);
            return removed;
        });
    }

    OptionalLong blobSize(Digest digest) {
        // A blob no repository links any more is garbage waiting for collection, not "known".
        return toOptionalLong(jdbi.withHandle(h -> h.createQuery("""
                        SELECT b.size FROM blobs b
                        WHERE b.digest = :digest
                          AND EXISTS (SELECT 1 FROM repository_blobs rb WHERE rb.digest = b.digest)""")
                .bind("digest", digest.toString())
                .mapTo(Long.class)
                .findOne()));
    }

    BlobStats blobStats() {
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes FROM blobs")
                .map((rs, ctx) -> new BlobStats(rs.getLong("n"), rs.getLong("bytes")))
                .one());
    }

    private static OptionalLong toOptionalLong(Optional<Long> value) {
        return value.map(OptionalLong::of).orElseGet(OptionalLong::empty);
    }
}
