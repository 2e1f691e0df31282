package dev.wharf.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.config.ConfigLoader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.server.HttpConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP settings that bound a node's memory per connection. Jetty's default per-connection header cache is a
 * 1,024-row trie built on a connection's second request: measured, 500 keep-alive clients with bearer tokens held
 * 50 MB of it on a 128 MB heap (about 100 KB each), so it is off.
 */
class HttpSettingsTest {
    @TempDir
    Path dir;

    @Test
    void connectionsKeepNoHeaderCache() throws Exception {
        WharfServer server = WharfServer.start(ConfigLoader.load(List.of("--addr", "127.0.0.1:0", "--data-dir",
                dir.resolve("data").toString(), "--auth-enabled", "false", "--log-access", "false"), Map.of()));
        try {
            List<HttpConfiguration> http = server.httpConfigurations();
            assertThat(http).isNotEmpty();
            assertThat(http).allSatisfy(h -> assertThat(h.getHeaderCacheSize()).isZero());
            // and requests with repeated headers on one kept-alive connection are still parsed and answered
            HttpClient client = HttpClient.newHttpClient();
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> answer = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.port() + "/v2/")).header("Accept", "application/json")
                        .header("Authorization", "Bearer not-a-token").GET().build(), HttpResponse.BodyHandlers.ofString());
                assertThat(answer.statusCode()).isEqualTo(200);
            }
        } finally {
            server.stop();
        }
    }

    @Test
    void httpsAndHealthConnectorsKeepNoHeaderCacheEither() {
        WharfServer server = WharfServer.start(ConfigLoader.load(List.of("--addr", "127.0.0.1:0", "--data-dir",
                dir.resolve("tls-data").toString(), "--auth-enabled", "false", "--log-access", "false",
                "--tls-self-signed", "--tls-hosts", "127.0.0.1", "--tls-http-addr", "127.0.0.1:0"), Map.of()));
        try {
            List<HttpConfiguration> http = server.httpConfigurations();
            assertThat(http).hasSizeGreaterThanOrEqualTo(2); // HTTPS (h2 and http/1.1) and the plain health port
            assertThat(http).allSatisfy(h -> assertThat(h.getHeaderCacheSize()).isZero());
        } finally {
            server.stop();
        }
    }
}
