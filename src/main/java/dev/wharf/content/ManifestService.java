package dev.wharf.content;

import dev.wharf.model.Digest;
import dev.wharf.audit.AuditAction;
import dev.wharf.audit.AuditWriter;
import dev.wharf.storage.meta.DeleteOutcome;
import dev.wharf.storage.meta.ImmutableTagException;
import dev.wharf.storage.meta.ManifestRecord;
import dev.wharf.storage.meta.ManifestWrite;
import dev.wharf.storage.meta.MetadataStore;
import dev.wharf.storage.meta.MissingReferencesException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Manifests and tags: validation on push, lookup by tag or digest, deletion, pull statistics. */
public final class ManifestService {
    /** The spec lets registries limit manifest size; 4 MiB is what Distribution and most registries accept. */
    public static final int MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

    private final MetadataStore meta;
    private final ManifestParser parser;
    private final PullRecorder pulls;
    private final Clock clock;

    public ManifestService(MetadataStore meta, ManifestParser parser, PullRecorder pulls, Clock clock) {
        this.meta = meta;
        this.parser = parser;
        this.pulls = pulls;
        this.clock = clock;
    }

    /**
     * Stores a pushed manifest under a tag or a digest reference.
     *
     * @return the stored record (its digest is what clients get in Docker-Content-Digest)
     */
    public ManifestRecord put(String repository, String reference, String contentType, byte[] content) {
        return put(repository, reference, List.of(), contentType, content);
    }

    /**
     * Stores a pushed manifest; {@code extraTags} are the {@code ?tag=} parameters of a push by digest
     * (distribution spec v1.1.1), all pointed at the manifest in the one transaction that stores it. A manifest
     * pushed by digest is stored under that digest, whatever its algorithm; a push by tag is addressed by its
     * sha256 digest.
     *
     * @return the stored record (its digest is what clients get in Docker-Content-Digest)
     */
    public ManifestRecord put(String repository, String reference, List<String> extraTags, String contentType,
            byte[] content) {
        List<String> tags = new ArrayList<>();
        Digest digest;
        if (Digest.looksLikeDigest(reference)) {
            Digest given = Names.requireDigest(reference);
            digest = Digest.of(given.algorithm(), content);
            if (!digest.equals(given)) {
                throw new RegistryException(OciError.DIGEST_INVALID,
                        "manifest content does not match the digest in the URL",
                        Map.of("expected", given.toString(), "actual", digest.toString()));
            }
        } else {
            Names.requireTag(reference);
            if (!extraTags.isEmpty()) {
                throw new RegistryException(OciError.MANIFEST_INVALID,
                        "the tag query parameter is only allowed on a push by digest", Map.of("reference", reference));
            }
            tags.add(reference);
            digest = Digest.sha256(content);
        }
        for (String tag : extraTags) {
            Names.requireTag(tag);
            if (!tags.contains(tag)) tags.add(tag);
        }
        ParsedManifest parsed;
        try {
            parsed = parser.parse(content, contentType);
        } catch (InvalidManifestException e) {
            throw new RegistryException(OciError.MANIFEST_INVALID, e.getMessage(), null);
        }
        ManifestWrite write = new ManifestWrite(digest, parsed.mediaType(), parsed.artifactType(), content,
                parsed.blobs(), parsed.children(), parsed.subject(), parsed.annotationsJson(),
                content.length + parsed.referencedSize());
        try {
            return meta.putTaggedManifest(repository, write, tags, clock.instant());
        } catch (ImmutableTagException e) {
            meta.recordAudit(AuditAction.REPO_TAG_IMMUTABLE_REFUSED, AuditWriter.namespaceOf(repository), repository,
                    Map.of("tag", e.tag(), "digest", digest.toString(), "current_digest", e.current().toString()),
                    "refused to move the immutable tag " + e.tag() + " to " + digest + " in " + repository,
                    clock.instant());
            throw new RegistryException(OciError.DENIED, "tag '" + e.tag() + "' is immutable in this repository and "
                    + "already points at " + e.current() + "; push under a new tag",
                    Map.of("tag", e.tag(), "current", e.current().toString()));
        } catch (MissingReferencesException e) {
            throw new RegistryException(OciError.MANIFEST_BLOB_UNKNOWN,
                    "manifest references blobs that are not in this repository",
                    Map.of("blobs", e.missingBlobs().stream().map(Digest::toString).toList()));
        }
    }

    /**
     * Resolves a tag or digest. {@code countPull} is true for GET and false for HEAD: only GETs are pulls.
     */
    public ManifestRecord get(String repository, String reference, boolean countPull) {
        Optional<ManifestRecord> found;
        if (Digest.looksLikeDigest(reference)) {
            found = meta.getManifest(repository, Names.requireDigest(reference));
        } else {
            Names.requireTag(reference);
            found = meta.getManifestByTag(repository, reference);
        }
        if (found.isEmpty()) throw unknown(repository, reference);
        if (countPull) pulls.record(repository, found.get().digest(), clock.instant());
        return found.get();
    }

    /**
     * DELETE by digest removes the manifest (and its tags); DELETE by tag removes only the tag, unless the
     * repository's immutable-tags policy protects it (deleting and pushing again would move it).
     */
    public void delete(String repository, String reference) {
        if (!Digest.looksLikeDigest(reference)) {
            Names.requireTag(reference);
            boolean deleted;
            try {
                deleted = meta.deleteMutableTag(repository, reference, clock.instant());
            } catch (ImmutableTagException e) {
                throw new RegistryException(OciError.DENIED, "tag '" + reference + "' is immutable in this repository"
                        + " and cannot be deleted", Map.of("tag", reference, "current", e.current().toString()));
            }
            if (!deleted) throw unknown(repository, reference);
            return;
        }
        Digest digest = Names.requireDigest(reference);
        DeleteOutcome outcome = meta.deleteManifest(repository, digest, clock.instant());
        switch (outcome) {
            case DELETED -> { }
            case NOT_FOUND -> throw unknown(repository, reference);
            case REFERENCED_BY_INDEX -> throw new RegistryException(OciError.DENIED,
                    "manifest is listed by an index in this repository; delete the index first",
                    Map.of("indexes", meta.indexesReferencing(repository, digest).stream().map(Digest::toString)
                            .toList()));
        }
    }

    public List<String> tags(String repository, String after, int limit) {
        requireRepositoryExists(repository);
        return meta.listTags(repository, after, limit);
    }

    public List<ManifestRecord> referrers(String repository, Digest subject, String artifactType) {
        return meta.referrers(repository, subject, artifactType);
    }

    public List<String> catalog(String after, int limit) {
        return meta.listRepositories(after, limit);
    }

    private void requireRepositoryExists(String repository) {
        if (meta.findRepository(repository).isEmpty()) {
            throw new RegistryException(OciError.NAME_UNKNOWN, null, Map.of("name", repository));
        }
    }

    private RegistryException unknown(String repository, String reference) {
        if (meta.findRepository(repository).isEmpty()) {
            return new RegistryException(OciError.NAME_UNKNOWN, null, Map.of("name", repository));
        }
        return new RegistryException(OciError.MANIFEST_UNKNOWN, null, Map.of("name", repository, "reference",
                reference));
    }
}
