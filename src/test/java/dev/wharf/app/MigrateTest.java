package dev.wharf.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.wharf.config.ConfigLoader;
import dev.wharf.model.Digest;
import dev.wharf.storage.blob.S3Proxy;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * An embedded node (SQLite + filesystem) filled over HTTP and the admin CLI is migrated to PostgreSQL (a schema
 * of this run, dropped after) and S3 (S3Proxy); a node on the target then serves every manifest and blob byte for
 * byte. The steps run in order on the same source and target.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MigrateTest {
    private static final String DB_URL = "jdbc:postgresql://127.0.0.1:5432/test";
    private static final String DB_USER = "postgres";
    private static final String BUCKET = "wharf-migrate";
    private static final String MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";

    @TempDir
    static Path work;

    private final String schema = "migrate_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private S3Proxy s3;
    private Path source;
    /** repository:tag → manifest bytes, and every blob pushed, as the source served them. */
    private final Map<String, byte[]> manifests = new LinkedHashMap<>();
    private final Map<Digest, byte[]> blobs = new TreeMap<>();
    private final Map<Digest, String> blobRepository = new LinkedHashMap<>();
    private String lastOutput = "";

    @BeforeAll
    void fillSource() throws Exception {
        assumeTrue(postgresAnswers(), "PostgreSQL does not answer on " + DB_URL + " as " + DB_USER);
        s3 = S3Proxy.start(Files.createDirectory(work.resolve("s3")), BUCKET);
        source = work.resolve("source");
        WharfServer node = WharfServer.start(ConfigLoader.load(List.of("--addr", "127.0.0.1:0", "--data-dir",
                source.toString(), "--log-access", "false", "--auth-enabled", "false"), Map.of()));
        try {
            String base = "http://127.0.0.1:" + node.port();
            Random random = new Random(7);
            byte[] shared = bytes(random, 6 * 1024 * 1024 + 17); // over one S3 part: exercises part objects
            pushImage(base, "alice/app", List.of("1", "latest"), shared, bytes(random, 1000));
            pushImage(base, "alice/app", List.of("2"), bytes(random, 200_000), bytes(random, 3000));
            pushImage(base, "acme/tools", List.of("v1"), shared, bytes(random, 10));
        } finally {
            node.stop();
        }
        AdminCli admin = new AdminCli(new PrintStream(new ByteArrayOutputStream()));
        assertThat(admin.run("user", List.of("create", "alice", "--email", "alice@example.com", "--password",
                "correct horse battery", "--data-dir", source.toString()))).isZero();
        assertThat(admin.run("org", List.of("create", "acme", "--owner", "alice", "--data-dir", source.toString())))
                .isZero();
    }

    @AfterAll
    void cleanUp() throws Exception {
        if (s3 != null) s3.close();
        dropSchema(schema);
    }

    private static void dropSchema(String name) throws SQLException {
        try (Connection db = DriverManager.getConnection(DB_URL, DB_USER, null); Statement s = db.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + name + " CASCADE");
        }
    }

    @Test
    @Order(1)
    void copiesEverythingAndLeavesTheSourceAlone() throws Exception {
        Map<String, Long> before = snapshot(source);

        MigrateCli.Summary summary = migrate("");

        assertThat(summary.blobs().copied()).isEqualTo(blobs.size());
        assertThat(summary.blobs().skipped()).isZero();
        assertThat(summary.blobs().bytesCopied()).isEqualTo(blobs.values().stream().mapToLong(b -> b.length).sum());
        assertThat(copied(summary, "manifests")).isEqualTo(3);
        assertThat(copied(summary, "tags")).isEqualTo(4);
        assertThat(copied(summary, "users")).isEqualTo(2); // the bootstrap administrator and alice
        assertThat(copied(summary, "organizations")).isEqualTo(1);
        // Quota usage is rebuilt by the target's triggers from the copied links, once per namespace and blob.
        List<String> usage = query("SELECT namespace || ':' || SUM(bytes) FROM (SELECT namespace, bytes FROM"
                + " namespace_usage UNION ALL SELECT namespace, bytes FROM namespace_usage_changes) u"
                + " GROUP BY namespace HAVING SUM(bytes) <> 0 ORDER BY 1");
        assertThat(usage).isNotEmpty().isEqualTo(query("SELECT d.ns || ':' || SUM(b.size) FROM (SELECT DISTINCT"
                + " split_part(r.name, '/', 1) AS ns, rb.digest FROM repository_blobs rb JOIN repositories r"
                + " ON r.id = rb.repository_id) d JOIN blobs b ON b.digest = d.digest GROUP BY d.ns ORDER BY 1"));
        assertThat(summary.tables()).extracting(MetadataCopy.TableResult::table).doesNotContain("uploads");
        // So is the search table (V19), with each repository's access words.
        assertThat(query("SELECT s.name || ':' || s.access[2] FROM repository_search s ORDER BY 1")).isNotEmpty()
                .isEqualTo(query("SELECT name || ':n:' || split_part(name, '/', 1) FROM repositories ORDER BY 1"));
        assertThat(snapshot(source)).as("source files, sizes and times").isEqualTo(before);
        assertThat(lastOutput).contains("manifests", "done: ", blobs.size() + " blobs copied",
                "secret_key = the content of " + source.resolve("secret.key"));
    }

    @Test
    @Order(2)
    void aNodeOnTheTargetServesEveryManifestAndBlob() throws Exception {
        String secret = Files.readString(source.resolve("secret.key")).strip();
        WharfServer node = WharfServer.start(ConfigLoader.load(targetFlags("--addr", "127.0.0.1:0", "--data-dir",
                work.resolve("target-node").toString(), "--log-access", "false", "--auth-enabled", "false",
                "--secret-key", secret), Map.of()));
        try {
            String base = "http://127.0.0.1:" + node.port();
            for (Map.Entry<String, byte[]> m : manifests.entrySet()) {
                String[] ref = m.getKey().split(":");
                HttpResponse<byte[]> r = get(base + "/v2/" + ref[0] + "/manifests/" + ref[1], "Accept", MANIFEST_TYPE);
                assertThat(r.statusCode()).as(m.getKey()).isEqualTo(200);
                assertThat(r.body()).as(m.getKey()).isEqualTo(m.getValue());
            }
            for (Map.Entry<Digest, byte[]> b : blobs.entrySet()) {
                HttpResponse<byte[]> r = get(base + "/v2/" + blobRepository.get(b.getKey()) + "/blobs/" + b.getKey());
                assertThat(r.statusCode()).as(b.getKey().toString()).isEqualTo(200);
                assertThat(r.body()).as(b.getKey().toString()).isEqualTo(b.getValue());
            }
            assertThat(new String(get(base + "/v2/alice/app/tags/list").body(), StandardCharsets.UTF_8))
                    .contains("\"1\"", "\"2\"", "\"latest\"");
            // Sequences were moved past the copied ids: a new push gets fresh ids instead of a key conflict.
            pushImage(base, "alice/new", List.of("1"), "fresh layer".getBytes(StandardCharsets.UTF_8), new byte[] {1});
            manifests.remove("alice/new:1"); // not part of the source: later steps compare with the source only
            blobs.keySet().retainAll(blobRepository.entrySet().stream().filter(e -> !e.getValue().equals("alice/new"))
                    .map(Map.Entry::getKey).toList());
        } finally {
            node.stop();
        }
        assertThat(query("SELECT o.name || ':' || u.username || ':' || m.role FROM org_members m"
                + " JOIN organizations o ON o.id = m.org_id JOIN users u ON u.id = m.user_id"))
                .containsExactly("acme:alice:owner");
    }

    @Test
    @Order(3)
    void aSecondRunCopiesNothingNew() {
        MigrateCli.Summary again = migrate("");

        assertThat(again.blobs().copied()).isZero();
        assertThat(again.blobs().skipped()).isEqualTo(blobs.size());
        assertThat(again.tables()).allSatisfy(t -> assertThat(t.copied()).as(t.table()).isZero());
        assertThat(again.tables()).filteredOn(t -> t.table().equals("manifests"))
                .singleElement().extracting(MetadataCopy.TableResult::present).isEqualTo(3L);
    }

    @Test
    @Order(4)
    void aTargetWhereANodeRanBeforeIsRefused() throws Exception {
        String other = schema + "_other";
        try {
            List<String> flags = targetFlags("--addr", "127.0.0.1:0", "--data-dir", work.resolve("other").toString(),
                    "--log-access", "false", "--auth-enabled", "false");
            flags.set(flags.indexOf(schema), other);
            WharfServer.start(ConfigLoader.load(flags, Map.of())).stop(); // creates its own admin and signing key

            List<String> args = new ArrayList<>(List.of("--from-data-dir", source.toString()));
            for (String a : targetFlags("--db-schema", other, "--storage-s3-prefix", "other")) {
                args.add(a.startsWith("--") ? "--to-" + a.substring(2) : a);
            }
            assertThatThrownBy(() -> new MigrateCli(new PrintStream(new ByteArrayOutputStream()), Map.of())
                    .migrate(args))
                    .isInstanceOf(MigrateException.class)
                    .hasMessageContaining("the target's signing_keys row id=token-signing differs from the source's");
        } finally {
            dropSchema(other);
        }
    }

    /**
     * The move of a large store with a short stop: {@code --blobs-only} while the old node runs (its WAL exists, so
     * a full run is refused), then the full run after the stop copies only the blobs pushed since, and the rows.
     */
    @Test
    @Order(5)
    void blobsOnlyCopiesARunningNodesBlobsSoThatTheRunAfterTheStopCopiesOnlyWhatCameSince() throws Exception {
        String live = schema + "_live"; // a target of its own, as an operator's would be
        WharfServer node = WharfServer.start(ConfigLoader.load(List.of("--addr", "127.0.0.1:0", "--data-dir",
                source.toString(), "--log-access", "false", "--auth-enabled", "false"), Map.of()));
        int beforeCopy;
        int afterCopy;
        try {
            String base = "http://127.0.0.1:" + node.port();
            Random random = new Random(11);
            pushImage(base, "alice/app", List.of("3"), bytes(random, 300_000), bytes(random, 500));
            beforeCopy = blobs.size();
            assertThatThrownBy(() -> migrateTo(live, "live")).isInstanceOf(MigrateException.class)
                    .hasMessageContaining("-wal exists");

            MigrateCli.Summary early = migrateTo(live, "live", MigrateCli.BLOBS_ONLY);
            assertThat(early.blobs().copied()).isEqualTo(beforeCopy);
            assertThat(early.blobs().gone()).isZero();
            assertThat(early.tables()).as("no metadata while the node runs").isEmpty();
            assertThat(lastOutput).contains("the node may keep running", "next: stop the node");
            assertThat(query(live, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '" + live
                    + "'")).as("the target database is not touched").containsExactly("0");

            pushImage(base, "alice/app", List.of("4"), bytes(random, 400_000), bytes(random, 700));
            afterCopy = blobs.size();
        } finally {
            node.stop();
        }

        // The first target had a node of its own (step 2 pushed alice/new there, under the id the source has
        // given alice/app:3 since): migrate says so instead of failing on a foreign key in the database's words.
        assertThatThrownBy(() -> migrate("")).isInstanceOf(MigrateException.class)
                .hasMessageContaining("holds rows this source did not write")
                .hasMessageContaining("was a node started on it before migrate finished?");
        try {
            MigrateCli.Summary rest = migrateTo(live, "live");
            assertThat(rest.blobs().copied()).as("only the blobs pushed after the copy")
                    .isEqualTo(afterCopy - beforeCopy);
            assertThat(rest.blobs().skipped()).isEqualTo(beforeCopy);
            // One row per repository and manifest: alice/app's 1 and latest are one.
            assertThat(copied(rest, "manifests")).isEqualTo(manifests.entrySet().stream()
                    .map(e -> e.getKey().split(":")[0] + "@" + Digest.sha256(e.getValue())).distinct().count());
        } finally {
            dropSchema(live);
        }
    }

    @Test
    @Order(6)
    void aCorruptSourceBlobStopsTheMigrationNamingItsDigest() throws Exception {
        Digest victim = blobs.keySet().iterator().next();
        Path file = source.resolve("storage/blobs/sha256").resolve(victim.hex().substring(0, 2)).resolve(victim.hex());
        byte[] bad = Files.readAllBytes(file);
        bad[bad.length / 2] ^= 1;
        file.toFile().setWritable(true);
        Files.write(file, bad);

        // A fresh prefix, so the corrupt blob is not skipped as already copied.
        assertThatThrownBy(() -> migrate("corrupt"))
                .isInstanceOf(MigrateException.class)
                .hasMessageContaining("blob " + victim + " is corrupt in the source");
    }

    private MigrateCli.Summary migrate(String prefix) {
        return migrateTo(schema, prefix);
    }

    private MigrateCli.Summary migrateTo(String targetSchema, String prefix, String... more) {
        List<String> args = new ArrayList<>(List.of("--from-data-dir", source.toString()));
        args.addAll(List.of(more));
        List<String> target = targetFlags("--storage-s3-prefix", prefix);
        target.set(target.indexOf(schema), targetSchema);
        for (String a : target) args.add(a.startsWith("--") ? "--to-" + a.substring(2) : a);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            return new MigrateCli(new PrintStream(out, true, StandardCharsets.UTF_8), Map.of()).migrate(args);
        } finally {
            lastOutput = out.toString(StandardCharsets.UTF_8);
            System.out.print(lastOutput); // the progress an operator sees, in the test report
        }
    }

    private List<String> targetFlags(String... more) {
        List<String> flags = new ArrayList<>(List.of("--db-url", DB_URL, "--db-user", DB_USER, "--db-schema", schema,
                "--storage-driver", "s3", "--storage-s3-endpoint", s3.endpoint(), "--storage-s3-bucket", BUCKET,
                "--storage-s3-region", S3Proxy.REGION, "--storage-s3-path-style", "true",
                "--storage-s3-access-key", S3Proxy.ACCESS_KEY, "--storage-s3-secret-key", S3Proxy.SECRET_KEY));
        flags.addAll(List.of(more));
        return flags;
    }

    private static long copied(MigrateCli.Summary summary, String table) {
        return summary.tables().stream().filter(t -> t.table().equals(table)).findFirst().orElseThrow().copied();
    }

    private void pushImage(String base, String repo, List<String> tags, byte[] layer, byte[] config) throws Exception {
        Digest c = pushBlob(base, repo, config);
        Digest l = pushBlob(base, repo, layer);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MANIFEST_TYPE + "\",\"config\":{\"mediaType\":"
                + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + c + "\",\"size\":" + config.length
                + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" + l
                + "\",\"size\":" + layer.length + "}]}").getBytes(StandardCharsets.UTF_8);
        for (String tag : tags) {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v2/" + repo + "/manifests/"
                    + tag)).header("Content-Type", MANIFEST_TYPE).PUT(HttpRequest.BodyPublishers.ofByteArray(manifest))
                    .build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(r.statusCode()).as("manifest push " + repo + ":" + tag).isEqualTo(201);
            manifests.put(repo + ":" + tag, manifest);
        }
    }

    private Digest pushBlob(String base, String repo, byte[] content) throws Exception {
        Digest d = Digest.sha256(content);
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v2/" + repo
                + "/blobs/uploads/?digest=" + d)).POST(HttpRequest.BodyPublishers.ofByteArray(content)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as("blob push").isEqualTo(201);
        blobs.putIfAbsent(d, content);
        blobRepository.putIfAbsent(d, repo);
        return d;
    }

    private HttpResponse<byte[]> get(String url, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private List<String> query(String sql) throws SQLException {
        return query(schema, sql);
    }

    private List<String> query(String targetSchema, String sql) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection db = DriverManager.getConnection(DB_URL, DB_USER, null); Statement s = db.createStatement()) {
            s.execute("SET search_path TO " + targetSchema);
            try (ResultSet r = s.executeQuery(sql)) {
                while (r.next()) rows.add(r.getString(1));
            }
        }
        return rows;
    }

    /** Every file under {@code dir} with its size and modification time. */
    private static Map<String, Long> snapshot(Path dir) throws Exception {
        Map<String, Long> files = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.toList()) {
                files.put(dir.relativize(p) + " size", Files.isDirectory(p) ? 0 : Files.size(p));
                files.put(dir.relativize(p) + " mtime", Files.getLastModifiedTime(p).toMillis());
            }
        }
        return files;
    }

    private static byte[] bytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static boolean postgresAnswers() {
        DriverManager.setLoginTimeout(5);
        try (Connection ignored = DriverManager.getConnection(DB_URL, DB_USER, null)) {
            return true;
        } catch (SQLException e) {
            return false;
        }
    }
}
