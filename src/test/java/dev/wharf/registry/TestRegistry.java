package dev.wharf.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.app.WharfServer;
import dev.wharf.config.ConfigLoader;
import dev.wharf.config.WharfConfig;
import dev.wharf.model.Digest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** An in-process Wharf on a free port with a temp data dir, plus a tiny HTTP client for protocol tests. */
final class TestRegistry implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    final WharfConfig config;
    final WharfServer server;
    final String base;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** An open registry (auth off): the protocol tests are about the protocol. */
    TestRegistry(Path dataDir) {
        this(dataDir, "--auth-enabled", "false");
    }

    /** With further flags, which override the defaults (e.g. {@code --auth-enabled true}). */
    TestRegistry(Path dataDir, String... flags) {
        this(dataDir, java.time.Clock.systemUTC(), flags);
    }

    /** With the clock the server should run on. */
    TestRegistry(Path dataDir, java.time.Clock clock, String... flags) {
        List<String> args = new ArrayList<>(List.of("--addr", "127.0.0.1:0", "--data-dir", dataDir.toString(),
                "--log-access", "false"));
        args.addAll(List.of(flags));
        config = ConfigLoader.load(args, Map.of());
        server = WharfServer.start(config, clock);
        base = "http://127.0.0.1:" + server.port();
    }

    HttpResponse<byte[]> send(String method, String path, byte[] body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(path.startsWith("http") ? path : base + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (Exception e) {
            throw new IllegalStateException(method + " " + path + " failed", e);
        }
    }

    HttpResponse<byte[]> get(String path, String... headers) {
        return send("GET", path, null, headers);
    }

    /** Pushes a blob monolithically and returns its digest. */
    Digest pushBlob(String repo, byte[] content) {
        Digest d = Digest.sha256(content);
        HttpResponse<byte[]> r = send("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + d, content);
        if (r.statusCode() != 201) throw new IllegalStateException("blob push: " + r.statusCode() + " " + text(r));
        return d;
    }

    /** Pushes config + one layer and an OCI manifest under {@code ref}; returns the manifest bytes. */
    byte[] pushImage(String repo, String ref, String layerText) {
        byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
        byte[] layer = layerText.getBytes(StandardCharsets.UTF_8);
        Digest c = pushBlob(repo, config);
        Digest l = pushBlob(repo, layer);
        byte[] manifest = imageManifest(c, config.length, l, layer.length, null).getBytes(StandardCharsets.UTF_8);
        HttpResponse<byte[]> r = send("PUT", "/v2/" + repo + "/manifests/" + ref, manifest, "Content-Type",
                "application/vnd.oci.image.manifest.v1+json");
        if (r.statusCode() != 201) throw new IllegalStateException("manifest push: " + r.statusCode() + " " + text(r));
        return manifest;
    }

    static String imageManifest(Digest config, long configSize, Digest layer, long layerSize, String subjectJson) {
        return "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + config
                + "\",\"size\":" + configSize + "},\"layers\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" + layer + "\",\"size\":" + layerSize
                + "}]" + (subjectJson == null ? "" : ",\"subject\":" + subjectJson) + "}";
    }

    static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    static JsonNode json(HttpResponse<byte[]> r) {
        try {
            return JSON.readTree(r.body());
        } catch (Exception e) {
            throw new IllegalStateException("not JSON: " + text(r), e);
        }
    }

    /** The first error code of an OCI error body. */
    static String errorCode(HttpResponse<byte[]> r) {
        return json(r).path("errors").path(0).path("code").asText();
    }

    @Override
    public void close() {
        server.stop();
    }
}
