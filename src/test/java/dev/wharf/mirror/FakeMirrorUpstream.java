package dev.wharf.mirror;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.wharf.model.Digest;
import dev.wharf.testing.TestServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An upstream registry with one repository, for mirror tests: its tags in pages of three, each with a relative Link
 * to the next (or, with nextOrigin, an absolute one on that origin); one image manifest for every tag and a
 * referrer of it by digest, with their blobs; a referrers API of two pages (or none, referrersApi false). Anything
 * may fail with failWith (with failRetryAfter and failBody); every request but {@code /v2/} is recorded. It asks for no credentials.
 */
final class FakeMirrorUpstream implements AutoCloseable {
    private final String repository;
    final List<String> requests = new CopyOnWriteArrayList<>();
    volatile List<String> tags = List.of();
    volatile int failWith;
    /** The Retry-After header of a failure, when not null. */
    volatile String failRetryAfter;
    /** The body of a failure (JSON), when not null. */
    volatile String failBody;
    volatile String nextOrigin = "";
    /** Every page of the tag list links back to the first. */
    volatile boolean loopingLinks;
    volatile boolean referrersApi = true;
    /** When not null, manifest answers state a pull budget as Docker Hub does: 100 per 6 h, this many left. */
    volatile String pullsLeft;
    final byte[] manifest;
    /** A manifest whose subject is {@link #manifest}, its artifact type the config's media type. */
    final byte[] referrer;
    private final Map<String, byte[]> blobs = new HashMap<>();
    private final HttpServer server;
    private final String scheme;

    FakeMirrorUpstream(String repository) throws IOException {
        this(repository, null);
    }

    /** @param tls serve HTTPS with this context (its certificate), or plain HTTP when null */
    FakeMirrorUpstream(String repository, javax.net.ssl.SSLContext tls) throws IOException {
        this.repository = repository;
        byte[] config = "{}".getBytes(StandardCharsets.UTF_8);
        for (byte[] blob : List.of(config, new byte[] {1}, new byte[] {2})) {
            blobs.put(Digest.sha256(blob).toString(), blob);
        }
        manifest = TestServer.imageManifest(Digest.sha256(config), 2, Digest.sha256(new byte[] {1}), 1, null)
                .getBytes(StandardCharsets.UTF_8);
        referrer = TestServer.imageManifest(Digest.sha256(config), 2, Digest.sha256(new byte[] {2}), 1,
                "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\""
                        + Digest.sha256(manifest) + "\",\"size\":" + manifest.length + "}")
                .getBytes(StandardCharsets.UTF_8);
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        if (tls == null) {
            server = HttpServer.create(loopback, 0);
        } else {
            com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(loopback, 0);
            https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
            server = https;
        }
        scheme = tls == null ? "http" : "https";
        server.createContext("/", this::handle);
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    String url() {
        return scheme + "://127.0.0.1:" + port();
    }

    /**
     * A node, registry auth off, whose mirror {@code up} is this upstream (no fetch ahead, loopback allowed), with
     * its own clock; the caller adds flags and builds.
     */
    TestServer.Builder node(Path data, java.time.Clock clock) {
        return TestServer.builder(data).auth(false).clock(clock).flags("--mirrors-upstreams", "up=" + url(),
                "--mirrors-prefetch", "false", "--outbound-allow", "127.0.0.1/32");
    }

    List<String> tagRequests() {
        return requests.stream().filter(r -> r.contains("/tags/list")).toList();
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String query = ex.getRequestURI().getRawQuery();
        try (ex) {
            if (path.equals("/v2/")) {
                ex.sendResponseHeaders(200, -1);
                return;
            }
            requests.add(ex.getRequestMethod() + " " + path + (query == null ? "" : "?" + query));
            if (failWith != 0) {
                if (failRetryAfter != null) ex.getResponseHeaders().add("Retry-After", failRetryAfter);
                if (failBody != null && !ex.getRequestMethod().equals("HEAD")) {
                    send(ex, failBody.getBytes(StandardCharsets.UTF_8), failWith, "application/json");
                } else {
                    ex.sendResponseHeaders(failWith, -1);
                }
            } else if (path.equals("/v2/" + repository + "/tags/list")) {
                int from = query != null && query.contains("page=") ? Integer.parseInt(query.replaceAll(".*page=", "")) : 0;
                List<String> page = new ArrayList<>(tags.subList(from, Math.min(tags.size(), from + 3)));
                if (loopingLinks) {
                    ex.getResponseHeaders().add("Link", "</v2/" + repository + "/tags/list?n=3&page=0>; rel=\"next\"");
                } else if (from + 3 < tags.size()) {
                    ex.getResponseHeaders().add("Link", "<" + nextOrigin + "/v2/" + repository
                            + "/tags/list?n=3&page=" + (from + 3) + ">; rel=\"next\"");
                }
                send(ex, TestServer.JSON.writeValueAsBytes(Map.of("name", repository, "tags", page)),
                        "application/json");
            } else if (path.equals("/v2/" + repository + "/referrers/" + Digest.sha256(manifest)) && referrersApi) {
                // Two pages: the referrer, then a descriptor of another artifact type (not fetched by the tests).
                boolean second = query != null && query.contains("page=2");
                Map<String, Object> d = second
                        ? Map.of("mediaType", "application/vnd.oci.image.manifest.v1+json", "digest",
                                Digest.sha256(new byte[] {9}).toString(), "size", 9, "artifactType",
                                "application/spdx+json")
                        : Map.of("mediaType", "application/vnd.oci.image.manifest.v1+json", "digest",
                                Digest.sha256(referrer).toString(), "size", referrer.length, "artifactType",
                                "application/vnd.oci.image.config.v1+json");
                if (!second) {
                    ex.getResponseHeaders().add("Link", "</v2/" + repository + "/referrers/"
                            + Digest.sha256(manifest) + "?page=2>; rel=\"next\"");
                }
                send(ex, TestServer.JSON.writeValueAsBytes(Map.of("schemaVersion", 2, "mediaType",
                        "application/vnd.oci.image.index.v1+json", "manifests", List.of(d))),
                        "application/vnd.oci.image.index.v1+json");
            } else if (path.startsWith("/v2/" + repository + "/manifests/")) {
                byte[] body = path.endsWith("/" + Digest.sha256(referrer)) ? referrer : manifest;
                ex.getResponseHeaders().add("Docker-Content-Digest", Digest.sha256(body).toString());
                if (pullsLeft != null) {
                    ex.getResponseHeaders().add("ratelimit-limit", "100;w=21600");
                    ex.getResponseHeaders().add("ratelimit-remaining", pullsLeft + ";w=21600");
                }
                send(ex, body, "application/vnd.oci.image.manifest.v1+json");
            } else if (path.startsWith("/v2/" + repository + "/blobs/")
                    && blobs.containsKey(path.substring(path.lastIndexOf('/') + 1))) {
                send(ex, blobs.get(path.substring(path.lastIndexOf('/') + 1)), "application/octet-stream");
            } else {
                send(ex, "{\"errors\":[{\"code\":\"NAME_UNKNOWN\"}]}".getBytes(StandardCharsets.UTF_8), 404,
                        "application/json");
            }
        }
    }

    private static void send(HttpExchange ex, byte[] body, String type) throws IOException {
        send(ex, body, 200, type);
    }

    private static void send(HttpExchange ex, byte[] body, int status, String type) throws IOException {
        ex.getResponseHeaders().add("Content-Type", type);
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
