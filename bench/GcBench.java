import dev.wharf.gc.GarbageCollector;
import dev.wharf.model.Digest;
import dev.wharf.storage.blob.BlobStore;
import dev.wharf.storage.blob.FilesystemBlobStore;
import dev.wharf.storage.blob.S3BlobStore;
import dev.wharf.storage.meta.Database;
import dev.wharf.storage.meta.GarbageStore;
import dev.wharf.storage.meta.ManifestWrite;
import dev.wharf.storage.meta.SqlMetadataStore;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Garbage collection throughput: N unreferenced blobs (1 KiB each, uploaded through the blob store, rows written
 * in bulk, their review long due) beside 1,000 tagged images of 10 blobs each that must survive; then one pass
 * of the collector, timed, while a writer thread keeps reserving and linking new blobs and records how long each
 * of those transactions waited (the collector must not stop the world). Checks afterwards that exactly the
 * referenced blobs are left, in the database and in storage.
 *
 * <p>Run by bench/gc.sh: java -cp target/wharf.jar bench/GcBench.java [N] [jdbc-url schema s3-endpoint bucket]
 * Without the optional arguments: SQLite file and filesystem store in a temp directory (the embedded default).
 */
public class GcBench {
    static final int IMAGES = 1_000;
    static final int BLOBS_PER_IMAGE = 10;

