package dev.wharf.mirror;

import dev.wharf.content.ManifestService;
import dev.wharf.upstream.OutboundHttp;
import dev.wharf.upstream.UpstreamAuth;
import dev.wharf.upstream.UpstreamClient;
import dev.wharf.upstream.UpstreamException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The mirrors' clients of their upstream repositories, one per mirror repository, kept while in use so that a pull
 * does not start with a token request; and what mirror names mean upstream.
 */
final class UpstreamClients {
    /**
     * A repository's upstream client is dropped after this long unused. While in use it renews its bearer token
     * when the token expires; tokens and the registry's challenge are shared per mirror ({@link UpstreamAuth}).
     */
    private static final Duration CLIENT_IDLE = Duration.ofMinutes(10);

    private static final class CachedClient {
        final UpstreamClient client;
        volatile Instant usedAt;

        CachedClient(UpstreamClient client, Instant usedAt) {
            this.client = client;
            this.usedAt = usedAt;
        }
    }

    private final OutboundHttp outbound;
    private final MirrorMetrics metrics;
    private final Clock clock;
    private final Duration timeout;
    private final ConcurrentHashMap<String, CachedClient> clients = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, UpstreamAuth> upstreamAuth = new ConcurrentHashMap<>();
    private final UpstreamOutages outages;
    private final UpstreamRateLimits rateLimits;

    /** @param board where the cluster's nodes tell each other of upstream outages ({@link OutageBoard#NONE}: alone) */
    UpstreamClients(OutboundHttp outbound, MirrorMetrics metrics, Clock clock, Duration timeout, OutageBoard board) {
        this.outbound = outbound;
        this.metrics = metrics;
        this.clock = clock;
        this.timeout = timeout;
        this.outages = new UpstreamOutages(clock, metrics, board);
        this.rateLimits = new UpstreamRateLimits(clock, metrics);
    }

    /** The pull budget the mirror's upstream (as defined now) last stated to this node, if it states one. */
    java.util.Optional<UpstreamRateLimits.Seen> rateLimit(Mirror m) {
        return rateLimits.of(m.name(), definition(m));
    }

    /** The mirror's upstream outage as this node sees it, if it is down ({@link UpstreamOutages}). */
    java.util.Optional<UpstreamOutages.Seen> outage(Mirror m) {
        return outages.of(definition(m));
    }

    /** A mirror's definition: a changed one (upstream, credentials) has another updatedAt. */
    private static String definition(Mirror m) {
        return m.name() + "|" + m.updatedAt().toEpochMilli();
    }

    /**
     * Runs {@code work} with the client of the upstream repository, kept while it is used: it renews its bearer
     * token as that expires, and shares the registry's root challenge and tokens with the mirror's other
     * repositories (so a new repository costs no {@code GET /v2/}). A refusal with a reused client is retried once
     * with a fresh one, in case the registry revoked what was kept. An upstream that failed as down is left alone
     * for a while ({@link UpstreamOutages}).
     */
    <T> T call(Mirror m, String repository, Function<UpstreamClient, T> work) {
        // A changed definition has another key: nothing kept for the old one is used.
        String definition = definition(m);
        return outages.guard(m, definition, () -> callClient(m, repository, definition, work));
    }

    private <T> T callClient(Mirror m, String repository, String definition, Function<UpstreamClient, T> work) {
        String upstreamRepository = upstreamName(m, m.upstreamRepository(repository));
        String key = definition + "|" + upstreamRepository;
        Instant now = clock.instant();
        CachedClient cached = clients.get(key);
        boolean reused = cached != null && Duration.between(cached.usedAt, now).compareTo(CLIENT_IDLE) < 0;
        if (!reused) {
            clients.values().removeIf(c -> Duration.between(c.usedAt, now).compareTo(CLIENT_IDLE) >= 0);
            upstreamAuth.keySet().removeIf(k -> k.startsWith(m.name() + "|") && !k.equals(definition));
            UpstreamAuth auth = upstreamAuth.computeIfAbsent(definition, k -> new UpstreamAuth(clock));
            // An upstream configured as http:// is the administrator's explicit choice: credentials go there.
            UpstreamClient client = new UpstreamClient(outbound, m.upstream(), upstreamRepository, m.credentials(),
                    ManifestService.MAX_MANIFEST_BYTES, m.upstream().startsWith("http://"), timeout, auth);
            client.reportRateLimits(budget -> rateLimits.stated(m.name(), definition, budget));
            cached = new CachedClient(client, now);
            clients.put(key, cached);
        }
        cached.usedAt = now;
        try {
            return work.apply(cached.client);
        } catch (UpstreamException e) {
            if (!reused || e.reason() != UpstreamException.Reason.UNAUTHORIZED) {
                if (e.reason() != UpstreamException.Reason.NOT_FOUND) metrics.upstreamError(m.name());
                throw e;
            }
            clients.remove(key, cached);
            upstreamAuth.remove(definition);
            return callClient(m, repository, definition, work);
        }
    }

    /** Docker Hub keeps official images under {@code library/}: {@code hub/alpine} means {@code library/alpine}. */
    static String upstreamName(Mirror m, String name) {
        boolean dockerHub = m.upstream().matches("https?://(registry-1\\.|index\\.)?docker\\.io/?");
        return dockerHub && !name.contains("/") ? "library/" + name : name;
    }
}
