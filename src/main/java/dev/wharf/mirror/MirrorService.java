package dev.wharf.mirror;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.wharf.auth.MirrorNamespaces;
import dev.wharf.hub.MirrorViews;
import dev.wharf.content.BlobService;
import dev.wharf.content.InvalidManifestException;
import dev.wharf.content.ManifestParser;
import dev.wharf.content.ManifestService;
import dev.wharf.content.Names;
import dev.wharf.content.OciError;
import dev.wharf.content.ParsedManifest;
import dev.wharf.content.PullRecorder;
import dev.wharf.content.RegistryException;
import dev.wharf.content.UploadService;
import dev.wharf.model.Digest;
import dev.wharf.registry.PullThrough;
import dev.wharf.storage.DiskReserve;
import dev.wharf.storage.StorageFailure;
import dev.wharf.storage.meta.MetadataStore;
import dev.wharf.upstream.OutboundHttp;
import dev.wharf.upstream.UpstreamClient;
import dev.wharf.upstream.UpstreamException;
import dev.wharf.upstream.UpstreamManifest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pull-through mirrors: serves {@code <mirror>/<upstream name>} from the cache, fetching from the upstream on a
 * miss (see docs/ARCHITECTURE.md, "Pull-through mirrors").
 *
 * <ul>
 *   <li>Manifests are kept exactly as fetched (mirror_manifests) and served from there at once; each becomes
 *       ordinary content (ManifestService, with its tags) when all its blobs are stored, so GC,
 *       the Hub views and image management see it like a pushed image.
 *   <li>A tag is served from the cache for the mirror's revalidation interval, then checked with a manifest HEAD;
 *       by-digest pulls never go upstream once cached. Concurrent requests for the same tag, digest or blob share
 *       one upstream request on this node ({@link SingleFlight}, {@link BlobFetch}).
 *   <li>Upstream down, slow or refusing: a cached tag is served stale (metric, one log line per interval); a miss
 *       fails with the upstream's problem in the error message.
 *   <li>A tag list is the upstream's, kept for the revalidation interval; the cached tags while the upstream
 *       fails.
 * </ul>
 */
public final class MirrorService implements PullThrough, MirrorNamespaces, MirrorViews {
    private static final Logger log = LoggerFactory.getLogger(MirrorService.class);
    /** used_at columns are written at most this often per row: a pull must not always cost a write. */
    private static final Duration TOUCH_EVERY = Duration.ofHours(1);
    /** Images whose blobs one node fetches ahead at once. */
    static final int PREFETCHING = 4;
    /**
     * The longest a prefetch waits for one blob before it gives up on the rest. Only a bound for safety: a stalled
     * download fails after twice the upstream timeout anyway.
     */
    private static final Duration PREFETCH_WAIT = Duration.ofHours(1);
    /** A fetch ahead ends when no client asked for a blob of its repository for this long (PrefetchLead). */
    private static final Duration PREFETCH_IDLE = Duration.ofSeconds(30);
    /** The longest upstream tag list a mirror lists (Docker Hub's largest repositories hold some thousands). */
    static final int MAX_LISTED_TAGS = 100_000;
    /** Tags of upstream tag lists one node keeps in memory, across repositories. */
    private static final long KEPT_TAGS = 250_000;
    /** The most referrers of one subject a mirror lists (signatures, SBOMs and attestations: a handful). */
    static final int MAX_LISTED_REFERRERS = 10_000;
    /** Descriptors of upstream referrers one node keeps in memory, across subjects. */
    private static final long KEPT_REFERRERS = 50_000;

