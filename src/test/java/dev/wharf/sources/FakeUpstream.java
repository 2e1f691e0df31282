package dev.wharf.sources;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A registry an attacker (or a test) controls: serves the manifests and blobs it is given, 404 for the rest, and
 * records every request with its Authorization header. With {@code basicUser} set, it answers 401 with a Basic
 * challenge until that user's credentials arrive; with {@code failStatus} set, it fails every request.
 */
final class FakeUpstream implements AutoCloseable {
    record Hit(String path, String authorization) {}

    final List<Hit> hits = new CopyOnWriteArrayList<>();
    final Map<String, byte[]> manifests = new ConcurrentHashMap<>();
    final Map<String, String> manifestTypes = new ConcurrentHashMap<>();
    final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
    final Map<String, String> redirects = new ConcurrentHashMap<>();
    volatile String basicAuthorization;
    /** When not 0, every request but {@code /v2/} is answered with this status (and failRetryAfter, if set). */
    volatile int failStatus;
    volatile String failRetryAfter;
    private final HttpServer server;

    FakeUpstream(String address) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(address), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://" + server.getAddress().getAddress().getHostAddress() + ":" + server.getAddress().getPort();
    }

    /** Serves {@code json} at {@code /v2/<repository>/manifests/<tag>}. */
    void manifest(String repository, String tag, String json, String mediaType) {
        manifests.put("/v2/" + repository + "/manifests/" + tag, json.getBytes(StandardCharsets.UTF_8));
        manifestTypes.put("/v2/" + repository + "/manifests/" + tag, mediaType);
    }

    void blob(String repository, String digest, byte[] content) {
        blobs.put("/v2/" + repository + "/blobs/" + digest, content);
    }

    List<String> paths() {
        return hits.stream().map(Hit::path).toList();
    }

    List<String> authorizations() {
        return hits.stream().map(Hit::authorization).filter(a -> a != null).toList();
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        hits.add(new Hit(path, auth));
        if (basicAuthorization != null && !basicAuthorization.equals(auth)) {
            ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"fake\"");
            send(ex, 401, new byte[0], "text/plain");
            return;
        }
        if (failStatus != 0 && !path.equals("/v2/")) {
            if (failRetryAfter != null) ex.getResponseHeaders().add("Retry-After", failRetryAfter);
            send(ex, failStatus, new byte[0], "text/plain");
        } else if (redirects.containsKey(path)) {
            ex.getResponseHeaders().add("Location", redirects.get(path));
            send(ex, 307, new byte[0], "text/plain");
        } else if (path.equals("/v2/")) {
            send(ex, 200, "{}".getBytes(StandardCharsets.UTF_8), "application/json");
        } else if (manifests.containsKey(path)) {
            send(ex, 200, manifests.get(path), manifestTypes.get(path));
        } else if (blobs.containsKey(path)) {
            send(ex, 200, blobs.get(path), "application/octet-stream");
        } else {
            send(ex, 404, "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\"}]}".getBytes(StandardCharsets.UTF_8),
                    "application/json");
        }
    }

    private static void send(HttpExchange ex, int status, byte[] body, String type) throws IOException {
        ex.getResponseHeaders().add("Content-Type", type);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) ex.getResponseBody().write(body);
        ex.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
