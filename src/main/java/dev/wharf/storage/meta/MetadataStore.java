package dev.wharf.storage.meta;

import dev.wharf.model.Digest;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SortedMap;

/**
 * Everything the registry knows besides the bytes: repositories, which blobs each repository links, manifests
 * and their references, tags and the full history of every tag, pull statistics, and upload sessions.
 *
 * <p>The registry answers tag lists, the catalog and referrers from here, never by walking blob storage.
 * Implementations: SQL via JDBI on SQLite (embedded default) and PostgreSQL (scale-out); both run
 * {@code MetadataStoreContract}. Every method is one transaction.
 */
public interface MetadataStore extends AutoCloseable {

    // --- repositories ---------------------------------------------------------------------------------

    /** Returns the repository, creating it if needed. */
    RepositoryRecord ensureRepository(String name, Instant now);

    Optional<RepositoryRecord> findRepository(String name);

    /** Repository names in lexical order, strictly after {@code after} (null: from the start), at most limit. */
    List<String> listRepositories(String after, int limit);

    // --- blobs ----------------------------------------------------------------------------------------

    /**
     * Records that {@code repository} holds the blob, in one transaction (reserve and link); creates the
     * repository if needed. Only for callers whose bytes are published and cannot be collected meanwhile (tests,
     * tools on a stopped node); uploads use {@link #reserveBlob} and {@link #linkReservedBlob} around publishing.
     */
    void linkBlob(String repository, Digest digest, long size, Instant now);

    /**
     * First half of publishing an upload, called BEFORE the bytes are published: makes sure a live blob row exists
     * (waiting for, or undoing, a collection in progress) and restarts its grace period.
     *
     * @return the row's generation, to pass to {@link #linkReservedBlob}
     */
    long reserveBlob(Digest digest, long size, Instant now);

    /**
     * Second half, after the bytes are published: links the blob to the repository unless the collector condemned
     * it since the reservation (then its bytes may have been deleted after they were published).
     *
     * @return false when the blob was collected in between; nothing is linked then
     */
    boolean linkReservedBlob(String repository, Digest digest, long generation, Instant now);

    /**
     * Links a blob that {@code from} links into {@code repository}, checked and written in one transaction so a
     * concurrent collection cannot slip in between. Who may read {@code from} is the caller's question (see
     * {@code content.BlobService}); there is deliberately no "from any repository" form.
     *
     * @return false when {@code from} does not link a live blob; nothing changes then
     */
    boolean mountBlob(String repository, String from, Digest digest, Instant now);

    /** Up to {@code limit} repositories that link the blob, by name. */
    List<String> repositoriesLinking(Digest digest, int limit);

    /** Size of the blob if {@code repository} links it, else empty. */
    OptionalLong linkedBlobSize(String repository, Digest digest);

    /** Removes the repository's link (the blob goes to the collector's review queue); false when there was none. */
    boolean unlinkBlob(String repository, Digest digest, Instant now);

    /** Size of a blob known to any repository, else empty. */
    OptionalLong blobSize(Digest digest);

    /** Number and total size of the blobs known to the registry (linked or awaiting collection), for metrics. */
    BlobStats blobStats();

    /** The repository's immutable-tags policy ({@link ImmutableTags#OFF} when none is set). */
    ImmutableTags immutableTags(String repository);

    /** Sets the policy, creating the repository if needed. */
    void setImmutableTags(String repository, ImmutableTags policy, Instant now);

    // --- manifests and tags ---------------------------------------------------------------------------

    /**
     * Stores a manifest (idempotent for the same digest) and, when {@code tag} is not null, points the tag at
     * it, appending to the tag's history when the tag is new or moves. All in one transaction.
     *
     * <p>An index may list children the repository does not hold (a sparse index, as a mirror of one platform
     * of a multi-arch image has): they are recorded as listed, and a child stored later counts the indexes
     * that already list it, so it is part of them from then on.
     *
     * @throws MissingReferencesException when a referenced blob is not linked to the repository; nothing is
     *     written then.
     * @throws ImmutableTagException when the tag exists, points elsewhere and the repository's policy makes it
     *     immutable; nothing is written then.
     */
    default ManifestRecord putManifest(String repository, ManifestWrite manifest, String tag, Instant now) {
        return putTaggedManifest(repository, manifest, tag == null ? List.of() : List.of(tag), now);
    }

    /**
     * {@link #putManifest(String, ManifestWrite, String, Instant)} with any number of tags, all pointed at the
     * manifest in the same transaction: every tag moves, or (one immutable tag refusing) none does.
     */
    ManifestRecord putTaggedManifest(String repository, ManifestWrite manifest, List<String> tags, Instant now);