    private final Mirrors mirrors;
    private final MirrorStore store;
    private final MetadataStore meta;
    private final BlobService blobs;
    private final ManifestService manifests;
    private final UploadService uploads;
    private final ManifestParser parser;
    private final PullRecorder pulls;
    private final MirrorMetrics metrics;
    private final Clock clock;
    private final Duration upstreamTimeout;
    private final Path downloads;
    /** Free space the downloads leave to the database (storage.reserve_bytes). */
    private final DiskReserve reserve;
    private final RepositoryCounts counts;
    private final UpstreamClients upstream;
    /** Whether a GET that fetches a manifest also starts the download of its blobs (mirrors.prefetch). */
    private final boolean prefetch;
    private final Semaphore prefetching = new Semaphore(PREFETCHING);
    /** The fetches ahead running, by repository: the clients' blob requests pace them. */
    private final ConcurrentHashMap<String, PrefetchLead> leads = new ConcurrentHashMap<>();
    private final SingleFlight<String> flights = new SingleFlight<>();
    private final ConcurrentHashMap<String, BlobFetch> fetches = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Instant> staleLogged = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Instant> relayLogged = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Instant> touched = new ConcurrentHashMap<>();
    /**
     * Upstream tag lists by repository, weighed by their tags: a few hundred thousand names at most, so that
     * listing many large repositories cannot fill the heap.
     */
    private final Cache<String, Listed<List<String>>> tagLists = Caffeine.newBuilder()
            .maximumWeight(KEPT_TAGS).weigher((String k, Listed<List<String>> v) -> v.value().size() + 1).build();
    /** Upstream referrers by subject (empty: the upstream has no referrers API), weighed by their descriptors. */
    private final Cache<String, Listed<Optional<List<JsonNode>>>> referrerLists = Caffeine.newBuilder()
            .maximumWeight(KEPT_REFERRERS)
            .weigher((String k, Listed<Optional<List<JsonNode>>> v) -> v.value().map(List::size).orElse(0) + 1)
            .build();

