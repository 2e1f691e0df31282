package dev.wharf.content;

import dev.wharf.model.Digest;
import dev.wharf.model.RepositoryName;
import dev.wharf.storage.blob.BlobStore;
import dev.wharf.storage.meta.MetadataStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.OptionalLong;

/**
 * Blobs as a repository sees them: a repository has a blob only if it links it (in the metadata store), even
 * though the bytes are stored once for all repositories.
 */
public final class BlobService {
    /** How many holders of a blob an import's mount looks at before fetching it instead. */
    private static final int MOUNT_CANDIDATES = 50;

    private final BlobStore blobs;
    private final MetadataStore meta;
    private final Clock clock;

    public BlobService(BlobStore blobs, MetadataStore meta, Clock clock) {
        this.blobs = blobs;
        this.meta = meta;
        this.clock = clock;
    }

    /** Size of a blob the repository links, or BLOB_UNKNOWN. */
    public long size(String repository, Digest digest) {
        OptionalLong size = meta.linkedBlobSize(repository, digest);
        if (size.isEmpty()) throw new RegistryException(OciError.BLOB_UNKNOWN, null, digest.toString());
        return size.getAsLong();
    }

    public InputStream open(Digest digest, long offset) {
        try {
            return blobs.open(digest, offset);
        } catch (dev.wharf.storage.blob.BlobNotFoundException e) {
            throw new RegistryException(OciError.BLOB_UNKNOWN, null, digest.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Where the client may fetch the blob itself, when the store redirects (see {@link BlobStore#directUrl}). */
    public java.util.Optional<java.net.URI> directUrl(Digest digest) {
        return blobs.directUrl(digest);
    }

    /** The blob's local file, when the store has one (see {@link BlobStore#localPath}). */
    public java.util.Optional<java.nio.file.Path> localFile(Digest digest) {
        return blobs.localPath(digest);
    }

    /**
     * Whether the one asking may read a repository, decided as a pull of it would be (for the registry: the
     * request's token, re-checked when the repository's privacy changed since it was issued; for an import: the
     * accounts behind it). A mount is a pull of the source repository, so it needs exactly that right.
     */
    @FunctionalInterface
    public interface PullCheck {
        boolean mayPull(String repository);
    }

    /**
     * Links a blob already held by {@code from} into {@code repository}, if {@code mayPull} allows reading
     * {@code from}; false otherwise, or when {@code from} does not hold it (the caller then uploads, as the spec
     * requires, and a refused mount looks exactly like a missing blob). The one path for every mount.
     */
    public boolean mount(String repository, String from, Digest digest, PullCheck mayPull) {
        if (from == null || !RepositoryName.isValid(from)) return false;
        if (!mayPull.mayPull(from)) return false;
        return meta.mountBlob(repository, from, digest, clock.instant());
    }

    /**
     * Links the blob from any repository that holds it and that {@code mayPull} allows reading; false when there
     * is none (the caller must then fetch the bytes and have them verified). Knowing a digest is no proof of
     * holding the content: without the read check, anyone naming another user's private layer would get it.
     */
    public boolean mountFromReadable(String repository, Digest digest, PullCheck mayPull) {
        for (String from : meta.repositoriesLinking(digest, MOUNT_CANDIDATES)) {
            if (mount(repository, from, digest, mayPull)) return true;
        }
        return false;
    }

    /** Unlinks the blob from the repository. The bytes stay until garbage collection finds them unreferenced. */
    public void delete(String repository, Digest digest) {
        if (!meta.unlinkBlob(repository, digest, clock.instant())) {
            throw new RegistryException(OciError.BLOB_UNKNOWN, null, digest.toString());
        }
    }
}
