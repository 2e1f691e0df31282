package dev.wharf.it;

import static dev.wharf.it.support.Skopeo.docker;
import static dev.wharf.it.support.Skopeo.oci;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.it.support.LoopbackProxy;
import dev.wharf.it.support.OciLayouts;
import dev.wharf.it.support.RegistryHttp;
import dev.wharf.it.support.Skopeo;
import dev.wharf.it.support.WharfProcess;
import dev.wharf.model.Digest;
import dev.wharf.storage.blob.S3Proxy;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node keeping its blobs on S3 whose link to the endpoint goes down (a loopback proxy in front of S3Proxy that
 * closes its connections and refuses new ones): blob reads and writes answer 503 saying the S3 endpoint is
 * unreachable, not a 500; manifests (kept in the database) still answer; /readyz says not ready; and once the link
 * is back the node serves and stores blobs again without a restart.
 */
class S3OutageIT {
    private static final String BUCKET = "wharf-outage-it";

    @TempDir
    Path work;

    @Test
    void blobsAnswer503WhileS3IsUnreachableAndTheNodeRecovers() throws Exception {
        if (System.getProperty("s3proxy.jar") == null && System.getProperty("wharf.jar") != null) {
            // failsafe only passes wharf.jar; the build copies S3Proxy next to it (target/s3proxy/).
            System.setProperty("s3proxy.jar", Path.of(System.getProperty("wharf.jar")).toAbsolutePath().getParent()
                    .resolve("s3proxy").resolve("s3proxy.jar").toString());
        }
        Path layout = work.resolve("image");
        OciLayouts.Image image = OciLayouts.image(layout, "1", 61, 1024 * 1024, 100_000);
        String layer = image.blobs().get(1);
        try (S3Proxy s3 = S3Proxy.start(Files.createDirectory(work.resolve("s3")), BUCKET);
                LoopbackProxy link = new LoopbackProxy(URI.create(s3.endpoint()).getPort(),
                        () -> (direction, chunk, n) -> n)) {
            Map<String, String> env = new HashMap<>(s3.wharfEnv(BUCKET));
            env.put("WHARF_STORAGE_S3_ENDPOINT", "http://" + link.host());
            try (WharfProcess wharf = WharfProcess.start(Files.createDirectory(work.resolve("data")), env)) {
                Skopeo.copy(oci(layout, "1"), docker(wharf, "admin/app:1"));
                String bearer = RegistryHttp.bearer(wharf, "admin/app", "pull,push");

                link.cut();

                RegistryHttp.Response blob = RegistryHttp.raw(wharf, "GET", "/v2/admin/app/blobs/" + layer, null,
                        bearer);
                assertThat(blob.status()).as(() -> blob + "\n" + logOf(wharf)).isEqualTo(503);
                assertThat(blob.errorCode()).isEqualTo("UNAVAILABLE");
                assertThat(blob.json().path("errors").path(0).path("message").asText())
                        .contains("S3 endpoint is unreachable").contains("retry later");
                byte[] fresh = "a blob pushed during the outage".getBytes();
                String freshDigest = Digest.sha256(fresh).toString();
                RegistryHttp.Response upload = RegistryHttp.raw(wharf, "POST",
                        "/v2/admin/app/blobs/uploads/?digest=" + freshDigest, fresh, bearer,
                        "Content-Type", "application/octet-stream");
                assertThat(upload.status()).as(upload.toString()).isEqualTo(503);
                assertThat(RegistryHttp.raw(wharf, "GET", "/v2/admin/app/manifests/1", null, bearer,
                        "Accept", "application/vnd.oci.image.manifest.v1+json").status())
                        .as("manifests live in the database").isEqualTo(200);
                assertThat(wharf.readyz()).isEqualTo(503);

                link.restore();

                wharf.awaitReadyAgain(Duration.ofSeconds(60));
                RegistryHttp.Response retried = RegistryHttp.raw(wharf, "POST",
                        "/v2/admin/app/blobs/uploads/?digest=" + freshDigest, fresh, bearer,
                        "Content-Type", "application/octet-stream");
                assertThat(retried.status()).as(retried.toString()).isEqualTo(201);
                assertThat(OciLayouts.pulledBackDifferences(wharf, "admin/app:1", work.resolve("pulled"), layout, image))
                        .isEmpty();

                String log = Files.readString(wharf.logFile());
                assertThat(log).contains("refused: the blob storage's S3 endpoint is unreachable");
                assertThat(log).doesNotContain("unexpected failure on");
            }
        }
    }

    private static String logOf(WharfProcess wharf) {
        try {
            return Files.readString(wharf.logFile());
        } catch (java.io.IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }
}
