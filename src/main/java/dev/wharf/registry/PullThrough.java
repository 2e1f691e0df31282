package dev.wharf.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.model.Digest;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Pull-through mirrors as the registry sees them (implemented by {@code dev.wharf.mirror}): which repositories a
 * mirror serves, their manifests (fetched upstream on a miss), and their blobs (stored and linked, or still
 * streaming in from the upstream). The registry calls it only for GET/HEAD of manifests and blobs, GET of tag
 * lists and referrers, and to refuse writes.
 */
public interface PullThrough {
    /** A manifest as the mirror serves it. */
    record Manifest(Digest digest, String mediaType, byte[] content) {}

    /**
     * How a blob the cache does not hold yet reaches its client: {@link Arriving} or {@link Relayed}, or for a HEAD
     * on a node without room, {@link Described}.
     */
    sealed interface Incoming permits Arriving, Relayed, Described {}

    /**
     * A blob this node has no room to store, as the upstream's {@code HEAD} described it: all a client's
     * {@code HEAD} needs, so no body is opened upstream for it. The size is -1 when the upstream did not say it.
     */
    record Described(long size) implements Incoming {}

    /** A blob still arriving from the upstream: every reader gets the whole blob, as fast as it arrives. */
    non-sealed interface Arriving extends Incoming {
        /** The blob's size, or -1 when the upstream did not say. */
        long size();

        /**
         * One client's read, from the first byte; empty when the download finished (and its file went) in the
         * meantime, so the blob is to be served from storage.
         *
         * @throws IOException when the download failed or its blob could not be stored
         */
        Optional<? extends Reading> open() throws IOException;
    }

    /**
     * One client's read of an arriving blob: the file it is being written to, and how far that file may be read.
     * The last byte becomes readable only once the whole blob has verified against its digest.
     */
    interface Reading extends Closeable {
        /** The file, open for reading (never written through this channel). */
        FileChannel file();

        /**
         * Waits up to {@code wait} until bytes after {@code position} may be read.
         *
         * @return the end (exclusive) of what may be read now: {@code position} when nothing more came within
         *     {@code wait}, -1 when the blob is complete and {@code position} is its end
         * @throws IOException when the download failed (the upstream broke, or the bytes did not verify)
         */
        long readable(long position, Duration wait) throws IOException;
    }

    /**
     * A blob this node has no room to store (its disk is within {@code storage.reserve_bytes}, or full): its
     * upstream's body passed to one client as it arrives, verified on the way, and not kept. The upstream request
     * is open; {@link #close} ends it.
     */
    non-sealed interface Relayed extends Incoming, Closeable {
        /** The blob's size as the upstream declared it. */
        long size();

        /**
         * Writes the body to {@code out} as it arrives, the last byte only once the whole blob has verified against
         * its digest.
         *
         * @return bytes written
         * @throws IOException when the upstream broke or stalled, sent other bytes, or the client went away (what
         *     was written stays short of the size)
         */
        long sendTo(java.io.OutputStream out) throws IOException;
    }

    /**
     * The repository a GET/HEAD of {@code name} is served from: {@code name} itself, or for a Docker daemon's
     * {@code registry-mirrors} request (a Docker Hub name with no mirror prefix) the Hub mirror's repository.
     */
    String route(String name);

    /** Whether {@code repository} is in a mirror namespace. */
    boolean mirrored(String repository);

    /**
     * Why a write to a mirror repository, or to a name {@link #route} sends to the Hub mirror, is refused (the
     * DENIED message).
     */
    String readOnlyMessage(String repository);

    /**
     * The manifest for a tag or digest of a mirror repository; fetched upstream on a miss.
     *
     * @param countPull a GET (a pull, counted as one; may fetch the image's blobs ahead), not a HEAD
     */
    Manifest manifest(String repository, String reference, boolean countPull);

    /**
     * Every tag of a mirror repository, sorted: the upstream's list (kept for the mirror's revalidation interval),
     * or the tags cached here when the upstream fails.
     */
    List<String> tags(String repository);

    /**
     * The descriptors of the manifests whose subject is {@code subject} in a mirror repository, as the upstream's
     * referrers API lists them (kept for the mirror's revalidation interval), unfiltered. Empty when the upstream
     * failed and referrers are cached here: the registry lists those (a stale serve).
     *
     * @throws dev.wharf.content.RegistryException {@code NOT_FOUND} (404) when the upstream has no referrers API,
     *     so that the client looks for the tag schema's {@code sha256-<hex>} tag, which is pulled through;
     *     {@code UNAVAILABLE} when the upstream failed and nothing is cached
     */
    Optional<List<JsonNode>> referrers(String repository, Digest subject);

    /**
     * Makes a mirror repository's blob available: empty when it is stored and linked now (serve it from storage),
     * else the blob as it arrives from the upstream, stored on the way or, without room for it, {@link Relayed}
     * ({@link Described} for a {@code HEAD}).
     *
     * @param head the client's request is a {@code HEAD}
     */
    Optional<Incoming> blob(String repository, Digest digest, boolean head);

    /**
     * The blob passed from the upstream without being stored: for a download that could not be stored before its
     * client received a byte of it.
     */
    Relayed relay(String repository, Digest digest);
}
