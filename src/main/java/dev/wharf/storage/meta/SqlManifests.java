package dev.wharf.storage.meta;

import dev.wharf.audit.AuditAction;
import dev.wharf.audit.AuditWriter;
import dev.wharf.model.Digest;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.Query;

/**
 * Manifests of {@link SqlMetadataStore} with their references (blobs, an index's children, a subject): storing one
 * and pointing its tags in one transaction, the two reads of every pull, index and referrer lookups, and deleting an
 * image under a {@link DeleteGuard}. {@code index_parents} (how many indexes of the repository list a manifest) is
 * kept here, by every write that adds or removes an index.
 */
final class SqlManifests extends SqlAggregate {

    private static final String MANIFEST_COLUMNS = MetadataRows.MANIFEST_COLUMNS;

    // The two reads of every manifest pull, by plain JDBC (Database.queryOne).
    private static final String MANIFEST_BY_DIGEST = "SELECT " + MANIFEST_COLUMNS + """
             FROM manifests m JOIN repositories r ON r.id = m.repository_id
            WHERE r.name = ? AND m.digest = ?""";
    private static final String MANIFEST_BY_TAG = "SELECT " + MANIFEST_COLUMNS + """
             FROM tags t
             JOIN repositories r ON r.id = t.repository_id
             JOIN manifests m ON m.repository_id = t.repository_id AND m.digest = t.manifest_digest
            WHERE r.name = ? AND t.name = ?""";

    private final SqlRepositories repositories;
    private final SqlTags tags;

    SqlManifests(Database database, SqlRepositories repositories, SqlTags tags) {
        super(database);
        this.repositories = repositories;
        this.tags = tags;
    }

    ManifestRecord putTaggedManifest(String repository, ManifestWrite manifest, List<String> tags,
            Instant now) {
        return database.inWriteTransaction(h -> {
            Set<Digest> listing = new TreeSet<>(manifest.children() == null ? List.of() : manifest.children());
            listing.add(manifest.digest());
            lockListings(h, repository, listing);
            long repositoryId = repositories.ensure(h, repository, now).id();
            requireReferences(h, repositoryId, manifest); // throwing rolls back the repository creation too
            storeManifest(h, repositoryId, manifest, now);
            // Name order, so two multi-tag pushes lock shared tag rows in the same order and never deadlock.
            for (String tag : new TreeSet<>(tags)) this.tags.point(h, repositoryId, tag, manifest.digest(), now);
            return findManifest(h, repository, manifest.digest()).orElseThrow();
        });
    }

    /**
     * On PostgreSQL, serializes the transactions that decide whether a manifest is listed by an index of its
     * repository: storing an index, deleting one, and storing a manifest an index may list. Without it a sparse
     * index and its missing child pushed at the same moment would each miss the other's uncommitted row, and the
     * child would count no parent while listed (or, against a delete, one parent while listed by none).
     * Transaction-scoped advisory locks, keyed by repository and digest, taken in key order before any row lock,
     * so these transactions take turns and never wait on each other in a circle. SQLite serializes writers.
     */
    private void lockListings(Handle h, String repository, Set<Digest> digests) {
        if (forUpdate.isEmpty() || digests.isEmpty()) return;
        long repositoryKey = repository.hashCode() * 0x9E3779B97F4A7C15L;
        for (long key : digests.stream().mapToLong(d -> repositoryKey ^ Long.parseUnsignedLong(d.hex()
                .substring(0, 16), 16)).sorted().distinct().toArray()) {
            h.createQuery("SELECT 1 FROM (SELECT pg_advisory_xact_lock(:key)) l").bind("key", key)
                    .mapTo(Integer.class).one();
        }
    }

