package dev.wharf.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.app.WharfServer;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.PasswordHasher;
import dev.wharf.config.ConfigLoader;
import dev.wharf.config.WharfConfig;
import dev.wharf.model.Digest;
import dev.wharf.storage.meta.Database;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The one in-process Wharf that server tests start: a free loopback port, the test's data directory, no access
 * log, and whatever the builder adds (auth off, a test clock, a PostgreSQL schema, further flags). Around it: a
 * plain HTTP client ({@link #send}), the test's own handle on the node's database (opened on first use, for
 * the things no HTTP API makes: users, organizations, repository privacy), and monolithic image pushes.
 *
 * <p>The area clients (the Hub's JSON client, the Cycle client, the registry protocol client) wrap one of these.
 */
public final class TestServer implements AutoCloseable {
    public static final ObjectMapper JSON = new ObjectMapper();
    public static final String ADMIN = "admin";
    /** The administrator's password unless the builder says otherwise. */
    public static final String ADMIN_PASSWORD = "Adm1n-secret-for-tests";
    /**
     * The Argon2id cost of the passwords test servers and their tests hash: 1 MiB and one pass instead of the
     * production 19 MiB and two, which took about 40% of the CPU of the server tests. PasswordHasherTest covers
     * the production cost, and the real-client tests (*IT) run the packaged jar, which always uses it.
     */
    public static final PasswordHasher PASSWORDS = new PasswordHasher(1024, 1, 1);

    public final WharfConfig config;
    public final WharfServer server;
    public final String base;
    private final Clock clock;
    private final PostgresSchema schema;
    private final Path ownDataDir;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private Database database;
    private AccountService accounts;

    private TestServer(Builder b) {
        List<String> args = new ArrayList<>(List.of("--addr", "127.0.0.1:0", "--log-access", "false"));
        if (b.dataDir != null) args.addAll(List.of("--data-dir", b.dataDir.toString()));
        // An administrator where auth is on; the open registries of the protocol tests need none.
        String adminPassword = b.adminPassword != null ? b.adminPassword : b.auth ? ADMIN_PASSWORD : null;
        if (adminPassword != null) args.addAll(List.of("--admin-password", adminPassword));
        if (!b.auth) args.addAll(List.of("--auth-enabled", "false"));
        if (b.schema != null) args.addAll(List.of(b.schema.serverArgs()));
        args.addAll(b.flags);
        config = ConfigLoader.load(args, Map.of());
        clock = b.clock;
        schema = b.schema;
        ownDataDir = b.ownDataDir;
        server = WharfServer.start(config, clock, PASSWORDS);
        base = "http://127.0.0.1:" + server.port();
    }

    /** A node on {@code dataDir} with auth on and {@link #ADMIN_PASSWORD}, on the system clock and SQLite. */
    public static Builder builder(Path dataDir) {
        return new Builder(dataDir, false);
    }

    /** As {@link #builder(Path)} on a temporary data directory of its own, removed when the server closes. */
    public static Builder builder() {
        try {
            return new Builder(Files.createTempDirectory("wharf-test-"), true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static final class Builder {
        private final Path dataDir;
        private final Path ownDataDir;
        private boolean auth = true;
        private String adminPassword;
        private Clock clock = Clock.systemUTC();
        private PostgresSchema schema;
        private final List<String> flags = new ArrayList<>();

        private Builder(Path dataDir, boolean own) {
            this.dataDir = dataDir;
            this.ownDataDir = own ? dataDir : null;
        }

        /** Registry auth on or off (the protocol tests are about the protocol). */
        public Builder auth(boolean enabled) {
            auth = enabled;
            return this;
        }

        public Builder adminPassword(String password) {
            adminPassword = password;
            return this;
        }

        public Builder clock(Clock serverClock) {
            clock = serverClock;
            return this;
        }

        /** The metadata on a PostgreSQL schema instead of SQLite (null: SQLite); dropped when the server closes. */
        public Builder database(PostgresSchema postgres) {
            schema = postgres;
            return this;
        }

        /** Further flags; they override what the builder set. */
        public Builder flags(String... more) {
            flags.addAll(List.of(more));
            return this;
        }

        public TestServer build() {
            return new TestServer(this);
        }
    }

    public Clock clock() {
        return clock;
    }

    /** The test's own connection to the node's database. */
    public synchronized Database database() {
        if (database == null) {
            database = Database.open(config.db().url(), blankToNull(config.db().user()),
                    blankToNull(config.db().password()), 2, blankToNull(config.db().schema()));
        }
        return database;
    }

    /** Accounts on the node's database, hashing at the node's own cost ({@link #PASSWORDS}). */
    public synchronized AccountService accounts() {
        if (accounts == null) accounts = new AccountService(database(), PASSWORDS, clock);
        return accounts;
    }

    /** A request to {@code path} (or to an absolute URL) with header name/value pairs. */
    public HttpResponse<byte[]> send(String method, String path, byte[] body, String... headers) {
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

    /** Pushes a blob monolithically ({@code headers}: e.g. a bearer token); fails unless it was created. */
    public Digest pushBlob(String repository, byte[] content, String... headers) {
        Digest d = Digest.sha256(content);
        HttpResponse<byte[]> r = send("POST", "/v2/" + repository + "/blobs/uploads/?digest=" + d, content, headers);
        if (r.statusCode() != 201) throw new IllegalStateException("blob push: " + r.statusCode() + " " + text(r));
        return d;
    }

    /** Pushes the config and one layer, then an OCI image manifest of them under {@code ref}. */
    public PushedImage pushImage(String repository, String ref, byte[] config, byte[] layer, String... headers) {
        Digest c = pushBlob(repository, config, headers);
        Digest l = pushBlob(repository, layer, headers);
        byte[] manifest = imageManifest(c, config.length, l, layer.length, null).getBytes(StandardCharsets.UTF_8);
        return putManifest(repository, ref, OCI_MANIFEST, manifest, headers);
    }

    /** PUTs a manifest under {@code ref} (null: by its digest). */
    public PushedImage putManifest(String repository, String ref, String mediaType, byte[] manifest,
            String... headers) {
        String reference = ref == null ? Digest.sha256(manifest).toString() : ref;
        return new PushedImage(manifest, send("PUT", "/v2/" + repository + "/manifests/" + reference, manifest,
                header("Content-Type", mediaType, headers)));
    }

    /** One more name/value pair in front of {@code headers}. */
    public static String[] header(String name, String value, String... headers) {
        String[] all = new String[headers.length + 2];
        all[0] = name;
        all[1] = value;
        System.arraycopy(headers, 0, all, 2, headers.length);
        return all;
    }

    /** {@code Authorization: Basic} for the user and secret (an administrator's, for the admin API). */
    public static String[] basic(String user, String secret) {
        return new String[] {"Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString((user + ":" + secret)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8))};
    }

    /** {@code Authorization: Bearer} with the token, or no header at all for none. */
    public static String[] bearer(String token) {
        return token == null ? new String[0] : new String[] {"Authorization", "Bearer " + token};
    }

    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

    /** A manifest and the registry's answer to its PUT. */
    public record PushedImage(byte[] manifest, HttpResponse<byte[]> response) {
        public Digest digest() {
            return Digest.sha256(manifest);
        }

        /** This, once the registry said 201; a failure with the answer otherwise. */
        public PushedImage created() {
            if (response.statusCode() != 201) {
                throw new IllegalStateException("manifest push: " + response.statusCode() + " " + text(response));
            }
            return this;
        }
    }

    public static String imageManifest(Digest config, long configSize, Digest layer, long layerSize,
            String subjectJson) {
        return "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + config
                + "\",\"size\":" + configSize + "},\"layers\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" + layer + "\",\"size\":" + layerSize
                + "}]" + (subjectJson == null ? "" : ",\"subject\":" + subjectJson) + "}";
    }

    public static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    public static JsonNode json(HttpResponse<byte[]> r) {
        try {
            return JSON.readTree(r.body());
        } catch (Exception e) {
            throw new IllegalStateException("not JSON: " + text(r), e);
        }
    }

    /** The sample value of one series on this server's /metrics now (labels exactly as written); fails if absent. */
    public double metric(String series) {
        String scrape = text(send("GET", "/metrics", null));
        Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(scrape);
        if (!m.find()) throw new AssertionError("no series " + series + " on /metrics");
        return Double.parseDouble(m.group(1));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    @Override
    public void close() {
        // First drop this client's kept-alive connections: a graceful stop waits for open connections, and an idle
        // one only goes after Jetty's shutdown idle timeout (1 s), which every test server would otherwise pay.
        http.shutdownNow();
        server.stop();
        if (database != null) database.close();
        if (schema != null) schema.drop();
        if (ownDataDir != null) deleteTree(ownDataDir);
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("could not remove " + root, e);
        }
    }
}
