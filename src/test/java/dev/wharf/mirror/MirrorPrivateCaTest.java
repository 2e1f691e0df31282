package dev.wharf.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.HttpsFiles;
import dev.wharf.testing.MutableClock;
import dev.wharf.testing.TestServer;
import dev.wharf.tls.SelfSignedCa;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upstream registry whose certificate comes from a private CA (a company registry): not trusted by the JDK, so
 * a mirror of it fails with a clear error until outbound.ca_file names the CA; then it pulls, and public CAs stay
 * trusted beside it (the trust store holds the JDK's CAs too).
 */
class MirrorPrivateCaTest {
    private static final String ACCEPT = "application/vnd.oci.image.manifest.v1+json";

    @TempDir
    Path dir;

    @Test
    void anUpstreamOfAPrivateCaIsTrustedOnceOutboundCaFileNamesIt() throws Exception {
        Instant now = Instant.now();
        SelfSignedCa.Issued issued = SelfSignedCa.ensure(Files.createDirectory(dir.resolve("ca")),
                List.of("127.0.0.1"), now);
        SSLContext tls = HttpsFiles.serverContext(issued);
        MutableClock clock = new MutableClock(now);

        try (FakeMirrorUpstream upstream = new FakeMirrorUpstream("lib/app", tls)) {
            upstream.tags = List.of("v1");
            assertThat(upstream.url()).startsWith("https://");

            try (TestServer plain = upstream.node(Files.createDirectory(dir.resolve("plain")), clock).build()) {
                HttpResponse<byte[]> refused = manifest(plain);
                assertThat(refused.statusCode()).isEqualTo(503);
                assertThat(TestServer.text(refused)).contains("UNAVAILABLE").contains("certificate is not trusted");
            }

            try (TestServer trusting = upstream.node(Files.createDirectory(dir.resolve("trusting")), clock)
                    .flags("--outbound-ca-file", issued.ca().toString()).build()) {
                HttpResponse<byte[]> pulled = manifest(trusting);
                assertThat(pulled.statusCode()).as(TestServer.text(pulled)).isEqualTo(200);
                assertThat(pulled.body()).isEqualTo(upstream.manifest);
            }

            // The trusting client still connects only where the outbound policy lets it: not to loopback here.
            try (TestServer denied = upstream.node(Files.createDirectory(dir.resolve("denied")), clock)
                    .flags("--outbound-ca-file", issued.ca().toString(), "--outbound-allow", "192.0.2.0/24").build()) {
                HttpResponse<byte[]> refused = manifest(denied);
                assertThat(refused.statusCode()).as(TestServer.text(refused)).isEqualTo(403);
                assertThat(TestServer.text(refused)).contains("outbound policy");
            }
        }
    }

    private static HttpResponse<byte[]> manifest(TestServer node) {
        return node.send("GET", "/v2/up/lib/app/manifests/v1", null, "Accept", ACCEPT);
    }
}
