package dev.wharf.content;

import dev.wharf.model.Digest;
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
     * Links a blob already held by {@code from} into {@code repository}; false when {@code from} does not hold it
     * (the caller then starts a normal upload, as the spec requires).
     */
    public boolean mount(String repository, String from, Digest digest) {
        return meta.mountBlob(repository, from, digest, clock.instant());
    }

    /** Unlinks the blob from the repository. The bytes stay until garbage collection finds them unreferenced. */
    public void delete(String repository, Digest digest) {
        if (!meta.unlinkBlob(repository, digest, clock.instant())) {
            throw new RegistryException(OciError.BLOB_UNKNOWN, null, digest.toString());
        }
    }
}
