package dev.wharf.hub;

import static dev.wharf.testing.TestServer.bearer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.RepositorySettingsService;
import dev.wharf.model.Digest;
import dev.wharf.testing.TestServer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * What the image API tests need around a {@link TestServer} (auth on, a test clock): registry tokens from
 * {@code /token} for pushes and pulls, Hub sessions from {@code POST /v2/users/login}, and repository privacy set
 * through the identity services on the node's database (no HTTP API for those yet).
 */
final class ImagesServer implements AutoCloseable {
    static final String ADMIN_PASSWORD = TestServer.ADMIN_PASSWORD;
    private static final String INDEX = "application/vnd.oci.image.index.v1+json";

    private final TestServer wharf;
    final AccountService accounts;
    final RepositorySettingsService settings;

    ImagesServer(TestServer wharf) {
        this.wharf = wharf;
        accounts = wharf.accounts();
        settings = new RepositorySettingsService(wharf.database(), wharf.clock(), true);
    }

    /** A Hub session from {@code POST /v2/users/login}, valid at the clock's current time. */
    String session(String username, String password) {
        String body = "{\"username\":\"" + username + "\",\"password\":\"" + password + "\"}";
        HttpResponse<byte[]> r = send("POST", "/v2/users/login", body.getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json");
        if (r.statusCode() != 200) throw new IllegalStateException("login: " + r.statusCode() + " " + text(r));
        return json(r).path("token").asText();
    }

    /** A registry token for the administrator with every action on the repository. */
    String registryToken(String repository) {
        String basic = Base64.getEncoder().encodeToString(("admin:" + ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8));
        HttpResponse<byte[]> r = send("GET", "/token?scope=repository:" + repository + ":pull,push,delete", null,
                "Authorization", "Basic " + basic);
        if (r.statusCode() != 200) throw new IllegalStateException("token: " + r.statusCode() + " " + text(r));
        return json(r).path("token").asText();
    }

    HttpResponse<byte[]> send(String method, String path, byte[] body, String... headers) {
        return wharf.send(method, path, body, headers);
    }

    /**
     * Pushes a config and a layer, then the image manifest under {@code ref} (null: by digest); returns the
     * manifest digest.
     */
    Digest pushImage(String repository, String ref, String seed) {
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"seed\":\"" + seed + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        return wharf.pushImage(repository, ref, config, ("layer " + seed).getBytes(StandardCharsets.UTF_8),
                bearer(registryToken(repository))).created().digest();
    }

    /** Pushes an index of the given (already pushed) image manifests. */
    Digest pushIndex(String repository, String ref, List<Digest> children, List<Integer> sizes) {
        StringBuilder manifests = new StringBuilder();
        for (int i = 0; i < children.size(); i++) {
            if (i > 0) manifests.append(',');
            manifests.append("{\"mediaType\":\"").append(TestServer.OCI_MANIFEST).append("\",\"digest\":\"")
                    .append(children.get(i)).append("\",\"size\":").append(sizes.get(i))
                    .append(",\"platform\":{\"architecture\":\"arch").append(i).append("\",\"os\":\"linux\"}}");
        }
        String index = "{\"schemaVersion\":2,\"mediaType\":\"" + INDEX + "\",\"manifests\":[" + manifests + "]}";
        return wharf.putManifest(repository, ref, INDEX, index.getBytes(StandardCharsets.UTF_8),
                bearer(registryToken(repository))).created().digest();
    }

    /** GET of a manifest by tag or digest: a pull. */
    HttpResponse<byte[]> pull(String repository, String reference) {
        return send("GET", "/v2/" + repository + "/manifests/" + reference, null, TestServer.header("Accept",
                TestServer.OCI_MANIFEST + ", " + INDEX, bearer(registryToken(repository))));
    }

    HttpResponse<byte[]> getBlob(String repository, String digest) {
        return send("GET", "/v2/" + repository + "/blobs/" + digest, null, bearer(registryToken(repository)));
    }

    static String text(HttpResponse<byte[]> r) {
        return TestServer.text(r);
    }

    static JsonNode json(HttpResponse<byte[]> r) {
        return TestServer.json(r);
    }

    @Override
    public void close() {
        wharf.close();
    }
}
