package dev.wharf.mirror;

import dev.wharf.content.BlobService;
import dev.wharf.content.OciError;
import dev.wharf.content.RegistryException;
import dev.wharf.content.UploadService;
import dev.wharf.model.Digest;
import dev.wharf.registry.PullThrough;
import dev.wharf.storage.DiskReserve;
import dev.wharf.storage.StorageFailure;
import dev.wharf.storage.meta.MetadataStore;
import dev.wharf.upstream.UpstreamClient;
import dev.wharf.upstream.UpstreamException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A mirror's blobs: served from storage once here, else downloaded once per node and read by its clients while it
 * arrives ({@link BlobFetch}), fetched ahead of the client once a pull fetched the image's manifest, and passed
 * through unstored ({@link BlobRelay}) when the node has no room. Verified downloads are stored as ordinary uploads
 * of the repository, and the manifests waiting for them promoted.
 */
final class MirrorBlobs {
    /** Logs under the mirror service's name, as before it was split out: operators' log filters keep working. */
    private static final Logger log = LoggerFactory.getLogger(MirrorService.class);
    /** Images whose blobs one node fetches ahead at once. */
    static final int PREFETCHING = 4;
    /**
     * The longest a prefetch waits for one blob before it gives up on the rest. Only a bound for safety: a stalled
     * download fails after twice the upstream timeout anyway.
     */
    private static final Duration PREFETCH_WAIT = Duration.ofHours(1);
    /** A fetch ahead ends when no client asked for a blob of its repository for this long (PrefetchLead). */
    private static final Duration PREFETCH_IDLE = Duration.ofSeconds(30);

    private final UpstreamClients upstream;
    private final MirrorStore store;
    private final MetadataStore meta;
    private final BlobService blobs;
    private final UploadService uploads;
    private final MirrorMetrics metrics;
    private final HitsAndMisses tally;
    private final Duration upstreamTimeout;
    private final Path downloads;
    /** Free space the downloads leave to the database (storage.reserve_bytes). */
    private final DiskReserve reserve;
    /** Whether a GET that fetches a manifest also starts the download of its blobs (mirrors.prefetch). */
    private final boolean prefetch;
    /** Stores as ordinary content the repository's manifests whose blobs are all here now. */
    private final Consumer<String> promote;
    private final Semaphore prefetching = new Semaphore(PREFETCHING);
    /** The fetches ahead running, by repository: the clients' blob requests pace them. */
    private final ConcurrentHashMap<String, PrefetchLead> leads = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, BlobFetch> fetches = new ConcurrentHashMap<>();
    private final LogEvery relayLogged;

    /**
     * Prepares {@code downloads}, the node-local directory of downloads in progress, and drops what a previous run
     * left there.
     */
    MirrorBlobs(UpstreamClients upstream, MirrorStore store, MetadataStore meta, BlobService blobs,
            UploadService uploads, MirrorMetrics metrics, HitsAndMisses tally, Clock clock, Duration upstreamTimeout,
            Path downloads, long reserveBytes, boolean prefetch, Consumer<String> promote) {
        this.upstream = upstream;
        this.store = store;
        this.meta = meta;
        this.blobs = blobs;
        this.uploads = uploads;
        this.metrics = metrics;
        this.tally = tally;
        this.upstreamTimeout = upstreamTimeout;
        this.downloads = downloads;
        this.prefetch = prefetch;
        this.promote = promote;
        this.relayLogged = new LogEvery(clock);
        try {
            Files.createDirectories(downloads);
            // Downloads a previous run left behind (killed mid-layer) were never published: drop them.
            try (var old = Files.list(downloads)) {
                for (Path p : old.toList()) Files.deleteIfExists(p);
            }
            this.reserve = DiskReserve.of(downloads, reserveBytes);
        } catch (IOException e) {
            throw new IllegalStateException("cannot prepare " + downloads + ": " + e.getMessage(), e);
        }
    }

