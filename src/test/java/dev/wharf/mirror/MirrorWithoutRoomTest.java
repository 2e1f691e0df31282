package dev.wharf.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.wharf.model.Digest;
import dev.wharf.testing.TestServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mirror on a node that has no room to store blobs (a reserve larger than any disk): a client's HEAD of a cold blob
 * is answered from the upstream without its body being sent, also when the registry redirects blobs to storage that
 * refuses a HEAD (an S3 URL signed for GET answers it with 403); a GET is passed through whole.
 */
class MirrorWithoutRoomTest {
    private static final String REPOSITORY = "lib/app";

    // Larger than what the loopback socket buffers hold, so that a body nobody reads cannot be sent whole.
    private final byte[] blob = new byte[32 * 1024 * 1024];
    private Digest digest;
    private FakeRegistry upstream;
    private TestServer wharf;

    @BeforeEach
    void start(@TempDir Path data) throws IOException {
        new Random(16).nextBytes(blob);
        digest = Digest.sha256(blob);
        upstream = new FakeRegistry();
        wharf = TestServer.builder(data).auth(false).flags("--mirrors-upstreams", "up=" + upstream.url(),
                "--outbound-allow", "127.0.0.1/32", "--storage-reserve-bytes", String.valueOf(Long.MAX_VALUE / 2))
                .build();
    }

    @AfterEach
    void stop() {
        if (wharf != null) wharf.close();
        if (upstream != null) upstream.close();
    }

    @Test
    void aHeadIsAnsweredFromTheUpstreamsHead() {
        HttpResponse<byte[]> head = wharf.send("HEAD", "/v2/up/" + REPOSITORY + "/blobs/" + digest, null);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("Content-Length")).contains(String.valueOf(blob.length));
        assertThat(head.headers().firstValue("Docker-Content-Digest")).contains(digest.toString());
        assertThat(upstream.requests).containsExactly("HEAD /v2/" + REPOSITORY + "/blobs/" + digest);
    }

    @Test
    void aHeadThatStorageRefusesIsAskedAgainWithAGetWhoseBodyIsNotRead() {
        upstream.redirectBlobs = true;
        HttpResponse<byte[]> head = wharf.send("HEAD", "/v2/up/" + REPOSITORY + "/blobs/" + digest, null);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("Content-Length")).contains(String.valueOf(blob.length));
        assertThat(upstream.requests).containsExactly(
                "HEAD /v2/" + REPOSITORY + "/blobs/" + digest, "HEAD /storage/" + digest,
                "GET /v2/" + REPOSITORY + "/blobs/" + digest, "GET /storage/" + digest);
        assertThat(upstream.storageBodiesSentWhole).as("the GET was closed after its headers").isZero();
    }

    @Test
    void aBlobTheUpstreamDoesNotHaveIsUnknown() {
        Digest other = Digest.sha256(new byte[] {1});
        HttpResponse<byte[]> head = wharf.send("HEAD", "/v2/up/" + REPOSITORY + "/blobs/" + other, null);
        assertThat(head.statusCode()).isEqualTo(404);
        HttpResponse<byte[]> get = wharf.send("GET", "/v2/up/" + REPOSITORY + "/blobs/" + other, null);
        assertThat(get.statusCode()).isEqualTo(404);
        assertThat(TestServer.text(get)).contains("BLOB_UNKNOWN");
    }

    @Test
    void aGetIsPassedThroughWhole() {
        upstream.redirectBlobs = true;
        HttpResponse<byte[]> get = wharf.send("GET", "/v2/up/" + REPOSITORY + "/blobs/" + digest, null);
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.body()).isEqualTo(blob);
        HttpResponse<byte[]> again = wharf.send("GET", "/v2/up/" + REPOSITORY + "/blobs/" + digest, null);
        assertThat(again.body()).as("passed through again: nothing was stored").isEqualTo(blob);
        assertThat(upstream.requests.stream().filter(r -> r.startsWith("GET /storage/"))).hasSize(2);
    }

    /**
     * A registry with the one blob: answers a HEAD of it itself, or (redirectBlobs) sends every blob request on to
     * its storage, which serves a GET and refuses a HEAD with 403 as a URL signed for GET does.
     */
    private final class FakeRegistry implements AutoCloseable {
        final List<String> requests = new CopyOnWriteArrayList<>();
        volatile boolean redirectBlobs;
        volatile int storageBodiesSentWhole;
        private final HttpServer server;

        FakeRegistry() throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/", this::handle);
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        private void handle(HttpExchange ex) throws IOException {
            String method = ex.getRequestMethod();
            String path = ex.getRequestURI().getPath();
            if (!path.equals("/v2/")) requests.add(method + " " + path);
            String ours = "/v2/" + REPOSITORY + "/blobs/" + digest;
            try (ex) {
                if (path.equals("/v2/")) {
                    ex.sendResponseHeaders(200, -1);
                } else if (path.equals(ours) && redirectBlobs) {
                    ex.getResponseHeaders().add("Location", "/storage/" + digest);
                    ex.sendResponseHeaders(307, -1);
                } else if (path.equals(ours) || path.equals("/storage/" + digest)) {
                    if (method.equals("HEAD") && path.startsWith("/storage/")) {
                        ex.sendResponseHeaders(403, -1);
                    } else if (method.equals("HEAD")) {
                        ex.getResponseHeaders().add("Content-Length", String.valueOf(blob.length));
                        ex.sendResponseHeaders(200, -1);
                    } else {
                        ex.sendResponseHeaders(200, blob.length);
                        try (OutputStream out = ex.getResponseBody()) {
                            for (int off = 0; off < blob.length; off += 16 * 1024) {
                                out.write(blob, off, Math.min(16 * 1024, blob.length - off));
                                out.flush();
                            }
                        }
                        if (path.startsWith("/storage/")) storageBodiesSentWhole++;
                    }
                } else {
                    ex.sendResponseHeaders(404, -1);
                }
            } catch (IOException e) {
                // The client closed the body early (a GET asked for its headers only).
            }
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
