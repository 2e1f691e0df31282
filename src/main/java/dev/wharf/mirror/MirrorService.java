package dev.wharf.mirror;

import com.fasterxml.jackson.databind.JsonNode;
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
import dev.wharf.storage.meta.MetadataStore;
import dev.wharf.upstream.OutboundHttp;
import dev.wharf.upstream.UpstreamException;
import dev.wharf.upstream.UpstreamManifest;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
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

    private final Mirrors mirrors;
    private final MirrorStore store;
    private final MetadataStore meta;
    private final ManifestService manifests;
    private final ManifestParser parser;
    private final PullRecorder pulls;
    private final MirrorMetrics metrics;
    private final Clock clock;
    private final Duration upstreamTimeout;
    private final UpstreamClients upstream;
    private final HitsAndMisses tally;
    private final StaleServes stale;
    private final MirrorBlobs mirrorBlobs;
    private final MirrorLists lists;
    private final SingleFlight<String> flights = new SingleFlight<>();
    private final ConcurrentHashMap<String, Instant> touched = new ConcurrentHashMap<>();

    /**
     * @param downloads the node-local directory of blob downloads in progress
     * @param reserveBytes free space the downloads leave to the database (storage.reserve_bytes)
     * @param prefetch whether a GET that fetches a manifest also starts the download of its blobs
     *     (mirrors.prefetch)
     * @param outageBoard where the cluster's nodes tell each other of upstream outages (Redis, or none)
     */
    public MirrorService(Mirrors mirrors, OutboundHttp outbound, MetadataStore meta, BlobService blobs,
            ManifestService manifests, UploadService uploads,
            ManifestParser parser, PullRecorder pulls, MirrorMetrics metrics, Clock clock, Duration upstreamTimeout,
            Path downloads, long reserveBytes, boolean prefetch, OutageBoard outageBoard) {
        this.mirrors = mirrors;
        this.upstream = new UpstreamClients(outbound, metrics, clock, upstreamTimeout, outageBoard);
        this.store = mirrors.store();
        this.meta = meta;
        this.manifests = manifests;
        this.parser = parser;
        this.pulls = pulls;
        this.metrics = metrics;
        this.clock = clock;
        this.upstreamTimeout = upstreamTimeout;
        this.tally = new HitsAndMisses(metrics, new RepositoryCounts(store));
        this.stale = new StaleServes(metrics, clock);
        this.mirrorBlobs = new MirrorBlobs(upstream, store, meta, blobs, uploads, metrics, tally, clock,
                upstreamTimeout, downloads, reserveBytes, prefetch, this::promote);
        this.lists = new MirrorLists(upstream, store, manifests, metrics, stale, clock, upstreamTimeout);
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
                stale.served(m, repository + ":" + tag, e);
                return of(cached.get());
            }
            throw MirrorErrors.of(m, e, OciError.MANIFEST_UNKNOWN, repository, tag);
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
            throw MirrorErrors.of(m, e, OciError.MANIFEST_UNKNOWN, repository, digest);
        }
    }

    /**
     * Keeps a fetched manifest: validated as a push would be, stored as served, its blobs noted as vouched for
     * by the upstream, and those this node already stores for other repositories linked here at once. When a GET
     * fetched it ({@code pulling}), the image's blobs are fetched ahead of the client
     * ({@link MirrorBlobs#prefetch}).
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
                mirrorBlobs.mountFromMirror(m, repository, blob);
            }
        }
        if (pulling && parsed.children().isEmpty() && !parsed.blobs().isEmpty()) {
            mirrorBlobs.prefetch(m, repository, parsed.blobs());
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

    // --- blobs and lists: MirrorBlobs, MirrorLists -------------------------------------------------------

    @Override
    public Optional<Incoming> blob(String repository, Digest digest, boolean head) {
        return mirrorBlobs.blob(mirror(repository), repository, digest, head);
    }

    @Override
    public Relayed relay(String repository, Digest digest) {
        return mirrorBlobs.relay(mirror(repository), repository, digest);
    }

    /**
     * The upstream's tag list, kept per node for the mirror's revalidation interval (as a tag is); the tags this
     * mirror has fetched while the upstream fails ({@link MirrorLists}).
     */
    @Override
    public List<String> tags(String repository) {
        return lists.tags(mirror(repository), repository);
    }

    /** The upstream's referrers of a subject, kept as a tag list is ({@link MirrorLists}). */
    @Override
    public Optional<List<JsonNode>> referrers(String repository, Digest subject) {
        return lists.referrers(mirror(repository), repository, subject);
    }

    // --- bookkeeping -----------------------------------------------------------------------------------------

    private void hit(Mirror m, String repository, String kind) {
        tally.hit(m, repository, kind);
    }

    private void miss(Mirror m, String repository, String kind) {
        tally.miss(m, repository, kind);
    }

    /** Adds this node's per-repository hits and misses to the shared table (the server calls it every second). */
    public void flushCounts() {
        tally.flush();
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
        return mirrorBlobs.downloadsInProgress();
    }
}
