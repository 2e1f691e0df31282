package dev.wharf.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Clients of one registry that share an {@link UpstreamAuth}: one {@code GET /v2/} for all their repositories, one
 * bearer token per repository scope until it expires, and a token the registry stops taking replaced once.
 */
class UpstreamAuthTest {
    private static final String MANIFEST = "{\"schemaVersion\":2}";

    private HttpServer server;
    private OutboundHttp http;
    private final AtomicInteger pings = new AtomicInteger();
    private final Map<String, AtomicInteger> tokensIssued = new ConcurrentHashMap<>();
    /** Tokens the registry takes; clearing it is a revocation. */
    private final Map<String, String> valid = new ConcurrentHashMap<>();
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-03T10:00:00Z"));
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };
    private String base;

    @BeforeEach
    void registry() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        base = "http://127.0.0.1:" + server.getAddress().getPort();
        String challenge = "Bearer realm=\"" + base + "/token\",service=\"test\"";
        server.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            if (path.equals("/v2/")) {
                pings.incrementAndGet();
                ex.getResponseHeaders().add("WWW-Authenticate", challenge);
                answer(ex, 401, "{}");
            } else if (path.equals("/token")) {
                String scope = java.net.URLDecoder.decode(ex.getRequestURI().getRawQuery().replaceAll(".*scope=", ""),
                        StandardCharsets.UTF_8);
                int n = tokensIssued.computeIfAbsent(scope, s -> new AtomicInteger()).incrementAndGet();
                String token = "t-" + scope.hashCode() + "-" + n;
                valid.put(token, scope);
                answer(ex, 200, "{\"token\":\"" + token + "\",\"expires_in\":60}");
            } else {
                String repository = path.substring("/v2/".length(), path.indexOf("/manifests/"));
                String auth = ex.getRequestHeaders().getFirst("Authorization");
                String scope = auth == null ? null : valid.get(auth.replace("Bearer ", ""));
                if (!("repository:" + repository + ":pull").equals(scope)) {
                    ex.getResponseHeaders().add("WWW-Authenticate", challenge + ",scope=\"repository:" + repository
                            + ":pull\"");
                    answer(ex, 401, "{}");
                    return;
                }
                ex.getResponseHeaders().add("Content-Type", "application/vnd.oci.image.manifest.v1+json");
                answer(ex, 200, MANIFEST);
            }
        });
        server.start();
        http = OutboundHttp.create(OutboundPolicy.of(List.of("127.0.0.1/32"), OutboundPolicy.DEFAULT_DENY));
    }

    @AfterEach
    void stop() {
        http.close();
        server.stop(0);
    }

    private static void answer(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }

    private UpstreamClient client(String repository, UpstreamAuth shared) {
        return new UpstreamClient(http, base, repository, null, 1 << 20, false, Duration.ofSeconds(5), shared);
    }

    private int issued(String repository) {
        AtomicInteger n = tokensIssued.get("repository:" + repository + ":pull");
        return n == null ? 0 : n.get();
    }

    @Test
    void oneRootChallengeForEveryRepositoryAndOneTokenPerScopeUntilItExpires() {
        UpstreamAuth shared = new UpstreamAuth(clock);
        assertThat(new String(client("team/a", shared).manifest("1").content(), StandardCharsets.UTF_8))
                .isEqualTo(MANIFEST);
        client("team/b", shared).manifest("1");
        client("team/b", shared).manifest("1"); // another client of b: b's token is reused
        assertThat(pings).hasValue(1);
        assertThat(issued("team/a")).isEqualTo(1);
        assertThat(issued("team/b")).isEqualTo(1);

        UpstreamClient a = client("team/a", shared);
        a.manifest("1");
        now.set(now.get().plusSeconds(50)); // within 90 % of the 60 s lifetime
        a.manifest("1");
        assertThat(issued("team/a")).isEqualTo(1);
        now.set(now.get().plusSeconds(5)); // past 54 s: renewed before the registry would refuse it
        a.manifest("1");
        assertThat(issued("team/a")).isEqualTo(2);
        assertThat(pings).hasValue(1);
    }

    @Test
    void aTokenTheRegistryNoLongerTakesIsReplacedOnce() {
        UpstreamAuth shared = new UpstreamAuth(clock);
        UpstreamClient a = client("team/a", shared);
        a.manifest("1");
        valid.clear(); // revoked before its expiry
        assertThat(new String(a.manifest("1").content(), StandardCharsets.UTF_8)).isEqualTo(MANIFEST);
        assertThat(issued("team/a")).isEqualTo(2);
        // A client that did not share saw nothing of this: it pings and fetches for itself.
        client("team/a", null).manifest("1");
        assertThat(pings).hasValue(2);
        assertThat(issued("team/a")).isEqualTo(3);
    }
}