    public MirrorService(Mirrors mirrors, OutboundHttp outbound, MetadataStore meta, BlobService blobs,
            ManifestService manifests, UploadService uploads,
            ManifestParser parser, PullRecorder pulls, MirrorMetrics metrics, Clock clock, Duration upstreamTimeout,
            Path downloads, long reserveBytes, boolean prefetch, OutageBoard outageBoard) {
        this.mirrors = mirrors;
        this.prefetch = prefetch;
        this.upstream = new UpstreamClients(outbound, metrics, clock, upstreamTimeout, outageBoard);
        this.store = mirrors.store();
        this.counts = new RepositoryCounts(store);
        this.meta = meta;
        this.blobs = blobs;
        this.manifests = manifests;
        this.uploads = uploads;
        this.parser = parser;
        this.pulls = pulls;
        this.metrics = metrics;
        this.clock = clock;
        this.upstreamTimeout = upstreamTimeout;
        this.downloads = downloads;
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

    // --- routing and access ----------------------------------------------------------------------------------

    @Override
    public boolean mirrored(String repository) {
        return mirrors.of(repository).isPresent();
    }

    /**
     * A Docker daemon with {@code registry-mirrors} asks for Docker Hub names ({@code library/alpine},
     * {@code bitnami/redis}) with no prefix. Such a name goes to the Hub mirror ({@code hub/library/alpine}) when
     * one is configured and the name is not Wharf's own: its first segment is no mirror, user or organization,
     * and no repository of that exact name exists here. Everything else is served as Wharf's own.
     */
    @Override
    public String route(String name) {
        Optional<Mirror> hub = mirrors.hub();
        if (hub.isEmpty() || mirrored(name)) return name;
        String first = name.contains("/") ? name.substring(0, name.indexOf('/')) : name;
        if (!name.contains("/") && !first.isEmpty()) {
            // Docker always sends library/<name> for official images; a bare name is never a Hub pull.
            return name;
        }
        if (meta.findRepository(name).isPresent() || store.namespaceTaken(first)) return name;
        return hub.get().name() + "/" + name;
    }

    @Override
    public Optional<String> mirrorOf(String repository) {
        Optional<Mirror> m = mirrors.of(repository);
        if (m.isPresent()) return Optional.of(m.get().name());
        String routed = route(repository);
        return routed.equals(repository) ? Optional.empty() : mirrors.of(routed).map(Mirror::name);
    }

    @Override
    public boolean anonymousPulls(String mirror) {
        return mirrors.named(mirror).map(Mirror::anonymousPulls).orElse(false);
    }

    @Override
    public String readOnlyMessage(String repository) {
        Optional<Mirror> own = mirrors.of(repository);
        if (own.isEmpty()) {
            // A Docker Hub name, routed to the Hub mirror for pulls: say why it is not Wharf's own.
            Mirror hub = mirror(route(repository));
            String namespace = repository.substring(0, repository.indexOf('/'));
            return "'" + repository + "' is a Docker Hub name here, pulled through the read-only mirror '" + hub.name()
                    + "' of " + hub.upstream() + ", because '" + namespace + "' is no user or organization of this"
                    + " Wharf; push to a repository of your own namespace, or create the organization '" + namespace
                    + "' first";
        }
        Mirror m = own.get();
        return "'" + m.name() + "' is a read-only pull-through mirror of " + m.upstream()
                + "; push to a repository of your own namespace instead";
    }

    @Override
    public boolean isMirror(String namespace) {
        return mirrors.isMirror(namespace);
    }

    @Override
    public Optional<Map<String, Object>> describe(String repository) {
        return mirrors.of(repository).map(m -> {
            Map<String, Object> v = new java.util.LinkedHashMap<>();
            v.put("name", m.name());
            v.put("upstream", m.upstream());
            v.put("upstream_repository", UpstreamClients.upstreamName(m, m.upstreamRepository(repository)));
            v.put("revalidate_seconds", m.revalidateAfter().toSeconds());
            MirrorStore.RepositoryStats stats = store.repositoryStats(repository);
            v.put("last_revalidated", stats.lastRevalidated().map(Instant::toString).orElse(null));
            v.put("hits", stats.hits());
            v.put("misses", stats.misses());
            return v;
        });
    }

    /** Whether this node takes the mirror's upstream for down now, since when and why ({@link UpstreamOutages}). */
    Optional<UpstreamOutages.Seen> upstreamOutage(Mirror m) {
        return upstream.outage(m);
    }

    /** The pull budget the mirror's upstream last stated to this node (Docker Hub's ratelimit headers), if any. */
    Optional<UpstreamRateLimits.Seen> upstreamRateLimit(Mirror m) {
        return upstream.rateLimit(m);
    }

    // --- manifests -------------------------------------------------------------------------------------------

    @Override
    public Manifest manifest(String repository, String reference, boolean countPull) {
        Mirror m = mirror(repository);
        Manifest result;
        if (Digest.looksLikeDigest(reference)) {
            Digest digest = Names.requireDigest(reference);
            Optional<MirrorStore.CachedManifest> cached = store.manifest(repository, digest);
            if (cached.isPresent()) {
                hit(m, repository, "manifest");
                touchManifest(cached.get());
                result = of(cached.get());
            } else {
                result = flights.run("m|" + repository + "|" + digest, () -> store.manifest(repository, digest)
                        .map(MirrorService::of)
                        .orElseGet(() -> fetchManifest(m, repository, digest.toString(), countPull)));
            }
        } else {
            Names.requireTag(reference);
            Optional<MirrorStore.CachedTag> tag = store.tag(repository, reference);
            Optional<MirrorStore.CachedManifest> cached = tag.filter(t -> fresh(m, t))
                    .flatMap(t -> store.manifest(repository, t.digest()));
            if (cached.isPresent()) {
                hit(m, repository, "manifest");
                touchTag(tag.get());
                result = of(cached.get());
            } else {
                // A pull arriving while this tag is being revalidated waits for that check and shares its result.
                result = flights.run("t|" + repository + "|" + reference,
                        () -> revalidate(m, repository, reference, countPull));
            }
        }
        if (countPull) pulls.record(repository, result.digest(), clock.instant());
        return result;
    }

    private boolean fresh(Mirror m, MirrorStore.CachedTag tag) {
        return fresh(m, tag.checkedAt());
    }

    /** Whether something checked upstream at {@code checkedAt} is still within the mirror's revalidation interval. */
    private boolean fresh(Mirror m, Instant checkedAt) {
        return Duration.between(checkedAt, clock.instant()).compareTo(m.revalidateAfter()) < 0;
    }

    /** The tag is unknown or its interval has passed: ask the upstream (HEAD first when something is cached). */
    private Manifest revalidate(Mirror m, String repository, String tag, boolean pulling) {
        Optional<MirrorStore.CachedTag> known = store.tag(repository, tag);
        Optional<MirrorStore.CachedManifest> cached = known.flatMap(t -> store.manifest(repository, t.digest()));
        if (cached.isPresent() && fresh(m, known.get())) {
            hit(m, repository, "manifest"); // another node or request checked it a moment ago
            return of(cached.get());
        }
        try {
            if (cached.isPresent()) {
                String now = upstream.call(m, repository, c -> c.manifestDigest(tag, upstreamTimeout));
                if (now.equals(cached.get().digest().toString())) {
                    store.putTag(repository, tag, cached.get().digest(), clock.instant());
                    metrics.revalidated(m.name(), "unchanged");
                    hit(m, repository, "manifest");
                    return of(cached.get());
                }
                metrics.revalidated(m.name(), "moved");
                log.info("mirror {}: {}:{} moved upstream from {} to {}", m.name(), repository, tag,
                        cached.get().digest(), now);
            }
            miss(m, repository, "manifest");
            UpstreamManifest fetched = upstream.call(m, repository, c -> c.manifest(tag, upstreamTimeout));
            Manifest stored = keep(m, repository, fetched, pulling);
            store.putTag(repository, tag, stored.digest(), clock.instant());
            promote(repository);
            return stored;
        } catch (UpstreamException e) {
            if (cached.isPresent() && e.reason() != UpstreamException.Reason.NOT_FOUND) {
                stale(m, repository + ":" + tag, e);
                return of(cached.get());
            }
            throw error(m, e, OciError.MANIFEST_UNKNOWN, repository, tag);
        }
    }

    private Manifest fetchManifest(Mirror m, String repository, String digest, boolean pulling) {
        miss(m, repository, "manifest");
        try {
            UpstreamManifest fetched = upstream.call(m, repository, c -> c.manifest(digest, upstreamTimeout));
            Manifest stored = keep(m, repository, fetched, pulling);
            promote(repository);
            return stored;
        } catch (UpstreamException e) {
            throw error(m, e, OciError.MANIFEST_UNKNOWN, repository, digest);
        }
    }

    /**
     * Keeps a fetched manifest: validated as a push would be, stored as served, its blobs noted as vouched for
     * by the upstream, and those this node already stores for other repositories linked here at once. When a GET
     * fetched it ({@code pulling}), the image's blobs are fetched ahead of the client ({@link #prefetch}).
     */
    private Manifest keep(Mirror m, String repository, UpstreamManifest fetched, boolean pulling) {
        ParsedManifest parsed;
        try {
            parsed = parser.parse(fetched.content(), fetched.mediaType());
        } catch (InvalidManifestException e) {
            throw new RegistryException(OciError.MANIFEST_INVALID, "mirror " + m.name() + ": the upstream served a"
                    + " manifest Wharf cannot store: " + e.getMessage(), null);
        }
        Digest digest = Digest.parse(fetched.digest());
        Instant now = clock.instant();
        store.putManifest(repository, digest, parsed.mediaType(), fetched.content(), parsed.blobs(), now);
        for (Digest blob : parsed.blobs()) {
            if (meta.linkedBlobSize(repository, blob).isEmpty() && meta.blobSize(blob).isPresent()) {
                mountFromMirror(m, repository, blob);
            }
        }
        if (pulling && prefetch && parsed.children().isEmpty() && !parsed.blobs().isEmpty()) {
            prefetch(m, repository, parsed.blobs());
        }
        return new Manifest(digest, parsed.mediaType(), fetched.content());
    }

    /**
     * Stores as ordinary content every cached manifest of the repository whose blobs are all here (an index at
     * once, as a sparse index; an image once its config and layers are), and points its tags at it.
     */
    void promote(String repository) {
        for (int round = 0; round < 3; round++) {
            boolean progress = false;
            for (MirrorStore.CachedManifest c : store.pending(repository)) {
                ParsedManifest p;
                try {
                    p = parser.parse(c.content(), c.mediaType());
                } catch (InvalidManifestException e) {
                    continue; // validated when fetched; cannot happen
                }
                // Children need not be here: an index is stored sparse (only the platforms pulled follow it).
                boolean complete = p.blobs().stream().allMatch(b -> meta.linkedBlobSize(repository, b).isPresent());
                if (!complete) continue;
                try {
                    manifests.put(repository, c.digest().toString(), c.mediaType(), c.content());
                    for (String tag : store.tagsOf(repository, c.digest())) {
                        manifests.put(repository, tag, c.mediaType(), c.content());
                    }
                    store.markPromoted(repository, c.digest());
                    progress = true;
                } catch (RegistryException e) {
                    // A blob was collected in between: it is fetched again on the next pull.
                    log.debug("mirror: {}@{} not promoted yet: {}", repository, c.digest(), e.getMessage());
                }
            }
            if (!progress) return;
        }
    }

    // --- tag lists -------------------------------------------------------------------------------------------

    /**
     * The upstream's tag list, kept per node for the mirror's revalidation interval (as a tag is), and shared by
     * the requests that arrive while it is being fetched. When the upstream fails the tags this mirror has fetched
     * are listed instead (counted and logged as a stale serve); a repository the upstream does not know is unknown,
     * whatever is cached.
     */
    @Override
    public List<String> tags(String repository) {
        Mirror m = mirror(repository);
        return listed(m, "tags", tagLists, repository,
                () -> upstream.call(m, repository, c -> c.tags(upstreamTimeout, MAX_LISTED_TAGS))
                        .stream().distinct().sorted().toList(),
                e -> {
                    List<String> cached = e.reason() == UpstreamException.Reason.NOT_FOUND ? List.of()
                            : store.tags(repository).stream().sorted().toList();
                    if (!cached.isEmpty()) {
                        stale(m, repository + " (its tag list)", e);
                        return cached;
                    }
                    if (e.reason() == UpstreamException.Reason.TOO_LARGE) {
                        throw new RegistryException(OciError.UNSUPPORTED, "mirror " + m.name() + ": "
                                + e.getMessage() + "; a mirror lists at most " + MAX_LISTED_TAGS + " tags (upstream "
                                + m.upstream() + ")", Map.of("name", repository, "upstream", m.upstream()));
                    }
                    throw error(m, e, OciError.NAME_UNKNOWN, repository, "tags/list");
                });
    }

    /**
     * The upstream's referrers of a subject, kept per node for the revalidation interval and fetched once at a time
     * per subject, as a tag list is. An upstream without a referrers API (404) is remembered as such for the interval
     * too. When the upstream fails, the referrers promoted here are listed (a stale serve).
     */
    @Override
    public Optional<List<JsonNode>> referrers(String repository, Digest subject) {
        Mirror m = mirror(repository);
        Optional<List<JsonNode>> listed = listed(m, "referrers", referrerLists, repository + "@" + subject, () -> {
            try {
                return Optional.of(upstream.call(m, repository,
                        c -> c.referrers(subject.toString(), upstreamTimeout, MAX_LISTED_REFERRERS)));
            } catch (UpstreamException e) {
                if (e.reason() != UpstreamException.Reason.NOT_FOUND) throw e;
                return Optional.empty(); // no referrers API: kept as such
            }
        }, e -> {
            if (!manifests.referrers(repository, subject, null).isEmpty()) {
                stale(m, repository + "@" + subject + " (its referrers)", e);
                return null;
            }
            throw error(m, e, OciError.NAME_UNKNOWN, repository, "referrers/" + subject);
        });
        if (listed == null) return Optional.empty(); // the upstream failed: the referrers stored here
        if (listed.isEmpty()) {
            throw new RegistryException(OciError.NOT_FOUND, "mirror " + m.name() + ": the upstream " + m.upstream()
                    + " has no referrers API for " + repository + "; look for the tag " + subject.toString()
                    .replace(':', '-') + " instead", Map.of("name", repository, "upstream", m.upstream()));
        }
        return listed;
    }

    /**
     * A list fetched from the upstream (a tag list, a subject's referrers), kept per node for the mirror's
     * revalidation interval in {@code kept} and fetched by one request at a time per {@code what} (the others wait
     * for its answer); a changed definition (another upstream) lists afresh. Served from {@code kept} it counts as
     * a hit of {@code kind}, fetched as a miss. When the fetch fails, {@code failed} answers (what it returns is
     * not kept) or throws.
     */
    private <V> V listed(Mirror m, String kind, Cache<String, Listed<V>> kept, String what, Supplier<V> fetch,
            Function<UpstreamException, V> failed) {
        String key = what + "|" + m.updatedAt().toEpochMilli();
        Listed<V> known = kept.getIfPresent(key);
        if (known != null && fresh(m, known.fetchedAt())) {
            metrics.hit(m.name(), kind);
            return known.value();
        }
        return flights.run(kind + "|" + key, () -> {
            Listed<V> again = kept.getIfPresent(key);
            if (again != null && fresh(m, again.fetchedAt())) {
                metrics.hit(m.name(), kind);
                return again.value();
            }
            metrics.miss(m.name(), kind);
            V value;
            try {
                value = fetch.get();
            } catch (UpstreamException e) {
                return failed.apply(e);
            }
            kept.put(key, new Listed<>(value, clock.instant()));
            return value;
        });
    }

    /** What a node fetched from an upstream for {@link #listed}, and when. */
    private record Listed<V>(V value, Instant fetchedAt) {}

    // --- blobs -----------------------------------------------------------------------------------------------

    @Override
    public Optional<Incoming> blob(String repository, Digest digest, boolean head) {
        Mirror m = mirror(repository);
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
            throw error(m, e, OciError.BLOB_UNKNOWN, repository, digest.toString());
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

    @Override
    public Relayed relay(String repository, Digest digest) {
        return relay(mirror(repository), repository, digest);
    }

    /** A blob this node has no room for: passed through to a GET, described by the upstream to a HEAD. */
    private Incoming unstored(Mirror m, String repository, Digest digest, boolean head) {
        return head ? describe(m, repository, digest) : relay(m, repository, digest);
    }

    /**
     * A blob this node has no room for, described by the upstream's {@code HEAD}: counted as a miss (it is not
     * cached), not as a relayed blob (no bytes pass). When the {@code HEAD} gives no length (refused where the
     * registry redirected it, or answered without one) a {@code GET} is sent and closed after its headers. The
     * size is -1 when neither said it.
     */
    private Described describe(Mirror m, String repository, Digest digest) {
        miss(m, repository, "blob");
        try {
            long size = upstream.call(m, repository, c -> c.blobLength(digest.toString(), upstreamTimeout));
            if (size >= 0) return new Described(size);
            try (UpstreamClient.Blob body = upstream.call(m, repository, c -> c.blobWithLength(digest.toString()))) {
                return new Described(body.length());
            }
        } catch (UpstreamException e) {
            throw error(m, e, OciError.BLOB_UNKNOWN, repository, digest.toString());
        }
    }

    /**
     * The blob straight from the upstream, not stored: this node has no room for it. Counted as a miss and as a
     * relayed blob; logged once a minute per mirror, as the disk stays full.
     */
    private Relayed relay(Mirror m, String repository, Digest digest) {
        miss(m, repository, "blob");
        metrics.relayed(m.name());
        if (dueToLog(relayLogged, m.name(), Duration.ofMinutes(1))) {
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
            throw error(m, e, OciError.BLOB_UNKNOWN, repository, digest.toString());
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
            if (client) hit(m, repository, "blob");
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
                    if (client) hit(m, repository, "blob");
                    return null;
                }
                miss(m, repository, "blob");
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
    private void prefetch(Mirror m, String repository, List<Digest> blobs) {
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
            promote(repository);
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
    private boolean mountFromMirror(Mirror m, String repository, Digest digest) {
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
                promote(repository);
            }
        } catch (RuntimeException e) {
            log.warn("mirror {}: {}", m.name(), e.getMessage());
        } finally {
            fetches.remove(key, fetch);
            fetch.finish();
        }
    }

    // --- upstream failures -----------------------------------------------------------------------------------

    private void stale(Mirror m, String what, UpstreamException e) {
        metrics.stale(m.name());
        Duration every = m.revalidateAfter().compareTo(Duration.ofMinutes(1)) < 0 ? Duration.ofMinutes(1)
                : m.revalidateAfter();
        if (dueToLog(staleLogged, m.name(), every)) {
            log.warn("mirror {}: upstream {} failed ({}); serving cached content, e.g. {} (logged once per {})",
                    m.name(), m.upstream(), e.getMessage(), what, every);
        }
    }

    /** Whether a condition logged at most once per {@code every} for {@code key} is due now; if so, notes now. */
    private boolean dueToLog(ConcurrentHashMap<String, Instant> logged, String key, Duration every) {
        Instant now = clock.instant();
        Instant last = logged.get(key);
        if (last != null && Duration.between(last, now).compareTo(every) < 0) return false;
        logged.put(key, now);
        return true;
    }

    /** How long a download or relay may go without a byte from the upstream before it is ended as stalled. */
    private Duration stallTimeout() {
        return upstreamTimeout.multipliedBy(2);
    }

    private static RegistryException error(Mirror m, UpstreamException e, OciError notFound, String repository,
            String reference) {
        String message = "mirror " + m.name() + ": " + e.getMessage() + " (upstream " + m.upstream() + ")";
        OciError code = switch (e.reason()) {
            case NOT_FOUND -> notFound;
            case UNAUTHORIZED, DENIED -> OciError.DENIED;
            case TOO_LARGE -> OciError.MANIFEST_TOO_LARGE;
            case UNREACHABLE, SERVER, PROTOCOL -> OciError.UNAVAILABLE;
        };
        Map<String, String> headers = Map.of();
        if (code == OciError.UNAVAILABLE && e.retryAfter().isPresent()) {
            headers = Map.of("Retry-After", String.valueOf(retryAfterSeconds(e.retryAfter().get())));
        }
        return new RegistryException(code, message, Map.of("name", repository, "reference", reference,
                "upstream", m.upstream()), headers);
    }

    /** What a client is told to wait: at least a second, and no longer than the mirror itself waits. */
    private static long retryAfterSeconds(Duration wait) {
        Duration capped = wait.compareTo(UpstreamOutages.MAX_PAUSE) > 0 ? UpstreamOutages.MAX_PAUSE : wait;
        return Math.max(1, capped.toSeconds());
    }

    // --- bookkeeping -----------------------------------------------------------------------------------------

    private void hit(Mirror m, String repository, String kind) {
        metrics.hit(m.name(), kind);
        counts.hit(repository);
    }

    private void miss(Mirror m, String repository, String kind) {
        metrics.miss(m.name(), kind);
        counts.miss(repository);
    }

    /** Adds this node's per-repository hits and misses to the shared table (the server calls it every second). */
    public void flushCounts() {
        counts.flush();
    }

    private Mirror mirror(String repository) {
        return mirrors.of(repository).orElseThrow(() -> new RegistryException(OciError.NAME_UNKNOWN, null,
                Map.of("name", repository)));
    }

    private static Manifest of(MirrorStore.CachedManifest c) {
        return new Manifest(c.digest(), c.mediaType(), c.content());
    }

    private void touchTag(MirrorStore.CachedTag t) {
        if (due("t|" + t.repository() + "|" + t.tag(), t.usedAt())) store.touchTag(t.repository(), t.tag(), clock.instant());
    }

    private void touchManifest(MirrorStore.CachedManifest c) {
        if (due("m|" + c.repository() + "|" + c.digest(), c.usedAt())) {
            store.touchManifest(c.repository(), c.digest(), clock.instant());
        }
    }

    private boolean due(String key, Instant usedAt) {
        Instant now = clock.instant();
        if (Duration.between(usedAt, now).compareTo(TOUCH_EVERY) < 0) return false;
        Instant last = touched.get(key);
        if (last != null && Duration.between(last, now).compareTo(TOUCH_EVERY) < 0) return false;
        touched.put(key, now);
        return true;
    }

    /**
     * Drops, for each mirror, the mirrored tags and manifests not pulled for its eviction setting (the mirror's
     * own, else {@code serverDefault}; zero: never), and the ordinary tags of those that were promoted, so that
     * garbage collection removes the content once its grace periods pass.
     *
     * @return how many tags were evicted, by mirror (mirrors that evicted none are left out)
     */
    public Map<String, Integer> evictUnused(Duration serverDefault) {
        Map<String, Integer> evicted = new java.util.TreeMap<>();
        for (Map.Entry<String, Instant> cutoff : evictionCutoffs(mirrors.all(), serverDefault, clock.instant())
                .entrySet()) {
            List<MirrorStore.CachedTag> tags = store.evictTags(cutoff.getKey(), cutoff.getValue());
            for (MirrorStore.CachedTag t : tags) {
                meta.deleteTag(t.repository(), t.tag(), clock.instant());
            }
            if (!tags.isEmpty()) evicted.put(cutoff.getKey(), tags.size());
        }
        touched.clear();
        return evicted;
    }

    /** Per mirror that evicts at all, the time before which an unused tag goes. */
    static Map<String, Instant> evictionCutoffs(List<Mirror> mirrors, Duration serverDefault, Instant now) {
        Map<String, Instant> cutoffs = new java.util.TreeMap<>();
        for (Mirror m : mirrors) {
            Duration after = m.evictUnusedAfter(serverDefault);
            if (!after.isZero()) cutoffs.put(m.name(), now.minus(after));
        }
        return cutoffs;
    }

    /** Downloads in progress on this node (for tests). */
    int downloadsInProgress() {
        return fetches.size();
    }
}