    /** See {@link PullThrough#blob}. */
    Optional<PullThrough.Incoming> blob(Mirror m, String repository, Digest digest, boolean head) {
        if (reserve.room() < 0 && !fetches.containsKey(repository + "@" + digest) && !linked(m, repository, digest)) {
            return Optional.of(unstored(m, repository, digest, head)); // no room to store it
        }
        PrefetchLead lead = leads.get(repository);
        if (lead != null) lead.asked(digest);
        BlobFetch fetch = startOrJoin(m, repository, digest, true);
        if (fetch == null) return Optional.empty();
        try {
            fetch.awaitStarted(upstreamTimeout);
        } catch (UpstreamException e) {
            throw MirrorErrors.of(m, e, OciError.BLOB_UNKNOWN, repository, digest.toString());
        } catch (UncheckedIOException e) {
            // The disk filled as the download started.
            if (StorageFailure.isFull(e)) return Optional.of(unstored(m, repository, digest, head));
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(OciError.UNAVAILABLE, "interrupted while waiting for the upstream", null);
        }
        if (!fetch.readable()) {
            if (linked(m, repository, digest)) return Optional.empty();
            if (fetch.storageFailureMessage().isPresent()) return Optional.of(unstored(m, repository, digest, head));
            throw new RegistryException(OciError.UNAVAILABLE, "mirror " + m.name() + ": the download of " + digest
                    + " failed; retry", null);
        }
        return Optional.of(fetch);
    }

    /** A blob this node has no room for: passed through to a GET, described by the upstream to a HEAD. */
    private PullThrough.Incoming unstored(Mirror m, String repository, Digest digest, boolean head) {
        return head ? describe(m, repository, digest) : relay(m, repository, digest);
    }

    /**
     * A blob this node has no room for, described by the upstream's {@code HEAD}: counted as a miss (it is not
     * cached), not as a relayed blob (no bytes pass). When the {@code HEAD} gives no length (refused where the
     * registry redirected it, or answered without one) a {@code GET} is sent and closed after its headers. The
     * size is -1 when neither said it.
     */
    private PullThrough.Described describe(Mirror m, String repository, Digest digest) {
        tally.miss(m, repository, "blob");
        try {
            long size = upstream.call(m, repository, c -> c.blobLength(digest.toString(), upstreamTimeout));
            if (size >= 0) return new PullThrough.Described(size);
            try (UpstreamClient.Blob body = upstream.call(m, repository, c -> c.blobWithLength(digest.toString()))) {
                return new PullThrough.Described(body.length());
            }
        } catch (UpstreamException e) {
            throw MirrorErrors.of(m, e, OciError.BLOB_UNKNOWN, repository, digest.toString());
        }
    }

    /**
     * The blob straight from the upstream, not stored: this node has no room for it. Counted as a miss and as a
     * relayed blob; logged once a minute per mirror, as the disk stays full.
     */
    PullThrough.Relayed relay(Mirror m, String repository, Digest digest) {
        tally.miss(m, repository, "blob");
        metrics.relayed(m.name());
        if (relayLogged.due(m.name(), Duration.ofMinutes(1))) {
            long room = reserve.room();
            String why = room < 0 ? "less than the " + reserve.bytes() + " bytes of storage.reserve_bytes are free"
                    : "the disk is full";
            log.warn("mirror {}: passing {} of {} to its client without storing it: no room on this node's disk"
                    + " ({}); cold pulls are not cached until space is freed (logged once a minute, counted in"
                    + " wharf_mirror_relayed_blobs_total)", m.name(), digest, repository, why);
        }
        UpstreamClient.Blob body;
        try {
            body = upstream.call(m, repository, c -> c.blobWithLength(digest.toString()));
        } catch (UpstreamException e) {
            throw MirrorErrors.of(m, e, OciError.BLOB_UNKNOWN, repository, digest.toString());
        }
        if (body.length() < 0) {
            body.close();
            throw new RegistryException(OciError.UNAVAILABLE, "mirror " + m.name() + ": this node has no room to"
                    + " store " + digest + ", and the upstream did not say its length, which passing it on"
                    + " unstored needs", null);
        }
        return new BlobRelay(digest, body, stallTimeout(), n -> metrics.upstreamBytes(m.name(), n));
    }

    /**
     * The download of a blob this node is running, started if none is (a miss) or joined: null when the blob is
     * stored and linked here (for a client, a hit; nothing to fetch).
     *
     * @param client a client's request (counted as a hit or a joined download); false for a {@link #prefetch}
     */
    private BlobFetch startOrJoin(Mirror m, String repository, Digest digest, boolean client) {
        if (linked(m, repository, digest)) {
            if (client) tally.hit(m, repository, "blob");
            return null;
        }
        String key = repository + "@" + digest;
        BlobFetch fetch = fetches.get(key);
        if (fetch != null && fetch.failed() && fetches.remove(key, fetch)) {
            fetch = null; // failed, and not yet out of the map: this client gets a new download, not that error
        }
        if (fetch == null) {
            BlobFetch mine = new BlobFetch(digest, downloads.resolve(UUID.randomUUID().toString()),
                    stallTimeout(), reserve);
            fetch = fetches.putIfAbsent(key, mine);
            if (fetch == null) {
                // A fetch that just finished published before it left the map: look once more.
                if (linked(m, repository, digest)) {
                    fetches.remove(key, mine);
                    if (client) tally.hit(m, repository, "blob");
                    return null;
                }
                tally.miss(m, repository, "blob");
                if (!client) metrics.prefetched(m.name());
                Thread.ofVirtual().name("mirror-fetch").start(() -> download(m, repository, digest, key, mine));
                return mine;
            }
        }
        if (client) metrics.joined(m.name());
        return fetch;
    }

