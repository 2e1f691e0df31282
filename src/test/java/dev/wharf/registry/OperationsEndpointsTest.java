package dev.wharf.registry;

import static dev.wharf.registry.TestRegistry.sample;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.TestServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /healthz, /readyz and the Prometheus scrape, as an operator's monitoring sees them after real traffic. */
class OperationsEndpointsTest {
    @TempDir Path dir;

    @Test
    void healthAndReadinessAnswer() {
        try (TestRegistry reg = new TestRegistry(TestServer.builder(dir).auth(false).build())) {
            assertThat(reg.get("/healthz").statusCode()).isEqualTo(200);
            assertThat(reg.get("/readyz").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void metricsCountRequestsByRouteAndStatusAndBytesSent() {
        try (TestRegistry reg = new TestRegistry(TestServer.builder(dir).auth(false).build())) {
            byte[] manifest = reg.pushImage("ops/app", "v1", "layer bytes");
            for (int i = 0; i < 3; i++) {
                assertThat(reg.get("/v2/ops/app/manifests/v1").statusCode()).isEqualTo(200);
            }
            assertThat(reg.get("/v2/ops/app/manifests/missing").statusCode()).isEqualTo(404);

            HttpResponse<byte[]> scrape = reg.get("/metrics");
            assertThat(scrape.statusCode()).isEqualTo(200);
            String text = TestRegistry.text(scrape);
            assertThat(sample(text, "wharf_http_requests_seconds_count{method=\"GET\",route=\"manifest\",status=\"200\"}"))
                    .isEqualTo(3);
            assertThat(sample(text, "wharf_http_requests_seconds_count{method=\"GET\",route=\"manifest\",status=\"404\"}"))
                    .isEqualTo(1);
            assertThat(sample(text, "wharf_http_requests_seconds_count{method=\"PUT\",route=\"manifest\",status=\"201\"}"))
                    .isEqualTo(1);
            assertThat(text).contains("wharf_http_requests_seconds_bucket{method=\"GET\",route=\"manifest\"");
            assertThat(sample(text, "wharf_registry_bytes_sent_total")).isGreaterThanOrEqualTo(3.0 * manifest.length);
            assertThat(sample(text, "wharf_blobs")).isEqualTo(2);
            assertThat(sample(text, "wharf_uploads_in_progress")).isZero();
        }
    }
}
