package dev.wharf.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.app.WharfServer;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.PasswordHasher;
import dev.wharf.auth.RepositorySettingsService;
import dev.wharf.config.ConfigLoader;
import dev.wharf.config.WharfConfig;
import dev.wharf.content.MutableClock;
import dev.wharf.model.Digest;
import dev.wharf.storage.meta.Database;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * An in-process Wharf with auth enabled and a test clock, plus what the image API tests need around it: registry
 * tokens from {@code /token} for pushes and pulls, Hub sessions from {@code POST /v2/users/login}, and users and
 * repository privacy set through the identity services on the node's database (no HTTP API for those yet).
 */
final class ImagesServer implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String ADMIN_PASSWORD = "correct-horse-battery";

    final MutableClock clock;
    final WharfServer server;
    final String base;
    private final Database database;
    final AccountService accounts;
    final RepositorySettingsService settings;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** @param extraFlags more server flags (e.g. a PostgreSQL database) */
    ImagesServer(Path dataDir, Instant start, String... extraFlags) {
        clock = new MutableClock(start);
        List<String> args = new java.util.ArrayList<>(List.of("--addr", "127.0.0.1:0", "--data-dir",
                dataDir.toString(), "--log-access", "false", "--admin-password", ADMIN_PASSWORD));
        args.addAll(List.of(extraFlags));
        WharfConfig config = ConfigLoader.load(args, Map.of());
        server = WharfServer.start(config, clock);
        base = "http://127.0.0.1:" + server.port();
        database = Database.open(config.db().url(), blankToNull(config.db().user()),
                blankToNull(config.db().password()), 2, blankToNull(config.db().schema()));
        accounts = new AccountService(database, PasswordHasher.defaults(), clock);
        settings = new RepositorySettingsService(database, clock, true);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    void setClock(Instant instant) {
        clock.advance(Duration.between(clock.instant(), instant));
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
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (Exception e) {
            throw new IllegalStateException(method + " " + path + " failed", e);
        }
    }

    /**
     * Pushes a config and a layer, then the image manifest under {@code ref} (null: by digest); returns the
     * manifest digest.
     */
    Digest pushImage(String repository, String ref, String seed) {
        String token = registryToken(repository);
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"seed\":\"" + seed + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        byte[] layer = ("layer " + seed).getBytes(StandardCharsets.UTF_8);
        Digest c = pushBlob(repository, token, config);
        Digest l = pushBlob(repository, token, layer);
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + c
                + "\",\"size\":" + config.length + "},\"layers\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" + l + "\",\"size\":" + layer.length + "}]}";
        return putManifest(repository, ref, token, "application/vnd.oci.image.manifest.v1+json", manifest);
    }

    /** Pushes an index of the given (already pushed) image manifests. */
    Digest pushIndex(String repository, String ref, List<Digest> children, List<Integer> sizes) {
        StringBuilder manifests = new StringBuilder();
        for (int i = 0; i < children.size(); i++) {
            if (i > 0) manifests.append(',');
            manifests.append("{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"")
                    .append(children.get(i)).append("\",\"size\":").append(sizes.get(i))
                    .append(",\"platform\":{\"architecture\":\"arch").append(i).append("\",\"os\":\"linux\"}}");
        }
        String index = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
                + manifests + "]}";
        return putManifest(repository, ref, registryToken(repository), "application/vnd.oci.image.index.v1+json",
                index);
    }

    private Digest putManifest(String repository, String ref, String token, String type, String manifest) {
        byte[] bytes = manifest.getBytes(StandardCharsets.UTF_8);
        if (ref == null) ref = Digest.sha256(bytes).toString();
        HttpResponse<byte[]> r = send("PUT", "/v2/" + repository + "/manifests/" + ref, bytes, "Content-Type", type,
                "Authorization", "Bearer " + token);
        if (r.statusCode() != 201) throw new IllegalStateException("manifest push: " + r.statusCode() + " " + text(r));
        return Digest.sha256(bytes);
    }

    private Digest pushBlob(String repository, String token, byte[] content) {
        Digest d = Digest.sha256(content);
        HttpResponse<byte[]> r = send("POST", "/v2/" + repository + "/blobs/uploads/?digest=" + d, content,
                "Authorization", "Bearer " + token);
        if (r.statusCode() != 201) throw new IllegalStateException("blob push: " + r.statusCode() + " " + text(r));
        return d;
    }

    /** GET of a manifest by tag or digest: a pull. */
    HttpResponse<byte[]> pull(String repository, String reference) {
        return send("GET", "/v2/" + repository + "/manifests/" + reference, null, "Authorization",
                "Bearer " + registryToken(repository), "Accept",
                "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json");
    }

    HttpResponse<byte[]> getBlob(String repository, String digest) {
        return send("GET", "/v2/" + repository + "/blobs/" + digest, null, "Authorization",
                "Bearer " + registryToken(repository));
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

    @Override
    public void close() {
        server.stop();
        database.close();
    }
}