    /**
     * Downloads an image's config and layers one after another, from the moment a client's GET fetched its manifest
     * rather than when the client asks for each. Clients fetch blobs one at a time or a few at once, and between
     * one blob's end and their next request the upstream's link stands idle; here the next download starts as the
     * last one ends, and a client's request for a blob on the way joins its download. The clients' requests pace it
     * ({@link PrefetchLead}: at most two blobs they have not asked for yet), and it ends once they stop asking.
     * Off with mirrors.prefetch. At most {@link #PREFETCHING} images at once per node and one per repository (past
     * that, blobs are fetched when asked for). Stops at the first download that fails: the client's own request for
     * that blob starts it again and reports its error.
     */
    void prefetch(Mirror m, String repository, List<Digest> blobs) {
        if (!prefetch) return;
        if (reserve.room() < 0) return; // without room, clients' blobs are relayed
        PrefetchLead lead = new PrefetchLead();
        if (leads.putIfAbsent(repository, lead) != null) return; // another image of it is being fetched ahead
        if (!prefetching.tryAcquire()) {
            leads.remove(repository, lead);
            return;
        }
        Thread.ofVirtual().name("mirror-prefetch").start(() -> {
            try {
                for (Digest digest : blobs) {
                    if (!lead.awaitTurn(PREFETCH_IDLE)) return;
                    BlobFetch fetch = startOrJoin(m, repository, digest, false);
                    if (fetch == null) continue; // stored already (a shared base layer): nothing to fetch
                    lead.fetching(digest);
                    if (!fetch.awaitEnd(PREFETCH_WAIT)) return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                log.debug("mirror {}: fetching ahead for {} stopped: {}", m.name(), repository, e.getMessage());
            } finally {
                leads.remove(repository, lead);
                prefetching.release();
            }
        });
    }

    /** Linked here already, or stored for another repository and listed by a manifest fetched for this one. */
    private boolean linked(Mirror m, String repository, Digest digest) {
        if (meta.linkedBlobSize(repository, digest).isPresent()) return true;
        if (meta.blobSize(digest).isPresent() && store.listsBlob(repository, digest)
                && mountFromMirror(m, repository, digest)) {
            promote.accept(repository);
            return true;
        }
        return false;
    }

    /**
     * Links a blob another repository of the same mirror holds. Only for a digest a manifest fetched for this
     * repository lists (the upstream vouched that the repository has exactly those bytes), and only from the same
     * mirror: content from users' repositories or other mirrors (other upstream credentials) is never handed out
     * on the strength of a digest alone.
     */
    boolean mountFromMirror(Mirror m, String repository, Digest digest) {
        String prefix = m.name() + "/";
        return blobs.mountFromReadable(repository, digest, from -> from.startsWith(prefix) && !from.equals(repository));
    }

    private void download(Mirror m, String repository, Digest digest, String key, BlobFetch fetch) {
        try {
            fetch.run(() -> upstream.call(m, repository, c -> c.blobWithLength(digest.toString())),
                    file -> uploads.storeVerified(repository, digest, file), // BlobFetch verified it
                    n -> metrics.upstreamBytes(m.name(), n));
            Optional<String> ours = fetch.storageFailureMessage();
            if (ours.isPresent()) {
                log.warn("mirror {}: {} from {} not stored: {}", m.name(), digest, repository, ours.get());
            } else if (fetch.failed()) {
                metrics.upstreamError(m.name());
            } else {
                promote.accept(repository);
            }
        } catch (RuntimeException e) {
            log.warn("mirror {}: {}", m.name(), e.getMessage());
        } finally {
            fetches.remove(key, fetch);
            fetch.finish();
        }
    }

    /** How long a download or relay may go without a byte from the upstream before it is ended as stalled. */
    private Duration stallTimeout() {
        return upstreamTimeout.multipliedBy(2);
    }

    /** Downloads in progress on this node (for tests). */
    int downloadsInProgress() {
        return fetches.size();
    }
}
