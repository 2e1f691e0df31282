package dev.wharf.storage.meta;

import dev.wharf.audit.AuditAction;
import dev.wharf.audit.AuditWriter;
import dev.wharf.model.Digest;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SortedMap;
import org.jdbi.v3.core.Jdbi;

/**
 * {@link MetadataStore} in SQL, the same statements on SQLite and PostgreSQL: a facade over one package-private
 * class per aggregate, which own the SQL: {@link SqlRepositories}, {@link SqlRepositoryPolicies} (immutable tags),
 * {@link SqlBlobLinks}, {@link SqlManifests}, {@link SqlTags} (with tag history), {@link SqlPullStats},
 * {@link SqlImages} (image-management reads) and {@link SqlUploads}. Rows are mapped by {@link MetadataRows}.
 *
 * <p>Reads are single statements outside any transaction, so on SQLite they run concurrently with each other
 * and with the writer. Writes go through {@link Database#inWriteTransaction}. On PostgreSQL (READ COMMITTED)
 * writers that read-then-write lock the rows they depend on ({@code FOR UPDATE}/{@code FOR SHARE}, see
 * {@link SqlAggregate}); on SQLite those clauses do not exist and are not needed because writers are serialized.
 * A write that spans aggregates (a push creates the repository, stores the manifest and points its tags) is one
 * transaction: the aggregates' {@code Handle} methods join the caller's.
 *
 * <p>Closing the store closes its {@link Database}.
 */
public final class SqlMetadataStore implements MetadataStore {

    private final Database database;
    private final Jdbi jdbi;
    private final SqlRepositories repositories;
    private final SqlRepositoryPolicies policies;
    private final SqlBlobLinks blobs;
    private final SqlTags tags;
    private final SqlManifests manifests;
    private final SqlPullStats pulls;
    private final SqlUploads uploads;

    public SqlMetadataStore(Database database) {
        this.database = database;
        this.jdbi = database.jdbi();
        this.repositories = new SqlRepositories(database);
        this.policies = new SqlRepositoryPolicies(database, repositories);
        this.blobs = new SqlBlobLinks(database, repositories);
        this.tags = new SqlTags(database);
        this.manifests = new SqlManifests(database, repositories, tags);
        this.pulls = new SqlPullStats(database);
        this.uploads = new SqlUploads(database);
    }

    // --- repositories ---------------------------------------------------------------------------------

    @Override
    public RepositoryRecord ensureRepository(String name, Instant now) {
        return repositories.ensure(name, now);
    }

    @Override
    public Optional<RepositoryRecord> findRepository(String name) {
        return repositories.find(name);
    }

    @Override
    public List<String> listRepositories(String after, int limit) {
        requireLimit(limit);
        return repositories.list(after, limit);
    }

    @Override
    public boolean deleteRepository(String repository, Instant now) {
        return repositories.delete(repository, now);
    }

    @Override
    public ImmutableTags immutableTags(String repository) {
        return policies.immutableTags(repository);
    }

    @Override
    public void setImmutableTags(String repository, ImmutableTags policy, Instant now) {
        policies.setImmutableTags(repository, policy, now);
    }

    // --- blobs ----------------------------------------------------------------------------------------

    @Override
    public void linkBlob(String repository, Digest digest, long size, Instant now) {
        blobs.linkBlob(repository, digest, size, now);
    }

    @Override
    public long reserveBlob(Digest digest, long size, Instant now) {
        return blobs.reserveBlob(digest, size, now);
    }

    @Override
    public boolean linkReservedBlob(String repository, Digest digest, long generation, Instant now) {
        return blobs.linkReservedBlob(repository, digest, generation, now);
    }

    @Override
    public List<String> repositoriesLinking(Digest digest, int limit) {
        return blobs.repositoriesLinking(digest, limit);
    }

    @Override
    public boolean mountBlob(String repository, String from, Digest digest, Instant now) {
        return blobs.mountBlob(repository, from, digest, now);
    }

    @Override
    public OptionalLong linkedBlobSize(String repository, Digest digest) {
        return blobs.linkedBlobSize(repository, digest);
    }

    @Override
    public boolean unlinkBlob(String repository, Digest digest, Instant now) {
        return blobs.unlinkBlob(repository, digest, now);
    }

    @Override
    public OptionalLong blobSize(Digest digest) {
        return blobs.blobSize(digest);
    }

    @Override
    public BlobStats blobStats() {
        return blobs.blobStats();
    }

    // --- manifests ------------------------------------------------------------------------------------