    private void requireReferences(Handle h, long repositoryId, ManifestWrite manifest) {
        // FOR SHARE (PostgreSQL) keeps the referenced rows from being unlinked or deleted until we commit. Child
        // manifests are locked for update instead, because storeManifest bumps their index_parents: two shared
        // locks upgraded by two index pushes would deadlock; in digest order, exclusive locks just take turns.
        // Children the repository does not hold are fine (a sparse index): they are recorded as listed anyway.
        // On PostgreSQL the blob rows are share-locked first, in digest order: the collector locks a blob row
        // (FOR UPDATE SKIP LOCKED) before it removes the blob's links, so it skips blobs a push is about to
        // reference, and a push that waits for a collector then finds the links gone (MANIFEST_BLOB_UNKNOWN).
        if (!forShare.isEmpty() && manifest.blobs() != null && !manifest.blobs().isEmpty()) {
            h.createQuery("SELECT digest FROM blobs WHERE digest IN (<digests>) ORDER BY digest" + forShare)
                    .bindList("digests", new LinkedHashSet<>(manifest.blobs()).stream().map(Digest::toString).toList())
                    .mapTo(String.class)
                    .list();
        }
        List<Digest> missingBlobs = missing(h, manifest.blobs(),
                "SELECT digest FROM repository_blobs WHERE repository_id = :repo AND digest IN (<digests>)"
                        + forShare, repositoryId);
        missing(h, manifest.children(),
                "SELECT digest FROM manifests WHERE repository_id = :repo AND digest IN (<digests>)"
                        + " ORDER BY digest" + forNoKeyUpdate,
                repositoryId);
        if (!missingBlobs.isEmpty()) throw new MissingReferencesException(missingBlobs);
    }

    /** The distinct digests of {@code wanted} (in order) that {@code presentSql} does not return. */
    private static List<Digest> missing(Handle h, List<Digest> wanted, String presentSql, long repositoryId) {
        Set<Digest> distinct = new LinkedHashSet<>(wanted == null ? List.of() : wanted);
        if (distinct.isEmpty()) return List.of();
        Set<String> present = h.createQuery(presentSql)
                .bind("repo", repositoryId)
                .bindList("digests", distinct.stream().map(Digest::toString).toList())
                .mapTo(String.class)
                .set();
        return distinct.stream().filter(d -> !present.contains(d.toString())).toList();
    }

    /**
     * Inserts the manifest and its references unless the repository already holds that digest. A new row starts
     * with as many parents as indexes of the repository already list it: a child that arrives after its sparse
     * index is part of that index, not an image of its own (nor garbage for the collector).
     */
    private void storeManifest(Handle h, long repositoryId, ManifestWrite m, Instant now) {
        for (int attempt = 0; attempt < RACE_ATTEMPTS; attempt++) {
            int inserted = h.createUpdate("""
                            INSERT INTO manifests (repository_id, digest, media_type, artifact_type, content,
                                subject_digest, annotations_json, total_size, pushed_at, pull_count, last_activity_at,
                                index_parents)
                            VALUES (:repo, :digest, :mediaType, :artifactType, :content,
                                :subject, :annotations, :totalSize, :now, 0, :now,
                                (SELECT COUNT(*) FROM manifest_children c JOIN manifests p ON p.id = c.manifest_id
                                 WHERE c.child_digest = :digest AND +p.repository_id = :repo))
                            ON CONFLICT (repository_id, digest) DO NOTHING""")
                    .bind("repo", repositoryId)
                    .bind("digest", m.digest().toString())
                    .bind("mediaType", m.mediaType())
                    .bind("artifactType", m.artifactType())
                    .bind("content", m.content())
                    .bind("subject", m.subject() == null ? null : m.subject().toString())
                    .bind("annotations", m.annotationsJson())
                    .bind("totalSize", m.totalSize())
                    .bind("now", now.toEpochMilli())
                    .execute();
            // FOR SHARE: a concurrent deleteManifest must not remove the row we are about to tag.
            Optional<Long> id = h.createQuery(
                            "SELECT id FROM manifests WHERE repository_id = :repo AND digest = :digest" + forShare)
                    .bind("repo", repositoryId)
                    .bind("digest", m.digest().toString())
                    .mapTo(Long.class)
                    .findOne();
            if (id.isPresent()) {
                if (inserted > 0) {
                    insertReferences(h, "INSERT INTO manifest_blobs (manifest_id, digest) VALUES (:id, :digest)",
                            id.get(), m.blobs());
                    insertReferences(h,
                            "INSERT INTO manifest_children (manifest_id, child_digest) VALUES (:id, :digest)",
                            id.get(), m.children());
                    countParents(h, repositoryId, id.get(), +1);
                }
                return;
            }
            // The existing row was deleted by a concurrent transaction after our INSERT saw it: insert again.
        }
        throw new IllegalStateException("manifest " + m.digest() + " kept disappearing while being stored");
    }

