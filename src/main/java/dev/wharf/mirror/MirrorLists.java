package dev.wharf.mirror;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.wharf.content.ManifestService;
import dev.wharf.content.OciError;
import dev.wharf.content.RegistryException;
import dev.wharf.model.Digest;
import dev.wharf.upstream.UpstreamException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A mirror's lists fetched from its upstream, for the tag list and referrers APIs: kept per node for the mirror's
 * revalidation interval, fetched by one request at a time, listed from the cache while the upstream fails.
 */
final class MirrorLists {
    /** The longest upstream tag list a mirror lists (Docker Hub's largest repositories hold some thousands). */
    static final int MAX_LISTED_TAGS = 100_000;
    /** Tags of upstream tag lists one node keeps in memory, across repositories. */
    private static final long KEPT_TAGS = 250_000;
    /** The most referrers of one subject a mirror lists (signatures, SBOMs and attestations: a handful). */
    static final int MAX_LISTED_REFERRERS = 10_000;
    /** Descriptors of upstream referrers one node keeps in memory, across subjects. */
    private static final long KEPT_REFERRERS = 50_000;

    private final UpstreamClients upstream;
    private final MirrorStore store;
    private final ManifestService manifests;
    private final MirrorMetrics metrics;
    private final StaleServes stale;
    private final Clock clock;
    private final Duration upstreamTimeout;
    private final SingleFlight<String> flights = new SingleFlight<>();
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

    MirrorLists(UpstreamClients upstream, MirrorStore store, ManifestService manifests, MirrorMetrics metrics,
            StaleServes stale, Clock clock, Duration upstreamTimeout) {
        this.upstream = upstream;
        this.store = store;
        this.manifests = manifests;
        this.metrics = metrics;
        this.stale = stale;
        this.clock = clock;
        this.upstreamTimeout = upstreamTimeout;
    }

    /**
     * The upstream's tag list, kept per node for the mirror's revalidation interval (as a tag is), and shared by
     * the requests that arrive while it is being fetched. When the upstream fails the tags this mirror has fetched
     * are listed instead (counted and logged as a stale serve); a repository the upstream does not know is unknown,
     * whatever is cached.
     */
    List<String> tags(Mirror m, String repository) {
        return listed(m, "tags", tagLists, repository,
                () -> upstream.call(m, repository, c -> c.tags(upstreamTimeout, MAX_LISTED_TAGS))
                        .stream().distinct().sorted().toList(),
                e -> {
                    List<String> cached = e.reason() == UpstreamException.Reason.NOT_FOUND ? List.of()
                            : store.tags(repository).stream().sorted().toList();
                    if (!cached.isEmpty()) {
                        stale.served(m, repository + " (its tag list)", e);
                        return cached;
                    }
                    if (e.reason() == UpstreamException.Reason.TOO_LARGE) {
                        throw new RegistryException(OciError.UNSUPPORTED, "mirror " + m.name() + ": "
                                + e.getMessage() + "; a mirror lists at most " + MAX_LISTED_TAGS + " tags (upstream "
                                + m.upstream() + ")", Map.of("name", repository, "upstream", m.upstream()));
                    }
                    throw MirrorErrors.of(m, e, OciError.NAME_UNKNOWN, repository, "tags/list");
                });
    }

    /**
     * The upstream's referrers of a subject, kept per node for the revalidation interval and fetched once at a time
     * per subject, as a tag list is. An upstream without a referrers API (404) is remembered as such for the interval
     * too. When the upstream fails, the referrers promoted here are listed (a stale serve).
     */
    Optional<List<JsonNode>> referrers(Mirror m, String repository, Digest subject) {
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
                stale.served(m, repository + "@" + subject + " (its referrers)", e);
                return null;
            }
            throw MirrorErrors.of(m, e, OciError.NAME_UNKNOWN, repository, "referrers/" + subject);
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

    /** Whether something fetched at {@code fetchedAt} is still within the mirror's revalidation interval. */
    private boolean fresh(Mirror m, Instant fetchedAt) {
        return Duration.between(fetchedAt, clock.instant()).compareTo(m.revalidateAfter()) < 0;
    }
}
