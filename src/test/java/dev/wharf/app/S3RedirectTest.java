package dev.wharf.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.config.ConfigLoader;
import dev.wharf.model.Digest;
import dev.wharf.storage.blob.S3Proxy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node on S3 with {@code storage.s3.redirect}: blob GETs answer 307 to a presigned URL that a plain HTTP client
 * follows to the right bytes (ranges included), HEAD and refusals are still answered by Wharf, and the redirected
 * bytes are counted.
 */
class S3RedirectTest {
    private static final String BUCKET = "wharf-redirect";
    private static final String REPO = "team/app";

    @TempDir
    static Path shared;
    private static S3Proxy proxy;
    private static WharfServer server;
    private static String base;
    private static final byte[] BLOB = new byte[300_000];
    private static Digest digest;

    private final HttpClient following = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NORMAL).build();
    private final HttpClient notFollowing = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        proxy = S3Proxy.start(shared, BUCKET);
        Path data = Files.createDirectory(shared.resolve("data"));
        String file = Files.writeString(data.resolve("wharf.yaml"), "").toString();
        server = WharfServer.start(ConfigLoader.load(List.of("--config", file, "--addr", "127.0.0.1:0", "--data-dir",
                data.toString(), "--storage-driver", "s3", "--storage-s3-endpoint", proxy.endpoint(),
                "--storage-s3-bucket", BUCKET, "--storage-s3-path-style", "true", "--storage-s3-access-key",
                S3Proxy.ACCESS_KEY, "--storage-s3-secret-key", S3Proxy.SECRET_KEY, "--storage-s3-redirect", "true",
                "--storage-s3-redirect-expiry", "2m", "--auth-enabled", "false", "--log-access", "false"), Map.of()));
        base = "http://127.0.0.1:" + server.port();
        new Random(7).nextBytes(BLOB);
        digest = Digest.sha256(BLOB);
        HttpResponse<Void> pushed = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(base + "/v2/" + REPO + "/blobs/uploads/?digest=" + digest))
                .POST(HttpRequest.BodyPublishers.ofByteArray(BLOB)).build(), HttpResponse.BodyHandlers.discarding());
        assertThat(pushed.statusCode()).isEqualTo(201);
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) server.stop();
        if (proxy != null) proxy.close();
    }

    @Test
    void getAnswers307ToAPresignedUrlOnTheBucketKeepingTheDigestHeader() throws Exception {
        HttpResponse<byte[]> r = notFollowing.send(get().build(), HttpResponse.BodyHandlers.ofByteArray());

        assertThat(r.statusCode()).isEqualTo(307);
        assertThat(r.body()).isEmpty();
        assertThat(r.headers().firstValue("Docker-Content-Digest")).hasValue(digest.toString());
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
        String location = r.headers().firstValue("Location").orElseThrow();
        assertThat(location).startsWith(proxy.endpoint() + "/" + BUCKET + "/blobs/sha256/" + digest.hex().substring(0, 2)
                + "/" + digest.hex() + "?").contains("X-Amz-Expires=120").contains("X-Amz-Signature=")
                .doesNotContain(S3Proxy.SECRET_KEY);
    }

    @Test
    void aPlainClientFollowsTheRedirectToTheBlobAndToARange() throws Exception {
        HttpResponse<byte[]> whole = following.send(get().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(whole.statusCode()).isEqualTo(200);
        assertThat(whole.uri().toString()).startsWith(proxy.endpoint());
        assertThat(Digest.sha256(whole.body())).isEqualTo(digest);

        HttpResponse<byte[]> part = following.send(get().header("Range", "bytes=1000-1999").build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(part.statusCode()).isEqualTo(206);
        assertThat(part.body()).isEqualTo(Arrays.copyOfRange(BLOB, 1000, 2000));
    }

    @Test
    void headUnknownBlobsAndBadRangesAreStillAnsweredByWharf() throws Exception {
        HttpResponse<Void> head = notFollowing.send(get().method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(BLOB.length);
        assertThat(head.headers().firstValue("Location")).isEmpty();

        Digest missing = Digest.sha256(new byte[] {1, 2, 3});
        HttpResponse<String> unknown = notFollowing.send(HttpRequest.newBuilder(
                URI.create(base + "/v2/" + REPO + "/blobs/" + missing)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("BLOB_UNKNOWN");
        assertThat(unknown.headers().firstValue("Location")).isEmpty();

        HttpResponse<Void> beyond = notFollowing.send(get().header("Range", "bytes=999999-").build(),
                HttpResponse.BodyHandlers.discarding());
        assertThat(beyond.statusCode()).isEqualTo(416);
        assertThat(beyond.headers().firstValue("Content-Range")).hasValue("bytes */" + BLOB.length);
    }

    @Test
    void redirectedBytesAreCountedNotSent() throws Exception {
        double before = metric("wharf_registry_bytes_redirected_total");
        double sentBefore = metric("wharf_registry_bytes_sent_total");
        notFollowing.send(get().header("Range", "bytes=0-99").build(), HttpResponse.BodyHandlers.discarding());
        notFollowing.send(get().build(), HttpResponse.BodyHandlers.discarding());

        assertThat(metric("wharf_registry_bytes_redirected_total") - before).isEqualTo(100 + BLOB.length);
        assertThat(metric("wharf_registry_bytes_sent_total")).isEqualTo(sentBefore);
    }

    private static HttpRequest.Builder get() {
        return HttpRequest.newBuilder(URI.create(base + "/v2/" + REPO + "/blobs/" + digest));
    }

    private double metric(String name) throws Exception {
        String text = notFollowing.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("(?m)^" + name + "(?:\\{[^}]*})? (\\S+)$").matcher(text);
        assertThat(m.find()).as("%s in /metrics", name).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