    /**
     * Keeps {@code index_parents} (how many indexes in the repository list a manifest) in step with an index's
     * children being stored ({@code +1}) or deleted ({@code -1}): image listings read "no parent" from an index
     * instead of probing manifest_children for every manifest.
     */
    private static void countParents(Handle h, long repositoryId, long indexId, int delta) {
        h.createUpdate("""
                        UPDATE manifests SET index_parents = index_parents + :delta
                        WHERE repository_id = :repo
                          AND digest IN (SELECT child_digest FROM manifest_children WHERE manifest_id = :id)""")
                .bind("delta", delta)
                .bind("repo", repositoryId)
                .bind("id", indexId)
                .execute();
    }

    private static void insertReferences(Handle h, String sql, long manifestId, List<Digest> digests) {
        if (digests == null || digests.isEmpty()) return;
        PreparedBatch batch = h.prepareBatch(sql);
        for (Digest digest : new LinkedHashSet<>(digests)) {
            batch.bind("id", manifestId).bind("digest", digest.toString()).add();
        }
        batch.execute();
    }

    Optional<ManifestRecord> getManifest(String repository, Digest digest) {
        return database.queryOne(MANIFEST_BY_DIGEST, s -> {
            s.setString(1, repository);
            s.setString(2, digest.toString());
        }, MetadataRows::manifest);
    }

    private static Optional<ManifestRecord> findManifest(Handle h, String repository, Digest digest) {
        return h.createQuery("SELECT " + MANIFEST_COLUMNS + """
                         FROM manifests m JOIN repositories r ON r.id = m.repository_id
                        WHERE r.name = :repo AND m.digest = :digest""")
                .bind("repo", repository)
                .bind("digest", digest.toString())
                .map(MetadataRows::manifest)
                .findOne();
    }

    Optional<ManifestRecord> getManifestByTag(String repository, String tag) {
        return database.queryOne(MANIFEST_BY_TAG, s -> {
            s.setString(1, repository);
            s.setString(2, tag);
        }, MetadataRows::manifest);
    }

    DeleteOutcome deleteManifest(String repository, Digest digest, Instant now) {
        return switch (deleteImage(repository, digest, DeleteGuard.NONE, now).result()) {
            case DELETED -> DeleteOutcome.DELETED;
            case NOT_FOUND -> DeleteOutcome.NOT_FOUND;
            case REFERENCED_BY_INDEX -> DeleteOutcome.REFERENCED_BY_INDEX;
            case BECAME_ACTIVE, TAG_NOT_ALLOWED -> throw new IllegalStateException("no guard was given");
        };
    }

