import dev.wharf.app.WharfServer;
import dev.wharf.config.ConfigLoader;
import dev.wharf.model.Digest;
import dev.wharf.storage.meta.Database;
import dev.wharf.storage.meta.ManifestWrite;
import dev.wharf.storage.meta.MetadataStore;
import dev.wharf.storage.meta.SqlMetadataStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.IntFunction;

/**
 * Image management at scale: fills one namespace with N manifests (every tenth an index of the two before it,
 * so children are present and excluded) and 2 current tags per manifest straight through the MetadataStore,
 * then starts a node on that data (SQLite; auth and the Hub rate limit off, as a load test needs) and times the
 * images list, the OCI tag list and the images summary over HTTP, one request at a time, client in the same JVM.
 * Run by bench/images.sh: java -cp target/wharf.jar bench/ImagesBench.java [N] [R].
 */
public class ImagesBench {
    static final String REPO = "bench/app";

    public static void main(String[] args) throws Exception {
        int manifests = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
        int requests = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
        Path dir = Files.createTempDirectory("wharf-images-bench");
        try {
            long t0 = System.nanoTime();
            int tags = fill(dir, manifests);
            System.err.printf("filled %d manifests, %d tags in %.1f s%n", manifests, tags,
                    (System.nanoTime() - t0) / 1e9);
            WharfServer server = WharfServer.start(ConfigLoader.load(List.of("--addr", "127.0.0.1:0", "--data-dir",
                    dir.toString(), "--auth-enabled", "false", "--ratelimit-enabled", "false", "--log-access",
                    "false"), Map.of()));
            try {
                measure("http://127.0.0.1:" + server.port(), manifests, requests);
            } finally {
                server.stop();
            }
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Pushes span the last 120 days; a third of the images were also pulled in the last 60. */
    static int fill(Path dir, int count) {
        Instant now = Instant.now();
        Random random = new Random(42);
        int tags = 0;
        try (MetadataStore store = new SqlMetadataStore(Database.open("jdbc:sqlite:" + dir.resolve("wharf.db"),
                null, null, 4, null))) {
            List<Digest> recent = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                Instant pushed = now.minus(Duration.ofMinutes(random.nextInt(120 * 24 * 60)));
                boolean index = i % 10 == 9;
                byte[] content = ("{\"bench\":" + i + "}").getBytes(StandardCharsets.UTF_8);
                Digest digest = Digest.sha256(content);
                List<Digest> children = index ? List.copyOf(recent.subList(recent.size() - 2, recent.size()))
                        : List.of();
                ManifestWrite write = new ManifestWrite(digest, index ? "application/vnd.oci.image.index.v1+json"
                        : "application/vnd.oci.image.manifest.v1+json", null, content, List.of(), children, null,
                        null, content.length);
                store.putManifest(REPO, write, "a" + i, pushed);
                store.putManifest(REPO, write, "b" + i, pushed); // the same manifest again: a second tag
                tags += 2;
                if (random.nextInt(3) == 0) {
                    store.recordPulls(REPO, digest, 1 + random.nextInt(50),
                            now.minus(Duration.ofMinutes(random.nextInt(60 * 24 * 60))));
                }
                recent.add(digest);
            }
        }
        return tags;
    }

    static void measure(String base, int manifests, int requests) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String images = base + "/v2/namespaces/bench/repositories/app/images";
        Random random = new Random(7);
        int lastImagePage = manifests * 8 / 10 / 100; // 80 % of the manifests are images, 100 per page
        String[] orderings = {"-last_activity", "last_activity", "digest", "-digest"};
        List<Row> rows = List.of(
                new Row("images list, first page (page_size=100, each ordering)",
                        i -> images + "?page_size=100&ordering=" + orderings[i % 4]),
                new Row("images list, status=active, first page (page_size=100)",
                        i -> images + "?status=active&page_size=100"),
                new Row("images list, random page 1.." + lastImagePage + " (page_size=100)",
                        i -> images + "?page_size=100&page=" + (1 + random.nextInt(lastImagePage))),
                new Row("OCI tag list, n=100 from a random tag", i -> base + "/v2/" + REPO + "/tags/list?n=100&last=a"
                        + random.nextInt(manifests)),
                new Row("images-summary", i -> images + "-summary"));
        System.out.println("| request | p50 ms | p99 ms | max ms |");
        System.out.println("|---|---:|---:|---:|");
        for (Row row : rows) {
            for (int i = 0; i < Math.min(300, requests); i++) time(http, row.url.apply(i)); // JIT and caches
            long[] nanos = new long[requests];
            for (int i = 0; i < requests; i++) nanos[i] = time(http, row.url.apply(i));
            Arrays.sort(nanos);
            System.out.printf("| %s | %.2f | %.2f | %.2f |%n", row.name, nanos[requests / 2] / 1e6,
                    nanos[(int) Math.ceil(requests * 0.99) - 1] / 1e6, nanos[requests - 1] / 1e6);
        }
    }

    record Row(String name, IntFunction<String> url) {}

    static long time(HttpClient http, String url) throws Exception {
        long start = System.nanoTime();
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        long took = System.nanoTime() - start;
        if (r.statusCode() != 200) throw new IllegalStateException(url + " -> " + r.statusCode());
        return took;
    }
}
