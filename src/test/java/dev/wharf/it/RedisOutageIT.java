package dev.wharf.it;

import static dev.wharf.it.support.Skopeo.docker;
import static dev.wharf.it.support.Skopeo.oci;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.it.support.DistributionProcess;
import dev.wharf.it.support.LoopbackProxy;
import dev.wharf.it.support.OciLayouts;
import dev.wharf.it.support.Skopeo;
import dev.wharf.it.support.WharfProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.JedisPooled;

/**
 * A node with {@code redis.url} whose link to Redis goes down (a loopback proxy that closes its connections and
 * refuses new ones). Redis holds only counters (rate-limit buckets, sign-in failures) and mirror outage notes, so
 * the node keeps serving: sign-ins, the Hub API, pulls and a mirror's cold pulls answer as before, each node counting on its own meanwhile (password guesses are
 * still locked out), a warning says so, and once Redis answers again the counts go back to it by themselves.
 */
class RedisOutageIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    /** A database of its own, so that other tests' keys and this test's do not meet. */
    private static final int DB = 11;

    @TempDir
    Path work;

    @Test
    void aRedisOutageDegradesToNodeLocalCountingAndRecovers() throws Exception {
        JedisPooled direct = emptyTestDatabase();
        Path layout = work.resolve("image");
        OciLayouts.Image image = OciLayouts.image(layout, "1", 41, 512 * 1024, 100_000);
        try (direct;
                DistributionProcess upstream = DistributionProcess.start(Files.createDirectory(work.resolve("up")));
                LoopbackProxy link = new LoopbackProxy(6379, () -> (direction, chunk, n) -> n);
                WharfProcess wharf = WharfProcess.start(Files.createDirectory(work.resolve("data")), Map.of(
                        "WHARF_REDIS_URL", "redis://" + link.host() + "/" + DB, "WHARF_OUTBOUND_ALLOW", "127.0.0.0/8",
                        "WHARF_MIRRORS_UPSTREAMS", "up=http://" + upstream.host()))) {
            Skopeo.copy(oci(layout, "1"), docker(wharf, "admin/app:1"));
            Skopeo.copy(oci(layout, "1"), docker(upstream, "team/app:1"));
            assertThat(login(wharf, WharfProcess.ADMIN.username(), WharfProcess.ADMIN.password()).statusCode())
                    .isEqualTo(200);

            link.cut();

            // Sign-in, the Hub API (rate-limited by default) and a pull with credentials all still work.
            HttpResponse<String> signIn = login(wharf, WharfProcess.ADMIN.username(), WharfProcess.ADMIN.password());
            assertThat(signIn.statusCode()).as(signIn.body()).isEqualTo(200);
            String session = JSON.readTree(signIn.body()).path("token").asText();
            HttpResponse<String> hub = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + wharf.host()
                    + "/v2/namespaces/admin/repositories")).header("Authorization", "Bearer " + session).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(hub.statusCode()).as(hub.body()).isEqualTo(200);
            assertThat(hub.headers().firstValue("X-RateLimit-Limit")).isPresent();
            assertThat(OciLayouts.pulledBackDifferences(wharf, "admin/app:1", work.resolve("pulled"), layout, image))
                    .isEmpty();
            // A mirror's cold pull still goes to its upstream: with Redis unreachable, no other node's outage is
            // known, and the node keeps its own (the outage board falls back as the counters do).
            assertThat(OciLayouts.pulledBackDifferences(wharf, "up/team/app:1", work.resolve("mirrored"), layout,
                    image)).isEmpty();

            // Guesses are still counted, on this node: the sixth wrong password in a row locks the pair.
            int locked = 0;
            for (int i = 0; i < 8; i++) {
                int status = login(wharf, "guessed-during-outage", "wrong-" + i).statusCode();
                assertThat(status).isIn(401, 429);
                if (status == 429) locked++;
            }
            assertThat(locked).as("attempts refused by the node-local lock").isPositive();

            // Ready all the same (the node serves), and /readyz says what is degraded.
            HttpResponse<String> ready = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + wharf.host()
                    + "/readyz")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(ready.body()).path("checks").path("redis").asText())
                    .startsWith("unreachable for");

            String log = Files.readString(wharf.logFile());
            assertThat(log).contains("Redis (redis.url) is unreachable");
            assertThat(log).doesNotContain("unexpected failure on");

            link.restore();

            // Once the node tries Redis again, a failure is counted there, for every node to see.
            awaitCountedInRedis(wharf, direct, "counted-after-outage");
            assertThat(Files.readString(wharf.logFile())).contains("Redis (redis.url) answers again");
            assertThat(HTTP.send(HttpRequest.newBuilder(URI.create("http://" + wharf.host() + "/readyz")).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).contains("\"redis\":\"ok\"");
        }
    }

    /**
     * Redis that accepts connections and commands but never answers (a hung server, or a link that drops packets):
     * requests must not queue behind the few connections waiting on it. Each caller waits at most redis.timeout for
     * a connection and as long for an answer, then the node counts on its own, as when Redis refuses connections.
     */
    @Test
    void aRedisThatStopsAnsweringDoesNotHoldRequestsUp() throws Exception {
        JedisPooled direct = emptyTestDatabase();
        AtomicBoolean hung = new AtomicBoolean();
        // While hung, nothing more reaches Redis on any connection, old or new, and nothing comes back.
        try (direct;
                LoopbackProxy link = new LoopbackProxy(6379, () -> (direction, chunk, n) -> hung.get() ? 0 : n);
                WharfProcess wharf = WharfProcess.start(Files.createDirectory(work.resolve("data")), Map.of(
                        "WHARF_REDIS_URL", "redis://" + link.host() + "/" + DB))) {
            HttpResponse<String> signIn = login(wharf, WharfProcess.ADMIN.username(), WharfProcess.ADMIN.password());
            assertThat(signIn.statusCode()).as(signIn.body()).isEqualTo(200);
            String session = JSON.readTree(signIn.body()).path("token").asText();

            hung.set(true);

            // Many more concurrent Hub API calls (each takes from a Redis rate-limit bucket) than pooled connections.
            int calls = 200;
            HttpClient client = HttpClient.newBuilder().executor(Executors.newVirtualThreadPerTaskExecutor()).build();
            long start = System.nanoTime();
            List<CompletableFuture<Long>> answered = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                answered.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://" + wharf.host()
                                + "/v2/namespaces/admin/repositories")).header("Authorization", "Bearer " + session)
                                .build(), HttpResponse.BodyHandlers.ofString())
                        .thenApply(r -> {
                            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                            return System.nanoTime() - start;
                        }));
            }
            long slowest = 0;
            for (CompletableFuture<Long> call : answered) slowest = Math.max(slowest, call.get(120, TimeUnit.SECONDS));
            // A liveness bound, not a benchmark: two waits of redis.timeout (1 s) at most, far from what a queue
            // behind a handful of connections each waiting its own timeout takes (tens of seconds for 200 calls).
            assertThat(Duration.ofNanos(slowest)).as("the slowest of %d calls while Redis hung", calls)
                    .isLessThan(Duration.ofSeconds(10));
            assertThat(Files.readString(wharf.logFile())).contains("Redis (redis.url) is unreachable");

            hung.set(false);
            link.cut(); // the connections held silent are dropped; the pool opens new ones
            link.restore();
            awaitCountedInRedis(wharf, direct, "counted-after-hang");
        }
    }

    /** A client of this test's own Redis database, emptied; the test is skipped without Redis. */
    private static JedisPooled emptyTestDatabase() {
        JedisPooled direct = null;
        try {
            direct = new JedisPooled(URI.create("redis://127.0.0.1:6379/" + DB));
            direct.ping();
        } catch (RuntimeException e) {
            if (direct != null) direct.close();
            assumeTrue(false, "Redis on 127.0.0.1:6379 (.ci/run checks it)");
        }
        direct.flushDB();
        return direct;
    }

    /** Fails a wrong sign-in as {@code user} until the node counts it in Redis again (within 30 s). */
    private static void awaitCountedInRedis(WharfProcess wharf, JedisPooled direct, String user) throws Exception {
        String name = HexFormat.of().formatHex(user.getBytes(StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (direct.keys("wharf:login:pair:*").stream().noneMatch(k -> k.contains(name))) {
            assertThat(System.nanoTime()).as("counting in Redis again within 30 s").isLessThan(deadline);
            assertThat(login(wharf, user, "wrong").statusCode()).isIn(401, 429);
            Thread.sleep(500);
        }
    }

    private static HttpResponse<String> login(WharfProcess wharf, String username, String password)
            throws Exception {
        String body = JSON.writeValueAsString(Map.of("username", username, "password", password));
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + wharf.host() + "/v2/users/login"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