    public static void main(String[] args) throws Exception {
        int garbage = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        Path dir = Files.createTempDirectory("wharf-gc-bench");
        boolean external = args.length >= 5;
        Database database = external
                ? Database.open(args[1], "postgres", null, 8, args[2])
                : Database.open("jdbc:sqlite:" + dir.resolve("wharf.db"), null, null, 8, null);
        BlobStore blobs = external
                ? S3BlobStore.singleWriter(new S3BlobStore.Settings(args[3], "us-east-1", args[4], "gc-bench-"
                        + UUID.randomUUID() + "/", true, "wharf-test", "wharf-test-secret"), dir.resolve("s3-buffer"))
                : new FilesystemBlobStore(dir.resolve("storage"));
        SqlMetadataStore meta = new SqlMetadataStore(database);
        try {
            Instant old = Instant.now().minus(Duration.ofDays(3));
            long t0 = System.nanoTime();
            List<Digest> referenced = fillImages(meta, blobs, old);
            fillGarbage(database, blobs, garbage, old);
            System.err.printf("filled %d unreferenced and %d referenced blobs (%s, %s) in %.1f s%n", garbage,
                    referenced.size(), database.dialect(), blobs.kind(), (System.nanoTime() - t0) / 1e9);

            GarbageStore store = new GarbageStore(database);
            GarbageCollector gc = new GarbageCollector(meta, store, blobs, Duration.ofDays(1), Duration.ofDays(1),
                    Clock.systemUTC(), "bench", null);
            AtomicBoolean stop = new AtomicBoolean();
            List<Long> waits = new ArrayList<>();
            Thread writer = Thread.ofPlatform().start(() -> {
                Random random = new Random(1);
                while (!stop.get()) {
                    Digest d = Digest.sha256(("writer " + random.nextLong()).getBytes(StandardCharsets.UTF_8));
                    long s = System.nanoTime();
                    long generation = meta.reserveBlob(d, 10, Instant.now());
                    meta.linkReservedBlob("bench/writer", d, generation, Instant.now());
                    synchronized (waits) {
                        waits.add(System.nanoTime() - s);
                    }
                }
            });
            long p0 = System.nanoTime();
            GarbageCollector.Report report = gc.run(false);
            double seconds = (System.nanoTime() - p0) / 1e9;
            stop.set(true);
            writer.join();

            long stored = 0;
            for (Iterator<Digest> it = blobs.list(); it.hasNext(); it.next()) stored++;
            long rows = meta.blobStats().count();
            long[] w = waits.stream().mapToLong(Long::longValue).sorted().toArray();
            System.out.printf("| %s + %s | %,d | %,d | %.1f | %,.0f | %,d | %d / %d | %.1f / %.1f / %.1f |%n",
                    database.dialect(), blobs.kind(), garbage, report.blobsDeleted(), seconds,
                    report.blobsDeleted() / seconds, report.bytesReclaimed(), stored, rows - w.length,
                    pct(w, 50), pct(w, 99), w.length == 0 ? 0 : w[w.length - 1] / 1e6);
            System.err.printf("writer: %d link transactions during the pass%n", w.length);
            if (report.blobsDeleted() != garbage || stored != referenced.size() || rows - w.length != referenced.size()) {
                throw new IllegalStateException("expected " + garbage + " deleted and " + referenced.size()
                        + " left; got " + report.blobsDeleted() + " deleted, " + stored + " in storage, "
                        + (rows - w.length) + " rows");
            }
        } finally {
            if (external) database.jdbi().useHandle(h -> h.execute("DROP SCHEMA " + args[2] + " CASCADE"));
            meta.close();
            if (blobs instanceof AutoCloseable c) c.close();
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The images that must survive: uploaded and pushed through the store's own write paths. */
    static List<Digest> fillImages(SqlMetadataStore meta, BlobStore blobs, Instant at) throws Exception {
        List<Digest> all = new ArrayList<>();
        for (int i = 0; i < IMAGES; i++) {
            List<Digest> layers = new ArrayList<>();
            for (int j = 0; j < BLOBS_PER_IMAGE; j++) {
                byte[] bytes = ("kept " + i + "/" + j).getBytes(StandardCharsets.UTF_8);
                Digest d = Digest.sha256(bytes);
                publish(blobs, d, bytes);
                meta.linkBlob("bench/kept", d, bytes.length, at); // reserve and link in one transaction
                layers.add(d);
            }
            byte[] content = ("{\"image\":" + i + "}").getBytes(StandardCharsets.UTF_8);
            meta.putManifest("bench/kept", new ManifestWrite(Digest.sha256(content),
                    "application/vnd.oci.image.manifest.v1+json", null, content, layers, List.of(), null, null, 1),
                    "v" + i, at);
            all.addAll(layers);
        }
        return all;
    }

    /** Unreferenced blobs: bytes through the blob store, rows (blob, link, due review) in bulk. */
    static void fillGarbage(Database database, BlobStore blobs, int count, Instant at) throws Exception {
        byte[] bytes = new byte[1024];
        Random random = new Random(42);
        List<Digest> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            random.nextBytes(bytes);
            Digest d = Digest.sha256(bytes);
            publish(blobs, d, bytes);
            batch.add(d);
            if (batch.size() == 5_000 || i == count - 1) {
                insertRows(database, batch, at);
                batch.clear();
            }
        }
    }

    static void insertRows(Database database, List<Digest> digests, Instant at) {
        database.inWriteTransaction(h -> {
            long repo = h.createQuery("SELECT id FROM repositories WHERE name = 'bench/kept'").mapTo(Long.class).one();
            var blobsBatch = h.prepareBatch("INSERT INTO blobs (digest, size, created_at) VALUES (:d, 1024, :at)");
            var links = h.prepareBatch(
                    "INSERT INTO repository_blobs (repository_id, digest, linked_at) VALUES (:repo, :d, :at)");
            var queue = h.prepareBatch("INSERT INTO gc_blob_queue (digest, touched_at) VALUES (:d, :at)");
            for (Digest d : digests) {
                blobsBatch.bind("d", d.toString()).bind("at", at.toEpochMilli()).add();
                links.bind("repo", repo).bind("d", d.toString()).bind("at", at.toEpochMilli()).add();
                queue.bind("d", d.toString()).bind("at", at.toEpochMilli()).add();
            }
            blobsBatch.execute();
            links.execute();
            queue.execute();
            return null;
        });
    }

    static void publish(BlobStore blobs, Digest digest, byte[] bytes) throws Exception {
        String id = UUID.randomUUID().toString();
        blobs.createUpload(id);
        blobs.append(id, 0, new ByteArrayInputStream(bytes));
        blobs.publish(id, digest);
    }

    static double pct(long[] sorted, int p) {
        if (sorted.length == 0) return 0;
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)] / 1e6;
    }
}