    Optional<ManifestRecord> getManifest(String repository, Digest digest);

    Optional<ManifestRecord> getManifestByTag(String repository, String tag);

    /**
     * Deletes a manifest, its tags (recorded in tag history as deletions) and its references.
     * Refused (nothing changes) when an index in the same repository references it.
     */
    DeleteOutcome deleteManifest(String repository, Digest digest, Instant now);

    /** Removes a tag (recorded in history); returns false when the tag did not exist. */
    boolean deleteTag(String repository, String tag, Instant now);

    /**
     * {@link #deleteTag} unless the repository's immutable-tags policy protects the tag.
     *
     * @throws ImmutableTagException when it does; nothing is written then
     */
    boolean deleteMutableTag(String repository, String tag, Instant now);

    /**
     * Deletes a repository with everything that hangs off it (manifests, tags and their history, blob links, pull
     * statistics, descriptions, policies, privacy and team permissions) and queues its blobs for the collector's
     * review; audited as {@code repo.delete}. Returns false when there is no such repository.
     *
     * @throws ImmutableTagException when a current tag is protected by the repository's immutable-tags policy;
     *     nothing is written then
     */
    boolean deleteRepository(String repository, Instant now);

    /** Tag names in lexical order, strictly after {@code after} (null: from the start), at most limit. */
    List<String> listTags(String repository, String after, int limit);

    /** Current tags pointing at a manifest. */
    List<String> tagsOf(String repository, Digest digest);

    /** Digests of the indexes in the repository that list {@code child} as a manifest. */
    List<Digest> indexesReferencing(String repository, Digest child);

    /**
     * The children an index lists that its repository does not hold (a sparse index), in digest order; empty for
     * a complete index, an image or an unknown digest.
     */
    List<Digest> missingChildren(String repository, Digest index);

    /** Manifests whose {@code subject} is {@code subject}, optionally only those with this artifact type. */
    List<ManifestRecord> referrers(String repository, Digest subject, String artifactType);

    /** Every event of a tag (or of all tags of the repository when tag is null), oldest first. */
    List<TagEvent> tagHistory(String repository, String tag);

    /** Every tag event that involved {@code digest}, oldest first. */
    List<TagEvent> tagHistoryOf(String repository, Digest digest);

    /** Counts a pull (a GET of the manifest, never a HEAD) and sets last_pulled (and so the last activity). */
    void recordPull(String repository, Digest digest, Instant now);

    /**
     * Pulls of a repository per UTC day from {@code from} to {@code to} (both included), for the console's chart;
     * days without pulls are absent.
     */
    SortedMap<LocalDate, Long> pullsPerDay(String repository, LocalDate from,
            LocalDate to);

    /** Counts {@code count} pulls at once (batched by the caller); last_pulled becomes {@code last}. */
    default void recordPulls(String repository, Digest digest, long count, Instant last) {
        for (long i = 0; i < count; i++) {
            recordPull(repository, digest, last);
        }
    }

    // --- images (Hub image management) --------------------------------------------------------------

    /**
     * A page of the repository's images (manifests no index in the same repository lists) with their current
     * and historical tags, and the number of images matching the filters. An unknown repository has none.
     */
    Counted<ImageRecord> listImages(ImageQuery query);

    /** Number of images of the repository and how many were pushed or pulled at or after {@code activeFrom}. */
    ImageSummary imageSummary(String repository, Instant activeFrom);

    /**
     * The current tags of a manifest (first), then the tags that pointed at it once and point elsewhere or were
     * deleted, each group in byte order; one offset/limit page and the total.
     */
    Counted<ImageTag> imageTags(String repository, Digest digest, int offset, int limit);

    /**
     * Deletes one manifest and its current tags (recorded in tag history) in one transaction, like
     * {@link #deleteManifest}, after checking {@code guard} in that same transaction: nothing changes when an
     * index in the repository lists the manifest or the guard no longer holds.
     */
    ImageDeletion deleteImage(String repository, Digest digest, DeleteGuard guard, Instant now);

    // --- upload sessions ------------------------------------------------------------------------------

    void createUpload(UploadSession session);

    Optional<UploadSession> findUpload(String uploadId);

    /** Marks activity on an upload so it does not expire while in use. */
    void touchUpload(String uploadId, Instant now);

    void deleteUpload(String uploadId);

    /** Sessions with no activity since {@code cutoff}. */
    List<UploadSession> uploadsIdleSince(Instant cutoff);

    /** Records an audit event with no other change to share a transaction with (e.g. a refused push). */
    void recordAudit(dev.wharf.audit.AuditAction action, String account, String name,
            java.util.Map<String, String> data, String description, Instant now);

    /** Cheap query used by /readyz. */
    void ping();

    @Override
    void close();
}
