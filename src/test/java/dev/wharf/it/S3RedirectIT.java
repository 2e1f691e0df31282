package dev.wharf.it;

import static dev.wharf.it.support.Skopeo.docker;
import static dev.wharf.it.support.Skopeo.oci;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.it.support.OciLayouts;
import dev.wharf.it.support.RegistryHttp;
import dev.wharf.it.support.Skopeo;
import dev.wharf.it.support.WharfProcess;
import dev.wharf.storage.blob.S3Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * skopeo against a Wharf node on S3 with {@code storage.s3.redirect} (and registry tokens on): pushes go through
 * Wharf, pulls follow the 307s to presigned URLs on S3Proxy, and the image comes back byte for byte. The node's
 * metrics show the layer bytes were redirected rather than sent, and the manifest pull is still counted.
 */
class S3RedirectIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BUCKET = "wharf-redirect-it";

    @TempDir
    static Path work;
    private static S3Proxy s3;
    private static WharfProcess wharf;

    @BeforeAll
    static void start() throws Exception {
        if (System.getProperty("s3proxy.jar") == null && System.getProperty("wharf.jar") != null) {
            // failsafe only passes wharf.jar; the build copies S3Proxy next to it (target/s3proxy/).
            System.setProperty("s3proxy.jar", Path.of(System.getProperty("wharf.jar")).toAbsolutePath().getParent()
                    .resolve("s3proxy").resolve("s3proxy.jar").toString());
        }
        s3 = S3Proxy.start(Files.createDirectory(work.resolve("s3")), BUCKET);
        wharf = WharfProcess.start(Files.createDirectory(work.resolve("data")), Map.of(
                "WHARF_STORAGE_DRIVER", "s3",
                "WHARF_STORAGE_S3_ENDPOINT", s3.endpoint(),
                "WHARF_STORAGE_S3_BUCKET", BUCKET,
                "WHARF_STORAGE_S3_PATH_STYLE", "true",
                "WHARF_STORAGE_S3_ACCESS_KEY", S3Proxy.ACCESS_KEY,
                "WHARF_STORAGE_S3_SECRET_KEY", S3Proxy.SECRET_KEY,
                "WHARF_STORAGE_S3_REDIRECT", "true",
                "WHARF_STORAGE_S3_REDIRECT_EXPIRY", "5m",
                "WHARF_REPOSITORIES_DEFAULT_PRIVATE", "false"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (wharf != null) wharf.stop();
        if (s3 != null) s3.close();
    }

    @Test
    void skopeoPullsAnImageIntactThroughPresignedRedirects() throws Exception {
        Path source = work.resolve("src");
        // One layer spans two S3 parts, so the redirected object is an assembled multipart one.
        OciLayouts.Image image = OciLayouts.image(source, "1", 5, 400_000, 7_000_000, 3_000);
        long layerBytes = 400_000 + 7_000_000 + 3_000;
        Skopeo.copy(oci(source, "1"), docker(wharf, "team/app:1"));
        double sentBefore = metric("wharf_registry_bytes_sent_total");

        Path back = work.resolve("back");
        Skopeo.copy(docker(wharf, "team/app:1"), oci(back, "1"));

        assertThat(OciLayouts.digestOf(back, "1")).isEqualTo(image.digest());
        SkopeoIT.assertSameBlobs(source, back);
        assertThat(metric("wharf_registry_bytes_redirected_total")).as("layers and config fetched from S3")
                .isGreaterThanOrEqualTo(layerBytes);
        assertThat(metric("wharf_registry_bytes_sent_total") - sentBefore).as("bytes Wharf itself sent (manifest)")
                .isLessThan(10_000);
        assertThat(pullCount("team", "app")).as("the manifest pull is counted").isGreaterThanOrEqualTo(1);
    }

    private static double metric(String name) {
        String text = new String(RegistryHttp.raw(wharf, "GET", "/metrics").body(), java.nio.charset.StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("(?m)^" + name + "(?:\\{[^}]*})? (\\S+)$").matcher(text);
        assertThat(m.find()).as("%s in /metrics", name).isTrue();
        return Double.parseDouble(m.group(1));
    }

    /** Pull counts are written in batches every second; waits up to ten seconds for one to show. */
    private static long pullCount(String namespace, String repository) throws Exception {
        long count = 0;
        for (int i = 0; i < 50 && count == 0; i++) {
            if (i > 0) Thread.sleep(200);
            var r = RegistryHttp.raw(wharf, "GET", "/v2/namespaces/" + namespace + "/repositories/" + repository);
            if (r.status() != 200) continue;
            JsonNode body = JSON.readTree(r.body());
            count = body.path("pull_count").asLong();
        }
        return count;
    }
}
