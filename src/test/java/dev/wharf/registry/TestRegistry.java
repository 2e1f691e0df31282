package dev.wharf.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.config.WharfConfig;
import dev.wharf.model.Digest;
import dev.wharf.testing.TestServer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

    /** The sample value of one series of a /metrics scrape (labels exactly as written), failing when it is absent. */
    static double sample(String scrape, String series) {
        Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(scrape);
        assertThat(m.find()).as("series %s in the scrape", series).isTrue();
        return Double.parseDouble(m.group(1));
    }

    /** The sample value of one series on the registry's /metrics now. */
    double metric(String series) {
        return sample(new String(get("/metrics").body(), StandardCharsets.UTF_8), series);
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
