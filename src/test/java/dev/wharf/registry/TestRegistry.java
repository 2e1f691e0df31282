package dev.wharf.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.config.WharfConfig;
import dev.wharf.model.Digest;
import dev.wharf.testing.TestServer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/**
 * The registry protocol tests' client on a {@link TestServer}: requests, monolithic pushes and OCI error bodies.
 * The protocol tests mostly run with auth off ({@code TestServer.builder(dir).auth(false)}): they are about the
 * protocol.
 */
final class TestRegistry implements AutoCloseable {
    final TestServer wharf;
    final WharfConfig config;
    final String base;

    TestRegistry(TestServer wharf) {
        this.wharf = wharf;
        config = wharf.config;
        base = wharf.base;
    }

    HttpResponse<byte[]> send(String method, String path, byte[] body, String... headers) {
        return wharf.send(method, path, body, headers);
    }

    HttpResponse<byte[]> get(String path, String... headers) {
        return send("GET", path, null, headers);
    }

    /** Pushes a blob monolithically and returns its digest. */
    Digest pushBlob(String repo, byte[] content) {
        return wharf.pushBlob(repo, content);
    }

    /** Pushes config + one layer and an OCI manifest under {@code ref}; returns the manifest bytes. */
    byte[] pushImage(String repo, String ref, String layerText) {
        byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
        return wharf.pushImage(repo, ref, config, layerText.getBytes(StandardCharsets.UTF_8)).created().manifest();
    }

    static String imageManifest(Digest config, long configSize, Digest layer, long layerSize, String subjectJson) {
        return TestServer.imageManifest(config, configSize, layer, layerSize, subjectJson);
    }

    static String text(HttpResponse<byte[]> r) {
        return TestServer.text(r);
    }

    static JsonNode json(HttpResponse<byte[]> r) {
        return TestServer.json(r);
    }

    /** The first error code of an OCI error body. */
    static String errorCode(HttpResponse<byte[]> r) {
        return json(r).path("errors").path(0).path("code").asText();
    }

    @Override
    public void close() {
        wharf.close();
    }
}