    ImageDeletion deleteImage(String repository, Digest digest, DeleteGuard guard, Instant now) {
        return database.inWriteTransaction(h -> {
            Optional<Long> repositoryId = SqlRepositories.id(h, repository);
            if (repositoryId.isEmpty()) return ImageDeletion.refused(ImageDeletion.Result.NOT_FOUND);
            long repo = repositoryId.get();
            // A manifest's children follow from its digest (the content is immutable), so they can be read
            // before any lock; their listing locks come first, as in putManifest.
            lockListings(h, repository, new TreeSet<>(h.createQuery("""
                            SELECT c.child_digest FROM manifest_children c JOIN manifests m ON m.id = c.manifest_id
                            WHERE m.repository_id = :repo AND m.digest = :digest""")
                    .bind("repo", repo)
                    .bind("digest", digest.toString())
                    .map((rs, ctx) -> Digest.parse(rs.getString(1)))
                    .list()));
            // Lock first, check after: an index being pushed holds FOR SHARE on this row, so once we have the
            // lock such an index is either committed (and seen below) or has not yet seen this row. Pulls
            // recorded meanwhile wait for us too, so the activity checked below is the activity deleted.
            Optional<long[]> row = h.createQuery("""
                            SELECT id, last_activity_at FROM manifests
                            WHERE repository_id = :repo AND digest = :digest""" + forUpdate)
                    .bind("repo", repo)
                    .bind("digest", digest.toString())
                    .map((rs, ctx) -> new long[] {rs.getLong("id"), rs.getLong("last_activity_at")})
                    .findOne();
            if (row.isEmpty()) return ImageDeletion.refused(ImageDeletion.Result.NOT_FOUND);
            long manifestId = row.get()[0];
            // "+m.repository_id": start from the child digest index, see indexesReferencing
            boolean referenced = h.createQuery("""
                            SELECT 1 FROM manifest_children c JOIN manifests m ON m.id = c.manifest_id
                            WHERE c.child_digest = :digest AND +m.repository_id = :repo LIMIT 1""")
                    .bind("repo", repo)
                    .bind("digest", digest.toString())
                    .mapTo(Integer.class)
                    .findOne()
                    .isPresent();
            if (referenced) return ImageDeletion.refused(ImageDeletion.Result.REFERENCED_BY_INDEX);
            if (guard.inactiveSince() != null && row.get()[1] >= guard.inactiveSince().toEpochMilli()) {
                return ImageDeletion.refused(ImageDeletion.Result.BECAME_ACTIVE);
            }
            List<String> tags = h.createQuery("""
                            SELECT name FROM tags WHERE repository_id = :repo AND manifest_digest = :digest
                            ORDER BY name""" + forUpdate)
                    .bind("repo", repo)
                    .bind("digest", digest.toString())
                    .mapTo(String.class)
                    .list();
            if (guard.allowedTags() != null && !guard.allowedTags().containsAll(tags)) {
                return ImageDeletion.refused(ImageDeletion.Result.TAG_NOT_ALLOWED);
            }
            for (String tag : tags) {
                SqlTags.remove(h, repo, tag, digest.toString(), now);
            }
            countParents(h, repo, manifestId, -1);
            // Its blobs may be garbage now: the collector reviews them once the blob grace period has passed.
            // Digest order, like the collector's queue locks, so the two never wait on each other in a circle.
            h.createUpdate(GarbageStore.REVIEW_MANIFEST_BLOBS)
                    .bind("id", manifestId)
                    .bind("now", now.toEpochMilli())
                    .execute();
            // Explicit rather than relying on ON DELETE CASCADE, which SQLite only honours with foreign_keys=ON.
            h.createUpdate("DELETE FROM manifest_blobs WHERE manifest_id = :id").bind("id", manifestId).execute();
            h.createUpdate("DELETE FROM manifest_children WHERE manifest_id = :id").bind("id", manifestId).execute();
            h.createUpdate("DELETE FROM manifests WHERE id = :id").bind("id", manifestId).execute();
            AuditWriter.write(h, AuditAction.REPO_MANIFEST_DELETE, AuditWriter.namespaceOf(repository), repository,
                    Map.of("digest", digest.toString()), "deleted the image " + digest + " from " + repository, now);
            return new ImageDeletion(ImageDeletion.Result.DELETED, tags);
        });
    }

    // "+m.repository_id" keeps SQLite (which has no statistics) from walking every manifest of the repository
    // through the (repository_id, digest) index; starting from the child digest index reads a handful of rows.
    // The unary plus is plain arithmetic on PostgreSQL too.

    List<Digest> indexesReferencing(String repository, Digest child) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT m.digest FROM manifest_children c JOIN manifests m ON m.id = c.manifest_id
                        WHERE c.child_digest = :child
                          AND +m.repository_id = (SELECT id FROM repositories WHERE name = :repo)
                        ORDER BY m.digest""")
                .bind("repo", repository)
                .bind("child", child.toString())
                .map((rs, ctx) -> Digest.parse(rs.getString("digest")))
                .list());
    }

    List<Digest> missingChildren(String repository, Digest index) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT c.child_digest FROM manifest_children c
                        JOIN manifests m ON m.id = c.manifest_id
                        JOIN repositories r ON r.id = m.repository_id
                        WHERE r.name = :repo AND m.digest = :index
                          AND NOT EXISTS (SELECT 1 FROM manifests x
                                          WHERE x.repository_id = m.repository_id AND x.digest = c.child_digest)
                        ORDER BY c.child_digest""")
                .bind("repo", repository)
                .bind("index", index.toString())
                .map((rs, ctx) -> Digest.parse(rs.getString(1)))
                .list());
    }

    List<ManifestRecord> referrers(String repository, Digest subject, String artifactType) {
        String sql = "SELECT " + MANIFEST_COLUMNS
                + " FROM manifests m JOIN repositories r ON r.id = m.repository_id"
                + " WHERE r.name = :repo AND m.subject_digest = :subject"
                + (artifactType == null ? "" : " AND m.artifact_type = :artifactType")
                + " ORDER BY m.id"; // push order
        return jdbi.withHandle(h -> {
            Query query = h.createQuery(sql).bind("repo", repository).bind("subject", subject.toString());
            if (artifactType != null) query.bind("artifactType", artifactType);
            return query.map(MetadataRows::manifest).list();
        });
    }
}
