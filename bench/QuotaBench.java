import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.content.ManifestParser;
import dev.wharf.content.ManifestService;
import dev.wharf.content.PullRecorder;
import dev.wharf.content.QuotaGuard;
import dev.wharf.content.UploadService;
import dev.wharf.model.Digest;
import dev.wharf.quota.NamespaceQuotas;
import dev.wharf.quota.QuotaStore;
import dev.wharf.storage.blob.FilesystemBlobStore;
import dev.wharf.storage.meta.Database;
import dev.wharf.storage.meta.SqlMetadataStore;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.Random;

/**
 * The push-path cost of quota checks: a namespace that already links N distinct blobs (default 10,000) and has a
 * quota; pushes of small images (config + 3 layers of 4 KiB + manifest, through UploadService and ManifestService,
 * SQLite + filesystem) alternate push by push between services without a guard and with NamespaceQuotas, so both
 * see the same database size and machine load; usage changes are folded after each round, as the quota sweep does
 * every 30 s. Prints the median per push of each, and the cost of one check alone.
 *
 * <p>java -cp target/classes:$(deps) bench/QuotaBench.java [N] [pushes per round] [rounds]
 */
public class QuotaBench {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int perRound = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        Path dir = Files.createTempDirectory("quota-bench");
        Database db = Database.open("jdbc:sqlite:" + dir.resolve("wharf.db"), null, null, 4, null);
        SqlMetadataStore meta = new SqlMetadataStore(db);
        FilesystemBlobStore blobs = new FilesystemBlobStore(dir.resolve("storage"));
        Clock clock = Clock.systemUTC();
        QuotaStore store = new QuotaStore(db);
        NamespaceQuotas quotas = new NamespaceQuotas(store, clock);
        ObjectMapper json = new ObjectMapper();
        UploadService plainUploads = new UploadService(blobs, meta, clock, QuotaGuard.NONE);
        ManifestService plainManifests = new ManifestService(meta, new ManifestParser(json), new PullRecorder(meta),
                clock, QuotaGuard.NONE);
        UploadService guardedUploads = new UploadService(blobs, meta, clock, quotas);
        ManifestService guardedManifests = new ManifestService(meta, new ManifestParser(json),
                new PullRecorder(meta), clock, quotas);

        long t0 = System.nanoTime();
        db.inWriteTransaction(h -> {
            h.execute("INSERT INTO repositories (name, created_at) VALUES ('bench/filler', 0)");
            var blob = h.prepareBatch("INSERT INTO blobs (digest, size, created_at) VALUES (?, 1000, 0)");
            var link = h.prepareBatch("INSERT INTO repository_blobs (repository_id, digest, linked_at)"
                    + " VALUES ((SELECT id FROM repositories WHERE name = 'bench/filler'), ?, 0)");
            for (int i = 0; i < n; i++) {
                String d = Digest.sha256(("filler " + i).getBytes(StandardCharsets.UTF_8)).toString();
                blob.add(d);
                link.add(d);
            }
            blob.execute();
            link.execute();
            return null;
        });
        System.out.printf("filled %d blobs in %d ms%n", n, (System.nanoTime() - t0) / 1_000_000);
        store.set("bench", Long.MAX_VALUE / 2, 1_000_000L, 80, "bench", clock.instant());

        Random random = new Random(1);
        long[] plain = new long[perRound * rounds];
        long[] guarded = new long[perRound * rounds];
        int p = 0;
        int g = 0;
        for (int warm = 0; warm < 100; warm++) push(plainUploads, plainManifests, random, "warm");
        for (int warm = 0; warm < 100; warm++) push(guardedUploads, guardedManifests, random, "warm");
        store.compact(); // what every node's quota sweep does every 30 s
        for (int r = 0; r < rounds; r++) {
            // alternate push by push, so both see the same machine (other processes share its cores)
            for (int i = 0; i < perRound; i++) {
                plain[p++] = push(plainUploads, plainManifests, random, "plain");
                guarded[g++] = push(guardedUploads, guardedManifests, random, "guard");
            }
            store.compact();
        }
        long[] checks = new long[2000];
        Digest probe = Digest.sha256("probe".getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < checks.length; i++) {
            long s = System.nanoTime();
            quotas.beforeBlob("bench/app", probe, 4096);
            checks[i] = System.nanoTime() - s;
        }
        long[] missing = new long[2000];
        for (int i = 0; i < missing.length; i++) {
            long s = System.nanoTime();
            quotas.beforeBlob("noquota/app", probe, 4096);
            missing[i] = System.nanoTime() - s;
        }
        System.out.printf("namespace usage %d bytes in %d distinct blobs%n", store.get("bench").usedBytes(),
                n + 4 * (plain.length + guarded.length + 200));
        System.out.printf("push (4 blobs + manifest), median: without quota %.3f ms, with quota %.3f ms (%+.1f %%)%n",
                median(plain) / 1e6, median(guarded) / 1e6, 100.0 * (median(guarded) - median(plain)) / median(plain));
        System.out.printf("one check, median: namespace with quota %.3f ms, without quota %.3f ms%n",
                median(checks) / 1e6, median(missing) / 1e6);
        meta.close();
    }

    static long push(UploadService uploads, ManifestService manifests, Random random, String kind) {
        long start = System.nanoTime();
        byte[] config = ("{\"k\":\"" + kind + random.nextLong() + "\"}").getBytes(StandardCharsets.UTF_8);
        Digest c = Digest.sha256(config);
        uploads.uploadWhole("bench/app", c, new ByteArrayInputStream(config));
        StringBuilder layers = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            byte[] layer = new byte[4096];
            random.nextBytes(layer);
            Digest d = Digest.sha256(layer);
            uploads.uploadWhole("bench/app", d, new ByteArrayInputStream(layer));
            if (i > 0) layers.append(',');
            layers.append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"").append(d)
                    .append("\",\"size\":4096}");
        }
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + c
                + "\",\"size\":" + config.length + "},\"layers\":[" + layers + "]}";
        manifests.put("bench/app", "t" + random.nextInt(1000), "application/vnd.oci.image.manifest.v1+json",
                manifest.getBytes(StandardCharsets.UTF_8));
        return System.nanoTime() - start;
    }

    static double median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
