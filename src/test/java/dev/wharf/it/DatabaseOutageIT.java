package dev.wharf.it;

import static dev.wharf.it.support.Skopeo.docker;
import static dev.wharf.it.support.Skopeo.oci;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.it.support.CycleClient;
import dev.wharf.it.support.LoopbackProxy;
import dev.wharf.it.support.OciLayouts;
import dev.wharf.it.support.RegistryHttp;
import dev.wharf.it.support.Skopeo;
import dev.wharf.it.support.WharfProcess;
import dev.wharf.testing.PostgresSchema;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node on PostgreSQL whose link to the database goes down (a proxy on loopback that closes its connections and
 * refuses new ones): every surface answers 503 in its own format, saying the metadata database is unreachable,
 * within {@code db.pool_timeout} (2 s here) instead of a 500 with a stack trace, and /readyz says not ready; when the
 * link is back the node is ready again by itself, without a restart, and serves what it held before.
 */
class DatabaseOutageIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path work;

    @Test
    void everySurfaceSaysTheDatabaseIsUnreachableAndTheNodeRecovers() throws Exception {
        assumeTrue(PostgresSchema.available(), "PostgreSQL on 127.0.0.1:5432 (.ci/run starts it)");
        PostgresSchema schema = new PostgresSchema("outage_it_");
        Path layout = work.resolve("image");
        OciLayouts.Image image = OciLayouts.image(layout, "1", 31, 1024 * 1024, 200_000);
        try (LoopbackProxy link = new LoopbackProxy(5432, () -> (direction, chunk, n) -> n);
                WharfProcess wharf = WharfProcess.start(Files.createDirectory(work.resolve("data")), Map.of(
                        "WHARF_DB_URL", "jdbc:postgresql://" + link.host() + "/test",
                        "WHARF_DB_USER", PostgresSchema.USER,
                        "WHARF_DB_SCHEMA", schema.name(),
                        "WHARF_DB_POOL_TIMEOUT", "2s"))) {
            Skopeo.copy(oci(layout, "1"), docker(wharf, "admin/app:1"));
            // Credentials taken while the database answers: a registry token and a Hub session.
            String bearer = RegistryHttp.bearer(wharf, "admin/app", "pull");
            CycleClient cycle = new CycleClient(wharf);
            String session = RegistryHttp.hubSession(wharf);

            link.cut();

            RegistryHttp.Response manifest = RegistryHttp.raw(wharf, "GET", "/v2/admin/app/manifests/1", null,
                    bearer);
            assertThat(manifest.status()).as(manifest.toString()).isEqualTo(503);
            assertThat(manifest.errorCode()).isEqualTo("UNAVAILABLE");
            assertThat(manifest.json().path("errors").path(0).path("message").asText())
                    .contains("metadata database is unreachable");

            HttpResponse<String> hub = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + wharf.host()
                    + "/v2/namespaces/admin/repositories")).header("Authorization", "Bearer " + session).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(hub.statusCode()).as(hub.body()).isEqualTo(503);
            JsonNode hubBody = JSON.readTree(hub.body());
            assertThat(hubBody.path("detail").asText()).contains("metadata database is unreachable");
            assertThat(hubBody.path("message").asText()).isEqualTo(hubBody.path("detail").asText());

            JsonNode cycleBody = cycle.call("GET", "/v1/images/sources", null, 503, false);
            assertThat(cycleBody.path("error").path("code").asText()).isEqualTo("503.not-ready");
            assertThat(cycleBody.path("error").path("detail").asText()).contains("metadata database is unreachable");

            assertThat(wharf.readyz()).isEqualTo(503); // what takes the node out of a load balancer meanwhile

            link.restore();

            // The pool reconnects by itself: once /readyz says so (as a load balancer would wait for), the image
            // pushed before the outage pulls back whole.
            wharf.awaitReadyAgain(Duration.ofSeconds(60));
            assertThat(OciLayouts.pulledBackDifferences(wharf, "admin/app:1", work.resolve("pulled"), layout, image))
                    .isEmpty();

            String log = Files.readString(wharf.logFile());
            assertThat(log).contains("refused: the metadata database is unreachable");
            assertThat(log).doesNotContain("unexpected failure on");
            // The background loops (the 1-second authorization poll, the job workers, the 1-second chores) fail
            // every round of the outage: each says so once (LoopFailures), not once per round.
            Map<String, Long> loopWarnings = log.lines().filter(l -> l.contains(" failed: the metadata database is"))
                    .collect(java.util.stream.Collectors.groupingBy(
                            // "<time> WARN  [Logger] <loop> failed: …" → "<loop>"
                            l -> l.substring(l.indexOf("] ") + 2, l.indexOf(" failed: ")),
                            java.util.stream.Collectors.counting()));
            assertThat(loopWarnings.values()).as(loopWarnings.toString()).allMatch(n -> n == 1);
            assertThat(log).doesNotContain("still failing");
        } finally {
            schema.drop();
        }
    }
}