    @Override
    public ManifestRecord putTaggedManifest(String repository, ManifestWrite manifest, List<String> tags,
            Instant now) {
        return manifests.putTaggedManifest(repository, manifest, tags, now);
    }

    @Override
    public Optional<ManifestRecord> getManifest(String repository, Digest digest) {
        return manifests.getManifest(repository, digest);
    }

    @Override
    public Optional<ManifestRecord> getManifestByTag(String repository, String tag) {
        return manifests.getManifestByTag(repository, tag);
    }

    @Override
    public DeleteOutcome deleteManifest(String repository, Digest digest, Instant now) {
        return manifests.deleteManifest(repository, digest, now);
    }

    @Override
    public ImageDeletion deleteImage(String repository, Digest digest, DeleteGuard guard, Instant now) {
        return manifests.deleteImage(repository, digest, guard, now);
    }

    @Override
    public List<Digest> indexesReferencing(String repository, Digest child) {
        return manifests.indexesReferencing(repository, child);
    }

    @Override
    public List<Digest> missingChildren(String repository, Digest index) {
        return manifests.missingChildren(repository, index);
    }

    @Override
    public List<ManifestRecord> referrers(String repository, Digest subject, String artifactType) {
        return manifests.referrers(repository, subject, artifactType);
    }

    // --- tags -----------------------------------------------------------------------------------------

    @Override
    public boolean deleteTag(String repository, String tag, Instant now) {
        return tags.deleteTag(repository, tag, now);
    }

    @Override
    public boolean deleteMutableTag(String repository, String tag, Instant now) {
        return tags.deleteMutableTag(repository, tag, now);
    }

    @Override
    public List<String> listTags(String repository, String after, int limit) {
        requireLimit(limit);
        return tags.listTags(repository, after, limit);
    }

    @Override
    public List<String> tagsOf(String repository, Digest digest) {
        return tags.tagsOf(repository, digest);
    }

    @Override
    public List<TagEvent> tagHistory(String repository, String tag) {
        return tags.tagHistory(repository, tag);
    }

    @Override
    public List<TagEvent> tagHistoryOf(String repository, Digest digest) {
        return tags.tagHistoryOf(repository, digest);
    }

    // --- pull statistics ------------------------------------------------------------------------------

    @Override
    public void recordPull(String repository, Digest digest, Instant now) {
        recordPulls(repository, digest, 1, now);
    }

    @Override
    public void recordPulls(String repository, Digest digest, long count, Instant now) {
        pulls.record(repository, digest, count, now);
    }

    @Override
    public SortedMap<LocalDate, Long> pullsPerDay(String repository, LocalDate from, LocalDate to) {
        return pulls.perDay(repository, from, to);
    }

    // --- images -----------------------------------------------------------------------------------------

    @Override
    public Counted<ImageRecord> listImages(ImageQuery query) {
        return jdbi.withHandle(h -> SqlImages.list(h, query));
    }

    @Override
    public ImageSummary imageSummary(String repository, Instant activeFrom) {
        return jdbi.withHandle(h -> SqlImages.summary(h, repository, activeFrom));
    }

    @Override
    public Counted<ImageTag> imageTags(String repository, Digest digest, int offset, int limit) {
        return jdbi.withHandle(h -> SqlImages.tags(h, repository, digest, offset, limit));
    }

    // --- upload sessions ------------------------------------------------------------------------------

    @Override
    public void createUpload(UploadSession session) {
        uploads.create(session);
    }

    @Override
    public Optional<UploadSession> findUpload(String uploadId) {
        return uploads.find(uploadId);
    }

    @Override
    public void touchUpload(String uploadId, Instant now) {
        uploads.touch(uploadId, now);
    }

    @Override
    public void deleteUpload(String uploadId) {
        uploads.delete(uploadId);
    }

    @Override
    public List<UploadSession> uploadsIdleSince(Instant cutoff) {
        return uploads.idleSince(cutoff);
    }

    @Override
    public void recordAudit(AuditAction action, String account, String name, Map<String, String> data,
            String description, Instant now) {
        database.inWriteTransaction(h -> {
            AuditWriter.write(h, action, account, name, data, description, now);
            return null;
        });
    }

    @Override
    public void ping() {
        jdbi.withHandle(h -> h.createQuery("SELECT 1").mapTo(Integer.class).one());
    }

    @Override
    public void close() {
        database.close();
    }

    private static void requireLimit(int limit) {
        if (limit < 0) throw new IllegalArgumentException("limit must not be negative: " + limit);
    }
}
